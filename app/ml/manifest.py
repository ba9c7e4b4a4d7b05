"""ModelManifest: what is known about a saved model file, written as JSON beside it.

It carries everything the model registry table stores (name, symbol, timeframe, algorithm, features,
parameters, scikit-learn version, sha256, training metrics), so the registry can be rebuilt from the
models folder and an exported model travels with its description.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.enums import Timeframe
from app.ml.algorithms import Algorithm
from app.ml.errors import ModelStoreError
from app.ml.metrics import PerformanceMetrics
from app.ml.money import BacktestMoney

MANIFEST_FORMAT = 1
MODEL_SUFFIX = ".skops"
MANIFEST_SUFFIX = ".json"


@dataclass(frozen=True, slots=True)
class ModelManifest:
    """A saved model's description; `sha256` is the hash of the file `file_name` in the models folder."""

    model_id: str
    name: str
    symbol: str
    timeframe: Timeframe
    algorithm: Algorithm
    feature_names: tuple[str, ...]
    parameters: dict[str, Any] = field(hash=False)
    sklearn_version: str
    created_at: datetime
    sha256: str
    file_name: str
    seed: int
    bars: int
    samples: int
    data_from: datetime
    data_until: datetime
    oos_accuracy: float
    baseline_accuracy: float
    backtest: PerformanceMetrics
    # None for models trained before backtests were priced in pips and money (theirs is in price units).
    backtest_money: BacktestMoney | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: enums as values, times as ISO 8601 UTC, metrics as `PerformanceMetrics.to_dict`."""
        return {
            "format": MANIFEST_FORMAT,
            "model_id": self.model_id,
            "name": self.name,
            "symbol": self.symbol,
            "timeframe": self.timeframe.value,
            "algorithm": self.algorithm.value,
            "feature_names": list(self.feature_names),
            "parameters": self.parameters,
            "sklearn_version": self.sklearn_version,
            "created_at": _iso(self.created_at),
            "sha256": self.sha256,
            "file_name": self.file_name,
            "seed": self.seed,
            "bars": self.bars,
            "samples": self.samples,
            "data_from": _iso(self.data_from),
            "data_until": _iso(self.data_until),
            "oos_accuracy": self.oos_accuracy,
            "baseline_accuracy": self.baseline_accuracy,
            "backtest": self.backtest.to_dict(),
            **({"backtest_money": self.backtest_money.to_dict()} if self.backtest_money else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelManifest:
        """Inverse of `to_dict`; raises ModelStoreError naming what is missing or wrong."""
        if data.get("format") != MANIFEST_FORMAT:
            raise ModelStoreError(
                f"manifest format {data.get('format')!r} is not {MANIFEST_FORMAT}; "
                "it was written by another MT5 Desk version"
            )
        try:
            return cls(
                model_id=str(data["model_id"]),
                name=str(data["name"]),
                symbol=str(data["symbol"]),
                timeframe=Timeframe(data["timeframe"]),
                algorithm=Algorithm(data["algorithm"]),
                feature_names=tuple(str(name) for name in data["feature_names"]),
                parameters=dict(data["parameters"]),
                sklearn_version=str(data["sklearn_version"]),
                created_at=datetime.fromisoformat(data["created_at"]),
                sha256=str(data["sha256"]),
                file_name=str(data["file_name"]),
                seed=int(data["seed"]),
                bars=int(data["bars"]),
                samples=int(data["samples"]),
                data_from=datetime.fromisoformat(data["data_from"]),
                data_until=datetime.fromisoformat(data["data_until"]),
                oos_accuracy=float(data["oos_accuracy"]),
                baseline_accuracy=float(data["baseline_accuracy"]),
                backtest=PerformanceMetrics.from_dict(data["backtest"]),
                backtest_money=(
                    BacktestMoney.from_dict(data["backtest_money"]) if "backtest_money" in data else None
                ),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelStoreError(f"the manifest is incomplete or damaged ({error!r})") from error

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)


def read_manifest(path: Path) -> ModelManifest:
    """The manifest at `path`, or beside the model file `path`; ModelStoreError when absent or unreadable."""
    path = Path(path)
    manifest_path = path if path.suffix == MANIFEST_SUFFIX else path.with_suffix(MANIFEST_SUFFIX)
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelStoreError(
            f"{manifest_path.name} is missing: a model file travels with its manifest (the .json file "
            "of the same name that MT5 Desk's export writes beside it)"
        ) from None
    except (OSError, ValueError) as error:
        raise ModelStoreError(f"cannot read the manifest {manifest_path}: {error}") from error
    if not isinstance(data, dict):
        raise ModelStoreError(f"the manifest {manifest_path.name} is not a JSON object")
    try:
        return ModelManifest.from_dict(data)
    except ModelStoreError as error:
        raise ModelStoreError(f"{manifest_path.name}: {error}") from error


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
