"""Whether the journal can be written now, as the last write found: asked before an order is sent.

An order whose result cannot be recorded must not be sent, so while the journal cannot write (a full
disk, a read-only or vanished file, another program holding it) orders are refused before sending. The
state is set by every write the Database makes and announced once per change of state (one NOTICE when
writing fails, one when it works again), however many writes fail in between.

On a nearly full disk a small commit can still fit in space SQLite already holds while the next one does
not, so one successful write is not a recovery: the journal counts as writable again only after a write
succeeds SETTLE_S seconds or more after the last failure. That keeps an order from being sent in a lucky
moment whose fill then cannot be recorded, and the trader from reading "recovered" between two failures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SETTLE_S", "HealthNews", "JournalHealth"]

SETTLE_S = 10.0


@dataclass(frozen=True, slots=True)
class HealthNews:
    """A change of the journal's state to tell the trader about."""

    writable: bool
    problem: str  # why it cannot write ("" once it can)


class JournalHealth:
    """Thread-safe: the trading path, the sink and the database's writers may touch it from any thread."""

    def __init__(self, *, settle_s: float = SETTLE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._settle_s = settle_s
        self._clock = clock
        self._problem = ""
        self._failed_at = 0.0
        self._announced = ""

    @property
    def writable(self) -> bool:
        """False from a failed write until a write succeeds SETTLE_S after the last failure."""
        with self._lock:
            return not self._problem

    @property
    def problem(self) -> str:
        """Why the journal cannot write, with what to do ("" while it can)."""
        with self._lock:
            return self._problem

    def failed(self, problem: str) -> None:
        """A write failed because of the storage (not because of a record the journal refused)."""
        with self._lock:
            self._problem = problem
            self._failed_at = self._clock()

    def succeeded(self) -> None:
        """A write reached the disk."""
        with self._lock:
            if self._problem and self._clock() - self._failed_at >= self._settle_s:
                self._problem = ""

    def news(self) -> HealthNews | None:
        """The change since the last call that returned one, if any: each change is told exactly once.

        A failure mended before anyone asked is not news; a new failure after a told recovery is.
        """
        with self._lock:
            if bool(self._problem) == bool(self._announced):
                return None
            self._announced = self._problem
            return HealthNews(writable=not self._problem, problem=self._problem)
