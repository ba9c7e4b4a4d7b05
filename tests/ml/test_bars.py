"""BarFrame from the terminal's rates array and from Bar records, its views, and its checks."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from app.core.models import Bar
from app.ml.bars import BarFrame, DataError

RATES_DTYPE = np.dtype(
    [
        ("time", "<i8"),
        ("open", "<f8"),
        ("high", "<f8"),
        ("low", "<f8"),
        ("close", "<f8"),
        ("tick_volume", "<u8"),
        ("spread", "<i4"),
        ("real_volume", "<u8"),
    ]
)


def rates(*rows: tuple[int, float, float, float, float, int]) -> np.ndarray:
    return np.array([(t, o, h, low, c, 10, s, 0) for t, o, h, low, c, s in rows], dtype=RATES_DTYPE)


def test_from_rates_takes_the_columns_and_the_point() -> None:
    frame = BarFrame.from_rates(rates((60, 1.0, 1.2, 0.9, 1.1, 12), (120, 1.1, 1.3, 1.0, 1.2, 14)), 1e-5)
    assert frame.time.dtype == np.int64 and frame.time.tolist() == [60, 120]
    assert frame.close.tolist() == [1.1, 1.2]
    assert frame.spread.dtype == np.float64 and frame.spread.tolist() == [12.0, 14.0]
    assert (len(frame), frame.point) == (2, 1e-5)


def test_from_rates_names_the_bar_whose_time_goes_backwards() -> None:
    bad = rates((120, 1.0, 1.2, 0.9, 1.1, 12), (60, 1.1, 1.3, 1.0, 1.2, 14))
    with pytest.raises(DataError, match=r"bar 1 \(1970-01-01 00:01\): time .* does not come after"):
        BarFrame.from_rates(bad)


def test_from_bars_reads_bar_records() -> None:
    bars = [
        Bar(datetime(2024, 1, 2, 13, 45, tzinfo=UTC), 1.0, 1.2, 0.9, 1.1, spread=9),
        Bar(datetime(2024, 1, 2, 13, 46, tzinfo=UTC), 1.1, 1.3, 1.0, 1.2, spread=8),
    ]
    frame = BarFrame.from_bars(bars, 0.01)
    assert frame.moment(1) == datetime(2024, 1, 2, 13, 46, tzinfo=UTC)
    assert frame.spread.tolist() == [9.0, 8.0]


def test_tail_and_slice_are_views_of_the_same_bars() -> None:
    opens, highs, lows, closes = (np.arange(1.0, 6.0) for _ in range(4))
    frame = BarFrame(np.arange(5) * 60, opens, highs, lows, closes, np.zeros(5), 0.1)
    assert frame.tail(2).close.tolist() == [4.0, 5.0]
    assert frame.tail(10).close.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert frame.slice(1, 3).time.tolist() == [60, 120]
    assert np.shares_memory(frame.tail(2).close, frame.close)


def test_columns_are_read_only_but_the_callers_arrays_stay_writable() -> None:
    close = np.array([1.0, 2.0])
    frame = BarFrame(np.array([0, 60]), close, close, close, close, np.zeros(2))
    with pytest.raises(ValueError, match="read-only"):
        frame.close[0] = 5.0
    close[0] = 3.0  # the caller's own array is untouched by the frame's read-only view
    assert close.flags.writeable


def test_columns_of_different_lengths_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"BarFrame\.open has 1 values, time has 2"):
        BarFrame(np.array([0, 60]), np.ones(1), np.ones(2), np.ones(2), np.ones(2), np.zeros(2))
