"""Matching pending journal rows with what MetaTrader 5 actually did, before anything is sent again.

After a crash, a killed terminal host or a lost link, a `pending` row means "we may have sent this".
The terminal's own positions and deals decide: found means executed, not found means not executed.
The host gathers those facts (`ReconcileFacts`); the desk, which owns the journal, decides here. Nothing
is ever re-sent from here; the trader (or the next bar, for a model) decides what to do next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.enums import DealEntry, OrderAction, TradeStatus
from app.core.models import Deal, Position
from app.core.settings import FIRST_ACCOUNT_ID
from app.engine.commands import trade_id_in
from app.engine.host.facts import reconcile_facts
from app.engine.host.messages import ReconcileFacts, ReconcileQuery
from app.storage.journal import Journal, TradeRecord
from app.terminal.adapter import Terminal

log = logging.getLogger(__name__)

# How far before a pending row's request time to look for its deals (server and local clocks differ).
CLOCK_SLACK = timedelta(hours=24)
RETCODE_DONE = 10009
TINY_POINT = 1e-9
NOT_EXECUTED = (
    "Not executed: MT5 Desk stopped before MetaTrader 5 confirmed this order, and the terminal has no "
    "trace of it. It was not sent again; place it again if you still want it."
)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What reconciling found, for the NOTICE the trader reads."""

    opened: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.opened or self.done or self.failed)

    def joined(self, other: ReconcileReport) -> ReconcileReport:
        """Both reports as one."""
        return ReconcileReport(self.opened + other.opened, self.done + other.done, self.failed + other.failed)

    def summary(self) -> str:
        parts = []
        if self.opened:
            parts.append(f"{len(self.opened)} order(s) had executed and are now recorded")
        if self.done:
            parts.append(f"{len(self.done)} close/modify request(s) had executed")
        if self.failed:
            parts.append(f"{len(self.failed)} order(s) had not executed and were marked failed (not re-sent)")
        return "; ".join(parts) + "."


def facts_query(request_id: int, pending: Sequence[TradeRecord], now: datetime) -> ReconcileQuery:
    """What to ask the terminal about these pending rows."""
    earliest = min(trade.requested_at for trade in pending) - CLOCK_SLACK
    symbols = tuple(sorted({trade.symbol for trade in pending if trade.symbol}))
    return ReconcileQuery(request_id, earliest, now + CLOCK_SLACK, symbols)


def resolve_pending(
    facts: ReconcileFacts,
    journal: Journal,
    now: Callable[[], datetime],
    only: Collection[str] | None = None,
    *,
    account_id: str = FIRST_ACCOUNT_ID,
) -> ReconcileReport:
    """Resolve the account's rows still pending (those in `only`, when given) from its terminal's facts."""
    pending = [t for t in journal.pending_trades(account_id) if only is None or t.trade_id in only]
    positions = {position.ticket: position for position in facts.positions}
    opened: list[str] = []
    done: list[str] = []
    failed: list[str] = []
    for trade in pending:
        if trade.action is OrderAction.OPEN:
            if _resolve_open(trade, positions, facts.deals, journal, account_id):
                opened.append(trade.trade_id)
                continue
        elif _resolve_change(
            trade, positions, facts.deals, journal, facts.points.get(trade.symbol, TINY_POINT)
        ):
            done.append(trade.trade_id)
            continue
        journal.mark_failed(trade.trade_id, retcode=None, error=NOT_EXECUTED, at=now())
        failed.append(trade.trade_id)
    report = ReconcileReport(tuple(opened), tuple(done), tuple(failed))
    if not report.empty:
        log.info("reconciled pending trades: %s", report.summary())
    return report


def resolved_meanwhile(journal: Journal, trade_ids: Collection[str]) -> ReconcileReport:
    """How rows that were unconfirmed ended, when something else resolved them first (a position whose
    comment carries the trade id adopts its pending row as soon as the terminal shows it)."""
    opened: list[str] = []
    done: list[str] = []
    failed: list[str] = []
    for trade_id in sorted(trade_ids):
        record = journal.find_trade(trade_id)
        if record is None or record.status is TradeStatus.PENDING:
            continue
        if record.status is TradeStatus.FAILED:
            failed.append(trade_id)
        elif record.action is OrderAction.OPEN:
            opened.append(trade_id)
        else:
            done.append(trade_id)
    return ReconcileReport(tuple(opened), tuple(done), tuple(failed))


def reconcile_pending(
    terminal: Terminal,
    journal: Journal,
    now: Callable[[], datetime],
    account_id: str = FIRST_ACCOUNT_ID,
) -> ReconcileReport:
    """Resolve an account's pending rows against its Terminal in this thread (TerminalError if MT5 is
    gone)."""
    pending = journal.pending_trades(account_id)
    if not pending:
        return ReconcileReport()
    facts = reconcile_facts(terminal, facts_query(0, pending, now()))
    return resolve_pending(facts, journal, now, account_id=account_id)


def _resolve_open(
    trade: TradeRecord,
    positions: dict[int, Position],
    deals: Sequence[Deal],
    journal: Journal,
    account_id: str,
) -> bool:
    for position in positions.values():
        if trade_id_in(position.comment) == trade.trade_id:
            journal.mark_opened(
                trade.trade_id,
                position_ticket=position.ticket,
                order=position.ticket,
                deal=0,
                price=position.price_open,
                volume=position.volume,
                opened_at=position.time,
                retcode=RETCODE_DONE,
            )
            return True
    for deal in deals:
        if deal.entry is DealEntry.IN and trade_id_in(deal.comment) == trade.trade_id:
            # Executed and already closed again (SL/TP or by hand) while the desk was away.
            journal.mark_opened(
                trade.trade_id,
                position_ticket=deal.position_id,
                order=deal.order,
                deal=deal.ticket,
                price=deal.price,
                volume=deal.volume,
                opened_at=deal.time,
                retcode=RETCODE_DONE,
            )
            journal.record_deals([d for d in deals if d.position_id == deal.position_id], account_id)
            return True
    return False


def _resolve_change(
    trade: TradeRecord, positions: dict[int, Position], deals: Sequence[Deal], journal: Journal, point: float
) -> bool:
    """A close is done when its deal exists or the position is gone; a modify when SL/TP match."""
    ticket = trade.position_ticket
    position = positions.get(ticket) if ticket is not None else None
    if trade.action is OrderAction.CLOSE:
        tagged = any(trade_id_in(d.comment) == trade.trade_id for d in deals)
        if tagged or (ticket is not None and position is None):
            journal.mark_done(trade.trade_id, retcode=RETCODE_DONE, at=trade.requested_at)
            return True
        return False
    if (
        position is not None
        and _same_price(position.sl, trade.sl, point)
        and _same_price(position.tp, trade.tp, point)
    ):
        journal.mark_done(trade.trade_id, retcode=RETCODE_DONE, at=trade.requested_at)
        return True
    return False


def _same_price(a: float | None, b: float | None, point: float) -> bool:
    """Equal as the terminal sees them: MT5 rounds SL/TP to the symbol's digits."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < point / 2
