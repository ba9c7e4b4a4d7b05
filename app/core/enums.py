"""Closed sets of the trading domain, with English values that serialize as they read."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    """Direction of a position, order or signal."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class ConnectionState(StrEnum):
    """State of the link to the terminal (or, in a viewer, to the server)."""

    CONNECTED = "connected"
    STALE = "stale"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"


class AccountTradeMode(StrEnum):
    """Kind of trading account: `account_info().trade_mode` 0, 1, 2."""

    DEMO = "demo"
    CONTEST = "contest"
    REAL = "real"


class MarginMode(StrEnum):
    """`account_info().margin_mode`: netting keeps one position per symbol, hedging many."""

    NETTING = "netting"
    EXCHANGE = "exchange"
    HEDGING = "hedging"


class OrderAction(StrEnum):
    """What a trade request asks the terminal to do."""

    OPEN = "open"
    CLOSE = "close"
    MODIFY = "modify"


class DealType(StrEnum):
    """Deal kinds the app distinguishes; everything non-trading is OTHER."""

    BUY = "BUY"
    SELL = "SELL"
    BALANCE = "BALANCE"
    OTHER = "OTHER"


class DealEntry(StrEnum):
    """Whether a deal opened (IN), closed (OUT), reversed (INOUT) or closed by an opposite (OUT_BY)."""

    IN = "in"
    OUT = "out"
    INOUT = "inout"
    OUT_BY = "out_by"


class TradeSource(StrEnum):
    """Who started a trade: the trader in this app, a model, or someone in the terminal itself."""

    MANUAL = "manual"
    AUTO = "auto"
    EXTERNAL = "external"


class TradeStatus(StrEnum):
    """Lifecycle of a journaled trade: written pending before sending, then resolved."""

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"
    # Netting accounts keep one position per symbol: an order that adds to it is merged into the trade
    # that holds the position, whose volume and profit then cover both.
    MERGED = "merged"


class NoticeLevel(StrEnum):
    """Severity of a NOTICE event."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Backend(StrEnum):
    """Which MetaTrader5-shaped API the app talks to (`--terminal`)."""

    AUTO = "auto"
    MT5 = "mt5"
    SIM = "sim"
    BRIDGE = "bridge"


class Timeframe(StrEnum):
    """Bar timeframes the app offers; `seconds` is the bar length."""

    M1 = "M1"
    M5 = "M5"
    M15 = "M15"
    M30 = "M30"
    H1 = "H1"
    H4 = "H4"
    D1 = "D1"

    @property
    def seconds(self) -> int:
        return _TIMEFRAME_SECONDS[self]


_TIMEFRAME_SECONDS = {
    Timeframe.M1: 60,
    Timeframe.M5: 300,
    Timeframe.M15: 900,
    Timeframe.M30: 1800,
    Timeframe.H1: 3600,
    Timeframe.H4: 14400,
    Timeframe.D1: 86400,
}
