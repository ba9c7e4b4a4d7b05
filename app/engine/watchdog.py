"""Watchdog: notices from outside when the worker thread itself is stuck in a terminal call.

The worker cannot report its own stall (it is the thread that is blocked), so this object lives in the
GUI thread, hears the worker's `alive` pulse, and publishes STALE when the pulses stop.
"""

from __future__ import annotations

import time
from dataclasses import replace

from PyQt6.QtCore import QObject, QTimer, pyqtSlot

from app.core.enums import ConnectionState
from app.core.events import StatusUpdate
from app.engine.commands import RefreshCommand
from app.engine.hub import EventHub
from app.engine.worker import TerminalWorker


class Watchdog(QObject):
    """Publishes STALE when the worker has been silent for `stale_after_s` while it claimed CONNECTED."""

    def __init__(
        self, worker: TerminalWorker, hub: EventHub, stale_after_s: float, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._hub = hub
        self._stale_after_s = stale_after_s
        self._last_pulse = time.monotonic()
        self._status: StatusUpdate | None = None
        self._declared_stale = False
        worker.alive.connect(self._on_alive)
        hub.status_update.connect(self._on_status)
        self._timer = QTimer(self)
        self._timer.setInterval(max(100, int(stale_after_s * 1000 / 6)))
        self._timer.timeout.connect(self._check)
        self._timer.start()

    @pyqtSlot()
    def _on_alive(self) -> None:
        self._last_pulse = time.monotonic()
        if self._declared_stale:
            self._declared_stale = False
            self._worker.submit(RefreshCommand())  # the worker re-announces its real state

    @pyqtSlot(object)
    def _on_status(self, event: StatusUpdate) -> None:
        self._status = event
        self._last_pulse = time.monotonic()

    @pyqtSlot()
    def _check(self) -> None:
        if self._declared_stale or self._status is None:
            return
        if self._status.status.state is not ConnectionState.CONNECTED:
            return
        silent = time.monotonic() - self._last_pulse
        if silent > self._stale_after_s:
            self._declared_stale = True
            stale = replace(
                self._status.status,
                state=ConnectionState.STALE,
                message=f"MetaTrader 5 has not answered for {silent:.0f} s (busy or frozen terminal)",
            )
            self._hub.publish(StatusUpdate(status=stale))
