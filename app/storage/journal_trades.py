"""The trade lifecycle in the journal: written pending before it is sent, then opened, failed or done.

Positions are closed by the terminal's deals, never by guesswork: a trade's closed volume, close price
and profit are recomputed from every recorded deal of its position, so deals may arrive in any order,
before or after the trade learns its position ticket, and any number of times.

Tickets (of positions and deals) are unique within one account only: every lookup by ticket names the
account (`account_id`, the desk's first account when a caller names none).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from math import fsum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.core.comments import trader_text
from app.core.enums import DealEntry, OrderAction, Side, TradeSource, TradeStatus
from app.core.models import Deal, Position
from app.core.number_format import format_lots
from app.core.settings import FIRST_ACCOUNT_ID
from app.storage.database import Database
from app.storage.errors import JournalError
from app.storage.query_parts import CLOSING_ENTRIES, TRADING_DEALS, chunked
from app.storage.records import TradeRecord
from app.storage.tables import DealRow, TradeRow

MAX_TRADE_ID_LENGTH = 32
EXTERNAL_TRADE_ID_PREFIX = "ext-"
_VOLUME_EPSILON = 1e-9


class TradeJournal:
    """Trade requests and their outcomes, and the terminal's deals that close them."""

    _db: Database

    def record_pending(
        self,
        *,
        trade_id: str,
        source: TradeSource,
        action: OrderAction,
        symbol: str,
        side: Side | None,
        volume: float | None,
        sl: float | None,
        tp: float | None,
        magic: int,
        comment: str,
        model_id: str | None,
        position_ticket: int | None,
        requested_at: datetime,
        note: str = "",
        account_id: str = FIRST_ACCOUNT_ID,
    ) -> None:
        """Write a request before it is sent; a trade id already in the journal is refused.

        `comment` is the MT5 comment as it will be sent; `note` the trader's own words, kept whole.
        """
        if not trade_id or len(trade_id) > MAX_TRADE_ID_LENGTH:
            raise JournalError(f"Trade id {trade_id!r} must be 1 to {MAX_TRADE_ID_LENGTH} characters long.")
        with self._db.write() as session:
            if _find(session, trade_id) is not None:
                raise JournalError(
                    f"Trade {trade_id} is already in the journal; a trade id is used once, "
                    "so this request was not recorded again and must not be sent."
                )
            session.add(
                TradeRow(
                    account_id=account_id,
                    trade_id=trade_id,
                    source=source,
                    status=TradeStatus.PENDING,
                    action=action,
                    symbol=symbol,
                    side=side,
                    requested_volume=volume,
                    sl=sl,
                    tp=tp,
                    model_id=model_id,
                    magic=magic,
                    comment=comment,
                    note=note,
                    position_ticket=position_ticket,
                    closed_volume=0.0,
                    profit=0.0,
                    commission=0.0,
                    swap=0.0,
                    fee=0.0,
                    requested_at=requested_at,
                    updated_at=_now(),
                )
            )

    def mark_sent(self, trade_id: str, sent_at: datetime) -> None:
        """The request left for the terminal; its outcome is not known yet."""
        with self._db.write() as session:
            row = _get(session, trade_id)
            _require_status(row, TradeStatus.PENDING, "marked sent")
            row.sent_at = sent_at
            row.updated_at = _now()

    def mark_opened(
        self,
        trade_id: str,
        *,
        position_ticket: int,
        order: int,
        deal: int,
        price: float,
        volume: float,
        opened_at: datetime,
        retcode: int,
    ) -> None:
        """An OPEN request filled. Also accepted after `mark_failed`: a fill found later is the truth."""
        with self._db.write() as session:
            row, holder = _fillable(session, trade_id, position_ticket)
            if holder is not None:
                raise JournalError(
                    f"Position {position_ticket} already belongs to trade {holder.trade_id} in the journal, "
                    f"so trade {trade_id} cannot be recorded as its opening."
                )
            _open(session, row, position_ticket, order, deal, price, volume, opened_at, retcode)

    def record_fill(
        self,
        trade_id: str,
        *,
        position_ticket: int,
        order: int,
        deal: int,
        price: float,
        volume: float,
        at: datetime,
        retcode: int,
    ) -> TradeStatus:
        """An OPEN request filled, in one transaction: it opened the position (OPEN), or added to one another
        trade holds, as netting accounts do (MERGED: that trade's volume and profit then cover this order)."""
        with self._db.write() as session:
            row, holder = _fillable(session, trade_id, position_ticket)
            if holder is None:
                _open(session, row, position_ticket, order, deal, price, volume, at, retcode)
                return TradeStatus.OPEN
            # The position stays the holder's alone (one open row per position ticket); this row keeps its
            # own order and deal, whose position id the deals table records.
            _record_fill(row, TradeStatus.MERGED, None, order, deal, price, volume, at, retcode)
            row.error = (
                f"Added {format_lots(volume)} to position #{position_ticket} (trade {holder.trade_id}): "
                "this account nets one position per symbol, so that trade's volume and profit "
                "include this order."
            )
            session.flush()
            _apply_deals(session, holder)
            return TradeStatus.MERGED

    def mark_failed(
        self, trade_id: str, *, retcode: int | None, error: str, at: datetime, symbol: str = ""
    ) -> None:
        """The request did not execute; the row stays, with the terminal's code and the error text.

        `symbol` fills in the symbol of a request that named only its position's ticket.
        """
        with self._db.write() as session:
            row = _get(session, trade_id)
            _require_status(row, TradeStatus.PENDING, "marked failed")
            row.symbol = row.symbol or symbol
            row.status = TradeStatus.FAILED
            row.retcode = retcode
            row.error = error
            row.resolved_at = at
            row.updated_at = _now()

    def mark_done(self, trade_id: str, *, retcode: int, at: datetime, symbol: str = "") -> None:
        """A CLOSE or MODIFY request executed (a MODIFY's new stops are copied onto its position's trade).

        `symbol` fills in the symbol of a request that named only its position's ticket.
        """
        with self._db.write() as session:
            row = _get(session, trade_id)
            if row.action is OrderAction.OPEN:
                raise JournalError(f"Trade {trade_id} opens a position; record its fill with mark_opened.")
            _require_status(row, TradeStatus.PENDING, "marked done")
            row.symbol = row.symbol or symbol
            row.status = TradeStatus.CLOSED
            row.retcode = retcode
            row.resolved_at = at
            row.updated_at = _now()
            target = (
                _trade_of_position(session, row.account_id, row.position_ticket)
                if row.position_ticket
                else None
            )
            if row.action is OrderAction.MODIFY and target is not None:
                target.current_sl, target.current_tp = row.sl, row.tp
                target.updated_at = row.updated_at

    def find_trade(self, trade_id: str) -> TradeRecord | None:
        """The trade with this id, or None."""
        with self._db.read() as session:
            row = _find(session, trade_id)
            return None if row is None else TradeRecord.from_row(row)

    def pending_trades(self, account_id: str | None = None) -> list[TradeRecord]:
        """Requests whose outcome is not recorded (after a crash: to reconcile before sending anything), of
        one account or (None) of every account."""
        query = select(TradeRow).where(TradeRow.status == TradeStatus.PENDING)
        if account_id is not None:
            query = query.where(TradeRow.account_id == account_id)
        return self._trades(query.order_by(TradeRow.requested_at, TradeRow.id))

    def open_trades(self, account_id: str | None = None) -> list[TradeRecord]:
        """Positions the journal believes open (of one account, or every account with None), oldest first."""
        query = select(TradeRow).where(
            TradeRow.action == OrderAction.OPEN, TradeRow.status == TradeStatus.OPEN
        )
        if account_id is not None:
            query = query.where(TradeRow.account_id == account_id)
        return self._trades(query.order_by(TradeRow.opened_at, TradeRow.id))

    def record_external_open(
        self, position: Position, seen_at: datetime, account_id: str = FIRST_ACCOUNT_ID
    ) -> bool:
        """Journal a position the app did not open; False if its ticket is already known.

        A pending (or failed) OPEN request of the same symbol whose trade id is in the position's comment
        is this very position (the answer to the request was lost): it is resolved as opened, not
        duplicated, and the result is False as well.
        """
        with self._db.write() as session:
            if _trade_of_position(session, account_id, position.ticket) is not None:
                return False
            row = _unresolved_request_for(session, position, account_id)
            created = row is None
            if row is None:
                row = TradeRow(
                    account_id=account_id,
                    trade_id=_external_trade_id(session, account_id, position.ticket),
                    source=TradeSource.EXTERNAL,
                    action=OrderAction.OPEN,
                    symbol=position.symbol,
                    side=position.side,
                    requested_volume=None,
                    sl=position.sl,
                    tp=position.tp,
                    model_id=None,
                    magic=position.magic,
                    comment=position.comment,
                    note=trader_text(position.comment),
                    closed_volume=0.0,
                    profit=0.0,
                    commission=0.0,
                    swap=0.0,
                    fee=0.0,
                    requested_at=position.time,
                )
                session.add(row)
            row.status = TradeStatus.OPEN
            row.position_ticket = position.ticket
            row.open_order = position.identifier or None
            row.price_open = position.price_open
            row.volume = position.volume
            row.opened_at = position.time
            row.resolved_at = seen_at
            row.current_sl, row.current_tp = position.sl, position.tp
            row.updated_at = _now()
            session.flush()
            _apply_deals(session, row)
            return created

    def update_position(self, position: Position, account_id: str = FIRST_ACCOUNT_ID) -> None:
        """Copy a known open position's stops, and any volume added to it, into its trade."""
        with self._db.write() as session:
            row = _trade_of_position(session, account_id, position.ticket)
            if row is None:
                raise JournalError(
                    f"Position {position.ticket} ({position.symbol}) is not in the journal; "
                    "record it with record_external_open first."
                )
            if row.status is not TradeStatus.OPEN:
                raise JournalError(
                    f"Position {position.ticket} is {row.status.value} in the journal (trade {row.trade_id}) "
                    "but the terminal still shows it; check the deal history sync."
                )
            row.current_sl, row.current_tp = position.sl, position.tp
            # Shrinking is the deals' job (they carry price and profit); growth is a netting add-in.
            if position.volume > (row.volume or 0.0) - row.closed_volume + _VOLUME_EPSILON:
                row.volume = round(row.closed_volume + position.volume, 8)
            row.updated_at = _now()

    def record_deals(self, deals: Sequence[Deal], account_id: str = FIRST_ACCOUNT_ID) -> int:
        """Store one account's deals not seen before and update the trades of their positions; returns how
        many were new."""
        unique = {deal.ticket: deal for deal in deals}
        with self._db.write() as session:
            known: set[int] = set()
            for chunk in chunked(list(unique)):
                known.update(
                    session.scalars(
                        select(DealRow.ticket).where(
                            DealRow.account_id == account_id, DealRow.ticket.in_(chunk)
                        )
                    )
                )
            new = [deal for ticket, deal in unique.items() if ticket not in known]
            session.add_all(_deal_row(account_id, deal) for deal in new)
            session.flush()
            for position_id in sorted({deal.position_id for deal in new if deal.position_id}):
                row = _trade_of_position(session, account_id, position_id)
                if row is not None:
                    _apply_deals(session, row)
            return len(new)

    def _trades(self, query: Select[Any]) -> list[TradeRecord]:
        with self._db.read() as session:
            return [TradeRecord.from_row(row) for row in session.scalars(query)]


def _fillable(session: Session, trade_id: str, position_ticket: int) -> tuple[TradeRow, TradeRow | None]:
    """An OPEN row that may take a fill, and the other open trade already holding the position, if any."""
    row = _get(session, trade_id)
    _require_action(row, OrderAction.OPEN, "recorded as filled")
    _require_status(row, (TradeStatus.PENDING, TradeStatus.FAILED), "recorded as filled")
    holder = _trade_of_position(session, row.account_id, position_ticket)
    return row, holder if holder is not None and holder.id != row.id else None


def _open(
    session: Session,
    row: TradeRow,
    position_ticket: int,
    order: int,
    deal: int,
    price: float,
    volume: float,
    at: datetime,
    retcode: int,
) -> None:
    _record_fill(row, TradeStatus.OPEN, position_ticket, order, deal, price, volume, at, retcode)
    row.current_sl, row.current_tp = row.sl, row.tp
    session.flush()
    _apply_deals(session, row)


def _record_fill(
    row: TradeRow,
    status: TradeStatus,
    position_ticket: int | None,
    order: int,
    deal: int,
    price: float,
    volume: float,
    at: datetime,
    retcode: int,
) -> None:
    """What a filled OPEN request learnt from the terminal, whether it opened a position or added to one."""
    row.status = status
    row.position_ticket = position_ticket
    row.open_order, row.open_deal = order, deal
    row.price_open, row.volume = price, volume
    row.opened_at = row.resolved_at = at
    row.retcode = retcode
    row.updated_at = _now()


def _now() -> datetime:
    return datetime.now(UTC)


def _find(session: Session, trade_id: str) -> TradeRow | None:
    return session.scalars(select(TradeRow).where(TradeRow.trade_id == trade_id)).one_or_none()


def _get(session: Session, trade_id: str) -> TradeRow:
    row = _find(session, trade_id)
    if row is None:
        raise JournalError(f"Trade {trade_id} is not in the journal.")
    return row


def _trade_of_position(session: Session, account_id: str, ticket: int) -> TradeRow | None:
    """The OPEN trade that created (or adopted) this position of this account."""
    query = select(TradeRow).where(
        TradeRow.account_id == account_id,
        TradeRow.action == OrderAction.OPEN,
        TradeRow.position_ticket == ticket,
    )
    return session.scalars(query).one_or_none()


def _external_trade_id(session: Session, account_id: str, ticket: int) -> str:
    """'ext-<ticket>' for a position opened outside the desk; another account's position with the same
    ticket gets its account in the id too (trade ids are unique across the journal)."""
    plain = f"{EXTERNAL_TRADE_ID_PREFIX}{ticket}"
    if _find(session, plain) is None:
        return plain
    return f"{EXTERNAL_TRADE_ID_PREFIX}{ticket}-{account_id}"[:MAX_TRADE_ID_LENGTH]


def _unresolved_request_for(session: Session, position: Position, account_id: str) -> TradeRow | None:
    if not position.comment:
        return None
    query = (
        select(TradeRow)
        .where(
            TradeRow.account_id == account_id,
            TradeRow.action == OrderAction.OPEN,
            TradeRow.status.in_((TradeStatus.PENDING, TradeStatus.FAILED)),
            TradeRow.symbol == position.symbol,
            TradeRow.position_ticket.is_(None),
        )
        .order_by(TradeRow.requested_at.desc(), TradeRow.id.desc())
    )
    return next((row for row in session.scalars(query) if row.trade_id in position.comment), None)


def _require_status(row: TradeRow, allowed: TradeStatus | tuple[TradeStatus, ...], what: str) -> None:
    allowed = allowed if isinstance(allowed, tuple) else (allowed,)
    if row.status not in allowed:
        names = " or ".join(status.value for status in allowed)
        raise JournalError(f"Trade {row.trade_id} is {row.status.value}; only a {names} trade can be {what}.")


def _require_action(row: TradeRow, action: OrderAction, what: str) -> None:
    if row.action is not action:
        raise JournalError(f"Trade {row.trade_id} is a {row.action.value} request and cannot be {what}.")


def _deal_row(account_id: str, deal: Deal) -> DealRow:
    return DealRow(
        account_id=account_id,
        ticket=deal.ticket,
        order=deal.order,
        position_id=deal.position_id,
        time=deal.time,
        type=deal.type,
        entry=deal.entry,
        symbol=deal.symbol,
        volume=deal.volume,
        price=deal.price,
        profit=deal.profit,
        commission=deal.commission,
        swap=deal.swap,
        fee=deal.fee,
        magic=deal.magic,
        reason=deal.reason,
        comment=deal.comment,
    )


def _apply_deals(session: Session, row: TradeRow) -> None:
    """Recompute a trade's closing figures from all recorded deals of its position."""
    query = select(DealRow).where(
        DealRow.account_id == row.account_id,
        DealRow.position_id == row.position_ticket,
        DealRow.type.in_(TRADING_DEALS),
    )
    deals = list(session.scalars(query))
    if not deals:
        return
    opened = fsum(deal.volume for deal in deals if deal.entry is DealEntry.IN)
    if opened > (row.volume or 0.0) + _VOLUME_EPSILON:
        # The IN deals know the full size even when the position was first seen after a partial close.
        row.volume = round(opened, 8)
    closing = [deal for deal in deals if deal.entry in CLOSING_ENTRIES]
    row.profit = round(fsum(deal.net_profit for deal in deals), 8)
    row.commission = round(fsum(deal.commission for deal in deals), 8)
    row.swap = round(fsum(deal.swap for deal in deals), 8)
    row.fee = round(fsum(deal.fee for deal in deals), 8)
    if closing:
        closed = fsum(deal.volume for deal in closing)
        row.closed_volume = round(min(closed, row.volume) if row.volume is not None else closed, 8)
        row.price_close = fsum(deal.volume * deal.price for deal in closing) / closed if closed else None
        fully_closed = row.volume is not None and row.closed_volume >= row.volume - _VOLUME_EPSILON
        if row.status is TradeStatus.OPEN and fully_closed:
            row.status = TradeStatus.CLOSED
            row.closed_at = max(deal.time for deal in closing)
    row.updated_at = _now()
