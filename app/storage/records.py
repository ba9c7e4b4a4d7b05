"""What the journal hands out: frozen copies of its rows, safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from math import fsum

from app.core.enums import DealEntry, DealType, OrderAction, Side, TradeSource, TradeStatus
from app.storage.tables import DealRow, EventRow, TradeRow


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """A journaled trade request and its outcome.

    `sl`/`tp`/`requested_volume` are what was asked for; `current_sl`/`current_tp` what the terminal last
    showed; `volume` the filled size. `profit` is net of the position's deals so far (profit + commission
    + swap + fee); `commission`, `swap` and `fee` are its parts. For CLOSE and MODIFY requests status
    `closed` means the request executed and `position_ticket` is the position it was aimed at.
    `comment` is the MT5 comment as sent (with the desk's tag); `note` the trader's own words, the one to
    show wherever a comment is shown.
    """

    id: int
    account_id: str
    trade_id: str
    source: TradeSource
    status: TradeStatus
    action: OrderAction
    symbol: str
    side: Side | None
    requested_volume: float | None
    volume: float | None
    sl: float | None
    tp: float | None
    current_sl: float | None
    current_tp: float | None
    model_id: str | None
    magic: int
    comment: str
    note: str
    position_ticket: int | None
    open_order: int | None
    open_deal: int | None
    price_open: float | None
    closed_volume: float
    price_close: float | None
    profit: float
    commission: float
    swap: float
    fee: float
    retcode: int | None
    error: str | None
    requested_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime

    @property
    def open_volume(self) -> float:
        """Volume still open: filled minus closed (0 for requests that opened nothing)."""
        return max((self.volume or 0.0) - self.closed_volume, 0.0)

    @classmethod
    def from_row(cls, row: TradeRow) -> TradeRecord:
        return cls(**{field.name: getattr(row, field.name) for field in fields(cls)})


@dataclass(frozen=True, slots=True)
class EquitySample:
    """Account balance and equity at one moment; `account_id` names the account."""

    time: datetime
    balance: float
    equity: float
    margin: float
    floating: float
    account_id: str = ""


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A logged event: its type (TRADE_ERROR, NOTICE...), level, human text, the JSON payload, and the
    account it is about ("" for the desk as a whole)."""

    id: int
    time: datetime
    type: str
    level: str
    title: str
    text: str
    payload_json: str
    account_id: str = ""

    @classmethod
    def from_row(cls, row: EventRow) -> EventRecord:
        return cls(
            row.id, row.time, row.type, row.level, row.title, row.text, row.payload_json, row.account_id
        )


@dataclass(frozen=True, slots=True)
class DealRecord:
    """A deal of the terminal's history as the journal keeps it (trading, balance or other), with the
    account it was made on."""

    account_id: str
    ticket: int
    order: int
    position_id: int
    time: datetime
    type: DealType
    entry: DealEntry
    symbol: str
    volume: float
    price: float
    profit: float
    commission: float
    swap: float
    fee: float
    magic: int
    reason: int
    comment: str

    @property
    def net_profit(self) -> float:
        """What the deal did to the balance: profit + commission + swap + fee."""
        return self.profit + self.commission + self.swap + self.fee

    @classmethod
    def from_row(cls, row: DealRow) -> DealRecord:
        return cls(**{field.name: getattr(row, field.name) for field in fields(cls)})


@dataclass(frozen=True, slots=True)
class ClosingDeal:
    """One deal that closed all or part of a position, with what is known of that position.

    `position_volume` is what the position opened with; `remaining` what stayed open after this deal
    (0 when it closed the rest). `side`, `opened_at` and `price_open` describe the position; `note` is
    the trader's comment on it.
    """

    deal: DealRecord
    side: Side | None
    opened_at: datetime | None
    price_open: float | None
    position_volume: float | None
    remaining: float
    source: TradeSource
    model_id: str | None
    note: str
    trade_id: str | None

    @property
    def position_ticket(self) -> int:
        return self.deal.position_id

    @property
    def symbol(self) -> str:
        return self.deal.symbol

    @property
    def closed_at(self) -> datetime:
        return self.deal.time

    @property
    def partial(self) -> bool:
        """True when the position stayed open after this deal."""
        return self.remaining > 1e-9


@dataclass(frozen=True, slots=True)
class ClosedHistory:
    """Closing deals of a period, and the charges its opening deals paid (commission on entry).

    Their nets together are the period's realized P&L: what trading did to the balance.
    """

    closings: tuple[ClosingDeal, ...]
    entry_charges: float

    @property
    def net_profit(self) -> float:
        return fsum([*(closing.deal.net_profit for closing in self.closings), self.entry_charges])
