"""Model files for the auto-trader specs: a trained one, and constant ones whose every prediction is known.

A constant model is a real MT5 Desk pipeline (StandardScaler + LogisticRegression) whose weights are zero,
so P(up) is the sigmoid of its intercept whatever the bars: the spec chooses the side and the confidence.
It is saved with skops and loaded through the same checks as any trained model.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sklearn
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from app.core.enums import Timeframe
from app.ml.bars import BarFrame
from app.ml.features import FEATURE_NAMES
from app.ml.labels import DOWN, UP
from app.ml.manifest import MODEL_SUFFIX, ModelManifest
from app.ml.metrics import compute_metrics
from app.ml.pipelines import MODEL_STEP, SCALER_STEP, Algorithm
from app.ml.store import save_model
from app.ml.training import train_model
from app.terminal.adapter import Terminal

CREATED = datetime(2026, 11, 1, tzinfo=UTC)


def constant_pipeline(p_up: float) -> Pipeline:
    """A fitted pipeline that answers P(up) = `p_up` for any bars."""
    width = len(FEATURE_NAMES)
    scaler = StandardScaler().fit(np.random.default_rng(0).normal(size=(20, width)))
    classifier = LogisticRegression()
    classifier.classes_ = np.array([DOWN, UP])
    classifier.coef_ = np.zeros((1, width))
    classifier.intercept_ = np.array([math.log(p_up / (1.0 - p_up))])
    classifier.n_features_in_ = width
    classifier.n_iter_ = np.array([1], dtype=np.int32)
    return Pipeline([(SCALER_STEP, scaler), (MODEL_STEP, classifier)])


def constant_model(
    models_dir: Path,
    p_up: float,
    *,
    name: str = "Constant",
    symbol: str = "EURUSD",
    timeframe: Timeframe = Timeframe.M1,
) -> tuple[ModelManifest, Path]:
    """Save a constant model into `models_dir`; returns its manifest and file."""
    models_dir.mkdir(parents=True, exist_ok=True)
    model_id = uuid.uuid4().hex[:12]
    data = sio.dumps(constant_pipeline(p_up))
    path = models_dir / f"{model_id}{MODEL_SUFFIX}"
    path.write_bytes(data)
    manifest = ModelManifest(
        model_id=model_id,
        name=name,
        symbol=symbol,
        timeframe=timeframe,
        algorithm=Algorithm.LOGREG,
        feature_names=FEATURE_NAMES,
        parameters={"p_up": p_up},
        sklearn_version=sklearn.__version__,
        created_at=CREATED,
        sha256=hashlib.sha256(data).hexdigest(),
        file_name=path.name,
        seed=0,
        bars=0,
        samples=0,
        data_from=CREATED - timedelta(days=1),
        data_until=CREATED,
        oos_accuracy=0.5,
        baseline_accuracy=0.5,
        backtest=compute_metrics([], 1.0),
    )
    path.with_suffix(".json").write_text(manifest.to_json())
    return manifest, path


def trained_model(
    models_dir: Path, terminal: Terminal, *, symbol: str = "EURUSD", timeframe: Timeframe, bars: int = 1500
) -> tuple[ModelManifest, Path]:
    """Train a logistic regression on the terminal's closed bars and save it as the desk does."""
    spec = terminal.symbol(symbol)
    frame = BarFrame.from_rates(terminal.rates(symbol, timeframe, bars, start_pos=1), spec.point)
    result = train_model(frame, symbol=symbol, timeframe=timeframe, algorithm=Algorithm.LOGREG, seed=3)
    manifest = save_model(result, models_dir, name=f"{symbol} {timeframe.value} logreg")
    return manifest, models_dir / manifest.file_name


def tampered(manifest: ModelManifest) -> ModelManifest:
    """The manifest with a sha256 that no longer matches its file."""
    return replace(manifest, sha256="0" * 64)
