"""What the terminal says about pending journal rows, gathered in the host for the desk's reconcile."""

from __future__ import annotations

from app.engine.host.messages import ReconcileFacts, ReconcileQuery
from app.terminal.adapter import Terminal
from app.terminal.errors import TerminalError


def reconcile_facts(terminal: Terminal, query: ReconcileQuery) -> ReconcileFacts:
    """Open positions, deals in the window and the asked symbols' points (TerminalError if MT5 is gone)."""
    positions = tuple(terminal.positions().values())
    deals = tuple(terminal.deals(query.since, query.until))
    points: dict[str, float] = {}
    for symbol in query.symbols:
        try:
            points[symbol] = terminal.symbol(symbol).point
        except TerminalError as error:
            if error.link_lost:
                raise
            # An unknown symbol compares prices with a tiny point; the rest of the facts still count.
            continue
    return ReconcileFacts(query.request_id, positions, deals, points)
