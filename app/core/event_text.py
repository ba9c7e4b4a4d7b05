"""How a person reads an event: one wording for the journal's events table and the live event log.

The log shows live events and, after a restart, the journal's rows; both come from here, so a row reads
the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import AutoTradeExecuted, Event, Notice, StatusUpdate, TradeError


@dataclass(frozen=True, slots=True)
class EventText:
    """Level (info / warning / error), a short title and the full text."""

    level: str
    title: str
    text: str


def describe(event: Event) -> EventText | None:
    """The wording of an event the journal keeps; None for the ones it does not (P&L, positions...)."""
    if isinstance(event, StatusUpdate):
        return EventText("info", f"Connection {event.status.state.value}", event.status.message)
    if isinstance(event, TradeError):
        return EventText("error", f"{event.order_type} {event.symbol} failed", event.error)
    if isinstance(event, AutoTradeExecuted):
        return EventText(
            "info",
            f"Auto-trade {event.direction.value} {event.lot_size:g} {event.symbol}",
            f"{event.model_name} at {event.entry_price:g}, confidence {event.confidence:.0%}",
        )
    if isinstance(event, Notice):
        return EventText(event.level.value, event.title, event.text)
    return None
