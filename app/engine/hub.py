"""EventHub: the one bus every part of the desk listens to, with one Qt signal per event type."""

from __future__ import annotations

import logging

from PyQt6.QtCore import QObject, pyqtSignal

from app.core.events import (
    AccountsUpdate,
    AccountUpdate,
    AutoTradeExecuted,
    Event,
    ModelsUpdate,
    Notice,
    PnlUpdate,
    PositionsUpdate,
    Snapshot,
    StatusUpdate,
    TradeError,
)

log = logging.getLogger(__name__)


class EventHub(QObject):
    """Fan-out of immutable events to typed signals and to one ordered stream (`stream`).

    `publish` may be called from any thread: Qt delivers each signal in the receiver's thread
    (queued across threads), so subscribers never share mutable state with the publisher. Events
    published from one thread reach every subscriber in the order they were published.
    """

    # Not `event`: that name would shadow QObject.event(), and any QEvent sent to the hub (deleteLater,
    # moveToThread, a queued call) would then abort the process with "native Qt signal is not callable".
    stream = pyqtSignal(object)
    snapshot = pyqtSignal(object)
    accounts_update = pyqtSignal(object)
    positions_update = pyqtSignal(object)
    pnl_update = pyqtSignal(object)
    account_update = pyqtSignal(object)
    status_update = pyqtSignal(object)
    auto_trade_executed = pyqtSignal(object)
    trade_error = pyqtSignal(object)
    notice = pyqtSignal(object)
    models_update = pyqtSignal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._typed = {
            Snapshot: self.snapshot,
            AccountsUpdate: self.accounts_update,
            PositionsUpdate: self.positions_update,
            PnlUpdate: self.pnl_update,
            AccountUpdate: self.account_update,
            StatusUpdate: self.status_update,
            AutoTradeExecuted: self.auto_trade_executed,
            TradeError: self.trade_error,
            Notice: self.notice,
            ModelsUpdate: self.models_update,
        }

    def publish(self, event: Event) -> None:
        """Emit `event` on its typed signal and on the ordered `stream`."""
        signal = self._typed.get(type(event))
        if signal is None:
            # Wire-only messages (HELLO, PING...) have no place on the in-process bus.
            log.error("event type %s cannot be published on the hub", type(event).__name__)
            return
        signal.emit(event)
        self.stream.emit(event)
