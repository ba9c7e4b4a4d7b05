"""Closed sets of the trading domain, with English values that serialize as they read."""

from __future__ import annotations

from datetime import UTC, datetime
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
    """MetaTrader 5's bar timeframes, M1 to MN1; `seconds` is the nominal bar length."""

    M1 = "M1"
    M2 = "M2"
    M3 = "M3"
    M4 = "M4"
    M5 = "M5"
    M6 = "M6"
    M10 = "M10"
    M12 = "M12"
    M15 = "M15"
    M20 = "M20"
    M30 = "M30"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"
    H4 = "H4"
    H6 = "H6"
    H8 = "H8"
    H12 = "H12"
    D1 = "D1"
    W1 = "W1"
    MN1 = "MN1"

    @property
    def seconds(self) -> int:
        """Bar length; a month counts 30 days here (`bar_open`/`next_open` follow the calendar)."""
        return _TIMEFRAME_SECONDS[self]

    def bar_open(self, epoch: int) -> int:
        """Open time (epoch seconds) of the bar holding `epoch`: weeks open on Sunday, months on the 1st."""
        if self is Timeframe.MN1:
            moment = datetime.fromtimestamp(epoch, UTC)
            return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())
        if self is Timeframe.W1:
            day = epoch // _DAY
            return (day - (day + 4) % 7) * _DAY  # day 0, 1970-01-01, was a Thursday
        return epoch - epoch % self.seconds

    def next_open(self, bar_open: int) -> int:
        """Open time of the bar after the one opening at `bar_open` (when that bar closes)."""
        if self is Timeframe.MN1:
            moment = datetime.fromtimestamp(bar_open, UTC)
            year, month = divmod(moment.year * 12 + moment.month, 12)  # month is 0-based after divmod
            return int(datetime(year, month + 1, 1, tzinfo=UTC).timestamp())
        return self.bar_open(bar_open) + self.seconds

    @classmethod
    def parse(cls, text: str) -> Timeframe:
        """A timeframe as a trader types it (h1, H1, mn1); ValueError naming every valid one."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            names = " ".join(frame.value for frame in cls)
            raise ValueError(f"{text!r} is not a MetaTrader 5 timeframe; use one of {names}") from None


_DAY = 86_400
_UNIT_SECONDS = {"M": 60, "H": 3600, "D": _DAY, "W": 7 * _DAY, "MN": 30 * _DAY}
_TIMEFRAME_SECONDS = {
    frame: _UNIT_SECONDS[frame.value.rstrip("0123456789")] * int(frame.value.lstrip("MHDWN"))
    for frame in Timeframe
}
