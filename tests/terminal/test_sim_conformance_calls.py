"""The simulator obeys the MetaTrader5 module's calling rules (MT5_API.md, "Calling rules")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from tests.terminal.conftest import (
    DEFAULT_LOGIN,
    DEFAULT_PASSWORD,
    DEFAULT_SERVER,
    WEDNESDAY_10_UTC,
)

if TYPE_CHECKING:
    from app.terminal.simulator import ManualClock, SimulatedTerminal
    from tests.terminal.conftest import Trader

SUCCESS = (1, "Success")
NO_IPC = (-10004, "No IPC connection")
IPC_TIMEOUT = (-10005, "IPC timeout")
AUTH_FAILED = (-6, "Terminal: Authorization failed")
UNNAMED = (-2, "Unnamed arguments not allowed")
IPC_CODES = {-10001, -10002, -10004, -10005}

TIMEFRAME_M1 = 1
COPY_TICKS_ALL = -1
ORDER_TYPE_BUY = 0
NOW = int(WEDNESDAY_10_UTC.timestamp())
AN_HOUR_AGO = NOW - 3600

_REQUEST = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0, "price": 1.1}

DATA_CALLS: dict[str, Callable[[Any], Any]] = {
    "account_info": lambda t: t.account_info(),
    "terminal_info": lambda t: t.terminal_info(),
    "symbols_total": lambda t: t.symbols_total(),
    "symbols_get": lambda t: t.symbols_get(),
    "symbol_info": lambda t: t.symbol_info("EURUSD"),
    "symbol_info_tick": lambda t: t.symbol_info_tick("EURUSD"),
    "copy_rates_from": lambda t: t.copy_rates_from("EURUSD", TIMEFRAME_M1, AN_HOUR_AGO, 10),
    "copy_rates_from_pos": lambda t: t.copy_rates_from_pos("EURUSD", TIMEFRAME_M1, 0, 10),
    "copy_rates_range": lambda t: t.copy_rates_range("EURUSD", TIMEFRAME_M1, AN_HOUR_AGO, NOW),
    "copy_ticks_from": lambda t: t.copy_ticks_from("EURUSD", AN_HOUR_AGO, 10, COPY_TICKS_ALL),
    "copy_ticks_range": lambda t: t.copy_ticks_range("EURUSD", AN_HOUR_AGO, NOW, COPY_TICKS_ALL),
    "positions_total": lambda t: t.positions_total(),
    "positions_get": lambda t: t.positions_get(),
    "orders_total": lambda t: t.orders_total(),
    "orders_get": lambda t: t.orders_get(),
    "history_orders_total": lambda t: t.history_orders_total(AN_HOUR_AGO, NOW),
    "history_orders_get": lambda t: t.history_orders_get(AN_HOUR_AGO, NOW),
    "history_deals_total": lambda t: t.history_deals_total(AN_HOUR_AGO, NOW),
    "history_deals_get": lambda t: t.history_deals_get(AN_HOUR_AGO, NOW),
    "order_calc_margin": lambda t: t.order_calc_margin(ORDER_TYPE_BUY, "EURUSD", 1.0, 1.1),
    "order_calc_profit": lambda t: t.order_calc_profit(ORDER_TYPE_BUY, "EURUSD", 1.0, 1.1, 1.2),
    "order_check": lambda t: t.order_check(dict(_REQUEST)),
    "order_send": lambda t: t.order_send(dict(_REQUEST)),
}


@pytest.fixture
def local_time_is_utc_plus_0530(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make naive datetimes mean UTC+05:30 so treating them as UTC would be caught."""
    monkeypatch.setenv("TZ", "XST-05:30")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# --- last_error ---------------------------------------------------------------------------------


def test_every_call_resets_last_error_to_success(mt5: SimulatedTerminal) -> None:
    assert mt5.positions_get("EURUSD") is None
    assert mt5.last_error() == UNNAMED
    assert mt5.terminal_info() is not None
    assert mt5.last_error() == SUCCESS


def test_a_call_returning_an_empty_tuple_also_resets_last_error(mt5: SimulatedTerminal) -> None:
    mt5.orders_get("EURUSD")
    assert mt5.positions_get() == ()
    assert mt5.last_error() == SUCCESS


# --- connection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("call", DATA_CALLS.values(), ids=DATA_CALLS.keys())
def test_data_call_before_initialize_returns_none_with_no_ipc_connection(
    sim: SimulatedTerminal, call: Callable[[Any], Any]
) -> None:
    assert call(sim) is None
    assert sim.last_error() == NO_IPC


@pytest.mark.parametrize("call", DATA_CALLS.values(), ids=DATA_CALLS.keys())
def test_data_call_after_shutdown_returns_none_with_no_ipc_connection(
    mt5: SimulatedTerminal, call: Callable[[Any], Any]
) -> None:
    mt5.shutdown()
    assert call(mt5) is None
    assert mt5.last_error() == NO_IPC


def test_symbol_select_before_initialize_fails_with_no_ipc_connection(sim: SimulatedTerminal) -> None:
    """symbol_select answers a bool, so its failure is falsy (False or None) rather than surely None."""
    assert not sim.symbol_select("EURUSD", True)
    assert sim.last_error() == NO_IPC


def test_initialize_without_arguments_connects_to_the_logged_in_account(sim: SimulatedTerminal) -> None:
    assert sim.initialize() is True
    assert sim.last_error() == SUCCESS
    assert sim.account_info().login == DEFAULT_LOGIN


def test_initialize_with_the_right_credentials_connects(sim: SimulatedTerminal) -> None:
    ok = sim.initialize(login=DEFAULT_LOGIN, password=DEFAULT_PASSWORD, server=DEFAULT_SERVER)
    assert ok is True
    account = sim.account_info()
    assert (account.login, account.server) == (DEFAULT_LOGIN, DEFAULT_SERVER)


def test_initialize_refuses_a_login_given_as_a_string(sim: SimulatedTerminal) -> None:
    ok = sim.initialize(login=str(DEFAULT_LOGIN), password=DEFAULT_PASSWORD, server=DEFAULT_SERVER)  # type: ignore[arg-type]
    assert not ok
    assert sim.last_error() == (-2, 'Invalid "login" argument')


def test_initialize_refused_for_a_string_login_leaves_the_terminal_unconnected(
    sim: SimulatedTerminal,
) -> None:
    sim.initialize(login=str(DEFAULT_LOGIN), password=DEFAULT_PASSWORD, server=DEFAULT_SERVER)  # type: ignore[arg-type]
    assert sim.account_info() is None


def test_initialize_with_a_wrong_password_fails_authorization(sim: SimulatedTerminal) -> None:
    ok = sim.initialize(login=DEFAULT_LOGIN, password="not-the-password", server=DEFAULT_SERVER)
    assert ok is False
    assert sim.last_error() == AUTH_FAILED


def test_initialize_with_an_unknown_login_fails_authorization(sim: SimulatedTerminal) -> None:
    ok = sim.initialize(login=DEFAULT_LOGIN + 1, password=DEFAULT_PASSWORD, server=DEFAULT_SERVER)
    assert ok is False
    assert sim.last_error() == AUTH_FAILED


def test_login_with_the_right_credentials_returns_true(mt5: SimulatedTerminal) -> None:
    assert mt5.login(DEFAULT_LOGIN, password=DEFAULT_PASSWORD, server=DEFAULT_SERVER) is True
    assert mt5.last_error() == SUCCESS


def test_login_with_a_wrong_password_fails_authorization(mt5: SimulatedTerminal) -> None:
    assert mt5.login(DEFAULT_LOGIN, password="not-the-password", server=DEFAULT_SERVER) is False
    assert mt5.last_error() == AUTH_FAILED


def test_shutdown_returns_true_when_connected(mt5: SimulatedTerminal) -> None:
    assert mt5.shutdown() is True


def test_shutdown_returns_true_even_without_a_connection(sim: SimulatedTerminal) -> None:
    assert sim.shutdown() is True


def test_version_is_500_then_an_int_build_then_a_dd_mon_yyyy_date(mt5: SimulatedTerminal) -> None:
    version: object = mt5.version()  # checked as the wheel's caller would see it, not as declared
    assert isinstance(version, tuple) and len(version) == 3
    major, build, date = version
    assert major == 500
    assert isinstance(build, int) and build > 0
    assert re.fullmatch(r"\d{2} [A-Z][a-z]{2} \d{4}", date), date
    datetime.strptime(date, "%d %b %Y")


def test_terminal_info_reports_connected_with_algo_trading_on(mt5: SimulatedTerminal) -> None:
    info = mt5.terminal_info()
    assert (info.connected, info.trade_allowed, info.tradeapi_disabled) == (True, True, False)


def test_latency_control_makes_every_call_block_that_long(mt5: SimulatedTerminal) -> None:
    mt5.set_latency(0.05)
    started = time.perf_counter()
    mt5.account_info()
    assert time.perf_counter() - started >= 0.05


# --- disconnect / restore (test controls) ---------------------------------------------------------


def test_after_disconnect_data_calls_return_none_with_an_ipc_error(mt5: SimulatedTerminal) -> None:
    mt5.disconnect()
    assert mt5.account_info() is None
    assert mt5.last_error()[0] in IPC_CODES


def test_initialize_while_disconnected_returns_false_with_ipc_timeout(mt5: SimulatedTerminal) -> None:
    mt5.disconnect()
    assert mt5.initialize(timeout=200) is False
    assert mt5.last_error() == IPC_TIMEOUT


def test_restore_does_not_reconnect_by_itself(mt5: SimulatedTerminal) -> None:
    mt5.disconnect()
    mt5.restore()
    assert mt5.account_info() is None


def test_initialize_after_restore_reconnects(mt5: SimulatedTerminal) -> None:
    mt5.disconnect()
    mt5.initialize(timeout=200)
    mt5.restore()
    assert mt5.initialize() is True
    assert mt5.account_info().login == DEFAULT_LOGIN


def test_external_trades_work_while_disconnected_and_show_after_reconnect(mt5: SimulatedTerminal) -> None:
    mt5.disconnect()
    ticket = mt5.open_external("EURUSD", "buy", 0.1)
    mt5.restore()
    assert mt5.initialize() is True
    assert [p.ticket for p in mt5.positions_get()] == [ticket]


# --- positions_get / orders_get -------------------------------------------------------------------


def test_positions_get_with_a_positional_argument_is_refused(mt5: SimulatedTerminal) -> None:
    assert mt5.positions_get("EURUSD") is None
    assert mt5.last_error() == UNNAMED


def test_orders_get_with_a_positional_argument_is_refused(mt5: SimulatedTerminal) -> None:
    assert mt5.orders_get("EURUSD") is None
    assert mt5.last_error() == UNNAMED


def test_positions_get_on_an_empty_account_is_an_empty_tuple(mt5: SimulatedTerminal) -> None:
    assert mt5.positions_get() == ()
    assert mt5.last_error() == SUCCESS


def test_orders_get_with_no_pending_orders_is_an_empty_tuple(mt5: SimulatedTerminal) -> None:
    assert mt5.orders_get() == ()
    assert mt5.last_error() == SUCCESS


def test_positions_get_for_a_symbol_without_positions_is_an_empty_tuple(trader: Trader) -> None:
    trader.open("EURUSD", "buy", 0.1)
    assert trader.api.positions_get(symbol="GBPUSD") == ()


def test_positions_get_for_an_unknown_ticket_is_an_empty_tuple_with_success(trader: Trader) -> None:
    trader.open("EURUSD", "buy", 0.1)
    assert trader.api.positions_get(ticket=987_654_321) == ()
    assert trader.api.last_error() == SUCCESS


def test_positions_get_without_filters_returns_every_position(trader: Trader) -> None:
    tickets = {trader.open("EURUSD", "buy", 0.1), trader.open("USDJPY", "sell", 0.2)}
    assert {p.ticket for p in trader.api.positions_get()} == tickets
    assert trader.api.positions_total() == 2


def test_positions_get_ticket_takes_precedence_over_symbol_and_group(trader: Trader) -> None:
    trader.open("EURUSD", "buy", 0.1)
    jpy = trader.open("USDJPY", "buy", 0.1)
    found = trader.api.positions_get(ticket=jpy, symbol="EURUSD", group="EUR*")
    assert [p.ticket for p in found] == [jpy]


def test_positions_get_symbol_takes_precedence_over_group(trader: Trader) -> None:
    eur = trader.open("EURUSD", "buy", 0.1)
    trader.open("USDJPY", "buy", 0.1)
    found = trader.api.positions_get(symbol="EURUSD", group="*JPY*")
    assert [p.ticket for p in found] == [eur]


def test_positions_get_group_mask_selects_matching_symbols(trader: Trader) -> None:
    trader.open("EURUSD", "buy", 0.1)
    jpy = trader.open("USDJPY", "sell", 0.1)
    assert [p.ticket for p in trader.api.positions_get(group="*JPY*")] == [jpy]


def test_positions_get_group_exclusion_drops_matching_symbols(trader: Trader) -> None:
    trader.open("EURUSD", "buy", 0.1)
    jpy = trader.open("USDJPY", "sell", 0.1)
    assert [p.ticket for p in trader.api.positions_get(group="*,!EUR*")] == [jpy]


# --- symbols ------------------------------------------------------------------------------------


def test_symbols_get_without_group_returns_every_symbol(mt5: SimulatedTerminal) -> None:
    symbols = mt5.symbols_get()
    assert isinstance(symbols, tuple)
    assert len(symbols) == mt5.symbols_total()
    assert {"EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD"} <= {s.name for s in symbols}


def test_symbols_get_group_star_mask_selects_by_name(mt5: SimulatedTerminal) -> None:
    names = {s.name for s in mt5.symbols_get(group="EUR*")}
    assert "EURUSD" in names
    assert all(name.startswith("EUR") for name in names)


def test_symbols_get_group_exclamation_excludes_a_mask(mt5: SimulatedTerminal) -> None:
    names = {s.name for s in mt5.symbols_get(group="*,!EUR*")}
    assert {"USDJPY", "XAUUSD"} <= names
    assert not any(name.startswith("EUR") for name in names)


def test_symbols_get_group_can_combine_inclusions_and_exclusions(mt5: SimulatedTerminal) -> None:
    names = {s.name for s in mt5.symbols_get(group="*USD*,!*JPY*,!XAU*")}
    assert {"EURUSD", "GBPUSD"} <= names
    assert not names & {"USDJPY", "XAUUSD"}


def test_symbols_get_with_a_positional_group_is_refused(mt5: SimulatedTerminal) -> None:
    assert mt5.symbols_get("EUR*") is None
    assert mt5.last_error()[0] == -2


def test_symbol_info_for_an_unknown_symbol_is_none(mt5: SimulatedTerminal) -> None:
    assert mt5.symbol_info("NOSUCHSYM") is None


def test_symbol_info_tick_is_none_for_a_symbol_not_in_market_watch(mt5: SimulatedTerminal) -> None:
    assert mt5.symbol_info("BTCUSD").select is False
    assert mt5.symbol_info_tick("BTCUSD") is None


def test_symbol_select_puts_a_symbol_in_market_watch_and_gives_it_a_tick(mt5: SimulatedTerminal) -> None:
    assert mt5.symbol_select("BTCUSD", True) is True
    assert mt5.symbol_info("BTCUSD").select is True
    tick = mt5.symbol_info_tick("BTCUSD")
    assert tick is not None and tick.bid > 0


def test_symbol_select_false_removes_a_symbol_from_market_watch(mt5: SimulatedTerminal) -> None:
    mt5.symbol_select("BTCUSD", True)
    assert mt5.symbol_select("BTCUSD", False) is True
    assert mt5.symbol_info_tick("BTCUSD") is None


def test_symbol_info_prices_match_the_tick(mt5: SimulatedTerminal) -> None:
    info, tick = mt5.symbol_info("EURUSD"), mt5.symbol_info_tick("EURUSD")
    assert (info.bid, info.ask) == (tick.bid, tick.ask)


def test_tick_ask_is_bid_plus_the_fixed_spread(mt5: SimulatedTerminal) -> None:
    info, tick = mt5.symbol_info("EURUSD"), mt5.symbol_info_tick("EURUSD")
    assert tick.ask - tick.bid == pytest.approx(info.spread * info.point, abs=info.point / 10)


def test_tick_time_is_not_in_the_future_and_agrees_with_time_msc(mt5: SimulatedTerminal) -> None:
    tick = mt5.symbol_info_tick("EURUSD")
    assert tick.time <= NOW
    assert tick.time == tick.time_msc // 1000


# --- copy_rates_* dates and positions -------------------------------------------------------------


def _rates_from(mt5: SimulatedTerminal, date_from: Any) -> np.ndarray:
    rates = mt5.copy_rates_from("EURUSD", TIMEFRAME_M1, date_from, 10)
    assert rates is not None, mt5.last_error()
    return rates


def test_copy_rates_from_int_date_ends_at_the_bar_opening_then(mt5: SimulatedTerminal) -> None:
    rates = _rates_from(mt5, AN_HOUR_AGO)
    assert len(rates) == 10
    assert int(rates["time"][-1]) == AN_HOUR_AGO
    assert list(np.diff(rates["time"])) == [60] * 9


def test_copy_rates_from_accepts_a_float_date(mt5: SimulatedTerminal) -> None:
    assert np.array_equal(_rates_from(mt5, AN_HOUR_AGO + 0.75), _rates_from(mt5, AN_HOUR_AGO))


def test_copy_rates_from_accepts_an_aware_datetime(mt5: SimulatedTerminal) -> None:
    aware = datetime.fromtimestamp(AN_HOUR_AGO, tz=UTC)
    assert np.array_equal(_rates_from(mt5, aware), _rates_from(mt5, AN_HOUR_AGO))


@pytest.mark.usefixtures("local_time_is_utc_plus_0530")
def test_copy_rates_from_reads_a_naive_datetime_as_local_time(mt5: SimulatedTerminal) -> None:
    naive_local = datetime(2026, 11, 18, 14, 30)  # 09:00 UTC at UTC+05:30
    assert naive_local.timestamp() == AN_HOUR_AGO
    assert np.array_equal(_rates_from(mt5, naive_local), _rates_from(mt5, AN_HOUR_AGO))


def test_copy_rates_range_truncates_a_float_date_from(mt5: SimulatedTerminal) -> None:
    start = AN_HOUR_AGO - 600
    rates = mt5.copy_rates_range("EURUSD", TIMEFRAME_M1, start + 0.5, AN_HOUR_AGO)
    assert int(rates["time"][0]) == start
    assert len(rates) == 11


@pytest.mark.usefixtures("local_time_is_utc_plus_0530")
def test_copy_rates_range_reads_naive_datetimes_as_local_time(mt5: SimulatedTerminal) -> None:
    start, end = datetime(2026, 11, 18, 14, 20), datetime(2026, 11, 18, 14, 30)
    rates = mt5.copy_rates_range("EURUSD", TIMEFRAME_M1, start, end)
    assert [int(rates["time"][0]), int(rates["time"][-1])] == [AN_HOUR_AGO - 600, AN_HOUR_AGO]


def test_copy_rates_from_pos_zero_is_the_forming_bar(mt5: SimulatedTerminal, clock: ManualClock) -> None:
    clock.advance(25)
    rates = mt5.copy_rates_from_pos("EURUSD", TIMEFRAME_M1, 0, 5)
    forming = rates[-1]
    assert int(forming["time"]) == NOW
    assert forming["close"] == pytest.approx(mt5.symbol_info_tick("EURUSD").bid, abs=1e-9)
    assert forming["low"] <= forming["close"] <= forming["high"]


def test_copy_rates_from_pos_one_is_the_last_closed_bar(mt5: SimulatedTerminal, clock: ManualClock) -> None:
    clock.advance(25)
    rates = mt5.copy_rates_from_pos("EURUSD", TIMEFRAME_M1, 1, 3)
    assert int(rates["time"][-1]) == NOW - 60


def test_copy_rates_never_return_a_bar_opening_in_the_future(mt5: SimulatedTerminal) -> None:
    later = NOW + int(timedelta(hours=2).total_seconds())
    rates = mt5.copy_rates_range("EURUSD", TIMEFRAME_M1, NOW - 600, later)
    assert int(rates["time"].max()) <= NOW
