"""The backtest rule: enter at the next open ± half spread, hold one bar, extend on agreement, reverse."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from app.core.enums import Side
from app.ml.backtest import BacktestTrade, backtest_signals, signal_sides
from app.ml.bars import BarFrame
from app.ml.money import ContractTerms

OPENS = [10.0, 11.0, 13.0, 12.0, 15.0, 14.0, 16.0, 17.0]
T0 = 1_704_067_200  # 2024-01-01 00:00 UTC


def frame() -> BarFrame:
    """Hourly bars; spread 2 points × 0.5 = 1.0 in price, so half a spread is 0.5."""
    opens = np.array(OPENS)
    return BarFrame(
        T0 + 3600 * np.arange(opens.size), opens, opens + 2, opens - 2, opens, np.full(opens.size, 2.0), 0.5
    )


def hour(index: int) -> datetime:
    return datetime.fromtimestamp(T0 + 3600 * index, UTC)


# One digit, point 0.5 (so a pip is 0.5), 10 units a lot, money in USD.
TERMS = ContractTerms("TEST", 1, 0.5, 10.0, "USD", "USD")


def run(
    bars: list[int], p_up: list[float], *, lots: float = 1.0, cost: float | None = None
) -> list[BacktestTrade]:
    return backtest_signals(
        frame(), np.array(bars), np.array(p_up), threshold=0.6, terms=TERMS, lots=lots, cost=cost
    )


def test_a_buy_signal_enters_at_the_next_open_plus_half_spread_and_exits_one_bar_later() -> None:
    (trade,) = run([0], [0.7], lots=0.2)
    assert (trade.side, trade.opened_at, trade.closed_at) == (Side.BUY, hour(1), hour(2))
    assert (trade.entry, trade.exit) == (11.5, 12.5)  # 11 + 0.5, 13 − 0.5
    assert trade.pips == 2.0  # a move of 1.0 is two pips of 0.5
    assert trade.profit == 2.0  # 1.0 × 10 units a lot × 0.2 lots
    assert trade.confidence == 0.7


def test_a_losing_sell_is_negative_in_pips_and_money() -> None:
    (trade,) = run([2], [0.3])  # SELL at 12 − 0.5, closed at 15 + 0.5
    assert (trade.entry, trade.exit) == (11.5, 15.5)
    assert trade.pips == -8.0 and trade.profit == -40.0


def test_a_sell_signal_enters_at_the_next_open_minus_half_spread() -> None:
    (trade,) = run([1], [0.25])
    assert trade.side is Side.SELL and trade.confidence == 0.75
    assert (trade.entry, trade.exit) == (12.5, 12.5)  # 13 − 0.5, then 12 + 0.5
    assert trade.profit == 0.0


def test_a_same_side_signal_on_the_next_bar_keeps_the_position_a_bar_longer() -> None:
    (trade,) = run([0, 1], [0.7, 0.8])
    assert (trade.opened_at, trade.closed_at) == (hour(1), hour(3))
    assert (trade.entry, trade.exit, trade.profit) == (11.5, 11.5, 0.0)  # exit at 12 − 0.5


def test_an_opposite_signal_closes_and_reverses_at_the_same_open() -> None:
    buy, sell = run([0, 1], [0.7, 0.2])
    assert (buy.side, buy.closed_at, buy.exit) == (Side.BUY, hour(2), 12.5)
    assert (sell.side, sell.opened_at, sell.entry) == (Side.SELL, hour(2), 12.5)  # 13 − 0.5
    assert (sell.closed_at, sell.exit, sell.profit) == (hour(3), 12.5, 0.0)  # 12 + 0.5


def test_no_signal_closes_the_position_after_its_one_bar() -> None:
    (trade,) = run([0, 1, 2], [0.7, 0.5, 0.7])[:1]
    assert trade.closed_at == hour(2)
    assert len(run([0, 1, 2], [0.7, 0.5, 0.7])) == 2  # the bar-2 signal opens a new one at bar 3


def test_a_prediction_below_the_threshold_on_either_side_is_no_trade() -> None:
    assert run([0, 1], [0.55, 0.45]) == []


def test_a_position_due_on_a_bar_without_prediction_still_closes_on_time() -> None:
    first, second = run([0, 3], [0.7, 0.7])
    assert (first.opened_at, first.closed_at) == (hour(1), hour(2))
    assert (second.opened_at, second.closed_at) == (hour(4), hour(5))


def test_a_position_the_data_ends_before_closing_is_left_out() -> None:
    last = len(OPENS) - 1
    assert run([last - 1], [0.9]) == []  # would enter at the last bar and exit after the data
    assert run([last], [0.9]) == []  # no next bar to enter on


def test_a_fixed_cost_replaces_the_spread() -> None:
    (trade,) = run([0], [0.7], cost=0.2)
    assert (trade.entry, trade.exit) == pytest.approx((11.1, 12.9))


def test_signal_sides_and_threshold_bounds() -> None:
    assert signal_sides(np.array([0.6, 0.4, 0.5, 0.59]), 0.6).tolist() == [1, -1, 0, 0]
    with pytest.raises(ValueError, match=r"between 0\.5 and 1"):
        signal_sides(np.array([0.5]), 0.4)
