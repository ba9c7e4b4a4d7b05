"""EventLinesWriter: headless mode's `--events-jsonl`, every hub event as one JSON line, even on a full disk.

Lines go out with plain os.write on an unbuffered descriptor, so nothing half-written sits in a buffer
that a later flush or close would fail on. When the disk is full the lines wait in memory (bounded) and
are written, in order, with the next event once space returns; the trader is told once when writing
stops and once when it works again, never per line. A reader that went away (a closed pipe) ends the
writing for good, said once.
"""

from __future__ import annotations

import errno
import logging
import os
from collections import deque
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSlot

from app.core.events import Event, encode
from app.storage.private_files import PRIVATE_FILE_MODE

__all__ = ["MAX_HELD_BYTES", "EventLinesWriter"]

log = logging.getLogger(__name__)

MAX_HELD_BYTES = 8 * 1024 * 1024  # lines kept while the disk is full; older ones are dropped beyond it
_GONE = frozenset({errno.EPIPE, errno.EBADF, errno.ECONNRESET})


class EventLinesWriter(QObject):
    """Appends each event as one JSON line to a file (created 0600) or to standard output (`-`)."""

    def __init__(self, target: str, parent: QObject | None = None, *, max_held: int = MAX_HELD_BYTES) -> None:
        super().__init__(parent)
        self._name = "standard output" if target == "-" else target
        if target == "-":
            self._descriptor, self._owned = 1, False
        else:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
            self._descriptor, self._owned = os.open(Path(target), flags, PRIVATE_FILE_MODE), True
        self._seq = 0
        self._held: deque[bytes] = deque()
        self._held_bytes = 0
        self._max_held = max_held
        self._dropped = 0
        self._stuck = ""  # why writing stopped ("" while it works)
        self._gone = False

    @property
    def held_lines(self) -> int:
        """Lines waiting for the disk."""
        return len(self._held)

    @property
    def dropped_lines(self) -> int:
        """Lines given up because too many waited (counted in the log when writing works again)."""
        return self._dropped

    @pyqtSlot(object)
    def write(self, event: Event) -> None:
        """Queue `event` as the next line and write every waiting line the disk takes."""
        if self._gone:
            return
        self._seq += 1
        self._hold((encode(event, seq=self._seq) + "\n").encode("utf-8"))
        self._flush()

    def close(self) -> None:
        """Write what still waits if the disk takes it now, then close; never raises."""
        if not self._gone:
            self._flush()
        if self._held:
            log.error(
                "%d event line(s) could not be written to %s before stopping", len(self._held), self._name
            )
        if self._owned:
            try:
                os.close(self._descriptor)
            except OSError as error:
                log.error("closing %s: %s", self._name, error)
            self._owned = False
        self._gone = True

    def _hold(self, line: bytes) -> None:
        self._held.append(line)
        self._held_bytes += len(line)
        while self._held_bytes > self._max_held and len(self._held) > 1:
            self._held_bytes -= len(self._held.popleft())
            self._dropped += 1

    def _flush(self) -> None:
        while self._held:
            line = self._held[0]
            try:
                size = os.fstat(self._descriptor).st_size if self._owned else 0
                written = os.write(self._descriptor, line)
            except OSError as error:
                self._stopped(error)
                return
            if written < len(line):
                if self._owned:
                    # The disk took part of the line: cut it off again (shrinking needs no space), so
                    # the file only ever holds whole lines, and keep the line for later.
                    self._cut_back(size)
                    self._stopped(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
                    return
                self._held[0] = line[written:]  # a pipe takes what fits; the rest goes first next time
                self._held_bytes -= written
                continue
            self._held.popleft()
            self._held_bytes -= len(line)
        if self._stuck:
            self._stuck = ""
            dropped = f"; {self._dropped} older line(s) could not be kept" if self._dropped else ""
            log.warning("event lines are written to %s again%s", self._name, dropped)

    def _cut_back(self, size: int) -> None:
        try:
            os.ftruncate(self._descriptor, size)
        except OSError as error:
            log.error("cannot cut a half-written line off %s: %s", self._name, error)

    def _stopped(self, error: OSError) -> None:
        if error.errno in _GONE:
            self._gone = True
            self._held.clear()
            log.error("stopped writing event lines: %s was closed (%s)", self._name, error.strerror or error)
            return
        if not self._stuck:  # once per outage: the next failures are the same story
            self._stuck = error.strerror or str(error)
            log.error(
                "cannot write event lines to %s (%s); they are kept in memory and written once it works "
                "again (free disk space)",
                self._name,
                self._stuck,
            )
