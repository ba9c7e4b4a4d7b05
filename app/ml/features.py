"""The feature set: what a model sees of bar t, computed from bars up to and including t only.

Bar t is a CLOSED bar; the model predicts the move of bar t+1. With c = close, lc = ln(c),
r_i = lc_i − lc_(i−1) (the one-bar log return) and means over the window ending at t:

| name            | value at bar t                                                    | bars read |
| --------------- | ----------------------------------------------------------------- | --------- |
| ret_k           | lc_t − lc_(t−k) for k in 1, 2, 3, 5, 10, 20                       | k + 1     |
| vol_w           | population std of r over the last w returns, w in 10, 30          | w + 1     |
| rsi_14          | 100·G/(G+L), G and L the means of the last 14 gains and losses of  | 15        |
|                 | c (Cutler's RSI: plain means, not Wilder's smoothing, so the value |           |
|                 | depends on a fixed window); 50 when c did not move                 |           |
| close_sma_w     | c_t / mean(c over the last w bars) − 1, w in 10, 30, 100          | w         |
| atr_14          | mean of the last 14 true ranges / c_t; true range =               | 15        |
|                 | max(high_t, c_(t−1)) − min(low_t, c_(t−1))                         |           |
| range           | (high_t − low_t) / c_t                                            | 1         |
| hour_sin, _cos  | sin/cos(2π · seconds since midnight of the bar's open / 86 400)   | 1         |
| dow_sin, _cos   | sin/cos(2π · weekday / 7), Monday = 0                              | 1         |

Every window is fixed, so a row needs LOOKBACK_BARS bars and the last row of a frame can be computed
from its last LOOKBACK_BARS bars alone (`last_features`). Rolling means use prefix sums: each row costs
O(1) whatever the window, and rows ≤ t read only the prefix up to t.
"""

from __future__ import annotations

import numpy as np

from app.ml.bars import BarFrame
from app.ml.errors import DataError

RETURN_LAGS = (1, 2, 3, 5, 10, 20)
VOLATILITY_WINDOWS = (10, 30)
RSI_WINDOW = 14
SMA_WINDOWS = (10, 30, 100)
ATR_WINDOW = 14

FEATURE_NAMES: tuple[str, ...] = (
    *(f"ret_{lag}" for lag in RETURN_LAGS),
    *(f"vol_{window}" for window in VOLATILITY_WINDOWS),
    f"rsi_{RSI_WINDOW}",
    *(f"close_sma_{window}" for window in SMA_WINDOWS),
    f"atr_{ATR_WINDOW}",
    "range",
    "hour_sin",
    "hour_cos",
    "dow_sin",
    "dow_cos",
)

# Bars a feature row reads, the bar itself included (the longest window: the 100-bar moving average).
LOOKBACK_BARS = max(
    max(RETURN_LAGS) + 1, max(VOLATILITY_WINDOWS) + 1, RSI_WINDOW + 1, max(SMA_WINDOWS), ATR_WINDOW + 1
)

_DAY = 86_400
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


def compute_features(frame: BarFrame) -> tuple[np.ndarray, np.ndarray]:
    """X[n, len(FEATURE_NAMES)] (NaN where the history is too short) and the mask of complete rows."""
    n = len(frame)
    close = frame.close
    log_close = np.log(close)
    step = _lagged_difference(log_close, 1)  # r_t; NaN at t = 0
    columns: list[np.ndarray] = [_lagged_difference(log_close, lag) for lag in RETURN_LAGS]
    for window in VOLATILITY_WINDOWS:
        columns.append(_rolling_std(step, window, first=1))
    columns.append(_rsi(close, RSI_WINDOW))
    for window in SMA_WINDOWS:
        columns.append(close / _rolling_mean(close, window, first=0) - 1.0)
    previous_close = np.concatenate(([np.nan], close[:-1]))
    true_range = np.fmax(frame.high, previous_close) - np.fmin(frame.low, previous_close)
    columns.append(_rolling_mean(true_range, ATR_WINDOW, first=1) / close)
    columns.append((frame.high - frame.low) / close)
    day_angle = 2 * np.pi * (frame.time % _DAY) / _DAY
    week_angle = 2 * np.pi * ((frame.time // _DAY + _EPOCH_WEEKDAY) % 7) / 7
    columns += [np.sin(day_angle), np.cos(day_angle), np.sin(week_angle), np.cos(week_angle)]
    features: np.ndarray = np.column_stack(columns) if n else np.empty((0, len(FEATURE_NAMES)))
    complete: np.ndarray = np.isfinite(features).all(axis=1)
    return features, complete


def last_features(frame: BarFrame) -> np.ndarray:
    """The feature row of the frame's last bar, from its last LOOKBACK_BARS bars only (cheap per bar)."""
    if len(frame) < LOOKBACK_BARS:
        raise DataError(
            f"the model needs the last {LOOKBACK_BARS} closed bars to compute its features, got {len(frame)}"
        )
    features, valid = compute_features(frame.tail(LOOKBACK_BARS))
    if not valid[-1]:
        raise DataError("the features of the last bar are not finite; check the bars for bad prices")
    row: np.ndarray = features[-1]
    return row


def _lagged_difference(values: np.ndarray, lag: int) -> np.ndarray:
    out = np.full(values.size, np.nan)
    out[lag:] = values[lag:] - values[:-lag]
    return out


def _rolling_mean(values: np.ndarray, window: int, *, first: int) -> np.ndarray:
    """Mean of values[t−window+1 .. t]; NaN until `window` defined values (from index `first`) exist."""
    out = np.full(values.size, np.nan)
    start = first + window - 1
    if values.size > start:
        prefix = np.concatenate(([0.0], np.cumsum(values[first:])))
        out[start:] = (prefix[window:] - prefix[:-window]) / window
    return out


def _rolling_std(values: np.ndarray, window: int, *, first: int) -> np.ndarray:
    mean = _rolling_mean(values, window, first=first)
    mean_square = _rolling_mean(values * values, window, first=first)
    # max(…, 0): prefix-sum rounding can leave a tiny negative variance on a flat stretch.
    deviation: np.ndarray = np.sqrt(np.maximum(mean_square - mean * mean, 0.0))
    return deviation


def _rsi(close: np.ndarray, window: int) -> np.ndarray:
    change = _lagged_difference(close, 1)
    gains = _rolling_mean(np.maximum(change, 0.0), window, first=1)
    losses = _rolling_mean(np.maximum(-change, 0.0), window, first=1)
    total = gains + losses
    with np.errstate(invalid="ignore", divide="ignore"):
        rsi = 100.0 * gains / total
    return np.where(total > 0, rsi, np.where(np.isnan(total), np.nan, 50.0))
