"""order_send / order_check follow the wheel's argument rules and answer with the right retcodes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.terminal.conftest import SATURDAY_NOON_UTC, Trader, allowed_filling

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SUCCESS = (1, "Success")
DONE = 10009
POSITION_REASON_EXPERT = 3
TRADE_ACTION_SLTP = 6
SYMBOL_TRADE_MODE_DISABLED = 0
SYMBOL_TRADE_MODE_CLOSEONLY = 3
SYMBOL_FILLING_FOK = 1
SYMBOL_FILLING_IOC = 2
ORDER_FILLING_FOK = 0
ORDER_FILLING_IOC = 1

FLOAT_FIELDS = ["volume", "price", "stoplimit", "sl", "tp"]
INT_FIELDS = [
    "action",
    "type",
    "type_filling",
    "type_time",
    "magic",
    "order",
    "deviation",
    "position",
    "position_by",
    "expiration",
]


def _assert_nothing_opened(api: Any) -> None:
    assert api.positions_get() == ()


# --- argument rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", FLOAT_FIELDS)
def test_order_send_refuses_an_int_where_a_float_is_required(trader: Trader, field: str) -> None:
    request = trader.request("EURUSD", "buy", 0.1)
    request[field] = 1
    assert trader.api.order_send(request) is None
    assert trader.api.last_error() == (-2, f'Invalid "{field}" argument')
    _assert_nothing_opened(trader.api)


@pytest.mark.parametrize("field", FLOAT_FIELDS)
def test_order_send_refuses_none_where_a_float_is_required(trader: Trader, field: str) -> None:
    request = trader.request("EURUSD", "buy", 0.1)
    request[field] = None
    assert trader.api.order_send(request) is None
    assert trader.api.last_error() == (-2, f'Invalid "{field}" argument')


@pytest.mark.parametrize("field", FLOAT_FIELDS)
def test_order_check_refuses_an_int_where_a_float_is_required(trader: Trader, field: str) -> None:
    request = trader.request("EURUSD", "buy", 0.1)
    request[field] = 1
    assert trader.api.order_check(request) is None
    assert trader.api.last_error() == (-2, f'Invalid "{field}" argument')


@pytest.mark.parametrize("field", INT_FIELDS)
def test_order_send_refuses_a_float_where_an_int_is_required(trader: Trader, field: str) -> None:
    request = trader.request("EURUSD", "buy", 0.1)
    request[field] = 1.0
    assert trader.api.order_send(request) is None
    assert trader.api.last_error() == (-2, f'Invalid "{field}" argument')


def test_order_send_refuses_a_comment_longer_than_29_characters(trader: Trader) -> None:
    request = trader.request("EURUSD", "buy", 0.1, comment="c" * 30)
    assert trader.api.order_send(request) is None
    assert trader.api.last_error() == (-2, 'Invalid "comment" argument')
    _assert_nothing_opened(trader.api)


def test_order_send_accepts_a_comment_of_exactly_29_characters(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1, comment="c" * 29)
    assert trader.position(ticket).comment == "c" * 29


def test_order_send_refuses_a_symbol_longer_than_29_characters(trader: Trader) -> None:
    request = trader.request("EURUSD", "buy", 0.1)
    request["symbol"] = "S" * 30
    assert trader.api.order_send(request) is None
    assert trader.api.last_error() == (-2, 'Invalid "symbol" argument')


def test_order_send_refuses_a_comment_that_is_not_a_string(trader: Trader) -> None:
    assert trader.api.order_send(trader.request("EURUSD", "buy", 0.1, comment=42)) is None
    assert trader.api.last_error() == (-2, 'Invalid "comment" argument')


def test_order_send_ignores_unknown_keys(trader: Trader) -> None:
    result = trader.send("EURUSD", "buy", 0.1, not_a_field="ignored", another=3)
    assert result.retcode == DONE


def test_order_send_treats_missing_optional_keys_as_zero(trader: Trader) -> None:
    request = trader.request("EURUSD", "buy", 0.1)
    for key in ("sl", "tp", "magic", "comment", "deviation", "type_time"):
        request.pop(key, None)
    result = trader.api.order_send(request)
    assert result.retcode == DONE
    position = trader.position(result.order)
    assert (position.sl, position.tp, position.magic) == (0.0, 0.0, 0)


def test_order_send_accepts_the_request_as_keyword_fields(trader: Trader) -> None:
    result = trader.api.order_send(**trader.request("EURUSD", "buy", 0.1))
    assert result is not None, trader.api.last_error()
    assert result.retcode == DONE


# --- fills, closes, SLTP ---------------------------------------------------------------------------


def test_market_buy_fills_with_done_at_the_ask(trader: Trader) -> None:
    ask = trader.api.symbol_info_tick("EURUSD").ask
    result = trader.send("EURUSD", "buy", 0.1)
    assert result.retcode == DONE
    assert result.deal > 0
    assert (result.volume, result.price) == (0.1, pytest.approx(ask, abs=1e-9))
    assert trader.api.last_error() == SUCCESS


def test_market_fill_order_is_the_new_position_ticket(trader: Trader) -> None:
    result = trader.send("EURUSD", "buy", 0.1)
    position = trader.position(result.order)
    assert (position.ticket, position.symbol, position.volume) == (result.order, "EURUSD", 0.1)


def test_market_sell_opens_a_sell_position_at_the_bid(trader: Trader) -> None:
    bid = trader.api.symbol_info_tick("USDJPY").bid
    position = trader.position(trader.open("USDJPY", "sell", 0.2))
    assert (position.type, position.price_open) == (1, pytest.approx(bid, abs=1e-9))


def test_order_send_positions_are_reason_expert(trader: Trader) -> None:
    """Note: not stated in MT5_API.md; the real terminal reports Python API fills as EXPERT (3)."""
    assert trader.position(trader.open("EURUSD", "buy", 0.1)).reason == POSITION_REASON_EXPERT


def test_order_send_result_echoes_the_request(trader: Trader) -> None:
    request = trader.request("EURUSD", "buy", 0.1, comment="echo me")
    echoed = trader.api.order_send(request).request
    assert (echoed.symbol, echoed.volume, echoed.comment, echoed.type) == ("EURUSD", 0.1, "echo me", 0)


def test_opposite_deal_naming_the_position_closes_it(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    assert trader.close(ticket).retcode == DONE
    assert trader.api.positions_get(ticket=ticket) == ()


def test_partial_close_leaves_the_rest_under_the_same_ticket(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    assert trader.close(ticket, 0.04).retcode == DONE
    assert trader.position(ticket).volume == pytest.approx(0.06, abs=1e-9)


def test_closing_one_position_leaves_the_others_of_the_same_symbol(trader: Trader) -> None:
    first = trader.open("EURUSD", "buy", 0.1)
    second = trader.open("EURUSD", "buy", 0.2)
    trader.close(first)
    assert [p.ticket for p in trader.api.positions_get(symbol="EURUSD")] == [second]


def _sltp_request(ticket: int, sl: float, tp: float) -> dict[str, Any]:
    return {"action": TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": ticket, "sl": sl, "tp": tp}


def test_sltp_change_returns_done_with_no_deal_and_no_order(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    bid = trader.api.symbol_info_tick("EURUSD").bid
    result = trader.api.order_send(_sltp_request(ticket, round(bid - 0.005, 5), round(bid + 0.005, 5)))
    assert (result.retcode, result.deal, result.order) == (DONE, 0, 0)


def test_sltp_change_moves_the_positions_stops(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    bid = trader.api.symbol_info_tick("EURUSD").bid
    sl, tp = round(bid - 0.005, 5), round(bid + 0.005, 5)
    trader.api.order_send(_sltp_request(ticket, sl, tp))
    position = trader.position(ticket)
    assert (position.sl, position.tp) == (pytest.approx(sl, abs=1e-9), pytest.approx(tp, abs=1e-9))


# --- retcodes ------------------------------------------------------------------------------------


def _volume_cases(api: Any) -> dict[str, float]:
    info = api.symbol_info("EURUSD")
    return {
        "below_min": round(info.volume_min / 2, 8),
        "above_max": round(info.volume_max + info.volume_step, 8),
        "off_step": round(info.volume_min + info.volume_step / 2, 8),
    }


@pytest.mark.parametrize("case", ["below_min", "above_max", "off_step"])
def test_volume_outside_the_symbols_limits_is_invalid_volume(trader: Trader, case: str) -> None:
    volume = _volume_cases(trader.api)[case]
    assert trader.send("EURUSD", "buy", volume).retcode == 10014
    _assert_nothing_opened(trader.api)


def test_buy_with_stop_loss_above_the_bid_is_invalid_stops(trader: Trader) -> None:
    tick = trader.api.symbol_info_tick("EURUSD")
    assert trader.send("EURUSD", "buy", 0.1, sl=round(tick.ask + 0.002, 5)).retcode == 10016
    _assert_nothing_opened(trader.api)


def test_sell_with_take_profit_above_the_ask_is_invalid_stops(trader: Trader) -> None:
    tick = trader.api.symbol_info_tick("EURUSD")
    assert trader.send("EURUSD", "sell", 0.1, tp=round(tick.ask + 0.002, 5)).retcode == 10016


def test_stop_loss_inside_the_stops_level_is_invalid_stops(trader: Trader) -> None:
    info = trader.api.symbol_info("EURUSD")
    if info.trade_stops_level < 2:
        pytest.skip("EURUSD has no stops level to violate")
    sl = round(info.bid - (info.trade_stops_level - 1) * info.point, info.digits)
    assert trader.send("EURUSD", "buy", 0.1, sl=sl).retcode == 10016


def test_stop_loss_just_outside_the_stops_level_is_accepted(trader: Trader) -> None:
    info = trader.api.symbol_info("EURUSD")
    sl = round(info.bid - (info.trade_stops_level + 5) * info.point, info.digits)
    assert trader.send("EURUSD", "buy", 0.1, sl=sl).retcode == DONE


def _symbol_with_a_forbidden_filling(api: Any) -> tuple[str, int]:
    for info in api.symbols_get():
        if not info.filling_mode & SYMBOL_FILLING_FOK:
            return info.name, ORDER_FILLING_FOK
        if not info.filling_mode & SYMBOL_FILLING_IOC:
            return info.name, ORDER_FILLING_IOC
    pytest.fail("the contract asks for at least one symbol that allows a single filling mode")


def test_filling_mode_outside_the_symbols_bitmask_is_invalid_fill(trader: Trader) -> None:
    symbol, forbidden = _symbol_with_a_forbidden_filling(trader.api)
    volume = trader.api.symbol_info(symbol).volume_min
    assert trader.send(symbol, "buy", volume, type_filling=forbidden).retcode == 10030
    _assert_nothing_opened(trader.api)


def test_filling_mode_inside_the_symbols_bitmask_fills(trader: Trader) -> None:
    symbol, _ = _symbol_with_a_forbidden_filling(trader.api)
    info = trader.api.symbol_info(symbol)
    result = trader.send(symbol, "buy", info.volume_min, type_filling=allowed_filling(info.filling_mode))
    assert result.retcode == DONE


def test_volume_within_max_but_beyond_free_margin_is_no_money(trader: Trader) -> None:
    api = trader.api
    volume = api.symbol_info("EURUSD").volume_max
    tick = api.symbol_info_tick("EURUSD")
    assert api.order_calc_margin(0, "EURUSD", volume, tick.ask) > api.account_info().margin_free
    assert trader.send("EURUSD", "buy", volume).retcode == 10019
    _assert_nothing_opened(api)


@pytest.fixture
def saturday_trader(state_path: Path) -> Iterator[Trader]:
    """A connected terminal whose server clock reads Saturday noon UTC."""
    api = SimulatedTerminal(clock=ManualClock(SATURDAY_NOON_UTC), state_path=state_path)
    assert api.initialize() is True
    yield Trader(api)
    api.shutdown()


def test_fx_on_a_saturday_is_market_closed(saturday_trader: Trader) -> None:
    assert saturday_trader.send("EURUSD", "buy", 0.1).retcode == 10018
    _assert_nothing_opened(saturday_trader.api)


def test_bitcoin_still_trades_on_a_saturday(saturday_trader: Trader) -> None:
    assert saturday_trader.send("BTCUSD", "buy", 0.01).retcode == DONE


def test_algo_trading_off_is_client_disables_at(trader: Trader) -> None:
    trader.api.set_algo_trading(False)
    assert trader.api.terminal_info().trade_allowed is False
    assert trader.send("EURUSD", "buy", 0.1).retcode == 10027
    _assert_nothing_opened(trader.api)


def test_api_trading_off_refuses_order_send_with_minus_8(trader: Trader) -> None:
    """Contract marks this with '?': the -8 text is in the wheel's strings; None + -8 is our reading."""
    trader.api.set_api_trading(False)
    assert trader.api.order_send(trader.request("EURUSD", "buy", 0.1)) is None
    assert trader.api.last_error() == (-8, "Auto-Trading using Python API disabled in Terminal")


def test_symbol_trading_disabled_is_trade_disabled(trader: Trader) -> None:
    trader.api.set_symbol_trade_mode("EURUSD", SYMBOL_TRADE_MODE_DISABLED)
    assert trader.send("EURUSD", "buy", 0.1).retcode == 10017
    _assert_nothing_opened(trader.api)


def test_close_only_symbol_refuses_an_open_with_close_only(trader: Trader) -> None:
    trader.api.set_symbol_trade_mode("EURUSD", SYMBOL_TRADE_MODE_CLOSEONLY)
    assert trader.send("EURUSD", "buy", 0.1).retcode == 10044
    _assert_nothing_opened(trader.api)


def test_close_only_symbol_still_lets_a_position_close(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    trader.api.set_symbol_trade_mode("EURUSD", SYMBOL_TRADE_MODE_CLOSEONLY)
    assert trader.close(ticket).retcode == DONE


def test_position_limit_reached_is_limit_positions(trader: Trader) -> None:
    trader.open("EURUSD", "buy", 0.1)
    trader.api.set_position_limit(1)
    assert trader.send("USDJPY", "buy", 0.1).retcode == 10040
    assert trader.api.positions_total() == 1


def test_position_limit_does_not_block_a_close(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    trader.api.set_position_limit(1)
    assert trader.close(ticket).retcode == DONE


@pytest.mark.parametrize("retcode", [10004, 10006, 10031])
def test_forced_retcode_is_returned_and_nothing_executes(trader: Trader, retcode: int) -> None:
    trader.api.force_next_retcode(retcode)
    result = trader.send("EURUSD", "buy", 0.1)
    assert result.retcode == retcode
    assert (result.deal, result.order) == (0, 0)
    _assert_nothing_opened(trader.api)


def test_forced_retcode_applies_to_the_next_count_sends_only(trader: Trader) -> None:
    trader.api.force_next_retcode(10006, count=2)
    codes = [trader.send("EURUSD", "buy", 0.1).retcode for _ in range(3)]
    assert codes == [10006, 10006, DONE]


def test_forced_retcode_does_not_close_the_position_named(trader: Trader) -> None:
    ticket = trader.open("EURUSD", "buy", 0.1)
    trader.api.force_next_retcode(10031)
    assert trader.close(ticket).retcode == 10031
    assert trader.position(ticket).volume == 0.1


# --- order_check ---------------------------------------------------------------------------------


def test_order_check_of_a_valid_request_is_retcode_0_done(trader: Trader) -> None:
    check = trader.api.order_check(trader.request("EURUSD", "buy", 0.1))
    assert (check.retcode, check.comment) == (0, "Done")


def test_order_check_executes_nothing(trader: Trader) -> None:
    trader.api.order_check(trader.request("EURUSD", "buy", 0.1))
    _assert_nothing_opened(trader.api)


def test_order_check_reports_the_margin_the_order_needs(trader: Trader) -> None:
    api = trader.api
    request = trader.request("USDJPY", "buy", 0.5)
    check = api.order_check(request)
    expected = api.order_calc_margin(0, "USDJPY", 0.5, request["price"])
    assert check.margin == pytest.approx(expected, abs=0.01)
    assert check.balance == pytest.approx(api.account_info().balance, abs=1e-9)
    assert check.margin_free == pytest.approx(check.equity - check.margin, abs=0.01)


def test_order_check_of_a_volume_below_the_minimum_is_invalid_volume(trader: Trader) -> None:
    volume = _volume_cases(trader.api)["below_min"]
    assert trader.api.order_check(trader.request("EURUSD", "buy", volume)).retcode == 10014
