"""The label of bar t: which way the NEXT bar's close moved, when the move is worth trading at all.

move_t = close_(t+1) − close_t. With cost_t the round-trip cost in price units (the bar's spread in
points × point, or a fixed `cost` the caller gives):
- move_t >  cost_t → UP (1);
- move_t < −cost_t → DOWN (0);
- otherwise the bar is EXCLUDED (valid = False): it is not a class. A model trained on such bars would
  spend its capacity on noise that cannot be traded profitably; instead it learns "which way, given the
  bar moves enough to matter", and the confidence threshold decides when to stay out.
The last bar has no next bar and is always excluded. The label of t reads bar t+1, which is why
walk-forward evaluation leaves a gap between training and test bars.
"""

from __future__ import annotations

import numpy as np

from app.ml.bars import BarFrame
from app.ml.errors import DataError

UP = 1
DOWN = 0
HORIZON_BARS = 1  # how far ahead a label reads


def bar_cost(frame: BarFrame, cost: float | None = None) -> np.ndarray:
    """Round-trip cost of each bar in price units: `cost` when given, else spread × point."""
    if cost is not None:
        if not np.isfinite(cost) or cost < 0:
            raise ValueError(f"cost must be a price difference of zero or more, got {cost!r}")
        return np.full(len(frame), float(cost))
    if frame.point <= 0:
        raise DataError(
            "the price of one point is unknown, so the spread cannot be turned into a cost; "
            "give the point size or a cost in price units"
        )
    return frame.spread * frame.point


def make_labels(frame: BarFrame, *, cost: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(y, valid): y[t] is UP or DOWN where valid[t]; y is 0 (meaningless) where valid is False."""
    n = len(frame)
    threshold = bar_cost(frame, cost)
    move = np.full(n, np.nan)
    move[:-HORIZON_BARS] = frame.close[HORIZON_BARS:] - frame.close[:-HORIZON_BARS]
    with np.errstate(invalid="ignore"):
        up = move > threshold
        down = move < -threshold
    return np.where(up, UP, DOWN).astype(np.int8), up | down
