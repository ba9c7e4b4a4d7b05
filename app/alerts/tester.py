"""'Send a test alert': one message to one channel on a short-lived thread, the answer as a signal."""

from __future__ import annotations

import contextlib
import threading

from PyQt6.QtCore import QObject, pyqtSignal

from app.alerts.channel_worker import Send
from app.alerts.rules import Alert
from app.alerts.texts import test_alert
from app.alerts.transport import Delivery, deliver
from app.core.events import utc_now


class ChannelTester(QObject):
    """Sends test alerts off the GUI thread; `finished(key, Delivery)` arrives in the owner's thread."""

    finished = pyqtSignal(str, object)

    def __init__(self, send: Send = deliver, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._send = send

    def test(self, key: str, url: str) -> None:
        """Start sending; `key` comes back with the answer (the channel's row)."""
        alert = test_alert(utc_now())
        threading.Thread(target=self._run, args=(key, url, alert), name="alerts-test", daemon=True).start()

    def _run(self, key: str, url: str, alert: Alert) -> None:
        try:
            delivery = self._send(url, alert.title, alert.body(), alert.level)
        except Exception as error:  # the answer must come back whatever happened
            delivery = Delivery(False, f"{type(error).__name__}: {error}")
        with contextlib.suppress(RuntimeError):  # the dialog closed meanwhile and took this object along
            self.finished.emit(key, delivery)
