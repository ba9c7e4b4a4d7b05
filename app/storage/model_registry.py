"""The model registry: which models the desk knows, how each trades, and every prediction each made.

A model's manifest (app.ml, which storage may not import) arrives as anything with its attributes and a
`to_dict()`; the registry keeps the searchable parts in columns and the rest as JSON, and gives the whole
manifest back as a dict (`RegisteredModel.manifest_dict`) for `ModelManifest.from_dict`.

Each model gets a magic number of its own, derived from its id, so its orders and positions can be told
apart in the terminal (and by any other tool reading MetaTrader 5) from everyone else's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.core.enums import OrderAction, Side, Timeframe, TradeSource, TradeStatus
from app.core.models import ModelSettings
from app.core.settings import FIRST_ACCOUNT_ID
from app.storage.database import Database
from app.storage.errors import JournalError
from app.storage.tables import ModelRow, PredictionRow, TradeRow

MAGIC_BASE = 700_000_000
MAGIC_SPAN = 100_000_000
# The manifest keys kept in their own columns; everything else of the manifest goes to metrics_json.
_COLUMN_KEYS = (
    "model_id",
    "name",
    "symbol",
    "timeframe",
    "algorithm",
    "feature_names",
    "parameters",
    "sklearn_version",
    "sha256",
    "file_name",
    "created_at",
)


class ManifestLike(Protocol):
    """What the registry reads of an app.ml ModelManifest."""

    # Read-only properties, so that a frozen dataclass (ModelManifest) satisfies the protocol.
    @property
    def model_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def timeframe(self) -> Timeframe: ...
    @property
    def created_at(self) -> datetime: ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A registry row: the model's description, its magic number, settings and whether it trades."""

    model_id: str
    name: str
    symbol: str
    timeframe: Timeframe
    algorithm: str
    feature_names: tuple[str, ...]
    sklearn_version: str
    sha256: str
    file_name: str
    magic: int
    settings: ModelSettings
    enabled: bool
    created_at: datetime
    manifest: Mapping[str, Any]
    account_id: str = FIRST_ACCOUNT_ID  # the desk account the model trades on

    def manifest_dict(self) -> dict[str, Any]:
        """The manifest as `ModelManifest.to_dict` wrote it, with `file_name` where the registry keeps it."""
        return {**self.manifest, "file_name": self.file_name}


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """One logged prediction; `side` None when the model saw both directions as equally likely."""

    model_id: str
    bar_time: datetime
    side: Side | None
    confidence: float
    acted: bool
    reason: str
    recorded_at: datetime


def magic_for(model_id: str) -> int:
    """The magic number a model id maps to before any collision is resolved."""
    digest = hashlib.sha256(model_id.encode()).hexdigest()
    return MAGIC_BASE + int(digest[:8], 16) % MAGIC_SPAN


def settings_to_json(settings: ModelSettings) -> str:
    """ModelSettings as the JSON the registry stores."""
    return json.dumps(
        {
            "symbol": settings.symbol,
            "timeframe": Timeframe(settings.timeframe).value,
            "lot_size": settings.lot_size,
            "confidence_threshold": settings.confidence_threshold,
            "sl_pips": settings.sl_pips,
            "tp_pips": settings.tp_pips,
            "max_open_positions": settings.max_open_positions,
            "max_holding_bars": settings.max_holding_bars,
            "trading_hours": list(settings.trading_hours) if settings.trading_hours else None,
        },
        allow_nan=False,
    )


def settings_from_json(text: str) -> ModelSettings:
    """Inverse of `settings_to_json`; JournalError when the stored text is damaged."""
    try:
        data = json.loads(text)
        hours = data.get("trading_hours")
        return ModelSettings(
            symbol=str(data["symbol"]),
            timeframe=Timeframe(data["timeframe"]),
            lot_size=float(data["lot_size"]),
            confidence_threshold=float(data["confidence_threshold"]),
            sl_pips=_optional_float(data.get("sl_pips")),
            tp_pips=_optional_float(data.get("tp_pips")),
            max_open_positions=int(data["max_open_positions"]),
            max_holding_bars=None if data.get("max_holding_bars") is None else int(data["max_holding_bars"]),
            trading_hours=(int(hours[0]), int(hours[1])) if hours else None,
        )
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise JournalError(f"a model's stored settings are damaged ({error!r}); set them again") from error


class ModelRegistry:
    """Registered models and their prediction log, in the journal's database (short transactions)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def add(
        self,
        manifest: ManifestLike,
        file_name: str,
        settings: ModelSettings,
        magic: int | None = None,
        *,
        account_id: str = FIRST_ACCOUNT_ID,
    ) -> RegisteredModel:
        """Register a model on an account, disabled; JournalError when its id is registered or `magic` is
        taken (magic numbers are unique across the desk, so a position's owner is never in doubt)."""
        data = manifest.to_dict()
        extra = {key: value for key, value in data.items() if key not in _COLUMN_KEYS}
        with self._db.write() as session:
            if session.get(ModelRow, manifest.model_id) is not None:
                raise JournalError(f"model {manifest.name!r} ({manifest.model_id}) is already registered")
            taken = set(session.scalars(select(ModelRow.magic)))
            if magic is None:
                magic = _free_magic(magic_for(manifest.model_id), taken)
            elif magic in taken:
                raise JournalError(f"magic number {magic} is already used by another model")
            row = ModelRow(
                model_id=manifest.model_id,
                account_id=account_id,
                name=manifest.name,
                symbol=manifest.symbol,
                timeframe=Timeframe(manifest.timeframe).value,
                algorithm=str(data.get("algorithm", "")),
                feature_names_json=json.dumps(list(data.get("feature_names", []))),
                parameters_json=json.dumps(data.get("parameters", {}), allow_nan=False, default=str),
                sklearn_version=str(data.get("sklearn_version", "")),
                sha256=str(data.get("sha256", "")),
                file_name=file_name,
                metrics_json=json.dumps(extra, allow_nan=False, default=str),
                magic=magic,
                settings_json=settings_to_json(settings),
                enabled=False,
                created_at=manifest.created_at.astimezone(UTC),
            )
            session.add(row)
            session.flush()
            return _model(row)

    def get(self, model_id: str) -> RegisteredModel | None:
        with self._db.read() as session:
            row = session.get(ModelRow, model_id)
            return _model(row) if row is not None else None

    def all(self, account_id: str | None = None) -> list[RegisteredModel]:
        """Every registered model (of one account, or every account with None), oldest first."""
        query = select(ModelRow)
        if account_id is not None:
            query = query.where(ModelRow.account_id == account_id)
        with self._db.read() as session:
            rows = session.scalars(query.order_by(ModelRow.created_at, ModelRow.model_id))
            return [_model(row) for row in rows]

    def set_enabled(self, model_id: str, enabled: bool) -> RegisteredModel:
        with self._db.write() as session:
            row = _require(session, model_id)
            row.enabled = enabled
            return _model(row)

    def disable_all(self, account_id: str | None = None) -> int:
        """Disable every model (of one account, or every account with None); returns how many were
        enabled."""
        query = select(ModelRow).where(ModelRow.enabled.is_(True))
        if account_id is not None:
            query = query.where(ModelRow.account_id == account_id)
        with self._db.write() as session:
            rows = list(session.scalars(query))
            for row in rows:
                row.enabled = False
            return len(rows)

    def update_settings(self, model_id: str, settings: ModelSettings) -> RegisteredModel:
        with self._db.write() as session:
            row = _require(session, model_id)
            row.settings_json = settings_to_json(settings)
            return _model(row)

    def remove(self, model_id: str) -> None:
        """Forget a model and its predictions (its journaled trades stay)."""
        with self._db.write() as session:
            _require(session, model_id)
            session.execute(delete(PredictionRow).where(PredictionRow.model_id == model_id))
            session.execute(delete(ModelRow).where(ModelRow.model_id == model_id))

    def record_prediction(
        self,
        model_id: str,
        bar_time: datetime,
        side: Side | None,
        confidence: float,
        *,
        acted: bool = False,
        reason: str = "",
        at: datetime,
    ) -> None:
        """Log a prediction; logging the same (model, bar) again updates it, and `acted` never goes back."""
        values = {
            "model_id": model_id,
            "bar_time": bar_time,
            "side": side,
            "confidence": confidence,
            "acted": acted,
            "reason": reason,
            "recorded_at": at,
        }
        statement = insert(PredictionRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[PredictionRow.model_id, PredictionRow.bar_time],
            set_={
                "side": statement.excluded.side,
                "confidence": statement.excluded.confidence,
                "acted": PredictionRow.acted | statement.excluded.acted,
                "reason": statement.excluded.reason,
                "recorded_at": statement.excluded.recorded_at,
            },
        )
        with self._db.write() as session:
            session.execute(statement)

    def predictions(self, model_id: str, limit: int = 100) -> list[PredictionRecord]:
        """The model's latest predictions, newest bar first."""
        query = (
            select(PredictionRow)
            .where(PredictionRow.model_id == model_id)
            .order_by(PredictionRow.bar_time.desc())
            .limit(limit)
        )
        with self._db.read() as session:
            return [_prediction(row) for row in session.scalars(query)]

    def auto_trades_since(self, model_id: str, since: datetime) -> int:
        """Opening orders the model sent since `since` (failed ones do not count: nothing was traded)."""
        query = select(func.count()).where(
            TradeRow.model_id == model_id,
            TradeRow.action == OrderAction.OPEN,
            TradeRow.requested_at >= since,
            TradeRow.status != TradeStatus.FAILED,
        )
        with self._db.read() as session:
            return int(session.scalar(query) or 0)

    def closed_profit_by_model(self, since: datetime) -> dict[str, float]:
        """Net profit of each model's trades that closed since `since`."""
        query = (
            select(TradeRow.model_id, func.sum(TradeRow.profit))
            .where(
                TradeRow.model_id.is_not(None),
                TradeRow.action == OrderAction.OPEN,
                TradeRow.closed_at >= since,
            )
            .group_by(TradeRow.model_id)
        )
        with self._db.read() as session:
            return {str(model): round(float(total or 0.0), 8) for model, total in session.execute(query)}

    def recent_auto_results(self, limit: int, account_id: str | None = None) -> list[tuple[float, datetime]]:
        """(net profit, closed_at) of the latest closed automatic trades (of one account, or every account
        with None), newest first."""
        on_account = [] if account_id is None else [TradeRow.account_id == account_id]
        query = (
            select(TradeRow.profit, TradeRow.closed_at)
            .where(
                *on_account,
                TradeRow.source == TradeSource.AUTO,
                TradeRow.action == OrderAction.OPEN,
                TradeRow.status == TradeStatus.CLOSED,
                TradeRow.closed_at.is_not(None),
            )
            .order_by(TradeRow.closed_at.desc(), TradeRow.id.desc())
            .limit(limit)
        )
        with self._db.read() as session:
            rows = session.execute(query)
            return [(float(profit), closed_at) for profit, closed_at in rows if closed_at is not None]


def _free_magic(wanted: int, taken: set[int]) -> int:
    magic = wanted
    while magic in taken:
        magic = MAGIC_BASE + (magic - MAGIC_BASE + 1) % MAGIC_SPAN
    return magic


def _require(session: Session, model_id: str) -> ModelRow:
    row = session.get(ModelRow, model_id)
    if row is None:
        raise JournalError(f"model {model_id} is not registered (it may have been removed)")
    return row


def _model(row: ModelRow) -> RegisteredModel:
    try:
        feature_names = tuple(str(name) for name in json.loads(row.feature_names_json))
        parameters = json.loads(row.parameters_json)
        extra = json.loads(row.metrics_json)
    except ValueError as error:
        raise JournalError(f"model {row.model_id}'s stored description is damaged ({error})") from error
    manifest = {
        **extra,
        "model_id": row.model_id,
        "name": row.name,
        "symbol": row.symbol,
        "timeframe": row.timeframe,
        "algorithm": row.algorithm,
        "feature_names": list(feature_names),
        "parameters": parameters,
        "sklearn_version": row.sklearn_version,
        "sha256": row.sha256,
        "file_name": row.file_name,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
    }
    return RegisteredModel(
        model_id=row.model_id,
        name=row.name,
        symbol=row.symbol,
        timeframe=Timeframe(row.timeframe),
        algorithm=row.algorithm,
        feature_names=feature_names,
        sklearn_version=row.sklearn_version,
        sha256=row.sha256,
        file_name=row.file_name,
        magic=row.magic,
        settings=settings_from_json(row.settings_json),
        enabled=row.enabled,
        created_at=row.created_at,
        manifest=manifest,
        account_id=row.account_id,
    )


def _prediction(row: PredictionRow) -> PredictionRecord:
    return PredictionRecord(
        row.model_id, row.bar_time, row.side, row.confidence, row.acted, row.reason, row.recorded_at
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
