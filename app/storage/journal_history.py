"""What the journal remembers over time: closed trades, realized profit, equity samples and events.

Every query takes `account_id`: one account's rows, or (None) every account's. Money of two accounts is
never summed here (they may be kept in different currencies): a sum is asked of one account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, tuple_
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.core.enums import OrderAction, TradeSource, TradeStatus
from app.core.settings import FIRST_ACCOUNT_ID
from app.storage.database import Database
from app.storage.query_parts import TRADING_DEALS, window
from app.storage.records import EquitySample, EventRecord, TradeRecord
from app.storage.tables import DealRow, EquitySampleRow, EventRow, TradeRow

KEEP_ALL_SAMPLES = timedelta(hours=24)
KEEP_MINUTE_SAMPLES = timedelta(days=30)
_MINUTE_BUCKET = "%Y-%m-%d %H:%M"
_HOUR_BUCKET = "%Y-%m-%d %H"


class HistoryJournal:
    """Queries over finished trades and deals, and the equity and event series."""

    _db: Database

    def closed_trades(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        symbol: str | None = None,
        source: TradeSource | None = None,
        account_id: str | None = None,
    ) -> list[TradeRecord]:
        """Fully closed positions with `since <= closed_at < until`, in the order they closed."""
        query = select(TradeRow).where(
            TradeRow.action == OrderAction.OPEN,
            TradeRow.status == TradeStatus.CLOSED,
            *window(
                TradeRow.closed_at,
                since,
                until,
                (TradeRow.account_id, account_id),
                (TradeRow.symbol, symbol),
                (TradeRow.source, source),
            ),
        )
        with self._db.read() as session:
            rows = session.scalars(query.order_by(TradeRow.closed_at, TradeRow.id))
            return [TradeRecord.from_row(row) for row in rows]

    def closed_profit(self, since: datetime, account_id: str = FIRST_ACCOUNT_ID) -> float:
        """One account's realized profit (profit + commission + swap + fee) of every trading deal at or
        after `since`, in its currency.

        Counted from deals, not trades, so partial closes and positions opened outside the app count too;
        deposits and withdrawals (balance deals) do not.
        """
        query = select(func.coalesce(func.sum(DealRow.net_profit), 0.0)).where(
            DealRow.account_id == account_id,
            DealRow.time >= since,
            DealRow.type.in_(TRADING_DEALS),
        )
        with self._db.read() as session:
            return round(float(session.scalar(query) or 0.0), 8)

    def add_equity_sample(
        self,
        *,
        time: datetime,
        balance: float,
        equity: float,
        margin: float,
        floating: float,
        account_id: str = FIRST_ACCOUNT_ID,
    ) -> None:
        """Store one sample of an account; a second sample at the same instant replaces the first."""
        values = {"balance": balance, "equity": equity, "margin": margin, "floating": floating}
        statement = insert(EquitySampleRow).values(account_id=account_id, time=time, **values)
        statement = statement.on_conflict_do_update(
            index_elements=[EquitySampleRow.account_id, EquitySampleRow.time], set_=values
        )
        with self._db.write() as session:
            session.execute(statement)

    def thin_equity_samples(self, now: datetime) -> int:
        """Keep every sample of the last 24 h, the last of each minute up to 30 days, then the last of
        each hour (UTC buckets); returns how many samples were deleted."""
        recent_edge = now - KEEP_ALL_SAMPLES
        minute_edge = now - KEEP_MINUTE_SAMPLES
        with self._db.write() as session:
            deleted = _keep_last_per_bucket(session, _MINUTE_BUCKET, start=minute_edge, end=recent_edge)
            deleted += _keep_last_per_bucket(session, _HOUR_BUCKET, start=None, end=minute_edge)
        return deleted

    def equity_samples(
        self, since: datetime | None = None, until: datetime | None = None, account_id: str | None = None
    ) -> list[EquitySample]:
        """Samples with `since <= time < until` (of one account, or every account with None), oldest first."""
        table = EquitySampleRow
        # Plain column rows, not ORM objects: a chart may ask for tens of thousands of samples.
        query = select(
            table.time, table.balance, table.equity, table.margin, table.floating, table.account_id
        )
        query = query.where(*window(table.time, since, until, (table.account_id, account_id)))
        with self._db.read() as session:
            return [EquitySample(*row) for row in session.execute(query.order_by(table.time))]

    def add_event(
        self,
        *,
        time: datetime,
        type: str,
        level: str,
        title: str,
        text: str,
        payload_json: str,
        account_id: str = "",
    ) -> None:
        """Log one event, about one account or ("") the desk as a whole."""
        row = EventRow(
            account_id=account_id,
            time=time,
            type=type,
            level=level,
            title=title,
            text=text,
            payload_json=payload_json,
        )
        with self._db.write() as session:
            session.add(row)

    def events(
        self,
        *,
        limit: int = 500,
        search: str | None = None,
        types: Sequence[str] | None = None,
        account_id: str | None = None,
    ) -> list[EventRecord]:
        """The newest events first; `search` matches title, text or payload, ignoring case; `account_id`
        keeps one account's events and the desk's own ("")."""
        query = select(EventRow)
        if account_id is not None:
            query = query.where(EventRow.account_id.in_((account_id, "")))
        if types is not None:
            query = query.where(EventRow.type.in_(list(types)))
        if search:
            query = query.where(
                or_(
                    EventRow.title.icontains(search, autoescape=True),
                    EventRow.text.icontains(search, autoescape=True),
                    EventRow.payload_json.icontains(search, autoescape=True),
                )
            )
        query = query.order_by(EventRow.time.desc(), EventRow.id.desc()).limit(max(limit, 0))
        with self._db.read() as session:
            return [EventRecord.from_row(row) for row in session.scalars(query)]


def _keep_last_per_bucket(session: Session, bucket: str, *, start: datetime | None, end: datetime) -> int:
    """Delete every sample in [start, end) except the newest of each time bucket."""
    in_range = window(EquitySampleRow.time, start, end)
    # Each account keeps the last sample of each bucket: (account, time) pairs survive together.
    survivors = (
        select(EquitySampleRow.account_id, func.max(EquitySampleRow.time))
        .where(*in_range)
        .group_by(EquitySampleRow.account_id, func.strftime(bucket, EquitySampleRow.time))
    )
    pair = tuple_(EquitySampleRow.account_id, EquitySampleRow.time)
    statement = delete(EquitySampleRow).where(*in_range, pair.not_in(survivors))
    # Session.execute is typed as returning Result; a DELETE's result is a CursorResult, which has rowcount.
    result = cast(CursorResult[Any], session.execute(statement.execution_options(synchronize_session=False)))
    return int(result.rowcount or 0)
