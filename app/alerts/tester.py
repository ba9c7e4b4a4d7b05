"""'Send a test alert': one message to one channel on a short-lived thread, the answer as a signal."""

from __future__ import annotations

import queue
import threading

from PyQt6.QtCore import QObject, QTimer, pyqtSignal, pyqtSlot

from app.alerts.channel_worker import Send
from app.alerts.rules import Alert
from app.alerts.texts import test_alert
from app.alerts.transport import Delivery, deliver
from app.core.events import utc_now

POLL_MS = 50


class ChannelTester(QObject):
    """Sends test alerts off the GUI thread; `finished(key, Delivery)` arrives in the owner's thread.

    The sending thread never touches this object (the dialog may close while a test is under way): it
    leaves the answer on a plain queue that a timer here reads while tests are out.
    """

    finished = pyqtSignal(str, object)

    def __init__(self, send: Send = deliver, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._send = send
        self._answers: queue.SimpleQueue[tuple[str, Delivery]] = queue.SimpleQueue()
        self._out = 0
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._collect)

    def test(self, key: str, url: str) -> None:
        """Start sending; `key` comes back with the answer (the channel's row)."""
        alert = test_alert(utc_now())
        self._out += 1
        self._timer.start()
        answers, send = self._answers, self._send
        threading.Thread(
            target=_run, args=(send, answers, key, url, alert), name="alerts-test", daemon=True
        ).start()

    @pyqtSlot()
    def _collect(self) -> None:
        while True:
            try:
                key, delivery = self._answers.get_nowait()
            except queue.Empty:
                break
            self._out -= 1
            self.finished.emit(key, delivery)
        if self._out <= 0:
            self._timer.stop()


def _run(
    send: Send, answers: queue.SimpleQueue[tuple[str, Delivery]], key: str, url: str, alert: Alert
) -> None:
    try:
        delivery = send(url, alert.title, alert.body(), alert.level)
    except Exception as error:  # the answer must come back whatever happened
        delivery = Delivery(False, f"{type(error).__name__}: {error}")
    answers.put((key, delivery))
