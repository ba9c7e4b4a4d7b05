"""How a training run evaluates and backtests; no scikit-learn here, so the training dialog opens at once."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.core.models import DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_LOT_SIZE
from app.ml.features import LOOKBACK_BARS
from app.ml.labels import HORIZON_BARS
from app.ml.money import DEFAULT_DEPOSIT

MIN_TRAIN_SAMPLES = 200
MIN_TRAINING_BARS = LOOKBACK_BARS + 400  # below this the folds cannot reach MIN_TRAIN_SAMPLES anyway


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    """How to evaluate: folds, gap (bars, ≥ the label horizon), and the backtest's threshold, costs, lot
    size and deposit (threshold and lots default to what a new model trades with live)."""

    folds: int = 5
    gap: int = 10
    threshold: float = DEFAULT_CONFIDENCE_THRESHOLD
    cost: float | None = None  # round-trip cost in price units; None: each bar's spread × point
    lots: float = DEFAULT_LOT_SIZE
    deposit: float = DEFAULT_DEPOSIT  # in the money's currency (the account's, or the terms' stated one)

    def __post_init__(self) -> None:
        if self.gap < HORIZON_BARS:
            raise ValueError(f"gap must be at least {HORIZON_BARS} bar(s) so labels do not leak")
        if not 0.5 <= self.threshold <= 1.0:
            raise ValueError(f"the confidence threshold must be between 0.5 and 1, got {self.threshold!r}")
        if not (math.isfinite(self.lots) and self.lots > 0):
            raise ValueError(f"the lot size must be above 0, got {self.lots!r}")
        if not (math.isfinite(self.deposit) and self.deposit > 0):
            raise ValueError(f"the deposit must be above 0, got {self.deposit!r}")
