"""The simulated broker's arithmetic, history, stops, external trades and persistence, checked by hand
from prices read through symbol_info_tick (MT5_API.md: profit is valued at bid for buys, ask for sells)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.terminal.conftest import DEFAULT_BALANCE, DEFAULT_LEVERAGE, Trader

ORDER_TYPE_BUY = 0
ORDER_TYPE_SELL = 1
DEAL_TYPE_BUY = 0
DEAL_TYPE_SELL = 1
DEAL_ENTRY_IN = 0
DEAL_ENTRY_OUT = 1
DEAL_REASON_CLIENT = 0
DEAL_REASON_SL = 4
DEAL_REASON_TP = 5
POSITION_REASON_CLIENT = 0
CONTRACT = {"EURUSD": 100_000.0, "USDJPY": 100_000.0, "XAUUSD": 100.0}
CENT = 0.01


def _tick(api: Any, symbol: str) -> Any:
    tick = api.symbol_info_tick(symbol)
    assert tick is not None, api.last_error()
    return tick


def _assert_usd_of_jpy(value: float, amount_jpy: float, usdjpy: Any) -> None:
    """`value` is `amount_jpy` in USD at the current USDJPY rate (bid or ask, whichever the broker uses)."""
    low, high = sorted((amount_jpy / usdjpy.ask, amount_jpy / usdjpy.bid))
    assert low - CENT <= value <= high + CENT, (value, low, high)


def _opened_then_moved(trader: Trader, clock: ManualClock, symbol: str, side: str, volume: float) -> Any:
    """Open a position, let 30 minutes of market pass, and return the refreshed position."""
    ticket = trader.open(symbol, side, volume)
    clock.advance(1800)
    return trader.position(ticket)


# --- position profit ------------------------------------------------------------------------------


def _close_price_and_move(position: Any, tick: Any) -> tuple[float, float]:
    """Price a position is valued at (bid for a buy, ask for a sell) and its favourable price move."""
    if position.type == ORDER_TYPE_BUY:
        return tick.bid, tick.bid - position.price_open
    return tick.ask, position.price_open - tick.ask


@pytest.mark.parametrize("side", ["buy", "sell"])
@pytest.mark.parametrize("symbol", ["EURUSD", "XAUUSD"])
def test_usd_quoted_profit_is_the_price_move_times_volume_and_contract(
    trader: Trader, clock: ManualClock, symbol: str, side: str
) -> None:
    position = _opened_then_moved(trader, clock, symbol, side, 0.3)
    price, move = _close_price_and_move(position, _tick(trader.api, symbol))
    assert position.price_current == pytest.approx(price, abs=1e-9)
    assert position.profit == pytest.approx(move * 0.3 * CONTRACT[symbol], abs=CENT)


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_usdjpy_profit_is_the_jpy_move_converted_at_the_current_rate(
    trader: Trader, clock: ManualClock, side: str
) -> None:
    position = _opened_then_moved(trader, clock, "USDJPY", side, 0.5)
    tick = _tick(trader.api, "USDJPY")
    price, move = _close_price_and_move(position, tick)
    assert position.price_current == pytest.approx(price, abs=1e-9)
    _assert_usd_of_jpy(position.profit, move * 0.5 * 100_000, tick)


def test_symbol_contract_sizes_are_the_ones_the_arithmetic_assumes(mt5: Any) -> None:
    sizes = {symbol: mt5.symbol_info(symbol).trade_contract_size for symbol in CONTRACT}
    assert sizes == CONTRACT


# --- order_calc_profit / order_calc_margin --------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "symbol", "volume", "price_open", "price_close", "expected"),
    [
        (ORDER_TYPE_BUY, "EURUSD", 1.0, 1.1000, 1.1050, 500.0),
        (ORDER_TYPE_SELL, "EURUSD", 1.0, 1.1000, 1.1050, -500.0),
        (ORDER_TYPE_SELL, "XAUUSD", 0.5, 2000.0, 1990.0, 500.0),
        (ORDER_TYPE_BUY, "XAUUSD", 0.2, 2000.0, 1990.0, -200.0),
    ],
)
def test_order_calc_profit_of_usd_quoted_symbols(
    mt5: Any, action: int, symbol: str, volume: float, price_open: float, price_close: float, expected: float
) -> None:
    profit = mt5.order_calc_profit(action, symbol, volume, price_open, price_close)
    assert profit == pytest.approx(expected, abs=CENT)


def test_order_calc_profit_of_usdjpy_is_converted_from_jpy(mt5: Any) -> None:
    profit = mt5.order_calc_profit(ORDER_TYPE_BUY, "USDJPY", 1.0, 150.0, 151.0)
    _assert_usd_of_jpy(profit, 100_000.0, _tick(mt5, "USDJPY"))


def test_order_calc_profit_agrees_with_an_open_positions_profit(trader: Trader, clock: ManualClock) -> None:
    position = _opened_then_moved(trader, clock, "EURUSD", "buy", 0.4)
    calc = trader.api.order_calc_profit(
        ORDER_TYPE_BUY, "EURUSD", 0.4, position.price_open, position.price_current
    )
    assert calc == pytest.approx(position.profit, abs=CENT)


def test_forex_margin_of_eurusd_is_lots_times_contract_over_leverage_in_usd(mt5: Any) -> None:
    tick = _tick(mt5, "EURUSD")
    margin = mt5.order_calc_margin(ORDER_TYPE_BUY, "EURUSD", 1.0, tick.ask)
    eur = 1.0 * 100_000 / DEFAULT_LEVERAGE
    assert eur * tick.bid - CENT <= margin <= eur * tick.ask + CENT


@pytest.mark.parametrize(
    ("symbol", "volume", "price", "expected"),
    [("USDJPY", 1.0, 151.234, 1.0 * 100_000 / 100), ("XAUUSD", 0.5, 2000.0, 0.5 * 100 * 2000.0 / 100)],
    ids=["forex_usd_base_needs_no_conversion", "cfd_leverage_is_lots_contract_price_over_leverage"],
)
def test_margin_in_account_currency(
    mt5: Any, symbol: str, volume: float, price: float, expected: float
) -> None:
    assert mt5.order_calc_margin(ORDER_TYPE_BUY, symbol, volume, price) == pytest.approx(expected, abs=CENT)


# --- account identities ---------------------------------------------------------------------------


def test_a_fresh_account_has_the_configured_balance_and_no_margin(mt5: Any) -> None:
    account = mt5.account_info()
    assert (account.balance, account.equity, account.margin) == (DEFAULT_BALANCE, DEFAULT_BALANCE, 0.0)
    assert (account.margin_free, account.leverage, account.currency) == (DEFAULT_BALANCE, 100, "USD")
    assert account.margin_mode == 2


def test_account_margin_is_the_sum_of_the_positions_margins(trader: Trader) -> None:
    trader.open("USDJPY", "buy", 0.5)
    trader.open("USDJPY", "buy", 0.3)
    assert trader.api.account_info().margin == pytest.approx(800.0, abs=CENT)


@pytest.fixture
def busy_account(trader: Trader, clock: ManualClock) -> Any:
    """An account holding EURUSD, USDJPY and XAUUSD positions after the market moved; its account_info."""
    trader.open("EURUSD", "buy", 0.5)
    trader.open("USDJPY", "sell", 0.3)
    trader.open("XAUUSD", "buy", 0.1)
    clock.advance(1800)
    return trader.api.account_info()


def test_equity_is_balance_plus_floating_profit_and_swap(trader: Trader, busy_account: Any) -> None:
    floating = sum(p.profit + p.swap for p in trader.api.positions_get())
    assert busy_account.equity == pytest.approx(busy_account.balance + floating, abs=CENT)


def test_account_profit_is_the_sum_of_position_profits(trader: Trader, busy_account: Any) -> None:
    assert busy_account.profit == pytest.approx(sum(p.profit for p in trader.api.positions_get()), abs=CENT)


def test_free_margin_is_equity_minus_margin(busy_account: Any) -> None:
    assert busy_account.margin > 0
    assert busy_account.margin_free == pytest.approx(busy_account.equity - busy_account.margin, abs=CENT)


def test_margin_level_is_equity_over_margin_in_percent(busy_account: Any) -> None:
    expected = busy_account.equity / busy_account.margin * 100
    assert busy_account.margin_level == pytest.approx(expected, rel=1e-6)


# --- closing, deals and history -------------------------------------------------------------------


@pytest.fixture
def closed_trade(trader: Trader, clock: ManualClock) -> dict[str, Any]:
    """A 0.3 lot EURUSD buy held 30 minutes then closed; what was known just before the close."""
    ticket = trader.open("EURUSD", "buy", 0.3)
    opened_at = clock.now()
    clock.advance(1800)
    position = trader.position(ticket)
    balance_before = trader.api.account_info().balance
    bid = _tick(trader.api, "EURUSD").bid
    assert trader.close(ticket).retcode == 10009
    return {
        "ticket": ticket,
        "opened_at": opened_at,
        "price_open": position.price_open,
        "close_bid": bid,
        "expected_profit": (bid - position.price_open) * 0.3 * 100_000,
        "balance_before": balance_before,
    }


def _deals(api: Any, ticket: int) -> tuple[Any, ...]:
    deals: tuple[Any, ...] | None = api.history_deals_get(position=ticket)
    assert deals is not None, api.last_error()
    return deals


def test_closing_realises_the_profit_into_the_balance(trader: Trader, closed_trade: dict[str, Any]) -> None:
    charges = sum(d.commission + d.swap + d.fee for d in _deals(trader.api, closed_trade["ticket"]))
    expected = closed_trade["balance_before"] + closed_trade["expected_profit"] + charges
    account = trader.api.account_info()
    assert account.balance == pytest.approx(expected, abs=CENT)
    assert account.equity == pytest.approx(account.balance, abs=1e-9)


def test_a_round_trip_writes_an_in_deal_then_an_out_deal(
    trader: Trader, closed_trade: dict[str, Any]
) -> None:
    deals = _deals(trader.api, closed_trade["ticket"])
    assert [(d.entry, d.type) for d in deals] == [
        (DEAL_ENTRY_IN, DEAL_TYPE_BUY),
        (DEAL_ENTRY_OUT, DEAL_TYPE_SELL),
    ]
    assert {d.position_id for d in deals} == {closed_trade["ticket"]}


def test_the_in_deal_is_at_the_open_price_with_no_profit(
    trader: Trader, closed_trade: dict[str, Any]
) -> None:
    deal_in = _deals(trader.api, closed_trade["ticket"])[0]
    assert (deal_in.volume, deal_in.profit, deal_in.symbol) == (0.3, 0.0, "EURUSD")
    assert deal_in.price == pytest.approx(closed_trade["price_open"], abs=1e-9)


def test_the_out_deal_carries_the_realised_profit(trader: Trader, closed_trade: dict[str, Any]) -> None:
    deal_out = _deals(trader.api, closed_trade["ticket"])[1]
    assert deal_out.price == pytest.approx(closed_trade["close_bid"], abs=1e-9)
    assert deal_out.profit == pytest.approx(closed_trade["expected_profit"], abs=CENT)


def test_a_partial_close_deal_realises_only_its_share(trader: Trader, clock: ManualClock) -> None:
    position = _opened_then_moved(trader, clock, "EURUSD", "buy", 0.3)
    trader.close(position.ticket, 0.1)
    deal_out = _deals(trader.api, position.ticket)[-1]
    assert (deal_out.entry, deal_out.volume) == (DEAL_ENTRY_OUT, 0.1)
    assert deal_out.profit == pytest.approx(position.profit / 3, abs=CENT)


def test_history_deals_get_by_date_range_finds_the_trades_deals(
    trader: Trader, closed_trade: dict[str, Any], clock: ManualClock
) -> None:
    start = datetime.fromtimestamp(closed_trade["opened_at"], tz=UTC) - timedelta(minutes=1)
    end = datetime.fromtimestamp(clock.now(), tz=UTC) + timedelta(minutes=1)
    in_range = {d.ticket for d in trader.api.history_deals_get(start, end)}
    assert {d.ticket for d in _deals(trader.api, closed_trade["ticket"])} <= in_range
    assert trader.api.history_deals_total(start, end) == len(in_range)


def test_history_deals_get_by_date_range_before_the_trade_finds_none_of_them(
    trader: Trader, closed_trade: dict[str, Any]
) -> None:
    end = datetime.fromtimestamp(closed_trade["opened_at"], tz=UTC) - timedelta(minutes=1)
    earlier = trader.api.history_deals_get(end - timedelta(days=1), end) or ()
    assert not [d for d in earlier if d.position_id == closed_trade["ticket"]]


def test_history_deals_get_by_ticket_returns_the_deals_of_that_order(
    trader: Trader, closed_trade: dict[str, Any]
) -> None:
    """`ticket=` is an ORDER ticket (DEAL_ORDER), as in the MetaTrader5 documentation, not a deal ticket."""
    deal_out = _deals(trader.api, closed_trade["ticket"])[1]
    assert trader.api.history_deals_get(ticket=deal_out.order) == (deal_out,)


def test_history_orders_get_by_position_lists_the_opening_then_the_closing_order(
    trader: Trader, closed_trade: dict[str, Any]
) -> None:
    orders = trader.api.history_orders_get(position=closed_trade["ticket"])
    assert [o.type for o in orders] == [ORDER_TYPE_BUY, ORDER_TYPE_SELL]
    assert orders[0].ticket == closed_trade["ticket"]


# --- stops hit by the market ----------------------------------------------------------------------


def test_stop_loss_hit_by_the_price_closes_the_position_with_an_sl_deal(
    trader: Trader, clock: ManualClock
) -> None:
    sl = round(_tick(trader.api, "EURUSD").bid - 0.0020, 5)
    ticket = trader.open("EURUSD", "buy", 0.1, sl=sl)
    trader.api.market.set_offset("EURUSD", -0.0100)
    clock.advance(120)
    assert trader.api.positions_get(ticket=ticket) == ()
    deal_out = _deals(trader.api, ticket)[-1]
    assert (deal_out.entry, deal_out.reason) == (DEAL_ENTRY_OUT, DEAL_REASON_SL)
    assert deal_out.price <= sl + 1e-9
    assert deal_out.profit < 0


def test_take_profit_hit_by_the_price_closes_the_position_with_a_tp_deal(
    trader: Trader, clock: ManualClock
) -> None:
    tp = round(_tick(trader.api, "EURUSD").ask - 0.0020, 5)
    ticket = trader.open("EURUSD", "sell", 0.1, tp=tp)
    balance_before = trader.api.account_info().balance
    trader.api.market.set_offset("EURUSD", -0.0100)
    clock.advance(120)
    assert trader.api.positions_get(ticket=ticket) == ()
    deal_out = _deals(trader.api, ticket)[-1]
    assert (deal_out.reason, deal_out.profit > 0) == (DEAL_REASON_TP, True)
    assert trader.api.account_info().balance == pytest.approx(balance_before + deal_out.profit, abs=CENT)


def test_a_stop_the_price_never_reaches_leaves_the_position_open(trader: Trader, clock: ManualClock) -> None:
    sl = round(_tick(trader.api, "EURUSD").bid - 0.0020, 5)
    ticket = trader.open("EURUSD", "buy", 0.1, sl=sl)
    trader.api.market.set_offset("EURUSD", +0.0100)
    clock.advance(120)
    assert trader.position(ticket).sl == pytest.approx(sl, abs=1e-9)


def test_a_stop_touched_between_two_polls_is_still_hit(trader: Trader, clock: ManualClock) -> None:
    """The price dips through the stop and comes back before anyone asks: the stop must still fire."""
    sl = round(_tick(trader.api, "EURUSD").bid - 0.0020, 5)
    ticket = trader.open("EURUSD", "buy", 0.1, sl=sl)
    trader.api.market.set_offset("EURUSD", -0.0100)
    clock.advance(60)
    trader.api.market.set_offset("EURUSD", 0.0)
    clock.advance(60)
    assert trader.api.positions_get(ticket=ticket) == ()
    assert _deals(trader.api, ticket)[-1].reason == DEAL_REASON_SL


# --- trades made in the terminal by hand ----------------------------------------------------------


def test_external_open_appears_with_reason_client(mt5: Any) -> None:
    ticket = mt5.open_external("EURUSD", "sell", 0.2, comment="by hand")
    (position,) = mt5.positions_get(ticket=ticket)
    assert (position.reason, position.type, position.volume) == (POSITION_REASON_CLIENT, 1, 0.2)
    assert position.comment == "by hand"


def test_external_modify_changes_the_stops(mt5: Any) -> None:
    ticket = mt5.open_external("EURUSD", "buy", 0.1)
    bid = _tick(mt5, "EURUSD").bid
    sl, tp = round(bid - 0.003, 5), round(bid + 0.003, 5)
    mt5.modify_external(ticket, sl=sl, tp=tp)
    (position,) = mt5.positions_get(ticket=ticket)
    assert (position.sl, position.tp) == (pytest.approx(sl, abs=1e-9), pytest.approx(tp, abs=1e-9))


def test_external_partial_close_leaves_the_rest(mt5: Any) -> None:
    ticket = mt5.open_external("EURUSD", "buy", 0.1)
    mt5.close_external(ticket, 0.04)
    assert mt5.positions_get(ticket=ticket)[0].volume == pytest.approx(0.06, abs=1e-9)


def test_external_close_removes_the_position_with_a_client_deal(mt5: Any) -> None:
    ticket = mt5.open_external("EURUSD", "buy", 0.1)
    mt5.close_external(ticket)
    assert mt5.positions_get(ticket=ticket) == ()
    assert _deals(mt5, ticket)[-1].reason == DEAL_REASON_CLIENT


# --- persistence ----------------------------------------------------------------------------------


def _reopened(clock: ManualClock, state_path: Path) -> SimulatedTerminal:
    api = SimulatedTerminal(clock=clock, state_path=state_path)
    assert api.initialize() is True, api.last_error()
    return api


@pytest.fixture
def history_then_restart(trader: Trader, clock: ManualClock, state_path: Path) -> Iterator[dict[str, Any]]:
    """Close one trade, keep two open, shut down, and start a new terminal on the same state file."""
    closed = trader.open("EURUSD", "buy", 0.2)
    clock.advance(1800)
    trader.close(closed)
    trader.open("USDJPY", "sell", 0.3, sl=0.0, tp=0.0)
    trader.open("XAUUSD", "buy", 0.1)
    before = {
        "positions": trader.api.positions_get(),
        "balance": trader.api.account_info().balance,
        "deals": _deals(trader.api, closed),
        "closed": closed,
    }
    trader.api.shutdown()
    before["after"] = _reopened(clock, state_path)
    yield before
    before["after"].shutdown()


def _position_keys(positions: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [(p.ticket, p.symbol, p.type, p.volume, p.price_open, p.sl, p.tp) for p in positions]


def test_open_positions_survive_a_restart(history_then_restart: dict[str, Any]) -> None:
    after = history_then_restart["after"].positions_get()
    assert _position_keys(after) == _position_keys(history_then_restart["positions"])


def test_balance_survives_a_restart(history_then_restart: dict[str, Any]) -> None:
    assert history_then_restart["balance"] != DEFAULT_BALANCE
    after = history_then_restart["after"].account_info().balance
    assert after == pytest.approx(history_then_restart["balance"], abs=1e-9)


def test_deal_history_survives_a_restart(history_then_restart: dict[str, Any]) -> None:
    after = _deals(history_then_restart["after"], history_then_restart["closed"])
    assert after == history_then_restart["deals"]


def test_tickets_after_a_restart_do_not_reuse_old_ones(history_then_restart: dict[str, Any]) -> None:
    api = history_then_restart["after"]
    new_ticket = Trader(api).open("EURUSD", "buy", 0.1)
    old = {p.ticket for p in history_then_restart["positions"]} | {history_then_restart["closed"]}
    old |= {d.ticket for d in history_then_restart["deals"]}
    assert new_ticket not in old


def test_state_is_saved_as_trades_happen_not_only_at_shutdown(
    trader: Trader, clock: ManualClock, state_path: Path
) -> None:
    """Note: a crash must not lose trades (a stronger reading of "persists across restarts")."""
    ticket = trader.open("EURUSD", "buy", 0.1)
    after = _reopened(clock, state_path)
    assert [p.ticket for p in after.positions_get()] == [ticket]


def test_a_corrupt_state_file_is_backed_up_and_a_fresh_account_starts(
    clock: ManualClock, state_path: Path
) -> None:
    garbage = b"{ this is not json"
    state_path.write_bytes(garbage)
    api = _reopened(clock, state_path)
    assert api.account_info().balance == DEFAULT_BALANCE
    assert api.positions_get() == ()
    backups = [
        p
        for p in state_path.parent.iterdir()
        if p.is_file() and p != state_path and p.read_bytes() == garbage
    ]
    assert backups, f"no backup of the corrupt file in {sorted(state_path.parent.iterdir())}"
