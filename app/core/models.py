"""One frozen dataclass per trading entity (after VeighNa's object.py), free of any terminal or GUI type.

Times are timezone-aware datetimes. Terminal records carry broker server time as epoch seconds; the
adapter turns them into datetimes tagged UTC without shifting them, so what the trader reads matches
the terminal's own display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from app.core.enums import (
    AccountTradeMode,
    ConnectionState,
    DealEntry,
    DealType,
    MarginMode,
    OrderAction,
    Side,
    Timeframe,
)


@dataclass(frozen=True, slots=True)
class Position:
    """An open position, keyed by ticket (a hedging account may hold several per symbol).

    `digits` is its symbol's price precision (SymbolSpec.digits), filled by the adapter so every screen
    writes its prices alike; None when the terminal could not say.
    """

    ticket: int
    symbol: str
    side: Side
    volume: float
    price_open: float
    price_current: float
    sl: float | None
    tp: float | None
    swap: float
    profit: float
    time: datetime
    magic: int = 0
    comment: str = ""
    identifier: int = 0
    time_update: datetime | None = None
    digits: int | None = None

    def moved(self, price_current: float, profit: float) -> Position:
        """The same position at a new price and floating profit.

        The 1 s loop does this for every position every second: the positional constructor is about twice
        as fast as dataclasses.replace, and an unchanged price returns this very object.
        """
        if price_current == self.price_current and profit == self.profit:
            return self
        return Position(
            self.ticket,
            self.symbol,
            self.side,
            self.volume,
            self.price_open,
            price_current,
            self.sl,
            self.tp,
            self.swap,
            profit,
            self.time,
            self.magic,
            self.comment,
            self.identifier,
            self.time_update,
            self.digits,
        )


@dataclass(frozen=True, slots=True)
class Account:
    """Trading account figures in the account currency."""

    login: int
    name: str
    server: str
    company: str
    currency: str
    leverage: int
    balance: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    profit: float
    credit: float = 0.0
    trade_mode: AccountTradeMode = AccountTradeMode.DEMO
    margin_mode: MarginMode = MarginMode.HEDGING
    trade_allowed: bool = True
    trade_expert: bool = True
    currency_digits: int = 2

    def moved(self, equity: float, floating: float) -> Account:
        """The account after a P&L tick: between account reads free margin and margin level move with
        equity (margin itself does not)."""
        return replace(
            self,
            equity=equity,
            profit=floating,
            margin_free=equity - self.margin,
            margin_level=equity / self.margin * 100 if self.margin > 0 else 0.0,
        )


# TerminalStatus.message of a disconnect the trader asked for: nothing was lost and nothing reconnects, so
# toasts and alerts that read the status say so instead of raising the alarm.
DISCONNECTED_ON_REQUEST = "Disconnected on request"


@dataclass(frozen=True, slots=True)
class TerminalStatus:
    """Health of the terminal link as the heartbeat last saw it."""

    state: ConnectionState
    mt5_connected: bool
    account_number: int | None = None
    account_balance: float | None = None
    positions_count: int | None = None
    ping_ms: float | None = None
    trade_allowed: bool = False
    last_heartbeat: datetime | None = None
    server: str = ""
    build: int | None = None
    path: str = ""
    simulated: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class DeskAccount:
    """One account of the desk as every screen names it: its id (on every event about it), the trader's
    name for it, and whether it is switched on (a switched-off account has no terminal host)."""

    account_id: str
    name: str
    enabled: bool = True

    @property
    def label(self) -> str:
        return self.name or self.account_id


@dataclass(frozen=True, slots=True)
class AccountView:
    """One account's part of a SNAPSHOT: who it is, its figures, open positions and link status."""

    account_id: str
    name: str
    account: Account | None
    positions: tuple[Position, ...]
    status: TerminalStatus
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Tick:
    """Latest prices of a symbol."""

    symbol: str
    time: datetime
    bid: float
    ask: float
    last: float = 0.0
    volume: float = 0.0
    time_msc: int = 0


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLC bar; `time` is the bar's opening time."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    tick_volume: int = 0
    spread: int = 0
    real_volume: int = 0


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """What the app needs of `symbol_info()`: precision, volume limits, stops level, fill modes."""

    name: str
    description: str
    digits: int
    point: float
    spread: int
    trade_mode: int
    stops_level: int
    filling_mode: int
    volume_min: float
    volume_max: float
    volume_step: float
    contract_size: float
    tick_size: float
    tick_value: float
    currency_base: str
    currency_profit: str
    currency_margin: str
    bid: float = 0.0
    ask: float = 0.0
    select: bool = False
    visible: bool = False

    @property
    def pip(self) -> float:
        """Size of one pip: ten points on 3- and 5-digit quotes, else one point."""
        return pip_size(self.point, self.digits)


def pip_size(point: float, digits: int) -> float:
    """One pip in price: ten points on 3- and 5-digit quotes (EURUSD 0.0001, USDJPY 0.01), else a point."""
    return point * 10 if digits in (3, 5) else point


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A trade the app wants made: open at market, close (fully or partly) or change SL/TP.

    `sl`/`tp` None means "none" for OPEN and "remove" for MODIFY; `ticket` names the position for
    CLOSE and MODIFY; `volume` None on CLOSE closes the whole position.
    """

    action: OrderAction
    symbol: str
    side: Side | None = None
    volume: float | None = None
    sl: float | None = None
    tp: float | None = None
    ticket: int | None = None
    comment: str = ""
    magic: int = 0
    deviation: int = 20
    price: float | None = None


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What the terminal answered to a sent order (a rejection is a result too, with its retcode).

    `digits` is the symbol's price precision, filled by the adapter for the texts that quote the price.
    """

    retcode: int
    deal: int
    order: int
    volume: float
    price: float
    bid: float
    ask: float
    comment: str
    request_id: int = 0
    retcode_external: int = 0
    digits: int | None = None

    @property
    def position_ticket(self) -> int:
        """A market fill's order number is also the new position's ticket."""
        return self.order


@dataclass(frozen=True, slots=True)
class Deal:
    """One executed deal from the terminal's history."""

    ticket: int
    order: int
    time: datetime
    type: DealType
    entry: DealEntry
    position_id: int
    symbol: str
    volume: float
    price: float
    profit: float
    commission: float = 0.0
    swap: float = 0.0
    fee: float = 0.0
    magic: int = 0
    reason: int = 0
    comment: str = ""

    @property
    def net_profit(self) -> float:
        return self.profit + self.commission + self.swap + self.fee


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A model as the desk lists it: enough for a viewer to show what is running.

    `status` is one line for a person ("waiting for next bar", "blocked: daily loss limit ...").
    """

    model_id: str
    name: str
    symbol: str
    timeframe: str
    enabled: bool
    open_positions: int = 0
    today_profit: float = 0.0
    algorithm: str = ""
    lot_size: float = 0.0
    last_signal: Side | None = None
    last_confidence: float | None = None
    last_signal_at: datetime | None = None
    status: str = ""
    account_id: str = ""  # the account the model trades on


# A new model trades these until the trader changes them; training backtests the same by default.
DEFAULT_LOT_SIZE = 0.01
DEFAULT_CONFIDENCE_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """How a model trades: what, how much, when, and when it stops.

    Pips are the symbol's pips (`SymbolSpec.pip`); `trading_hours` is [start, end) in UTC hours, a window
    that wraps past midnight when start > end, None for always.
    """

    symbol: str
    timeframe: Timeframe
    lot_size: float = DEFAULT_LOT_SIZE
    confidence_threshold: float = DEFAULT_CONFIDENCE_THRESHOLD
    sl_pips: float | None = None
    tp_pips: float | None = None
    max_open_positions: int = 1
    max_holding_bars: int | None = None
    trading_hours: tuple[int, int] | None = None

    def problems(self) -> list[str]:
        """What is wrong with these settings, one sentence per problem (empty when they are usable)."""
        found: list[str] = []
        if not self.symbol.strip():
            found.append("Symbol must be set.")
        if not (math.isfinite(self.lot_size) and self.lot_size > 0):
            found.append(f"Lot size must be above 0, got {self.lot_size:g}.")
        if not (math.isfinite(self.confidence_threshold) and 0.5 <= self.confidence_threshold <= 1.0):
            found.append(
                f"Confidence threshold must be between 0.50 and 1.00, got {self.confidence_threshold:g}."
            )
        for label, pips in (("Stop loss", self.sl_pips), ("Take profit", self.tp_pips)):
            if pips is not None and not (math.isfinite(pips) and pips > 0):
                found.append(f"{label} must be above 0 pips or not set, got {pips:g}.")
        if self.max_open_positions < 1:
            found.append(f"Max open positions must be at least 1, got {self.max_open_positions}.")
        if self.max_holding_bars is not None and self.max_holding_bars < 1:
            found.append(f"Max holding bars must be at least 1 or not set, got {self.max_holding_bars}.")
        if self.trading_hours is not None and not all(0 <= hour <= 24 for hour in self.trading_hours):
            found.append(f"Trading hours must be UTC hours from 0 to 24, got {self.trading_hours}.")
        return found

    def within_hours(self, hour: int) -> bool:
        """Whether the UTC `hour` is inside the trading hours (always, when none are set)."""
        if self.trading_hours is None:
            return True
        start, end = self.trading_hours
        if start == end:
            return True
        return start <= hour < end if start < end else hour >= start or hour < end
