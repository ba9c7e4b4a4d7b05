"""Headless mode: the engine with no window, every event as one JSON line, clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import TextIO

from PyQt6.QtCore import QCoreApplication, QObject, QTimer, pyqtSlot

from app.core.events import Event, encode
from app.engine.desk import Desk, DeskConfig
from app.instance_lock import InstanceLock, InstanceLockedError

log = logging.getLogger(__name__)


class JsonLinesWriter(QObject):
    """Writes each hub event as one JSON line and flushes, so a reader (or a kill) loses nothing written."""

    def __init__(self, stream: TextIO, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stream = stream
        self._seq = 0

    @pyqtSlot(object)
    def write(self, event: Event) -> None:
        self._seq += 1
        try:
            self._stream.write(encode(event, seq=self._seq) + "\n")
            self._stream.flush()
        except (OSError, ValueError) as error:  # a closed pipe must not take the engine down
            log.error("cannot write event: %s", error)


def run_headless(config: DeskConfig, lock_file: Path, events_jsonl: str | None) -> int:
    """Run until SIGINT/SIGTERM; returns the process exit code."""
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    lock = InstanceLock(lock_file)
    try:
        lock.acquire()
    except InstanceLockedError as error:
        print(error, file=sys.stderr)
        return 3
    stream: TextIO | None = None
    try:
        desk = Desk(config)
        if events_jsonl:
            stream = sys.stdout if events_jsonl == "-" else open(events_jsonl, "a", encoding="utf-8")  # noqa: SIM115
            writer = JsonLinesWriter(stream, desk)
            desk.hub.event.connect(writer.write)
        stopping = False

        def stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            if stopping:
                return
            stopping = True
            log.info("signal %s: stopping", signum)
            desk.stop()
            app.quit()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Python runs signal handlers only between bytecodes; this idle timer gives it the chance.
        pulse = QTimer()
        pulse.timeout.connect(lambda: None)
        pulse.start(200)
        desk.start()
        print("MT5 Desk running headless; press Ctrl+C to stop.", file=sys.stderr, flush=True)
        app.exec()
        desk.stop()
        return 0
    finally:
        if stream is not None and stream is not sys.stdout:
            stream.close()
        lock.release()
