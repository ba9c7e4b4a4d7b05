"""The terminal's deals as the History and Deals tabs read them: every closing deal, partial ones included.

A position closed in three parts is three rows of History, each with its own profit, so that the sum of
a period's rows (plus the commission its opening deals paid) is exactly what trading did to the balance
in that period. What a closing deal does not carry (when and at what price the position opened, who
opened it, the trader's note) comes from the position's journaled trade, else from its opening deals.
A position is its account's: two accounts' positions with the same id are never mixed up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from math import fsum

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.core.comments import trader_text
from app.core.enums import DealEntry, DealType, OrderAction, Side, TradeSource
from app.storage.database import Database
from app.storage.query_parts import CLOSING_ENTRIES, TRADING_DEALS, chunked, window
from app.storage.records import ClosedHistory, ClosingDeal, DealRecord
from app.storage.tables import DealRow, TradeRow


class DealJournal:
    """Reads over the deals table for the History and Deals tabs."""

    _db: Database

    def deals(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        symbol: str | None = None,
        account_id: str | None = None,
    ) -> list[DealRecord]:
        """Every deal (trading, balance, other) with `since <= time < until`, oldest first, of one account
        or (None) every account.

        A symbol filter keeps that symbol's deals; balance operations, which have no symbol, then drop out.
        """
        query = select(DealRow).where(*_window(since, until, symbol, account_id))
        with self._db.read() as session:
            rows = session.scalars(query.order_by(DealRow.time, DealRow.account_id, DealRow.ticket))
            return [DealRecord.from_row(row) for row in rows]

    def closed_history(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        symbol: str | None = None,
        source: TradeSource | None = None,
        account_id: str | None = None,
    ) -> ClosedHistory:
        """The closing deals with `since <= time < until` (oldest first) and the period's entry charges,
        of one account or (None) every account."""
        trading = [*_window(since, until, symbol, account_id), DealRow.type.in_(TRADING_DEALS)]
        with self._db.read() as session:
            closing = list(
                session.scalars(
                    select(DealRow)
                    .where(*trading, DealRow.entry.in_(CLOSING_ENTRIES))
                    .order_by(DealRow.time, DealRow.account_id, DealRow.ticket)
                )
            )
            entries = list(session.scalars(select(DealRow).where(*trading, DealRow.entry == DealEntry.IN)))
            positions = sorted({(deal.account_id, deal.position_id) for deal in (*closing, *entries)})
            trades = _opening_trades(session, positions)
            deals_of = _deals_by_position(session, positions)
        history = _History(trades, deals_of)
        rows = [history.closing(deal) for deal in closing]
        charges = fsum(
            deal.net_profit
            for deal in entries
            if source is None or history.source((deal.account_id, deal.position_id)) is source
        )
        return ClosedHistory(
            closings=tuple(row for row in rows if source is None or row.source is source),
            entry_charges=round(charges, 8),
        )


def _window(
    since: datetime | None, until: datetime | None, symbol: str | None, account_id: str | None
) -> list[ColumnElement[bool]]:
    return window(DealRow.time, since, until, (DealRow.account_id, account_id), (DealRow.symbol, symbol))


_Position = tuple[str, int]  # (account id, position id)


def _chunks(positions: Sequence[_Position]) -> Iterable[tuple[str, Sequence[int]]]:
    """The positions as (account, a batch of its position ids) pairs."""
    by_account: dict[str, list[int]] = defaultdict(list)
    for account_id, position in positions:
        by_account[account_id].append(position)
    for account_id, ids in by_account.items():
        for chunk in chunked(ids):
            yield account_id, chunk


def _opening_trades(session: Session, positions: Sequence[_Position]) -> dict[_Position, TradeRow]:
    """The OPEN trade that created (or adopted) each position, where the journal has one."""
    found: dict[_Position, TradeRow] = {}
    for account_id, chunk in _chunks(positions):
        query = select(TradeRow).where(
            TradeRow.account_id == account_id,
            TradeRow.action == OrderAction.OPEN,
            TradeRow.position_ticket.in_(chunk),
        )
        for row in session.scalars(query):
            if row.position_ticket is not None:
                found[(account_id, row.position_ticket)] = row
    return found


def _deals_by_position(session: Session, positions: Sequence[_Position]) -> dict[_Position, list[DealRow]]:
    """Every trading deal of these positions, oldest first, whatever the period."""
    found: dict[_Position, list[DealRow]] = defaultdict(list)
    for account_id, chunk in _chunks(positions):
        query = (
            select(DealRow)
            .where(
                DealRow.account_id == account_id,
                DealRow.position_id.in_(chunk),
                DealRow.type.in_(TRADING_DEALS),
            )
            .order_by(DealRow.time, DealRow.ticket)
        )
        for row in session.scalars(query):
            found[(account_id, row.position_id)].append(row)
    return found


class _History:
    """What each position is, from its trade or else its deals."""

    def __init__(self, trades: dict[_Position, TradeRow], deals_of: dict[_Position, list[DealRow]]) -> None:
        self._trades = trades
        self._deals_of = deals_of

    def source(self, position: _Position) -> TradeSource:
        trade = self._trades.get(position)
        return trade.source if trade is not None else TradeSource.EXTERNAL

    def closing(self, deal: DealRow) -> ClosingDeal:
        position = (deal.account_id, deal.position_id)
        trade = self._trades.get(position)
        deals = self._deals_of.get(position, [])
        entries = [d for d in deals if d.entry is DealEntry.IN]
        opened = fsum(d.volume for d in entries)
        size = trade.volume if trade is not None and trade.volume else (opened or None)
        return ClosingDeal(
            deal=DealRecord.from_row(deal),
            side=_side(trade, entries, deal),
            opened_at=trade.opened_at if trade is not None and trade.opened_at else _first_time(entries),
            price_open=trade.price_open if trade is not None and trade.price_open else _average(entries),
            position_volume=size,
            remaining=_remaining(size, deals, deal),
            source=trade.source if trade is not None else TradeSource.EXTERNAL,
            model_id=trade.model_id if trade is not None else None,
            note=trade.note if trade is not None else (trader_text(entries[0].comment) if entries else ""),
            trade_id=trade.trade_id if trade is not None else None,
        )


def _side(trade: TradeRow | None, entries: list[DealRow], closing: DealRow) -> Side | None:
    if trade is not None and trade.side is not None:
        return trade.side
    if entries:
        return Side.BUY if entries[0].type is DealType.BUY else Side.SELL
    # A position's closing deal goes the other way.
    return Side.SELL if closing.type is DealType.BUY else Side.BUY


def _first_time(entries: list[DealRow]) -> datetime | None:
    return entries[0].time if entries else None


def _average(entries: list[DealRow]) -> float | None:
    volume = fsum(d.volume for d in entries)
    return fsum(d.volume * d.price for d in entries) / volume if volume else None


def _remaining(size: float | None, deals: list[DealRow], closing: DealRow) -> float:
    """Volume still open after `closing`: the size less every closing deal up to and including it."""
    if size is None:
        return 0.0
    left = size
    for deal in deals:
        if deal.entry in CLOSING_ENTRIES:
            left -= min(deal.volume, left) if deal.entry is DealEntry.INOUT else deal.volume
        if deal.ticket == closing.ticket:
            break
    return round(max(left, 0.0), 8)
