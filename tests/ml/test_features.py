"""Features: no value at bar t depends on any bar after t, the documented definitions, the warm-up."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ml.bars import BarFrame
from app.ml.errors import DataError
from app.ml.features import FEATURE_NAMES, LOOKBACK_BARS, compute_features, last_features
from tests.ml.frames import START, synthetic_frame

COLUMN = {name: index for index, name in enumerate(FEATURE_NAMES)}


def perturbed_after(frame: BarFrame, t: int, factors: np.ndarray, extra_seconds: int) -> BarFrame:
    """The same bars up to t; every bar after t rescaled by `factors` and moved later in time."""
    scale, widen = np.ones(len(frame)), np.ones(len(frame))
    scale[t + 1 :] = factors[: len(frame) - t - 1]
    widen[t + 1 :] = 1.001
    time = frame.time.copy()
    time[t + 1 :] += extra_seconds
    spread = frame.spread.copy()
    spread[t + 1 :] += 3
    return BarFrame(
        time,
        frame.open * scale,
        frame.high * scale * widen,
        frame.low * scale / widen,
        frame.close * scale,
        spread,
        frame.point,
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(LOOKBACK_BARS, 400),
    cut=st.floats(0.0, 1.0),
    factor_seed=st.integers(0, 2**32 - 1),
    extra_seconds=st.integers(1, 10 * 86_400),
)
def test_changing_bars_after_t_leaves_every_row_up_to_t_unchanged(
    seed: int, count: int, cut: float, factor_seed: int, extra_seconds: int
) -> None:
    frame = synthetic_frame(count, seed=seed)
    t = int(cut * (count - 2))
    factors = np.random.default_rng(factor_seed).uniform(0.5, 2.0, count)
    before, valid_before = compute_features(frame)
    after, valid_after = compute_features(perturbed_after(frame, t, factors, extra_seconds))
    np.testing.assert_array_equal(after[: t + 1], before[: t + 1])
    np.testing.assert_array_equal(valid_after[: t + 1], valid_before[: t + 1])
    assert not np.array_equal(
        after[t + 1 :], before[t + 1 :], equal_nan=True
    )  # the perturbation did reach the features


def test_rows_are_complete_from_the_lookback_th_bar_on() -> None:
    features, valid = compute_features(synthetic_frame(LOOKBACK_BARS + 20))
    assert features.shape == (LOOKBACK_BARS + 20, len(FEATURE_NAMES))
    assert not valid[: LOOKBACK_BARS - 1].any()
    assert valid[LOOKBACK_BARS - 1 :].all()


def test_the_last_row_from_the_last_lookback_bars_matches_the_full_computation() -> None:
    frame = synthetic_frame(5_000, seed=3)
    full, _ = compute_features(frame)
    np.testing.assert_allclose(last_features(frame), full[-1], rtol=1e-9, atol=1e-12)


def test_last_features_with_too_few_bars_says_how_many_are_needed() -> None:
    with pytest.raises(DataError, match=f"needs the last {LOOKBACK_BARS} closed bars"):
        last_features(synthetic_frame(LOOKBACK_BARS - 1))


def frame_of(closes: list[float], *, start: int = START, step: int = 3600) -> BarFrame:
    close = np.array(closes, dtype=float)
    return BarFrame(
        start + step * np.arange(close.size),
        close,
        close * 1.01,
        close * 0.99,
        close,
        np.zeros(close.size),
        0.01,
    )


def test_returns_are_log_differences_over_their_lag() -> None:
    closes = [100.0 + i for i in range(LOOKBACK_BARS)]
    features, _ = compute_features(frame_of(closes))
    last = features[-1]
    assert last[COLUMN["ret_1"]] == pytest.approx(math.log(closes[-1] / closes[-2]))
    assert last[COLUMN["ret_20"]] == pytest.approx(math.log(closes[-1] / closes[-21]))


def test_rsi_is_100_on_a_steady_rise_and_50_when_nothing_moves() -> None:
    rising, _ = compute_features(frame_of([100.0 + i for i in range(LOOKBACK_BARS)]))
    flat, _ = compute_features(frame_of([100.0] * LOOKBACK_BARS))
    assert rising[-1, COLUMN["rsi_14"]] == 100.0
    assert flat[-1, COLUMN["rsi_14"]] == 50.0


def test_rsi_uses_plain_means_of_the_last_14_gains_and_losses() -> None:
    # 86 flat bars, then 14 changes alternating +2 / −1: G = 7·2/14 = 1, L = 7·1/14 = 0.5, RSI = 100·1/1.5.
    closes = [100.0] * (LOOKBACK_BARS - 14)
    for i in range(14):
        closes.append(closes[-1] + (2.0 if i % 2 == 0 else -1.0))
    features, _ = compute_features(frame_of(closes))
    assert features[-1, COLUMN["rsi_14"]] == pytest.approx(100 / 1.5)


def test_a_flat_market_has_zero_volatility_zero_sma_gaps_and_range_from_high_low() -> None:
    features, _ = compute_features(frame_of([100.0] * LOOKBACK_BARS))
    last = features[-1]
    assert last[COLUMN["vol_10"]] == 0.0 and last[COLUMN["vol_30"]] == 0.0
    assert last[COLUMN["close_sma_10"]] == 0.0 and last[COLUMN["close_sma_100"]] == 0.0
    assert last[COLUMN["range"]] == pytest.approx(0.02)  # high 101, low 99, close 100
    assert last[COLUMN["atr_14"]] == pytest.approx(0.02)  # true range = high − low when close is flat


def test_time_features_place_the_hour_and_the_weekday_on_circles() -> None:
    # START is Monday 2024-01-01 00:00 UTC; with hourly bars, the bar at index 99 opens Friday 03:00.
    features, _ = compute_features(frame_of([100.0] * LOOKBACK_BARS))
    last = features[-1]
    assert last[COLUMN["hour_sin"]] == pytest.approx(math.sin(2 * math.pi * 3 / 24))
    assert last[COLUMN["hour_cos"]] == pytest.approx(math.cos(2 * math.pi * 3 / 24))
    assert last[COLUMN["dow_sin"]] == pytest.approx(math.sin(2 * math.pi * 4 / 7))
    assert features[0, COLUMN["dow_cos"]] == pytest.approx(1.0)  # Monday


def test_feature_names_are_unique_and_match_the_columns() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES) == 18
    assert compute_features(synthetic_frame(LOOKBACK_BARS))[0].shape[1] == len(FEATURE_NAMES)
