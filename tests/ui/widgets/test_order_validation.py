"""Order ticket checks without widgets: volume limits and step, SL/TP sides and stops level, pips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.enums import Side
from app.core.models import SymbolSpec, Tick
from app.ui.widgets.order_validation import (
    StopKind,
    implied_side,
    neighbour_volumes,
    pips_to_price,
    price_to_pips,
    validate_stops,
    validate_volume,
)

EURUSD = SymbolSpec(
    name="EURUSD",
    description="Euro vs US Dollar",
    digits=5,
    point=0.00001,
    spread=12,
    trade_mode=4,
    stops_level=10,
    filling_mode=3,
    volume_min=0.01,
    volume_max=100.0,
    volume_step=0.01,
    contract_size=100_000.0,
    tick_size=0.00001,
    tick_value=1.0,
    currency_base="EUR",
    currency_profit="USD",
    currency_margin="EUR",
)
USDJPY = replace(EURUSD, name="USDJPY", digits=3, point=0.001)
XAUUSD = replace(EURUSD, name="XAUUSD", digits=2, point=0.01, stops_level=50)
BID, ASK = 1.08717, 1.08729

# Brokers' volume grids: (step, min, max); the minimum is always on the step grid.
GRIDS = st.sampled_from(
    [(0.01, 0.01, 100.0), (0.1, 0.1, 50.0), (1.0, 1.0, 1000.0), (0.001, 0.001, 10.0), (0.05, 0.05, 20.0)]
)


def with_grid(step: float, low: float, high: float) -> SymbolSpec:
    return replace(EURUSD, volume_step=step, volume_min=low, volume_max=high)


# -- volume -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("volume", [0.01, 0.1, 0.25, 1.0, 99.99, 100.0])
def test_volumes_on_the_step_within_the_limits_are_accepted(volume: float) -> None:
    assert validate_volume(volume, EURUSD) is None


def test_a_volume_off_the_step_is_refused_with_the_two_nearest_allowed_values() -> None:
    assert validate_volume(0.015, EURUSD) == (
        "0.015 lots is not a multiple of EURUSD's volume step 0.01: use 0.01 or 0.02."
    )


def test_a_volume_below_the_minimum_names_the_minimum() -> None:
    assert validate_volume(0.005, EURUSD) == "0.005 lots is below EURUSD's minimum of 0.01 lots."


def test_a_volume_above_the_maximum_names_the_maximum() -> None:
    assert validate_volume(150, EURUSD) == "150 lots is above EURUSD's maximum of 100.00 lots."


@pytest.mark.parametrize("volume", [0.0, -0.1, float("nan"), float("inf")])
def test_no_volume_asks_for_at_least_the_minimum(volume: float) -> None:
    assert validate_volume(volume, EURUSD) == "Enter a volume of at least 0.01 lots."


def test_float_noise_from_adding_steps_is_not_an_off_step_volume() -> None:
    assert validate_volume(0.1 + 0.2, EURUSD) is None  # 0.30000000000000004


def test_the_nearest_allowed_values_stay_within_the_limits() -> None:
    spec = with_grid(0.5, 1.0, 10.0)
    assert neighbour_volumes(9.7, spec) == (9.5, 10.0)
    assert (
        validate_volume(9.7, spec)
        == "9.7 lots is not a multiple of EURUSD's volume step 0.50: use 9.50 or 10.00."
    )


@given(GRIDS, st.integers(min_value=0, max_value=10_000))
def test_every_multiple_of_the_step_between_min_and_max_is_accepted(
    grid: tuple[float, float, float], steps: int
) -> None:
    step, low, high = grid
    spec = with_grid(step, low, high)
    volume = min(low + steps * step, high)
    assert validate_volume(volume, spec) is None


@given(GRIDS, st.integers(min_value=0, max_value=5_000), st.floats(min_value=0.02, max_value=0.98))
def test_every_off_step_volume_is_refused_and_the_offered_values_are_accepted(
    grid: tuple[float, float, float], steps: int, fraction: float
) -> None:
    step, low, high = grid
    spec = with_grid(step, low, high)
    volume = low + (steps + fraction) * step
    if volume >= high:
        return
    problem = validate_volume(volume, spec)
    assert problem is not None and "not a multiple" in problem
    offered = neighbour_volumes(volume, spec)
    assert len(offered) == 2
    assert offered[0] < volume < offered[1]
    assert all(validate_volume(value, spec) is None for value in offered)


# -- pips ---------------------------------------------------------------------------------------------


def test_a_buys_stop_loss_in_pips_lies_below_the_entry_and_its_take_profit_above() -> None:
    assert pips_to_price(Side.BUY, StopKind.SL, ASK, 20, EURUSD) == 1.08529
    assert pips_to_price(Side.BUY, StopKind.TP, ASK, 40, EURUSD) == 1.09129


def test_a_sells_stop_loss_in_pips_lies_above_the_entry_and_its_take_profit_below() -> None:
    assert pips_to_price(Side.SELL, StopKind.SL, BID, 20, EURUSD) == 1.08917
    assert pips_to_price(Side.SELL, StopKind.TP, BID, 40, EURUSD) == 1.08317


def test_a_pip_is_ten_points_on_three_digit_quotes_and_one_point_on_two_digit_ones() -> None:
    assert pips_to_price(Side.BUY, StopKind.SL, 150.500, 25, USDJPY) == 150.250
    assert pips_to_price(Side.BUY, StopKind.SL, 2350.00, 25, XAUUSD) == 2349.75


def test_a_price_on_the_wrong_side_is_a_negative_pip_distance() -> None:
    assert price_to_pips(Side.BUY, StopKind.SL, ASK, 1.08829, EURUSD) == -10.0


@given(st.sampled_from(list(Side)), st.sampled_from(list(StopKind)), st.integers(min_value=1, max_value=5000))
def test_pips_to_price_and_back_gives_the_same_pips(side: Side, kind: StopKind, tenths: int) -> None:
    pips = tenths / 10
    price = pips_to_price(side, kind, ASK, pips, EURUSD)
    assert price_to_pips(side, kind, ASK, price, EURUSD) == pips


def test_levels_typed_below_the_market_are_a_buys_and_above_it_a_sells() -> None:
    tick = Tick("EURUSD", datetime(2026, 11, 18, tzinfo=UTC), BID, ASK)
    assert implied_side(1.08500, None, tick) is Side.BUY
    assert implied_side(1.08900, None, tick) is Side.SELL
    assert implied_side(None, 1.08900, tick) is Side.BUY
    assert implied_side(None, None, tick) is None


# -- stops --------------------------------------------------------------------------------------------


def test_no_stops_are_always_fine() -> None:
    assert validate_stops(Side.BUY, BID, None, None, EURUSD) == []


def test_stops_at_least_the_stops_level_away_on_the_right_sides_are_accepted() -> None:
    assert validate_stops(Side.BUY, BID, BID - 0.00010, BID + 0.00010, EURUSD) == []
    assert validate_stops(Side.SELL, ASK, ASK + 0.00010, ASK - 0.00010, EURUSD) == []


def test_a_stop_loss_inside_the_stops_level_is_refused_with_the_minimal_distance() -> None:
    assert validate_stops(Side.BUY, BID, 1.08712, None, EURUSD) == [
        "Stop loss 1.08712 is 5 points from the bid 1.08717; EURUSD needs at least 10 points (1 pip): "
        "1.08707 or lower."
    ]


def test_a_take_profit_inside_the_stops_level_of_a_sell_is_measured_from_the_ask() -> None:
    assert validate_stops(Side.SELL, ASK, None, 1.08725, EURUSD) == [
        "Take profit 1.08725 is 4 points from the ask 1.08729; EURUSD needs at least 10 points (1 pip): "
        "1.08719 or lower."
    ]


def test_a_stop_loss_on_the_wrong_side_says_which_side_it_must_be_on() -> None:
    assert validate_stops(Side.SELL, ASK, 1.08500, None, EURUSD) == [
        "Stop loss 1.08500 is on the wrong side: a Sell's stop loss must be above the ask 1.08729 "
        "(1.08739 or higher)."
    ]


def test_both_levels_wrong_give_one_message_each() -> None:
    problems = validate_stops(Side.BUY, BID, 1.09000, 1.08000, EURUSD)
    assert [p.split(" ")[0] + " " + p.split(" ")[1] for p in problems] == ["Stop loss", "Take profit"]


def test_a_level_with_more_decimals_than_the_symbol_quotes_is_refused() -> None:
    assert validate_stops(Side.BUY, BID, 1.085001, None, EURUSD) == [
        "Stop loss 1.085001 has more decimals than EURUSD's 5."
    ]


def test_without_a_stops_level_a_level_one_point_away_is_accepted_but_not_one_at_the_price() -> None:
    free = replace(EURUSD, stops_level=0)
    assert validate_stops(Side.BUY, BID, BID - 0.00001, None, free) == []
    assert "wrong side" in validate_stops(Side.BUY, BID, BID, None, free)[0]


def test_a_zero_or_negative_level_is_refused() -> None:
    assert validate_stops(Side.BUY, BID, -1.0, None, EURUSD) == [
        "Stop loss must be a positive price (leave it empty for none)."
    ]
