"""The simulator's records, arrays and constants have the wheel's shapes (MT5_API.md, "Records")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.terminal.conftest import WEDNESDAY_10_UTC, Trader


def _words(text: str) -> list[str]:
    return text.split()


CONSTANTS_FILE = Path(__file__).parent / "data" / "mt5_constants_5.0.6231.txt"

FIELDS: dict[str, list[str]] = {
    "TradePosition": _words(
        "ticket time time_msc time_update time_update_msc type magic identifier reason volume price_open "
        "sl tp price_current swap profit symbol comment external_id"
    ),
    "TradeOrder": _words(
        "ticket time_setup time_setup_msc time_done time_done_msc time_expiration type type_time "
        "type_filling state magic position_id position_by_id reason volume_initial volume_current "
        "price_open sl tp price_current price_stoplimit symbol comment external_id"
    ),
    "TradeDeal": _words(
        "ticket order time time_msc type entry magic position_id reason volume price commission swap "
        "profit fee symbol comment external_id"
    ),
    "TradeRequest": _words(
        "action magic order symbol volume price stoplimit sl tp deviation type type_filling type_time "
        "expiration comment position position_by"
    ),
    "OrderSendResult": _words(
        "retcode deal order volume price bid ask comment request_id retcode_external request"
    ),
    "OrderCheckResult": _words(
        "retcode balance equity profit margin margin_free margin_level comment request"
    ),
    "Tick": _words("time bid ask last volume time_msc flags volume_real"),
    "AccountInfo": _words(
        "login trade_mode leverage limit_orders margin_so_mode trade_allowed trade_expert margin_mode "
        "currency_digits fifo_close balance credit profit equity margin margin_free margin_level "
        "margin_so_call margin_so_so margin_initial margin_maintenance assets liabilities "
        "commission_blocked name server currency company"
    ),
    "TerminalInfo": _words(
        "community_account community_connection connected dlls_allowed trade_allowed tradeapi_disabled "
        "email_enabled ftp_enabled notifications_enabled mqid build maxbars codepage ping_last "
        "community_balance retransmission company name language path data_path commondata_path"
    ),
    "SymbolInfo": _words(
        "custom chart_mode select visible session_deals session_buy_orders session_sell_orders volume "
        "volumehigh volumelow time digits spread spread_float ticks_bookdepth trade_calc_mode trade_mode "
        "start_time expiration_time trade_stops_level trade_freeze_level trade_exemode swap_mode "
        "swap_rollover3days margin_hedged_use_leg expiration_mode filling_mode order_mode order_gtc_mode "
        "option_mode option_right bid bidhigh bidlow ask askhigh asklow last lasthigh lastlow volume_real "
        "volumehigh_real volumelow_real option_strike point trade_tick_value trade_tick_value_profit "
        "trade_tick_value_loss trade_tick_size trade_contract_size trade_accrued_interest "
        "trade_face_value trade_liquidity_rate volume_min volume_max volume_step volume_limit swap_long "
        "swap_short margin_initial margin_maintenance session_volume session_turnover session_interest "
        "session_buy_orders_volume session_sell_orders_volume session_open session_close session_aw "
        "session_price_settlement session_price_limit_min session_price_limit_max margin_hedged "
        "price_change price_volatility price_theoretical price_greeks_delta price_greeks_theta "
        "price_greeks_gamma price_greeks_vega price_greeks_rho price_greeks_omega price_sensitivity "
        "basis category currency_base currency_profit currency_margin bank description exchange formula "
        "isin name page path"
    ),
}

BAR_FIELDS = [
    ("time", "<i8"),
    ("open", "<f8"),
    ("high", "<f8"),
    ("low", "<f8"),
    ("close", "<f8"),
    ("tick_volume", "<u8"),
    ("spread", "<i4"),
    ("real_volume", "<u8"),
]
TICK_FIELDS = [
    ("time", "<i8"),
    ("bid", "<f8"),
    ("ask", "<f8"),
    ("last", "<f8"),
    ("volume", "<u8"),
    ("time_msc", "<i8"),
    ("flags", "<u4"),
    ("volume_real", "<f8"),
]

TIMEFRAME_M1 = 1
TIMEFRAME_H1 = 0x4001
COPY_TICKS_ALL = -1


def _sample_records(trader: Trader) -> dict[str, Any]:
    """One live instance of every record type, produced the way a client meets them."""
    api = trader.api
    result = trader.send("EURUSD", "buy", 0.1)
    assert result.retcode == 10009, result
    check = api.order_check(trader.request("EURUSD", "sell", 0.1))
    assert check is not None, api.last_error()
    history_orders = api.history_orders_get(position=result.order)
    deals = api.history_deals_get(position=result.order)
    assert history_orders and deals, api.last_error()
    return {
        "TradePosition": api.positions_get(ticket=result.order)[0],
        "TradeOrder": history_orders[0],
        "TradeDeal": deals[0],
        "TradeRequest": result.request,
        "OrderSendResult": result,
        "OrderCheckResult": check,
        "Tick": api.symbol_info_tick("EURUSD"),
        "AccountInfo": api.account_info(),
        "TerminalInfo": api.terminal_info(),
        "SymbolInfo": api.symbol_info("EURUSD"),
    }


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Records are immutable snapshots, so one set serves the whole module."""
    state_path = tmp_path_factory.mktemp("records") / "sim_account.json"
    api = SimulatedTerminal(clock=ManualClock(WEDNESDAY_10_UTC), state_path=state_path)
    assert api.initialize() is True, api.last_error()
    yield _sample_records(Trader(api))
    api.shutdown()


RECORD_NAMES = list(FIELDS)


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_is_a_tuple_subclass_with_the_wheel_type_name(records: dict[str, Any], name: str) -> None:
    record = records[name]
    assert isinstance(record, tuple)
    assert type(record).__name__ == name


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_asdict_lists_the_fields_in_the_official_order(records: dict[str, Any], name: str) -> None:
    assert list(records[name]._asdict()) == FIELDS[name]


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_has_one_item_per_field_readable_by_name(records: dict[str, Any], name: str) -> None:
    record = records[name]
    assert len(record) == len(FIELDS[name])
    assert [getattr(record, field) for field in FIELDS[name]] == list(record)


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_asdict_is_a_dict_of_the_items(records: dict[str, Any], name: str) -> None:
    as_dict = records[name]._asdict()
    assert type(as_dict) is dict
    assert list(as_dict.values()) == list(records[name])


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_has_no_namedtuple_fields_or_replace(records: dict[str, Any], name: str) -> None:
    assert not hasattr(records[name], "_fields")
    assert not hasattr(records[name], "_replace")


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_repr_is_name_and_every_field_equals_value(records: dict[str, Any], name: str) -> None:
    record = records[name]
    body = ", ".join(f"{field}={value!r}" for field, value in zip(FIELDS[name], record, strict=True))
    assert repr(record) == f"{name}({body})"


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_record_fields_cannot_be_reassigned(records: dict[str, Any], name: str) -> None:
    with pytest.raises((AttributeError, TypeError)):
        setattr(records[name], FIELDS[name][0], 0)


def test_order_check_result_carries_its_request_as_a_trade_request(records: dict[str, Any]) -> None:
    assert type(records["OrderCheckResult"].request).__name__ == "TradeRequest"


def test_symbol_info_has_96_fields(records: dict[str, Any]) -> None:
    assert len(records["SymbolInfo"]) == 96


def test_symbol_info_describes_the_symbol_asked_for(records: dict[str, Any]) -> None:
    info = records["SymbolInfo"]
    assert (info.name, info.currency_base, info.currency_profit) == ("EURUSD", "EUR", "USD")
    assert (info.digits, info.point, info.trade_contract_size) == (5, pytest.approx(1e-5), 100_000.0)
    assert info.select is True and info.visible is True
    assert 0 < info.bid < info.ask


def _field_types(record: Any) -> dict[str, type]:
    return {field: type(value) for field, value in record._asdict().items()}


def test_trade_position_fields_have_the_wheel_types(records: dict[str, Any]) -> None:
    types = _field_types(records["TradePosition"])
    ints = _words("ticket time time_msc time_update time_update_msc type magic identifier reason")
    floats = _words("volume price_open sl tp price_current swap profit")
    assert {f: types[f] for f in ints} == dict.fromkeys(ints, int)
    assert {f: types[f] for f in floats} == dict.fromkeys(floats, float)
    assert {types[f] for f in ("symbol", "comment", "external_id")} == {str}


def test_trade_deal_fields_have_the_wheel_types(records: dict[str, Any]) -> None:
    types = _field_types(records["TradeDeal"])
    ints = _words("ticket order time time_msc type entry magic position_id reason")
    floats = _words("volume price commission swap profit fee")
    assert {f: types[f] for f in ints} == dict.fromkeys(ints, int)
    assert {f: types[f] for f in floats} == dict.fromkeys(floats, float)
    assert {types[f] for f in ("symbol", "comment", "external_id")} == {str}


def test_tick_fields_have_the_wheel_types(records: dict[str, Any]) -> None:
    types = _field_types(records["Tick"])
    expected = dict(zip(FIELDS["Tick"], (int, float, float, float, int, int, int, float), strict=True))
    assert types == expected


def test_account_info_money_fields_are_floats_and_flags_are_bools(records: dict[str, Any]) -> None:
    types = _field_types(records["AccountInfo"])
    floats = _words("balance credit profit equity margin margin_free margin_level")
    assert {f: types[f] for f in floats} == dict.fromkeys(floats, float)
    assert {types[f] for f in ("trade_allowed", "trade_expert", "fifo_close")} == {bool}
    assert {types[f] for f in ("login", "leverage", "margin_mode", "trade_mode")} == {int}


# --- numpy arrays -------------------------------------------------------------------------------

RATE_CALLS = {
    "copy_rates_from_pos": lambda api, now: api.copy_rates_from_pos("EURUSD", TIMEFRAME_M1, 0, 10),
    "copy_rates_from": lambda api, now: api.copy_rates_from("EURUSD", TIMEFRAME_H1, now, 10),
    "copy_rates_range": lambda api, now: api.copy_rates_range("EURUSD", TIMEFRAME_M1, now - 900, now),
}
TICK_CALLS = {
    "copy_ticks_from": lambda api, now: api.copy_ticks_from("EURUSD", now - 600, 50, COPY_TICKS_ALL),
    "copy_ticks_range": lambda api, now: api.copy_ticks_range("EURUSD", now - 600, now, COPY_TICKS_ALL),
}


def _dtype_fields(array: np.ndarray) -> list[tuple[str, str]]:
    fields, names = array.dtype.fields, array.dtype.names
    assert fields is not None and names is not None  # a structured array
    return [(name, fields[name][0].str) for name in names]


@pytest.mark.parametrize("call", RATE_CALLS.values(), ids=RATE_CALLS.keys())
def test_bars_have_the_wheel_dtype_packed_in_60_bytes(trader: Trader, call: Any) -> None:
    rates = call(trader.api, int(trader.api.clock.now()))
    assert isinstance(rates, np.ndarray) and len(rates) > 0
    assert _dtype_fields(rates) == BAR_FIELDS
    assert rates.dtype.itemsize == 60


@pytest.mark.parametrize("call", TICK_CALLS.values(), ids=TICK_CALLS.keys())
def test_ticks_have_the_wheel_dtype(trader: Trader, call: Any) -> None:
    ticks = call(trader.api, int(trader.api.clock.now()))
    assert isinstance(ticks, np.ndarray) and len(ticks) > 0
    assert _dtype_fields(ticks) == TICK_FIELDS


# --- constants ----------------------------------------------------------------------------------


def _wheel_constants() -> dict[str, int]:
    pairs = {}
    for line in CONSTANTS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            name, value = line.split("=")
            pairs[name.strip()] = int(value)
    return pairs


def test_the_reference_list_holds_the_wheels_223_constants() -> None:
    assert len(_wheel_constants()) == 223


def test_every_wheel_constant_exists_with_the_wheel_value(sim: Any) -> None:
    wrong = {
        name: getattr(sim, name, "<missing>")
        for name, value in _wheel_constants().items()
        if getattr(sim, name, None) != value or type(getattr(sim, name, None)) is not int
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRADE_RETCODE_DONE", 10009),
        ("TIMEFRAME_H1", 0x4001),
        ("TIMEFRAME_MN1", 0xC001),
        ("COPY_TICKS_ALL", -1),
        ("ORDER_FILLING_IOC", 1),
        ("SYMBOL_CALC_MODE_CFDLEVERAGE", 4),
    ],
)
def test_well_known_constants_have_their_values(sim: Any, name: str, value: int) -> None:
    assert getattr(sim, name) == value
