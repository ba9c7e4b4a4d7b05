"""What the journal hands out: frozen copies of its rows, safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from app.core.enums import OrderAction, Side, TradeSource, TradeStatus
from app.storage.tables import EventRow, TradeRow


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """A journaled trade request and its outcome.

    `sl`/`tp`/`requested_volume` are what was asked for; `current_sl`/`current_tp` what the terminal last
    showed; `volume` the filled size. `profit` is net of the position's deals so far (profit + commission
    + swap + fee); `commission`, `swap` and `fee` are its parts. For CLOSE and MODIFY requests status
    `closed` means the request executed and `position_ticket` is the position it was aimed at.
    """

    id: int
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
    """Account balance and equity at one moment."""

    time: datetime
    balance: float
    equity: float
    margin: float
    floating: float


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A logged event: its type (TRADE_ERROR, NOTICE...), level, human text and the JSON payload."""

    id: int
    time: datetime
    type: str
    level: str
    title: str
    text: str
    payload_json: str

    @classmethod
    def from_row(cls, row: EventRow) -> EventRecord:
        return cls(row.id, row.time, row.type, row.level, row.title, row.text, row.payload_json)
