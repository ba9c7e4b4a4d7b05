"""Terminal (the adapter) against the simulator: conversions, symbol selection, fills, orders end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.core.enums import (
    AccountTradeMode,
    Backend,
    DealEntry,
    DealType,
    MarginMode,
    OrderAction,
    Side,
    Timeframe,
)
from app.core.models import OrderRequest, Position
from app.terminal.adapter import Terminal
from app.terminal.orders import choose_filling, clean_comment
from app.terminal.simulator import ManualClock, SimulatedTerminal

WEDNESDAY_10H = datetime(2026, 11, 18, 10, tzinfo=UTC)
DONE = 10009


@pytest.fixture
def sim(tmp_path: Path) -> SimulatedTerminal:
    return SimulatedTerminal(clock=ManualClock(WEDNESDAY_10H), state_path=tmp_path / "sim.json")


@pytest.fixture
def terminal(sim: SimulatedTerminal) -> Terminal:
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    return terminal


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def advance(sim: SimulatedTerminal, seconds: float) -> None:
    """Move the simulator's manual clock on."""
    clock = sim.clock
    assert isinstance(clock, ManualClock)
    clock.advance(seconds)


def open_buy(volume: float = 0.1, symbol: str = "EURUSD", **fields: Any) -> OrderRequest:
    return OrderRequest(OrderAction.OPEN, symbol, side=Side.BUY, volume=volume, **fields)


# -- records to dataclasses -----------------------------------------------------------------------------


def test_position_carries_every_field_of_the_terminal_record(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.3, sl=1.0, tp=1.5, comment="by hand", magic=7)
    raw = sim.positions_get(ticket=ticket)[0]

    position = terminal.positions()[ticket]

    assert position == Position(
        ticket=ticket,
        symbol="EURUSD",
        side=Side.BUY,
        volume=0.3,
        price_open=raw.price_open,
        price_current=raw.price_current,
        sl=1.0,
        tp=1.5,
        swap=raw.swap,
        profit=raw.profit,
        time=utc(raw.time),
        magic=7,
        comment="by hand",
        identifier=raw.identifier,
        time_update=utc(raw.time_update) if raw.time_update else None,
        digits=5,  # EURUSD's SymbolSpec.digits: a TradePosition does not carry it, the adapter adds it
    )


def test_position_times_are_broker_seconds_tagged_utc_without_shift(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)

    position = terminal.positions()[ticket]

    assert position.time == WEDNESDAY_10H
    assert position.time.tzinfo is UTC


def test_sell_position_has_sell_side(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("GBPUSD", "sell", 0.1)

    assert terminal.positions()[ticket].side is Side.SELL


def test_zero_sl_and_tp_mean_none(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)

    position = terminal.positions()[ticket]

    assert position.sl is None
    assert position.tp is None


def test_time_update_follows_a_modification(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    advance(sim, 90)
    sim.modify_external(ticket, sl=1.0)

    assert terminal.positions()[ticket].time_update == WEDNESDAY_10H + timedelta(seconds=90)


def test_positions_are_keyed_by_ticket_with_several_per_symbol(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    tickets = {sim.open_external("EURUSD", side, 0.1) for side in ("buy", "buy", "sell")}
    other = sim.open_external("USDJPY", "buy", 0.2)

    positions = terminal.positions()

    assert set(positions) == tickets | {other}
    assert all(positions[ticket].ticket == ticket for ticket in positions)


def test_positions_of_one_symbol(sim: SimulatedTerminal, terminal: Terminal) -> None:
    eurusd = sim.open_external("EURUSD", "buy", 0.1)
    sim.open_external("USDJPY", "buy", 0.1)

    assert set(terminal.positions("EURUSD")) == {eurusd}


def test_no_positions_is_an_empty_dict(terminal: Terminal) -> None:
    assert terminal.positions() == {}


def test_position_by_ticket_is_none_once_closed(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    assert terminal.position(ticket).ticket == ticket

    sim.close_external(ticket)

    assert terminal.position(ticket) is None


def test_account_converts_figures_and_modes(sim: SimulatedTerminal, terminal: Terminal) -> None:
    raw = sim.account_info()

    account = terminal.account()

    assert account.login == raw.login == 5_012_345
    assert account.balance == 10_000.0
    assert account.equity == raw.equity
    assert account.currency == "USD"
    assert account.leverage == 100
    assert account.trade_mode is AccountTradeMode.DEMO
    assert account.margin_mode is MarginMode.HEDGING
    assert account.server == raw.server


def test_netting_account_is_reported_as_netting(tmp_path: Path) -> None:
    sim = SimulatedTerminal(clock=ManualClock(WEDNESDAY_10H), state_path=tmp_path / "n.json", margin_mode=0)
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()

    assert terminal.account().margin_mode is MarginMode.NETTING


def test_deals_of_a_position_are_its_in_and_out(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.2)
    advance(sim, 60)
    sim.close_external(ticket)

    deals = terminal.deals_for_position(ticket)

    assert [(deal.type, deal.entry) for deal in deals] == [
        (DealType.BUY, DealEntry.IN),
        (DealType.SELL, DealEntry.OUT),
    ]
    assert all(deal.position_id == ticket and deal.volume == 0.2 for deal in deals)
    assert deals[1].time == WEDNESDAY_10H + timedelta(seconds=60)


def test_deals_in_a_time_range(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    advance(sim, 30)
    sim.close_external(ticket)

    deals = terminal.deals(WEDNESDAY_10H - timedelta(minutes=1), WEDNESDAY_10H + timedelta(minutes=1))

    assert {deal.position_id for deal in deals if deal.type is not DealType.BALANCE} == {ticket}
    closing = [deal for deal in deals if deal.entry is DealEntry.OUT]
    assert closing[0].profit == sim.history_deals_get(position=ticket)[-1].profit


def test_symbol_spec_has_limits_stops_and_fills(terminal: Terminal) -> None:
    spec = terminal.symbol("EURUSD")

    assert (spec.name, spec.digits, spec.point) == ("EURUSD", 5, 0.00001)
    assert (spec.volume_min, spec.volume_max, spec.volume_step) == (0.01, 100.0, 0.01)
    assert spec.stops_level == 10
    assert spec.filling_mode == 3
    assert spec.contract_size == 100_000.0
    assert spec.currency_profit == "USD"
    assert spec.pip == pytest.approx(0.0001)


def test_symbol_spec_is_read_once_per_connection(terminal: Terminal) -> None:
    first = terminal.symbol("EURUSD")

    assert terminal.symbol("EURUSD") is first
    terminal.connect()
    assert terminal.symbol("EURUSD") is not first


def test_symbols_lists_every_offered_symbol(terminal: Terminal) -> None:
    names = terminal.symbols()

    assert {"EURUSD", "USDJPY", "XAUUSD", "BTCUSD"} <= set(names)


def test_tick_has_bid_below_ask_and_the_clock_time(terminal: Terminal) -> None:
    tick = terminal.tick("EURUSD")

    assert tick.symbol == "EURUSD"
    assert 0 < tick.bid < tick.ask
    assert tick.time == WEDNESDAY_10H


def test_tick_selects_a_symbol_missing_from_market_watch(sim: SimulatedTerminal, terminal: Terminal) -> None:
    assert sim.symbol_info_tick("BTCUSD") is None  # not in Market Watch by default

    tick = terminal.tick("BTCUSD")

    assert tick.bid > 0
    assert sim.symbol_info("BTCUSD").select


def test_bars_are_ascending_and_end_with_the_forming_bar(terminal: Terminal) -> None:
    bars = terminal.bars("EURUSD", Timeframe.M1, 10)

    assert len(bars) == 10
    assert [bar.time for bar in bars] == sorted(bar.time for bar in bars)
    assert bars[-1].time == WEDNESDAY_10H
    assert bars[-1].close == terminal.tick("EURUSD").bid
    assert all(bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high for bar in bars)


def test_rates_use_the_timeframe_constant_of_the_api(terminal: Terminal) -> None:
    rates = terminal.rates("EURUSD", Timeframe.H1, 5, start_pos=1)

    assert isinstance(rates, np.ndarray)
    assert len(rates) == 5
    assert all(int(t) % 3600 == 0 for t in rates["time"])
    assert int(rates["time"][-1]) == int(WEDNESDAY_10H.timestamp()) - 3600


def test_terminal_info_reports_ping_in_milliseconds(sim: SimulatedTerminal, terminal: Terminal) -> None:
    raw = sim.terminal_info()

    info = terminal.terminal_info()

    assert info.ping_ms == raw.ping_last / 1000
    assert info.connected and info.trade_allowed
    assert info.build == raw.build


def test_version_is_major_build_date(terminal: Terminal) -> None:
    major, build, date = terminal.version()

    assert major == 500 and build > 0 and isinstance(date, str)


def test_calc_margin_and_profit_in_account_currency(sim: SimulatedTerminal, terminal: Terminal) -> None:
    price = terminal.tick("EURUSD").ask

    margin = terminal.calc_margin(Side.BUY, "EURUSD", 1.0, price)
    profit = terminal.calc_profit(Side.BUY, "EURUSD", 1.0, price, price + 0.001)

    assert margin == pytest.approx(sim.order_calc_margin(sim.ORDER_TYPE_BUY, "EURUSD", 1.0, price))
    assert profit == pytest.approx(100.0)


# -- building requests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filling_mode", "expected"),
    [
        (1, "ORDER_FILLING_FOK"),
        (3, "ORDER_FILLING_FOK"),
        (2, "ORDER_FILLING_IOC"),
        (0, "ORDER_FILLING_RETURN"),
    ],
)
def test_fill_prefers_fok_then_ioc_then_return(
    sim: SimulatedTerminal, filling_mode: int, expected: str
) -> None:
    assert choose_filling(sim, filling_mode) == getattr(sim, expected)


def test_a_symbol_that_allows_only_ioc_gets_ioc(sim: SimulatedTerminal, terminal: Terminal) -> None:
    request = terminal.build_request(open_buy(symbol="BTCUSD"))

    assert request["type_filling"] == sim.ORDER_FILLING_IOC


def test_a_symbol_that_allows_fok_gets_fok(sim: SimulatedTerminal, terminal: Terminal) -> None:
    assert terminal.build_request(open_buy())["type_filling"] == sim.ORDER_FILLING_FOK


def test_open_request_is_a_market_deal_at_the_ask_with_exact_types(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    request = terminal.build_request(open_buy(volume=1, sl=1, tp=2, magic=3, deviation=5))

    assert request["action"] == sim.TRADE_ACTION_DEAL
    assert request["type"] == sim.ORDER_TYPE_BUY
    assert request["price"] == terminal.tick("EURUSD").ask
    assert request["position"] == 0
    assert (request["volume"], request["sl"], request["tp"]) == (1.0, 1.0, 2.0)
    assert all(type(request[key]) is float for key in ("volume", "price", "sl", "tp"))
    assert all(type(request[key]) is int for key in ("action", "type", "magic", "deviation", "type_filling"))


def test_sell_request_is_priced_at_the_bid(terminal: Terminal) -> None:
    request = terminal.build_request(OrderRequest(OrderAction.OPEN, "EURUSD", side=Side.SELL, volume=0.1))

    assert request["price"] == terminal.tick("EURUSD").bid


def test_close_request_is_the_opposite_deal_on_the_position(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.3)

    request = terminal.build_request(OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket))

    assert request["type"] == sim.ORDER_TYPE_SELL
    assert request["position"] == ticket
    assert request["volume"] == 0.3
    assert request["price"] == terminal.tick("EURUSD").bid


def test_modify_request_is_sltp_with_none_as_zero(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1, sl=1.0, tp=1.5)

    request = terminal.build_request(OrderRequest(OrderAction.MODIFY, "EURUSD", ticket=ticket, sl=1.01))

    assert request["action"] == sim.TRADE_ACTION_SLTP
    assert (request["position"], request["sl"], request["tp"]) == (ticket, 1.01, 0.0)


def test_comment_is_made_printable_ascii_of_at_most_29_characters() -> None:
    assert clean_comment("desk:a1b2c3 ✓ señal") == "desk:a1b2c3 ? se?al"
    assert clean_comment("x" * 40) == "x" * 29
    assert clean_comment("line\nbreak") == "line?break"


def test_comment_is_cleaned_before_the_terminal_sees_it(sim: SimulatedTerminal, terminal: Terminal) -> None:
    result = terminal.send(open_buy(comment="MT5Desk ünïcode and far too long a comment"))

    assert result.retcode == DONE
    comment = sim.positions_get(ticket=result.order)[0].comment
    assert comment == "MT5Desk ?n?code and far too l"


# -- orders end to end ----------------------------------------------------------------------------------


def test_open_fills_and_the_order_number_is_the_position_ticket(terminal: Terminal) -> None:
    result = terminal.send(open_buy(volume=0.25, sl=1.0, tp=1.5, magic=42))

    assert result.retcode == DONE
    position = terminal.positions()[result.position_ticket]
    assert (position.side, position.volume, position.sl, position.tp, position.magic) == (
        Side.BUY,
        0.25,
        1.0,
        1.5,
        42,
    )
    assert position.price_open == result.price


def test_integer_volume_is_sent_as_a_float(terminal: Terminal) -> None:
    result = terminal.send(open_buy(volume=1))

    assert result.retcode == DONE
    assert terminal.positions()[result.order].volume == 1.0


def test_open_on_a_symbol_outside_market_watch(terminal: Terminal) -> None:
    result = terminal.send(open_buy(volume=0.01, symbol="BTCUSD"))

    assert result.retcode == DONE
    assert terminal.positions()[result.order].symbol == "BTCUSD"


def test_close_removes_the_position(terminal: Terminal) -> None:
    ticket = terminal.send(open_buy(volume=0.2)).order

    result = terminal.send(OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket))

    assert result.retcode == DONE
    assert terminal.position(ticket) is None
    assert terminal.deals_for_position(ticket)[-1].entry is DealEntry.OUT


def test_partial_close_leaves_the_rest_open(terminal: Terminal) -> None:
    ticket = terminal.send(open_buy(volume=0.1)).order

    result = terminal.send(OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket, volume=0.04))

    assert result.retcode == DONE
    assert terminal.position(ticket).volume == pytest.approx(0.06)


def test_close_of_a_sell_buys_it_back(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("USDJPY", "sell", 0.1)

    result = terminal.send(OrderRequest(OrderAction.CLOSE, "USDJPY", ticket=ticket))

    assert result.retcode == DONE
    assert terminal.positions() == {}


def test_modify_sets_and_removes_stops(terminal: Terminal) -> None:
    ticket = terminal.send(open_buy()).order

    set_result = terminal.send(OrderRequest(OrderAction.MODIFY, "EURUSD", ticket=ticket, sl=1.0, tp=1.5))
    assert set_result.retcode == DONE
    assert (terminal.position(ticket).sl, terminal.position(ticket).tp) == (1.0, 1.5)

    terminal.send(OrderRequest(OrderAction.MODIFY, "EURUSD", ticket=ticket, tp=1.6))
    assert (terminal.position(ticket).sl, terminal.position(ticket).tp) == (None, 1.6)


def test_check_accepts_a_valid_order_without_executing_it(terminal: Terminal) -> None:
    result = terminal.check(open_buy())

    assert result.retcode == 0
    assert terminal.positions() == {}


def test_simulated_terminal_says_so(terminal: Terminal, sim: SimulatedTerminal) -> None:
    assert terminal.simulated
    assert terminal.kind is Backend.SIM
    assert terminal.api is sim
