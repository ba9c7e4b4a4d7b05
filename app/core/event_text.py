"""How a person reads an event: one wording for the journal's events table and the live event log.

The log shows live events and, after a restart, the journal's rows; both come from here, so a row reads
the same either way. Figures go through `app.core.number_format`, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.enums import OrderAction
from app.core.events import AutoTradeExecuted, Event, Notice, StatusUpdate, TradeError
from app.core.models import OrderRequest, OrderResult
from app.core.number_format import format_price, format_volume


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
        sl, tp = format_price(event.stop_loss, event.digits), format_price(event.take_profit, event.digits)
        return EventText(
            "info",
            f"Auto-trade {event.direction.value} {format_volume(event.lot_size)} {event.symbol}",
            f"{event.model_name} at {format_price(event.entry_price, event.digits)}, "
            f"confidence {event.confidence:.0%} · SL {sl} · TP {tp}",
        )
    if isinstance(event, Notice):
        return EventText(event.level.value, event.title, event.text)
    return None


def fill_text(request: OrderRequest, result: OrderResult) -> str:
    """The "Order executed" line of a filled order: "BUY 1.00 AUDUSD at 0.65376"."""
    digits = result.digits
    if request.action is OrderAction.OPEN:
        side = request.side.value if request.side else ""
        return (
            f"{side} {format_volume(result.volume)} {request.symbol} at {format_price(result.price, digits)}"
        )
    if request.action is OrderAction.CLOSE:
        return (
            f"Closed {format_volume(result.volume)} of #{request.ticket} {request.symbol} "
            f"at {format_price(result.price, digits)}"
        )
    return (
        f"SL/TP of #{request.ticket} {request.symbol} set to SL {format_price(request.sl, digits)} / "
        f"TP {format_price(request.tp, digits)}"
    )
