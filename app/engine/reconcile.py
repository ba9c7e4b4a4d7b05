"""Matching pending journal rows with what MetaTrader 5 actually did, before anything is sent again.

After a crash, a kill or a lost link, a `pending` row means "we may have sent this". The terminal's own
positions and deals decide: found means executed, not found means not executed. Nothing is ever
re-sent from here; the trader (or the next bar, for a model) decides what to do next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.enums import DealEntry, OrderAction
from app.core.models import Deal, Position
from app.engine.commands import trade_id_in
from app.storage.journal import Journal, TradeRecord
from app.terminal.adapter import Terminal
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)

# How far before a pending row's request time to look for its deals (server and local clocks differ).
CLOCK_SLACK = timedelta(hours=24)
RETCODE_DONE = 10009
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

    def summary(self) -> str:
        parts = []
        if self.opened:
            parts.append(f"{len(self.opened)} order(s) had executed and are now recorded")
        if self.done:
            parts.append(f"{len(self.done)} close/modify request(s) had executed")
        if self.failed:
            parts.append(f"{len(self.failed)} order(s) had not executed and were marked failed (not re-sent)")
        return "; ".join(parts) + "."


def reconcile_pending(terminal: Terminal, journal: Journal, now: Callable[[], datetime]) -> ReconcileReport:
    """Resolve every pending row from the terminal's positions and deals (TerminalError if MT5 is gone)."""
    pending = journal.pending_trades()
    if not pending:
        return ReconcileReport()
    positions = terminal.positions()
    earliest = min(t.requested_at for t in pending) - CLOCK_SLACK
    deals = terminal.deals(earliest, now() + CLOCK_SLACK)
    opened: list[str] = []
    done: list[str] = []
    failed: list[str] = []
    for trade in pending:
        if trade.action is OrderAction.OPEN:
            if _resolve_open(trade, positions, deals, terminal, journal):
                opened.append(trade.trade_id)
                continue
        elif _resolve_change(trade, positions, deals, journal, _point(terminal, trade.symbol)):
            done.append(trade.trade_id)
            continue
        journal.mark_failed(trade.trade_id, retcode=None, error=NOT_EXECUTED, at=now())
        failed.append(trade.trade_id)
    report = ReconcileReport(tuple(opened), tuple(done), tuple(failed))
    log.info("reconciled pending trades: %s", report.summary())
    return report


def _resolve_open(
    trade: TradeRecord,
    positions: dict[int, Position],
    deals: Sequence[Deal],
    terminal: Terminal,
    journal: Journal,
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
            journal.record_deals(terminal.deals_for_position(deal.position_id))
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


def _point(terminal: Terminal, symbol: str) -> float:
    """The symbol's point, for comparing prices the terminal rounded; tiny if the symbol is unknown."""
    try:
        return terminal.symbol(symbol).point if symbol else 1e-9
    except TerminalError:
        return 1e-9


def _same_price(a: float | None, b: float | None, point: float) -> bool:
    """Equal as the terminal sees them: MT5 rounds SL/TP to the symbol's digits."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < point / 2
