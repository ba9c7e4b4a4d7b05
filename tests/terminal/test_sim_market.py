"""Specification of the simulator's market: seeded price path, quotes, bars, ticks and test controls."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from app.terminal.simulator.clock import ManualClock
from app.terminal.simulator.market import BAR_DTYPE, MAX_BARS, TICK_DTYPE, Market
from app.terminal.simulator.symbols import SYMBOLS
from app.terminal.simulator.timeframes import timeframe_spec

# MetaTrader5 5.0.6231 values, spelled out so a wrong constant in the simulator cannot hide here.
M1, M5, M15, H1, H4, D1, W1, MN1 = 1, 5, 15, 0x4001, 0x4004, 0x4018, 0x8001, 0xC001
ALL_TIMEFRAMES = {
    "M1": 1, "M2": 2, "M3": 3, "M4": 4, "M5": 5, "M6": 6, "M10": 10, "M12": 12, "M15": 15, "M20": 20,
    "M30": 30, "H1": 0x4001, "H2": 0x4002, "H3": 0x4003, "H4": 0x4004, "H6": 0x4006, "H8": 0x4008,
    "H12": 0x400C, "D1": 0x4018, "W1": 0x8001, "MN1": 0xC001,
}  # fmt: skip
COPY_TICKS_ALL, COPY_TICKS_TRADE = -1, 2

WEDNESDAY = datetime(2024, 6, 12, 14, 30, 17, tzinfo=UTC).timestamp()
SATURDAY_MIDNIGHT = datetime(2024, 6, 15, tzinfo=UTC).timestamp()
MONDAY_MIDNIGHT = datetime(2024, 6, 17, tzinfo=UTC).timestamp()
TUESDAY_NOON = datetime(2024, 6, 18, 12, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def market() -> Market:
    """A market frozen at a Wednesday afternoon, shared by the tests that only read it."""
    return Market(ManualClock(WEDNESDAY), seed=5)


def fresh_market(at: float = WEDNESDAY, seed: int = 5) -> tuple[Market, ManualClock]:
    clock = ManualClock(at)
    return Market(clock, seed=seed), clock


def test_bar_dtype_is_packed_like_the_real_module() -> None:
    assert BAR_DTYPE.itemsize == 60
    assert BAR_DTYPE.names == ("time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume")


def test_tick_dtype_is_packed_like_the_real_module() -> None:
    # Seven 8-byte fields and one 4-byte field, packed.
    assert TICK_DTYPE.itemsize == 60
    assert TICK_DTYPE.names == ("time", "bid", "ask", "last", "volume", "time_msc", "flags", "volume_real")


def test_constructing_a_market_is_instant() -> None:
    started = time.perf_counter()
    Market(ManualClock(WEDNESDAY))
    assert time.perf_counter() - started < 0.01


def test_same_seed_gives_the_same_prices(market: Market) -> None:
    twin, _ = fresh_market(seed=5)
    assert twin.quote("EURUSD") == market.quote("EURUSD")
    np.testing.assert_array_equal(
        twin.rates_from_pos("XAUUSD", H1, 0, 48), market.rates_from_pos("XAUUSD", H1, 0, 48)
    )


def test_different_seed_gives_different_prices(market: Market) -> None:
    other, _ = fresh_market(seed=6)
    assert not np.array_equal(
        other.rates_from_pos("EURUSD", M1, 0, 60)["close"],
        market.rates_from_pos("EURUSD", M1, 0, 60)["close"],
    )


def test_any_day_is_computed_without_the_days_before(market: Market) -> None:
    # A market that never looked at earlier days sees the same prices as one that walked through them.
    late, _ = fresh_market()
    t = WEDNESDAY - 7 * 86_400 + 3_600
    market.rates_from_pos("EURUSD", M1, 0, 20_000)
    assert late.quote("EURUSD", t) == market.quote("EURUSD", t)


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_quote_has_the_symbol_digits_and_fixed_spread(market: Market, symbol: str) -> None:
    spec = SYMBOLS[symbol]
    quote = market.quote(symbol)
    assert quote.bid == round(quote.bid, spec.digits)
    assert quote.ask == round(quote.ask, spec.digits)
    assert quote.ask - quote.bid == pytest.approx(spec.spread * spec.point)


def test_quote_is_stamped_with_the_current_second(market: Market) -> None:
    quote = market.quote("EURUSD")
    assert quote.time == int(WEDNESDAY)
    assert quote.time_msc == quote.time * 1000


def test_quote_in_the_future_is_refused(market: Market) -> None:
    with pytest.raises(ValueError, match="future"):
        market.quote("EURUSD", WEDNESDAY + 1)


def test_price_moves_every_few_seconds(market: Market) -> None:
    bids = {market.quote("EURUSD", WEDNESDAY - s).bid for s in range(60)}
    assert len(bids) > 20


def test_day_boundary_is_continuous(market: Market) -> None:
    midnight = int(WEDNESDAY) // 86_400 * 86_400
    minutes = market.rates_range("BTCUSD", M1, midnight - 3_600, midnight + 3_599)
    typical_minute_move = float(np.median(minutes["high"] - minutes["low"]))
    jump = market.quote("BTCUSD", midnight).bid - market.quote("BTCUSD", midnight - 1).bid
    assert abs(jump) < typical_minute_move


@pytest.mark.parametrize("symbol", ["EURUSD", "BTCUSD"])
def test_prices_stay_positive_and_near_the_start_price_for_a_year(market: Market, symbol: str) -> None:
    spec = SYMBOLS[symbol]
    days = market.rates_from_pos(symbol, D1, 0, 400)
    assert len(days) > 250
    assert days["low"].min() > 0.6 * spec.start_price
    assert days["high"].max() < 1.6 * spec.start_price


def test_daily_volatility_is_as_specified(market: Market) -> None:
    closes = market.rates_from_pos("EURUSD", D1, 0, 400)["close"]
    realised = float(np.std(np.diff(np.log(closes))))
    assert 0.5 * SYMBOLS["EURUSD"].daily_volatility < realised < 1.5 * SYMBOLS["EURUSD"].daily_volatility


def test_closed_m1_bar_open_and_close_are_the_quotes_at_its_first_and_last_second(market: Market) -> None:
    bar = market.rates_from_pos("EURUSD", M1, 5, 1)[0]
    assert bar["open"] == market.quote("EURUSD", int(bar["time"])).bid
    assert bar["close"] == market.quote("EURUSD", int(bar["time"]) + 59).bid


def test_closed_m1_bar_high_and_low_are_the_extremes_of_its_quotes(market: Market) -> None:
    bar = market.rates_from_pos("GBPUSD", M1, 3, 1)[0]
    bids = [market.quote("GBPUSD", int(bar["time"]) + s).bid for s in range(60)]
    assert (bar["high"], bar["low"]) == (max(bids), min(bids))


def test_tick_volume_counts_the_seconds_in_which_the_bid_changed(market: Market) -> None:
    bar = market.rates_from_pos("USDJPY", M1, 2, 1)[0]
    t = int(bar["time"])
    bids = [market.quote("USDJPY", t + s).bid for s in range(-1, 60)]
    assert bar["tick_volume"] == sum(a != b for a, b in itertools.pairwise(bids))


def test_bars_carry_the_symbol_spread_and_no_real_volume(market: Market) -> None:
    bars = market.rates_from_pos("XAUUSD", M15, 0, 10)
    assert set(bars["spread"]) == {SYMBOLS["XAUUSD"].spread}
    assert set(bars["real_volume"]) == {0}


@pytest.mark.parametrize("name", [n for n in ALL_TIMEFRAMES if n != "M1"])
def test_every_bar_is_the_aggregate_of_its_m1_bars(market: Market, name: str) -> None:
    tf = ALL_TIMEFRAMES[name]
    spec = timeframe_spec(tf)
    for bar in market.rates_from_pos("EURUSD", tf, 1, 2):
        minutes = market.rates_range("EURUSD", M1, int(bar["time"]), spec.next_open(int(bar["time"])) - 1)
        assert bar["open"] == minutes["open"][0]
        assert bar["close"] == minutes["close"][-1]
        assert bar["high"] == minutes["high"].max()
        assert bar["low"] == minutes["low"].min()
        assert bar["tick_volume"] == minutes["tick_volume"].sum()


@pytest.mark.parametrize(("tf", "aligned"), [
    (M5, lambda d: d.minute % 5 == 0 and d.second == 0),
    (H1, lambda d: (d.minute, d.second) == (0, 0)),
    (H4, lambda d: d.hour % 4 == 0 and (d.minute, d.second) == (0, 0)),
    (D1, lambda d: (d.hour, d.minute, d.second) == (0, 0, 0)),
    (W1, lambda d: d.weekday() == 6 and (d.hour, d.minute, d.second) == (0, 0, 0)),
    (MN1, lambda d: d.day == 1 and (d.hour, d.minute, d.second) == (0, 0, 0)),
])  # fmt: skip
def test_bar_open_times_are_aligned(market: Market, tf: int, aligned: Callable[[datetime], bool]) -> None:
    opens = market.rates_from_pos("BTCUSD", tf, 0, 10)["time"]
    assert len(opens) == 10
    assert all(aligned(datetime.fromtimestamp(int(t), UTC)) for t in opens)


@pytest.mark.parametrize("tf", [0, 7, 0x4005, 0x8002, 60, -1])
def test_unknown_timeframe_raises_value_error(market: Market, tf: int) -> None:
    with pytest.raises(ValueError, match="timeframe"):
        market.rates_from_pos("EURUSD", tf, 0, 10)


def test_unknown_symbol_raises_key_error(market: Market) -> None:
    with pytest.raises(KeyError, match="NOPE"):
        market.quote("NOPE")


def test_forming_bar_contains_now_and_closes_at_the_current_bid(market: Market) -> None:
    bar = market.rates_from_pos("EURUSD", H1, 0, 1)[0]
    assert bar["time"] <= WEDNESDAY < bar["time"] + 3_600
    assert bar["close"] == market.quote("EURUSD").bid
    assert (bar["low"], bar["high"]) == market.bid_range("EURUSD", int(bar["time"]) - 1, WEDNESDAY)


def test_advancing_time_leaves_closed_bars_alone_and_only_widens_the_forming_one() -> None:
    market, clock = fresh_market()
    before = market.rates_from_pos("EURUSD", H1, 0, 5)
    clock.advance(97)
    after = market.rates_from_pos("EURUSD", H1, 0, 5)
    np.testing.assert_array_equal(after[:-1], before[:-1])
    assert (after[-1]["time"], after[-1]["open"]) == (before[-1]["time"], before[-1]["open"])
    assert after[-1]["high"] >= before[-1]["high"] and after[-1]["low"] <= before[-1]["low"]
    assert after[-1]["tick_volume"] > before[-1]["tick_volume"]


def test_bars_asked_for_beyond_now_end_with_the_forming_bar(market: Market) -> None:
    for tf in (M1, H1, D1, W1, MN1):
        forming = timeframe_spec(tf).open_of(int(WEDNESDAY))
        ranged = market.rates_range("BTCUSD", tf, WEDNESDAY - 60 * 86_400, WEDNESDAY + 90 * 86_400)
        assert ranged["time"][-1] == forming
        assert market.rates_from("BTCUSD", tf, WEDNESDAY + 90 * 86_400, 3)["time"][-1] == forming


def test_bars_seen_earlier_are_the_same_as_bars_seen_later() -> None:
    # No look-ahead: the forming M1 bar at 14:30:17 is exactly what a closed bar would have been cut at 17 s.
    early, _ = fresh_market(at=WEDNESDAY)
    late, _ = fresh_market(at=WEDNESDAY + 3 * 3_600)
    forming = early.rates_from_pos("EURUSD", M1, 0, 1)[0]
    bids = [late.quote("EURUSD", int(forming["time"]) + s).bid for s in range(int(WEDNESDAY) % 60 + 1)]
    assert (forming["open"], forming["high"], forming["low"], forming["close"]) == (
        bids[0], max(bids), min(bids), bids[-1],
    )  # fmt: skip


def test_ticks_never_lie_after_now(market: Market) -> None:
    ticks = market.ticks_range("BTCUSD", WEDNESDAY - 60, WEDNESDAY + 3_600, COPY_TICKS_ALL)
    assert len(ticks) > 0 and ticks["time"].max() <= WEDNESDAY


def test_fx_has_no_bars_on_weekends_but_bitcoin_does() -> None:
    market, _ = fresh_market(at=TUESDAY_NOON)
    assert len(market.rates_range("EURUSD", M1, SATURDAY_MIDNIGHT, MONDAY_MIDNIGHT - 1)) == 0
    assert len(market.rates_range("BTCUSD", M1, SATURDAY_MIDNIGHT, MONDAY_MIDNIGHT - 1)) == 2 * 1_440
    days = market.rates_from_pos("XAUUSD", D1, 0, 60)["time"]
    assert all(datetime.fromtimestamp(int(t), UTC).weekday() < 5 for t in days)


def test_fx_reopens_at_monday_midnight() -> None:
    market, _ = fresh_market(at=TUESDAY_NOON)
    first = market.rates_range("EURUSD", M1, SATURDAY_MIDNIGHT, TUESDAY_NOON)[0]
    assert first["time"] == MONDAY_MIDNIGHT


def test_weekly_fx_bar_opens_on_sunday_with_mondays_first_price() -> None:
    market, _ = fresh_market(at=TUESDAY_NOON)
    week = market.rates_from_pos("EURUSD", W1, 0, 1)[0]
    assert week["time"] == MONDAY_MIDNIGHT - 86_400
    assert week["open"] == market.quote("EURUSD", MONDAY_MIDNIGHT).bid


def test_quote_while_closed_is_the_last_price_before_the_close() -> None:
    market, _ = fresh_market(at=SATURDAY_MIDNIGHT + 13 * 3_600)
    quote = market.quote("EURUSD")
    assert not market.is_open("EURUSD")
    assert quote.time == SATURDAY_MIDNIGHT - 1
    assert quote.bid == market.rates_from_pos("EURUSD", M1, 0, 1)[0]["close"]


def test_bitcoin_trades_at_weekends(market: Market) -> None:
    assert market.is_open("BTCUSD", SATURDAY_MIDNIGHT + 3_600)
    assert not market.is_open("XAUUSD", SATURDAY_MIDNIGHT + 3_600)
    assert market.is_open("XAUUSD", MONDAY_MIDNIGHT)


def test_rates_from_ends_with_the_bar_containing_date_from(market: Market) -> None:
    date_from = WEDNESDAY - 86_400 + 1_234
    bars = market.rates_from("EURUSD", M15, date_from, 20)
    assert len(bars) == 20
    assert bars["time"][-1] <= date_from < bars["time"][-1] + 900
    assert np.all(np.diff(bars["time"]) > 0)


def test_rates_range_includes_bars_opening_on_both_bounds(market: Market) -> None:
    start = int(WEDNESDAY) // 3_600 * 3_600 - 10 * 3_600
    bars = market.rates_range("EURUSD", H1, start, start + 5 * 3_600)
    assert list(bars["time"]) == [start + h * 3_600 for h in range(6)]


def test_rates_range_starts_at_the_first_bar_opening_after_date_from(market: Market) -> None:
    start = int(WEDNESDAY) // 3_600 * 3_600 - 10 * 3_600
    assert market.rates_range("EURUSD", H1, start + 1, start + 3_600)["time"][0] == start + 3_600


def test_empty_result_is_an_empty_array_of_the_bar_dtype(market: Market) -> None:
    bars = market.rates_range("EURUSD", M1, SATURDAY_MIDNIGHT - 7 * 86_400, MONDAY_MIDNIGHT - 7 * 86_400 - 1)
    assert bars.dtype == BAR_DTYPE and len(bars) == 0


def test_start_pos_counts_back_from_the_forming_bar(market: Market) -> None:
    np.testing.assert_array_equal(
        market.rates_from_pos("EURUSD", M5, 3, 10), market.rates_from_pos("EURUSD", M5, 0, 13)[:10]
    )


def test_sixty_thousand_m1_bars_of_history_are_available(market: Market) -> None:
    bars = market.rates_from_pos("EURUSD", M1, 0, 60_000)
    assert len(bars) == 60_000
    assert np.all(np.diff(bars["time"]) >= 60) and np.all(bars["time"] % 60 == 0)


def test_bar_positions_end_at_max_bars(market: Market) -> None:
    assert len(market.rates_from_pos("BTCUSD", M1, MAX_BARS - 10, 100)) == 10
    assert len(market.rates_from_pos("BTCUSD", M1, MAX_BARS, 100)) == 0


def test_history_ends_at_the_history_start(market: Market) -> None:
    days = market.rates_from_pos("BTCUSD", D1, 0, 5_000)
    assert days["time"][0] == market.history_start
    assert len(days) == (int(WEDNESDAY) - market.history_start) // 86_400 + 1


def test_bid_range_covers_every_quote_in_the_window(market: Market) -> None:
    t0, t1 = WEDNESDAY - 600, WEDNESDAY
    bids = [market.quote("EURUSD", t).bid for t in range(int(t0) + 1, int(t1) + 1)]
    assert market.bid_range("EURUSD", t0, t1) == (min(bids), max(bids))


def test_bid_range_over_days_matches_the_bars_of_those_days(market: Market) -> None:
    t0 = int(WEDNESDAY) // 60 * 60 - 3 * 86_400 - 1  # so the range starts with a whole minute
    minutes = market.rates_range("XAUUSD", M1, t0 + 1, WEDNESDAY)
    assert market.bid_range("XAUUSD", t0, WEDNESDAY) == (minutes["low"].min(), minutes["high"].max())


def test_ask_range_is_the_bid_range_plus_the_spread(market: Market) -> None:
    bids = market.bid_range("XAUUSD", WEDNESDAY - 300, WEDNESDAY)
    assert bids is not None  # the market is open on a Wednesday
    low, high = bids
    asks = market.ask_range("XAUUSD", WEDNESDAY - 300, WEDNESDAY)
    assert asks == (round(low + 0.25, 2), round(high + 0.25, 2))


def test_bid_range_within_one_second_is_the_current_bid(market: Market) -> None:
    bid = market.quote("EURUSD").bid
    assert market.bid_range("EURUSD", WEDNESDAY - 0.2, WEDNESDAY) == (bid, bid)


def test_bid_range_is_none_when_the_market_was_closed_throughout(market: Market) -> None:
    last_weekend = (SATURDAY_MIDNIGHT - 7 * 86_400, MONDAY_MIDNIGHT - 7 * 86_400 - 1)
    assert market.bid_range("EURUSD", *last_weekend) is None


def test_ticks_are_the_seconds_in_which_the_bid_changed(market: Market) -> None:
    bar = market.rates_from_pos("EURUSD", M1, 1, 1)[0]
    ticks = market.ticks_range("EURUSD", int(bar["time"]), int(bar["time"]) + 59, COPY_TICKS_ALL)
    assert len(ticks) == bar["tick_volume"]
    assert all(market.quote("EURUSD", int(t["time"])).bid == t["bid"] for t in ticks)
    assert set(ticks["flags"]) == {6}
    np.testing.assert_array_equal(ticks["time_msc"], ticks["time"] * 1000)
    np.testing.assert_allclose(
        ticks["ask"] - ticks["bid"], SYMBOLS["EURUSD"].spread * SYMBOLS["EURUSD"].point
    )


def test_ticks_from_returns_count_ticks_starting_at_date_from(market: Market) -> None:
    ticks = market.ticks_from("EURUSD", WEDNESDAY - 2 * 86_400, 5_000, COPY_TICKS_ALL)
    assert len(ticks) == 5_000
    assert ticks["time"][0] >= WEDNESDAY - 2 * 86_400 and np.all(np.diff(ticks["time"]) > 0)


def test_there_are_no_trade_ticks(market: Market) -> None:
    assert len(market.ticks_from("EURUSD", WEDNESDAY - 3_600, 100, COPY_TICKS_TRADE)) == 0


def test_set_offset_moves_the_price_from_now_on() -> None:
    market, clock = fresh_market()
    twin, twin_clock = fresh_market()
    market.set_offset("EURUSD", 0.01)
    assert market.quote("EURUSD").bid == pytest.approx(twin.quote("EURUSD").bid + 0.01)
    clock.advance(600)
    twin_clock.advance(600)
    assert market.quote("EURUSD").bid == pytest.approx(twin.quote("EURUSD").bid + 0.01)
    assert market.quote("GBPUSD") == twin.quote("GBPUSD")


def test_set_offset_leaves_history_as_it_was() -> None:
    market, clock = fresh_market()
    history = market.rates_from_pos("EURUSD", M1, 1, 500)
    market.set_offset("EURUSD", -0.02)
    clock.advance(300)
    np.testing.assert_array_equal(
        market.rates_range("EURUSD", M1, history["time"][0], history["time"][-1]), history
    )


def test_set_offset_is_the_total_shift_not_an_increment() -> None:
    market, _ = fresh_market()
    unshifted = market.quote("USDJPY").bid
    market.set_offset("USDJPY", 1.0)
    market.set_offset("USDJPY", 0.0)
    assert market.quote("USDJPY").bid == unshifted


def test_bars_spanning_an_offset_change_use_the_shifted_prices_after_it() -> None:
    market, clock = fresh_market()
    market.set_offset("EURUSD", 0.05)
    clock.advance(3_600)
    bar = market.rates_from_pos("EURUSD", H1, 1, 1)[0]
    assert bar["high"] >= market.quote("EURUSD", WEDNESDAY).bid > bar["open"] + 0.04


def test_manual_clock_refuses_to_go_backwards() -> None:
    clock = ManualClock(WEDNESDAY)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(WEDNESDAY - 1)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    assert clock.now() == WEDNESDAY


def test_manual_clock_accepts_aware_datetimes_and_refuses_naive_ones() -> None:
    midnight = datetime(2024, 6, 12, tzinfo=UTC)
    assert ManualClock(midnight).now() == midnight.timestamp()
    with pytest.raises(ValueError, match="naive"):
        ManualClock(datetime(2024, 6, 12))


def test_symbol_list_has_the_required_symbols_with_realistic_specs() -> None:
    assert {"EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD"} <= set(SYMBOLS)
    assert not SYMBOLS["BTCUSD"].weekend_closed and not SYMBOLS["BTCUSD"].selected_by_default
    for spec in SYMBOLS.values():
        assert spec.point == pytest.approx(10.0**-spec.digits), spec.name
        assert spec.volume_min <= spec.volume_max and spec.volume_step > 0, spec.name


def test_some_symbol_allows_a_single_filling_mode_only() -> None:
    assert any(spec.filling_mode in (1, 2) for spec in SYMBOLS.values())
