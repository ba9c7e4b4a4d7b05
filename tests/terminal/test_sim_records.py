"""The simulator's record types behave like the C module's struct sequences; its constants are the wheel's."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from app.terminal.simulator import SimulatedTerminal
from app.terminal.simulator import constants as constants_module
from app.terminal.simulator.records import (
    BookInfo,
    OrderSendResult,
    SymbolInfo,
    Tick,
    TradeRequest,
    field_names,
    make,
)

CONSTANTS_FILE = Path(__file__).parent / "data" / "mt5_constants_5.0.6231.txt"

SYMBOL_INFO_FIELDS = [
    "custom",
    "chart_mode",
    "select",
    "visible",
    "session_deals",
    "session_buy_orders",
    "session_sell_orders",
    "volume",
    "volumehigh",
    "volumelow",
    "time",
    "digits",
    "spread",
    "spread_float",
    "ticks_bookdepth",
    "trade_calc_mode",
    "trade_mode",
    "start_time",
    "expiration_time",
    "trade_stops_level",
    "trade_freeze_level",
    "trade_exemode",
    "swap_mode",
    "swap_rollover3days",
    "margin_hedged_use_leg",
    "expiration_mode",
    "filling_mode",
    "order_mode",
    "order_gtc_mode",
    "option_mode",
    "option_right",
    "bid",
    "bidhigh",
    "bidlow",
    "ask",
    "askhigh",
    "asklow",
    "last",
    "lasthigh",
    "lastlow",
    "volume_real",
    "volumehigh_real",
    "volumelow_real",
    "option_strike",
    "point",
    "trade_tick_value",
    "trade_tick_value_profit",
    "trade_tick_value_loss",
    "trade_tick_size",
    "trade_contract_size",
    "trade_accrued_interest",
    "trade_face_value",
    "trade_liquidity_rate",
    "volume_min",
    "volume_max",
    "volume_step",
    "volume_limit",
    "swap_long",
    "swap_short",
    "margin_initial",
    "margin_maintenance",
    "session_volume",
    "session_turnover",
    "session_interest",
    "session_buy_orders_volume",
    "session_sell_orders_volume",
    "session_open",
    "session_close",
    "session_aw",
    "session_price_settlement",
    "session_price_limit_min",
    "session_price_limit_max",
    "margin_hedged",
    "price_change",
    "price_volatility",
    "price_theoretical",
    "price_greeks_delta",
    "price_greeks_theta",
    "price_greeks_gamma",
    "price_greeks_vega",
    "price_greeks_rho",
    "price_greeks_omega",
    "price_sensitivity",
    "basis",
    "category",
    "currency_base",
    "currency_profit",
    "currency_margin",
    "bank",
    "description",
    "exchange",
    "formula",
    "isin",
    "name",
    "page",
    "path",
]


def _tick() -> Any:  # records are types made at run time, as the wheel's are: Any to the checker
    return make(Tick, time=1, bid=1.1, ask=1.2, last=0.0, volume=0, time_msc=1000, flags=6, volume_real=0.0)


def _request(**fields: Any) -> Any:
    values: dict[str, Any] = dict.fromkeys(field_names(TradeRequest), 0)
    values.update(symbol="EURUSD", comment="", volume=0.1, price=1.1, stoplimit=0.0, sl=0.0, tp=0.0)
    values.update(fields)
    return make(TradeRequest, **values)


# --- struct-sequence behaviour ---------------------------------------------------------------------


def test_a_record_is_a_tuple_named_like_the_wheels_type() -> None:
    tick = _tick()
    assert isinstance(tick, tuple)
    assert type(tick).__name__ == "Tick"


def test_a_record_repr_lists_every_field_with_its_value() -> None:
    book = BookInfo((1, 1.5, 10, 10.0))
    assert repr(book) == "BookInfo(type=1, price=1.5, volume=10, volume_dbl=10.0)"


def test_a_string_field_is_shown_quoted_in_the_repr() -> None:
    assert "symbol='EURUSD'" in repr(_request())


def test_index_and_attribute_access_read_the_same_values() -> None:
    tick = _tick()
    assert [getattr(tick, name) for name in field_names(Tick)] == list(tick)
    assert (tick[1], tick.bid) == (1.1, 1.1)


def test_asdict_is_a_plain_dict_in_field_order() -> None:
    as_dict = _tick()._asdict()
    assert type(as_dict) is dict
    assert list(as_dict.items()) == list(zip(field_names(Tick), _tick(), strict=True))


def test_asdict_leaves_a_nested_request_as_a_record() -> None:
    request = _request()
    result = OrderSendResult((10009, 1, 2, 0.1, 1.1, 1.1, 1.2, "Request executed", 1, 0, request))
    assert result._asdict()["request"] is request
    assert result._asdict()["request"]._asdict()["symbol"] == "EURUSD"


@pytest.mark.parametrize("attribute", ["_fields", "_replace", "_make", "_field_defaults"])
def test_a_record_has_none_of_namedtuples_extras(attribute: str) -> None:
    assert not hasattr(_tick(), attribute)


def test_a_records_fields_are_read_only() -> None:
    tick = _tick()
    with pytest.raises(AttributeError):
        tick.bid = 2.0


def test_a_record_takes_no_new_attributes() -> None:
    with pytest.raises(AttributeError):
        _tick().extra = 1


def test_a_record_compares_equal_to_the_tuple_of_its_values() -> None:
    assert BookInfo((1, 1.5, 10, 10.0)) == (1, 1.5, 10, 10.0)


def test_a_record_cannot_be_pickled_as_the_modules_struct_sequences_cannot() -> None:
    result = OrderSendResult((10009, 1, 2, 0.1, 1.1, 1.1, 1.2, "Request executed", 1, 0, _request()))
    with pytest.raises(pickle.PicklingError, match="attribute lookup OrderSendResult on builtins failed"):
        pickle.dumps(result)


def test_a_record_is_named_without_a_module_like_the_modules_records() -> None:
    assert repr(OrderSendResult) == "<class 'OrderSendResult'>"


def test_a_records_fields_as_a_dict_cross_where_the_record_cannot() -> None:
    request = _request(comment="MD-0123456789")
    plain = pickle.loads(pickle.dumps(request._asdict()))
    assert make(TradeRequest, **plain) == request


def test_a_record_built_from_a_sequence_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(TypeError, match="4-sequence"):
        BookInfo((1, 1.5, 10))


def test_make_refuses_a_missing_field() -> None:
    with pytest.raises(TypeError, match="volume_dbl"):
        make(BookInfo, type=1, price=1.5, volume=10)


def test_make_refuses_an_unknown_field() -> None:
    with pytest.raises(TypeError, match="colour"):
        make(BookInfo, type=1, price=1.5, volume=10, volume_dbl=10.0, colour="red")


def test_symbol_info_has_the_96_fields_in_the_official_order() -> None:
    assert field_names(SymbolInfo) == tuple(SYMBOL_INFO_FIELDS)
    assert len(SYMBOL_INFO_FIELDS) == 96


def test_book_info_has_type_price_volume_and_volume_dbl() -> None:
    assert field_names(BookInfo) == ("type", "price", "volume", "volume_dbl")


# --- constants -----------------------------------------------------------------------------------


def _reference_constants() -> dict[str, int]:
    pairs: dict[str, int] = {}
    for line in CONSTANTS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            name, value = line.split("=")
            pairs[name.strip()] = int(value)
    return pairs


def _module_constants() -> dict[str, object]:
    return {name: value for name, value in vars(constants_module).items() if name.isupper()}


def test_the_constants_module_holds_exactly_the_wheels_223_names_and_values() -> None:
    assert _module_constants() == _reference_constants()


def test_every_constant_is_a_plain_int() -> None:
    assert {type(value) for value in _module_constants().values()} == {int}


def test_every_constant_is_an_attribute_of_the_simulated_terminal() -> None:
    missing = {n: v for n, v in _reference_constants().items() if getattr(SimulatedTerminal, n, None) != v}
    assert missing == {}
