"""The log file: warnings, errors and tracebacks of every part of the app, kept in the log folder.

A rotating file (standard `logging.handlers`), so a desk that runs for months never fills the disk: five
files of a megabyte each at most. The console keeps getting the same lines, for whoever started the app
from a terminal. Python's own warnings (`warnings.warn`) go to the same place.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FILE_NAME = "mt5desk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 4
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_HANDLER_NAME = "mt5desk-log-file"
_CONSOLE_NAME = "mt5desk-console"


class _LogFile(RotatingFileHandler):
    """The rotating log file; when it cannot take a line (a full disk) it says so once on the console,
    instead of a "Logging error" traceback per line, and carries on once it can write again."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
        self._failing = False
        self._failed_now = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)  # a failure comes back through handleError
        if self._failing and not self._failed_now:
            self._failing = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed_now = True
        if self._failing:
            return
        self._failing = True
        error = sys.exc_info()[1]
        if sys.stderr is not None:
            reason = getattr(error, "strerror", None) or error
            sys.stderr.write(
                f"mt5desk: the log file {self.baseFilename} takes no more lines ({reason}); they go to this "
                "console until it does (free disk space).\n"
            )


def log_file_in(log_dir: Path) -> Path:
    """Where the app writes its log in `log_dir`."""
    return log_dir / LOG_FILE_NAME


def start_log_file(log_dir: Path, *, console: bool = True) -> Path:
    """Send warnings, errors and tracebacks to the rotating log file in `log_dir` (and to stderr).

    Returns the file's path. Raises OSError, naming the file, when it cannot be opened; the console
    handler is installed either way. Calling it again replaces what an earlier call installed.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_HANDLER_NAME, _CONSOLE_NAME):
            root.removeHandler(handler)
            handler.close()
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    if console and sys.stderr is not None:  # the windowed Windows build has no console at all
        stream = logging.StreamHandler(sys.stderr)
        stream.set_name(_CONSOLE_NAME)
        stream.setLevel(logging.WARNING)
        stream.setFormatter(logging.Formatter("mt5desk: %(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    path = log_file_in(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = _LogFile(path)
    handler.set_name(_HANDLER_NAME)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


def stop_log_file() -> None:
    """Flush and close the log file (at exit; also lets tests remove their folders)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_HANDLER_NAME, _CONSOLE_NAME):
            root.removeHandler(handler)
            handler.close()
    logging.captureWarnings(False)
