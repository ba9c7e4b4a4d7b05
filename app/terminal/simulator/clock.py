"""Clocks for the simulated terminal: broker server time as epoch seconds (treated as UTC)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the simulator what time it is on the broker's server."""

    def now(self) -> float: ...


class WallClock:
    """The real time, never going backwards (a system clock step back would otherwise rewrite history)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0.0

    def now(self) -> float:
        with self._lock:
            self._last = max(self._last, time.time())
            return self._last


def to_epoch(t: float | datetime) -> float:
    """Epoch seconds of `t` (an aware datetime or a number); a naive datetime is refused."""
    if isinstance(t, datetime):
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(
                f"naive datetime {t!r} is ambiguous: pass an aware datetime (tzinfo=UTC) or epoch seconds"
            )
        return t.timestamp()
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise TypeError(f"time must be epoch seconds or an aware datetime, got {type(t).__name__}")
    return float(t)


class ManualClock:
    """A clock that only moves when told to; tests and demos drive time by hand."""

    def __init__(self, start: float | datetime) -> None:
        self._lock = threading.Lock()
        self._now = to_epoch(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move forward by `seconds` (must be >= 0)."""
        if seconds < 0:
            raise ValueError(f"ManualClock cannot go backwards: advance({seconds}) needs seconds >= 0")
        with self._lock:
            self._now += float(seconds)

    def set(self, t: float | datetime) -> None:
        """Jump to `t`, which may not be earlier than the current time."""
        target = to_epoch(t)
        with self._lock:
            if target < self._now:
                raise ValueError(
                    f"ManualClock cannot go backwards: {target} is before the current time {self._now}"
                )
            self._now = target


class OffsetClock:
    """Wall time moved back by a fixed number of seconds (never going backwards itself)."""

    def __init__(self, offset_s: float) -> None:
        self._wall = WallClock()
        self._offset_s = float(offset_s)

    def now(self) -> float:
        return self._wall.now() - self._offset_s


class ClockKind(StrEnum):
    """How a simulated terminal tells time."""

    WALL = "wall"
    MANUAL = "manual"
    OFFSET = "offset"


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """A simulator clock as plain data, so a terminal host process can build the same clock.

    MANUAL starts at `start` (epoch seconds) and moves only when told; OFFSET runs `offset_s` behind
    wall time; WALL is the real time.
    """

    kind: ClockKind = ClockKind.WALL
    start: float = 0.0
    offset_s: float = 0.0

    @classmethod
    def manual(cls, start: float | datetime) -> ClockSpec:
        return cls(ClockKind.MANUAL, start=to_epoch(start))

    @classmethod
    def behind(cls, offset_s: float) -> ClockSpec:
        return cls(ClockKind.OFFSET, offset_s=float(offset_s))

    def build(self) -> Clock:
        """The clock this spec describes."""
        if self.kind is ClockKind.MANUAL:
            return ManualClock(self.start)
        if self.kind is ClockKind.OFFSET:
            return OffsetClock(self.offset_s)
        return WallClock()
