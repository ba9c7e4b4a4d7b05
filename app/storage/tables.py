"""ORM tables of the journal: trades, terminal deals, equity samples, events, models and their predictions,
each row naming the desk account it belongs to (a prediction through its model).

The schema itself is created and changed only by the Alembic revisions in `migrations/`; these classes
must describe exactly what the latest revision builds (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.core.enums import DealEntry, DealType, OrderAction, Side, TradeSource, TradeStatus

# Fixed constraint names let later revisions alter tables in SQLite's batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, the same out; stored as naive UTC text so they sort and compare."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the journal takes timezone-aware UTC datetimes, got naive {value.isoformat()}")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class EnumText(TypeDecorator[Any]):
    """A StrEnum stored as its value (for example "pending"), read back as the member."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum_type: type[StrEnum]) -> None:
        super().__init__()
        self.enum_type = enum_type

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_type(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TradeRow(Base):
    """One trade request the app made (or a position found in the terminal) and what became of it.

    For OPEN rows `position_ticket` is the position the trade created; for CLOSE and MODIFY rows it is the
    position the request was aimed at, so it is unique only among OPEN rows of one account (two brokers
    can use the same ticket numbers).
    """

    __tablename__ = "trades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    trade_id: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[TradeSource] = mapped_column(EnumText(TradeSource))
    status: Mapped[TradeStatus] = mapped_column(EnumText(TradeStatus), index=True)
    action: Mapped[OrderAction] = mapped_column(EnumText(OrderAction))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side | None] = mapped_column(EnumText(Side))
    requested_volume: Mapped[float | None] = mapped_column(Float)
    volume: Mapped[float | None] = mapped_column(Float)
    sl: Mapped[float | None] = mapped_column(Float)
    tp: Mapped[float | None] = mapped_column(Float)
    current_sl: Mapped[float | None] = mapped_column(Float)
    current_tp: Mapped[float | None] = mapped_column(Float)
    model_id: Mapped[str | None] = mapped_column(String(64))
    magic: Mapped[int] = mapped_column(Integer)
    # The MT5 comment as sent (with the desk's "MD-<trade id>" tag) and the trader's own words.
    comment: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(64), server_default="")
    position_ticket: Mapped[int | None] = mapped_column(Integer, index=True)
    open_order: Mapped[int | None] = mapped_column(Integer)
    open_deal: Mapped[int | None] = mapped_column(Integer)
    price_open: Mapped[float | None] = mapped_column(Float)
    closed_volume: Mapped[float] = mapped_column(Float)
    price_close: Mapped[float | None] = mapped_column(Float)
    profit: Mapped[float] = mapped_column(Float)
    commission: Mapped[float] = mapped_column(Float)
    swap: Mapped[float] = mapped_column(Float)
    fee: Mapped[float] = mapped_column(Float)
    retcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(
            "uq_trades_open_position_ticket",
            "account_id",
            "position_ticket",
            unique=True,
            sqlite_where=text("action = 'open' AND position_ticket IS NOT NULL"),
        ),
    )


class DealRow(Base):
    """A deal from the terminal's history (`history_deals_get`), keyed by its account and ticket."""

    __tablename__ = "deals"

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    ticket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    order: Mapped[int] = mapped_column(Integer)
    position_id: Mapped[int] = mapped_column(Integer, index=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    type: Mapped[DealType] = mapped_column(EnumText(DealType))
    entry: Mapped[DealEntry] = mapped_column(EnumText(DealEntry))
    symbol: Mapped[str] = mapped_column(String(32))
    volume: Mapped[float] = mapped_column(Float)
    price: Mapped[float] = mapped_column(Float)
    profit: Mapped[float] = mapped_column(Float)
    commission: Mapped[float] = mapped_column(Float)
    swap: Mapped[float] = mapped_column(Float)
    fee: Mapped[float] = mapped_column(Float)
    magic: Mapped[int] = mapped_column(Integer)
    reason: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(64))

    @hybrid_property
    def net_profit(self) -> float:
        """What the deal did to the balance: profit + commission + swap + fee (also as an SQL expression)."""
        return self.profit + self.commission + self.swap + self.fee


class EquitySampleRow(Base):
    """One account's balance and equity at one moment; thinned as it ages."""

    __tablename__ = "equity_samples"

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    balance: Mapped[float] = mapped_column(Float)
    equity: Mapped[float] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float)
    floating: Mapped[float] = mapped_column(Float)


class EventRow(Base):
    """An event a person may want to look up later: trade errors, auto trades, notices, connection changes.

    `account_id` is "" for an event about the desk as a whole (the journal, the models list).
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    payload_json: Mapped[str] = mapped_column(Text)


class ModelRow(Base):
    """A registered model: its manifest's description, the magic number of its orders, how it trades."""

    __tablename__ = "models"

    model_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(128))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    algorithm: Mapped[str] = mapped_column(String(16))
    feature_names_json: Mapped[str] = mapped_column(Text)
    parameters_json: Mapped[str] = mapped_column(Text)
    sklearn_version: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    metrics_json: Mapped[str] = mapped_column(Text)
    magic: Mapped[int] = mapped_column(Integer, unique=True)
    settings_json: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PredictionRow(Base):
    """One model's prediction on one closed bar, and whether it led to an order (and why not)."""

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[str] = mapped_column(String(32))
    bar_time: Mapped[datetime] = mapped_column(UtcDateTime)
    side: Mapped[Side | None] = mapped_column(EnumText(Side))
    confidence: Mapped[float] = mapped_column(Float)
    acted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("model_id", "bar_time"),)
