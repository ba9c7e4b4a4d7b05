"""Terminal records (struct sequences, numpy arrays) to the core dataclasses, checked field by field.

Whatever the terminal sends, the result is either a well-typed dataclass or a TerminalError that says
which record and field could not be read; never an AttributeError deep inside the app.
Times: broker server time in epoch seconds becomes a datetime tagged UTC without shifting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.core.enums import AccountTradeMode, DealEntry, DealType, MarginMode, Side
from app.core.models import Account, Bar, Deal, OrderResult, Position, SymbolSpec, Tick
from app.terminal.errors import CODE_BAD_RECORD, TerminalError

_SIDE = {0: Side.BUY, 1: Side.SELL}  # ORDER_TYPE_BUY / ORDER_TYPE_SELL; also POSITION_TYPE_*
_TRADE_MODE = {0: AccountTradeMode.DEMO, 1: AccountTradeMode.CONTEST, 2: AccountTradeMode.REAL}
_MARGIN_MODE = {0: MarginMode.NETTING, 1: MarginMode.EXCHANGE, 2: MarginMode.HEDGING}
_DEAL_TYPE = {0: DealType.BUY, 1: DealType.SELL, 2: DealType.BALANCE}
_DEAL_ENTRY = {0: DealEntry.IN, 1: DealEntry.OUT, 2: DealEntry.INOUT, 3: DealEntry.OUT_BY}
_BAR_FIELDS = ("time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume")


@dataclass(frozen=True, slots=True)
class TerminalInfoView:
    """What the app needs of `terminal_info()`; ping in milliseconds."""

    connected: bool
    trade_allowed: bool
    ping_ms: float
    build: int
    path: str
    company: str
    name: str
    data_path: str
    tradeapi_disabled: bool = False


def bad_record(kind: str, why: str) -> TerminalError:
    """The error for a record MT5 Desk cannot read."""
    return TerminalError(
        CODE_BAD_RECORD,
        f"MetaTrader 5 sent a record MT5 Desk cannot read: {kind} {why}",
        "Update MetaTrader 5 and MT5 Desk; please report it with the log file if it persists",
        detail=f"{kind}: {why}",
    )


class _Reader:
    """Typed access to one record's fields; every failure becomes bad_record."""

    __slots__ = ("kind", "record")

    def __init__(self, record: Any, kind: str) -> None:
        if record is None:
            raise bad_record(kind, "is missing (None)")
        self.record = record
        self.kind = kind

    def _get(self, name: str) -> Any:
        try:
            return getattr(self.record, name)
        except AttributeError:
            raise bad_record(self.kind, f"has no field '{name}'") from None

    def _wrong(self, name: str, value: Any, expected: str) -> TerminalError:
        return bad_record(self.kind, f"field '{name}' is {value!r} ({type(value).__name__}), not {expected}")

    def integer(self, name: str) -> int:
        value = self._get(name)
        if isinstance(value, (int, np.integer)):  # bool is an int too, and MT5 sends bools as ints
            return int(value)
        raise self._wrong(name, value, "an integer")

    def number(self, name: str) -> float:
        value = self._get(name)
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            result = float(value)
            if math.isfinite(result):
                return result
        raise self._wrong(name, value, "a finite number")

    def text(self, name: str) -> str:
        value = self._get(name)
        if isinstance(value, str):
            return value
        raise self._wrong(name, value, "text")

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if isinstance(value, (bool, int, np.integer, np.bool_)):
            return bool(value)
        raise self._wrong(name, value, "a boolean")

    def timestamp(self, name: str) -> datetime:
        seconds = self.integer(name)
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise self._wrong(name, seconds, "a time") from None

    def choice(self, name: str, table: dict[int, Any], what: str) -> Any:
        code = self.integer(name)
        if code not in table:
            raise bad_record(self.kind, f"field '{name}' is {code}, not a known {what}")
        return table[code]


def _price(value: float) -> float | None:
    """MT5 says "no stop loss / take profit" with 0.0."""
    return value if value != 0.0 else None


def to_position(record: Any, digits: int | None = None) -> Position:
    """TradePosition -> Position; `digits` is its symbol's precision (a TradePosition does not carry it)."""
    r = _Reader(record, "TradePosition")
    time_update = r.integer("time_update")
    return Position(
        ticket=r.integer("ticket"),
        symbol=r.text("symbol"),
        side=r.choice("type", _SIDE, "position type"),
        volume=r.number("volume"),
        price_open=r.number("price_open"),
        price_current=r.number("price_current"),
        sl=_price(r.number("sl")),
        tp=_price(r.number("tp")),
        swap=r.number("swap"),
        profit=r.number("profit"),
        time=r.timestamp("time"),
        magic=r.integer("magic"),
        comment=r.text("comment"),
        identifier=r.integer("identifier"),
        time_update=r.timestamp("time_update") if time_update else None,
        digits=digits,
    )


def to_account(record: Any) -> Account:
    """AccountInfo -> Account."""
    r = _Reader(record, "AccountInfo")
    return Account(
        login=r.integer("login"),
        name=r.text("name"),
        server=r.text("server"),
        company=r.text("company"),
        currency=r.text("currency"),
        leverage=r.integer("leverage"),
        balance=r.number("balance"),
        equity=r.number("equity"),
        margin=r.number("margin"),
        margin_free=r.number("margin_free"),
        margin_level=r.number("margin_level"),
        profit=r.number("profit"),
        credit=r.number("credit"),
        trade_mode=r.choice("trade_mode", _TRADE_MODE, "account trade mode"),
        margin_mode=r.choice("margin_mode", _MARGIN_MODE, "margin mode"),
        trade_allowed=r.flag("trade_allowed"),
        trade_expert=r.flag("trade_expert"),
        currency_digits=r.integer("currency_digits"),
    )


def to_deal(record: Any) -> Deal:
    """TradeDeal -> Deal; non-trading deal types other than balance become OTHER."""
    r = _Reader(record, "TradeDeal")
    return Deal(
        ticket=r.integer("ticket"),
        order=r.integer("order"),
        time=r.timestamp("time"),
        type=_DEAL_TYPE.get(r.integer("type"), DealType.OTHER),
        entry=r.choice("entry", _DEAL_ENTRY, "deal entry"),
        position_id=r.integer("position_id"),
        symbol=r.text("symbol"),
        volume=r.number("volume"),
        price=r.number("price"),
        profit=r.number("profit"),
        commission=r.number("commission"),
        swap=r.number("swap"),
        fee=r.number("fee"),
        magic=r.integer("magic"),
        reason=r.integer("reason"),
        comment=r.text("comment"),
    )


def to_symbol_spec(record: Any) -> SymbolSpec:
    """SymbolInfo -> SymbolSpec."""
    r = _Reader(record, "SymbolInfo")
    return SymbolSpec(
        name=r.text("name"),
        description=r.text("description"),
        digits=r.integer("digits"),
        point=r.number("point"),
        spread=r.integer("spread"),
        trade_mode=r.integer("trade_mode"),
        stops_level=r.integer("trade_stops_level"),
        filling_mode=r.integer("filling_mode"),
        volume_min=r.number("volume_min"),
        volume_max=r.number("volume_max"),
        volume_step=r.number("volume_step"),
        contract_size=r.number("trade_contract_size"),
        tick_size=r.number("trade_tick_size"),
        tick_value=r.number("trade_tick_value"),
        currency_base=r.text("currency_base"),
        currency_profit=r.text("currency_profit"),
        currency_margin=r.text("currency_margin"),
        bid=r.number("bid"),
        ask=r.number("ask"),
        select=r.flag("select"),
        visible=r.flag("visible"),
    )


def to_tick(symbol: str, record: Any) -> Tick:
    """Tick record -> Tick; volume is the real (fractional) volume when the terminal has one."""
    r = _Reader(record, "Tick")
    volume_real = r.number("volume_real")
    return Tick(
        symbol=symbol,
        time=r.timestamp("time"),
        bid=r.number("bid"),
        ask=r.number("ask"),
        last=r.number("last"),
        volume=volume_real if volume_real else float(r.integer("volume")),
        time_msc=r.integer("time_msc"),
    )


def to_terminal_info(record: Any) -> TerminalInfoView:
    """TerminalInfo -> TerminalInfoView; ping_last is in microseconds."""
    r = _Reader(record, "TerminalInfo")
    return TerminalInfoView(
        connected=r.flag("connected"),
        trade_allowed=r.flag("trade_allowed"),
        ping_ms=r.integer("ping_last") / 1000.0,
        build=r.integer("build"),
        path=r.text("path"),
        company=r.text("company"),
        name=r.text("name"),
        data_path=r.text("data_path"),
        tradeapi_disabled=r.flag("tradeapi_disabled"),
    )


def to_order_result(record: Any, digits: int | None = None) -> OrderResult:
    """OrderSendResult -> OrderResult; `digits` is the order's symbol's precision."""
    r = _Reader(record, "OrderSendResult")
    return OrderResult(
        retcode=r.integer("retcode"),
        deal=r.integer("deal"),
        order=r.integer("order"),
        volume=r.number("volume"),
        price=r.number("price"),
        bid=r.number("bid"),
        ask=r.number("ask"),
        comment=r.text("comment"),
        request_id=r.integer("request_id"),
        retcode_external=r.integer("retcode_external"),
        digits=digits,
    )


def to_check_result(record: Any, volume: float, price: float) -> OrderResult:
    """OrderCheckResult -> OrderResult; the checked volume and price come from the request."""
    r = _Reader(record, "OrderCheckResult")
    return OrderResult(
        retcode=r.integer("retcode"),
        deal=0,
        order=0,
        volume=volume,
        price=price,
        bid=0.0,
        ask=0.0,
        comment=r.text("comment"),
    )


def to_bars(rates: Any) -> list[Bar]:
    """copy_rates_* structured array -> bars in the array's (ascending) order."""
    names = getattr(getattr(rates, "dtype", None), "names", None)
    if names is None:
        raise bad_record("rates", f"are a {type(rates).__name__}, not a numpy structured array")
    missing = [name for name in _BAR_FIELDS if name not in names]
    if missing:
        raise bad_record("rates", f"lack the fields {', '.join(missing)}")
    try:
        columns = [rates[name].tolist() for name in _BAR_FIELDS]
        return [
            Bar(
                time=datetime.fromtimestamp(int(t), tz=UTC),
                open=float(o),
                high=float(h),
                low=float(low),
                close=float(c),
                tick_volume=int(tv),
                spread=int(sp),
                real_volume=int(rv),
            )
            for t, o, h, low, c, tv, sp, rv in zip(*columns, strict=True)
        ]
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise bad_record("rates", f"hold a value that is not a bar: {exc}") from None
