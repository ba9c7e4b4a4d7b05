"""One order in flight per position: a second close or modify of a position is refused until the first
ends.

A trader who clicks Close twice while MetaTrader 5 is thinking must not send two closes (a repeated
partial close over-closes). The desk claims a position, (account, ticket) since two brokers can use the
same ticket, before a close or modify enters the engine and releases it when the terminal side reports
the trade finished (whatever its outcome), by trade id. New positions (OPEN) have no ticket yet and are
not held back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PyQt6.QtCore import QObject, pyqtSignal, pyqtSlot

from app.core.enums import NoticeLevel, OrderAction
from app.core.events import Event, Notice
from app.core.number_format import format_volume
from app.core.state import PositionKey
from app.engine.commands import TradeCommand


@dataclass(frozen=True, slots=True)
class InFlight:
    """The order on its way for one position."""

    trade_id: str
    account_id: str
    ticket: int
    action: OrderAction
    volume: float | None

    @property
    def label(self) -> str:
        """What the position's row says meanwhile: 'closing…', 'closing 0.05…', 'modifying…'."""
        if self.action is OrderAction.MODIFY:
            return "modifying…"
        return "closing…" if self.volume is None else f"closing {format_volume(self.volume)}…"


class InFlightOrders(QObject):
    """Positions with a close or modify on its way; lives in the desk's thread, fed by its entry point."""

    changed = pyqtSignal(str, int, str)  # account id, ticket, label while in flight ("" once it is done)

    def __init__(self, publish: Callable[[Event], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._publish = publish
        self._by_position: dict[PositionKey, InFlight] = {}
        self._position_of: dict[str, PositionKey] = {}

    def claim(self, command: TradeCommand) -> bool:
        """Take the command's position for it; False (and a NOTICE saying why) if another order holds it."""
        request = command.request
        if request.action is OrderAction.OPEN or request.ticket is None:
            return True
        key = (command.account_id, request.ticket)
        holder = self._by_position.get(key)
        if holder is not None:
            self._publish(
                Notice(
                    level=NoticeLevel.WARNING,
                    title="Order not sent",
                    text=refusal(holder, command),
                    account_id=command.account_id,
                )
            )
            return False
        pending = InFlight(
            command.trade_id, command.account_id, request.ticket, request.action, request.volume
        )
        self._by_position[key] = pending
        self._position_of[command.trade_id] = key
        self.changed.emit(command.account_id, request.ticket, pending.label)
        return True

    @pyqtSlot(str)
    def finished(self, trade_id: str) -> None:
        """That trade has its outcome (filled, refused, failed, unconfirmed): free its position."""
        key = self._position_of.pop(trade_id, None)
        if key is None:
            return  # an OPEN, or an order the auto-trader sent itself
        holder = self._by_position.get(key)
        if holder is not None and holder.trade_id == trade_id:
            del self._by_position[key]
            self.changed.emit(key[0], key[1], "")

    def holder(self, key: PositionKey) -> InFlight | None:
        """The order in flight for this position, if any."""
        return self._by_position.get(key)


def refusal(holder: InFlight, refused: TradeCommand) -> str:
    """Why a second order for a position was not sent, and what to do."""
    request = refused.request
    asked = "change of SL/TP" if request.action is OrderAction.MODIFY else "close"
    doing = "SL/TP change" if holder.action is OrderAction.MODIFY else "close"
    symbol = f" {request.symbol}" if request.symbol else ""
    return (
        f"This {asked} of #{holder.ticket}{symbol} was not sent: the {doing} sent before is still waiting "
        "for MetaTrader 5's answer. Wait for its result in the Event log, then try again if still needed."
    )
