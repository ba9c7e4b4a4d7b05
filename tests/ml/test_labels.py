"""Labels: the next bar's direction when its move beats the cost, the rest excluded (not a class)."""

from __future__ import annotations

import numpy as np
import pytest

from app.ml.bars import BarFrame
from app.ml.errors import DataError
from app.ml.labels import DOWN, UP, make_labels


def frame_of(closes: list[float], spreads: list[float], point: float = 0.125) -> BarFrame:
    """Prices and costs are multiples of 1/16, exact in binary, so "equal to the cost" is really equal."""
    close = np.array(closes)
    return BarFrame(60 * np.arange(close.size), close, close + 1, close - 1, close, np.array(spreads), point)


def test_moves_beyond_the_spread_are_up_or_down_and_smaller_ones_are_excluded() -> None:
    # Spread 1 point × 0.125 = 0.125. Next moves: +0.5 up, −0.25 down, +0.125 (equal: not beyond), −0.0625.
    frame = frame_of([100.0, 100.5, 100.25, 100.375, 100.3125], [1] * 5)
    y, valid = make_labels(frame)
    assert valid.tolist() == [True, True, False, False, False]
    assert y[:2].tolist() == [UP, DOWN]


def test_the_last_bar_has_no_next_bar_and_is_never_labelled() -> None:
    _, valid = make_labels(frame_of([100.0, 105.0], [0, 0]))
    assert valid.tolist() == [True, False]


def test_each_bar_uses_its_own_spread() -> None:
    # The same +0.25 move: beyond bar 0's spread of 0.125, not beyond bar 1's 0.5.
    frame = frame_of([100.0, 100.25, 100.5], [1, 4, 1])
    _, valid = make_labels(frame)
    assert valid.tolist() == [True, False, False]


def test_a_given_cost_replaces_the_spread() -> None:
    frame = frame_of([100.0, 100.25, 101.25], [0, 0, 0])  # moves +0.25 (inside 0.5), +1.0
    y, valid = make_labels(frame, cost=0.5)
    assert valid.tolist() == [False, True, False]
    assert y[1] == UP


def test_without_a_point_size_the_spread_cannot_price_the_cost() -> None:
    with pytest.raises(DataError, match="price of one point is unknown"):
        make_labels(frame_of([100.0, 101.0], [10, 10], point=0.0))


def test_a_negative_cost_is_refused() -> None:
    with pytest.raises(ValueError, match="cost must be"):
        make_labels(frame_of([100.0, 101.0], [10, 10]), cost=-0.1)
