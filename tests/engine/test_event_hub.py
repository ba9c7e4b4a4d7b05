"""The event hub: typed signals, one ordered stream, and an ordinary QObject to Qt."""

from __future__ import annotations

import subprocess
import sys

from PyQt6.QtWidgets import QApplication

from app.core.enums import NoticeLevel
from app.core.events import Notice
from app.engine.hub import EventHub

_SEND_A_QEVENT = """
import sys
from PyQt6.QtCore import QCoreApplication, QEvent
app = QCoreApplication(sys.argv)
from app.engine.hub import EventHub
hub = EventHub()
QCoreApplication.sendEvent(hub, QEvent(QEvent.Type.User))
hub.deleteLater()
QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
print("still running")
"""


def _notice(text: str) -> Notice:
    return Notice(level=NoticeLevel.INFO, title="Note", text=text)


def test_every_published_event_reaches_the_stream_in_order(qapp: QApplication) -> None:
    hub = EventHub()
    seen: list[object] = []
    hub.stream.connect(seen.append)
    events = [_notice(f"n{i}") for i in range(5)]
    for event in events:
        hub.publish(event)
    assert seen == events


def test_a_published_event_reaches_its_typed_signal(qapp: QApplication) -> None:
    hub = EventHub()
    notices: list[object] = []
    hub.notice.connect(notices.append)
    event = _notice("one")
    hub.publish(event)
    assert notices == [event]


def test_a_qevent_sent_to_the_hub_is_handled_by_qt_not_the_end_of_the_process() -> None:
    # A signal named `event` shadowed QObject.event(): the first QEvent (deleteLater, moveToThread, a queued
    # call) aborted the whole desk with "native Qt signal is not callable". Run apart: an abort is no result.
    done = subprocess.run(
        [sys.executable, "-c", _SEND_A_QEVENT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "still running"
