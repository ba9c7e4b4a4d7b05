"""Problems no order reports: an exception escaping a Qt slot (or a thread), Qt's own warnings, and a
settings file with bad values.

Without this, PyQt prints such an exception and aborts the process, or the trader sees nothing at all.
Every one is written to the log with its traceback; the first of each kind (same exception type at the
same line) is also shown once as a NOTICE naming the log file, so a repeating failure, say in a timer,
is one line in the Event log and not thousands.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from PyQt6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from app.core.enums import NoticeLevel
from app.core.events import Event, Notice

log = logging.getLogger("app.unhandled")
qt_log = logging.getLogger("app.qt")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]
QtHandler = Callable[[QtMsgType, QMessageLogContext, str | None], None]

_QT_LEVELS = {
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class ErrorReporter:
    """Installs the process-wide hooks; `publish` takes the NOTICE (any thread: the hub queues it)."""

    def __init__(self, publish: Callable[[Event], None], log_file: Path | None) -> None:
        self._publish = publish
        self._log_file = log_file
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, int], int] = {}
        self._previous_hook: ExceptHook | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], object] | None = None
        self._previous_qt: QtHandler | None = None
        self._installed = False

    def install(self) -> None:
        """Take over sys.excepthook, threading.excepthook and Qt's message handler."""
        if self._installed:
            return
        self._installed = True
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.report
        threading.excepthook = self._thread_failed
        self._previous_qt = qInstallMessageHandler(self._qt_message)

    def uninstall(self) -> None:
        """Put back what was there before `install`."""
        if not self._installed:
            return
        self._installed = False
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if self._previous_thread_hook is not None:
            threading.excepthook = self._previous_thread_hook
        qInstallMessageHandler(self._previous_qt)

    def report(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        """Log an exception nobody caught and, the first time its kind is seen, tell the trader."""
        log.error("Unhandled %s", kind.__name__, exc_info=(kind, error, trace))
        key = _where(kind, trace)
        with self._lock:
            self._seen[key] = self._seen.get(key, 0) + 1
            first = self._seen[key] == 1
        if first:
            self._publish(Notice(level=NoticeLevel.ERROR, title="Internal error", text=self.describe(error)))
        previous = self._previous_hook
        if previous is not None and previous is not sys.__excepthook__ and previous is not self.report:
            previous(kind, error, trace)  # another tool's hook (a debugger, a test runner) still hears it

    def describe(self, error: BaseException) -> str:
        """What the NOTICE says: the error, that the desk carries on, and where the details are."""
        where = f"in {self._log_file}" if self._log_file is not None else "on the console"
        return (
            f"MT5 Desk hit an unexpected error ({type(error).__name__}: {error}). It keeps running, but "
            f"what you were doing may not have been done: check it. The details are {where}; please "
            "include them when you report this."
        )

    def _thread_failed(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.report(args.exc_type, args.exc_value, args.exc_traceback)

    def _qt_message(self, kind: QtMsgType, context: QMessageLogContext, message: str | None) -> None:
        level = _QT_LEVELS.get(kind)
        if level is None:
            return  # debug and info chatter stays out of the log
        where = f" ({context.file}:{context.line})" if context.file else ""
        qt_log.log(level, "%s%s", message, where)


def _where(kind: type[BaseException], trace: TracebackType | None) -> tuple[str, str, int]:
    frames = traceback.extract_tb(trace) if trace is not None else []
    last = frames[-1] if frames else None
    return kind.__name__, last.filename if last else "", (last.lineno or 0) if last else 0


def settings_problem_notices(
    problems: Sequence[str], settings_file: Path, notes: Sequence[str] = ()
) -> list[Notice]:
    """One WARNING NOTICE per bad value found in the settings file (the default was used instead), and
    one INFO NOTICE per note (the file was brought up to date)."""
    warnings = [
        Notice(
            level=NoticeLevel.WARNING,
            title="Settings file",
            text=f"{problem}. Correct it in Desk → Settings… or in {settings_file}.",
        )
        for problem in problems
    ]
    return [*warnings, *(Notice(level=NoticeLevel.INFO, title="Settings file", text=note) for note in notes)]
