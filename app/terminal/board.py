"""CallBoard: what the process holding the terminal is doing, readable from another process at any time.

The MetaTrader5 module keeps the GIL while a call waits, so a terminal host stuck in a call cannot say
so itself. Before every API call it writes the call's name and start time here; between calls it
stamps that it is alive. The board is shared memory the desk reads on its own clock, without the host's
cooperation. Times are `time.monotonic()`, one clock for every process on Linux, macOS and Windows.

A sequence number makes each reading consistent (a seqlock): the writer makes it odd while it writes
and even when done, and a reader retries when it changed under it.
"""

from __future__ import annotations

import ctypes
import os
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import RawArray
from typing import Any

NAME_BYTES = 48
_SEQ, _STARTED, _ALIVE, _PID = range(4)
_READ_ATTEMPTS = 100


@dataclass(frozen=True, slots=True)
class BoardReading:
    """One consistent look at the board; `call` is "" between calls."""

    call: str
    call_started: float
    alive_at: float
    pid: int

    def busy_for(self, now: float) -> float:
        """Seconds the current call has been running (0 between calls)."""
        return max(0.0, now - self.call_started) if self.call else 0.0

    def silent_for(self, now: float) -> float:
        """Seconds since the host last showed a sign of life (a loop turn or the start of a call)."""
        return max(0.0, now - max(self.alive_at, self.call_started))


_watching: list[CallBoard] = []


def watch_calls(board: CallBoard | None) -> None:
    """Every Terminal of this process writes its calls on `board` (None: stop). A terminal host does this
    once at start: the MetaTrader5 module attaches one terminal per process, whichever backend opens it."""
    _watching[:] = [board] if board is not None else []


def watching() -> CallBoard | None:
    """The board this process's terminal calls are written on, if any."""
    return _watching[0] if _watching else None


class CallBoard:
    """Written by the terminal's one thread, read by anyone; `CallBoard.shared()` crosses to a child."""

    def __init__(self, numbers: Any = None, name: Any = None) -> None:
        self._numbers = numbers if numbers is not None else (ctypes.c_double * 4)()
        self._name = name if name is not None else (ctypes.c_char * NAME_BYTES)()

    @classmethod
    def shared(cls) -> CallBoard:
        """A board in shared memory, handed to a child process when it is started."""
        return cls(RawArray(ctypes.c_double, 4), RawArray(ctypes.c_char, NAME_BYTES))

    def reset(self) -> None:
        """A fresh host: no call running, alive now, its process id."""
        self._write(b"", 0.0, time.monotonic(), os.getpid())

    def begin(self, call: str) -> None:
        """A call to the terminal starts now."""
        self._write(call.encode("ascii", "replace")[: NAME_BYTES - 1], time.monotonic(), None, None)

    def end(self) -> None:
        """The call returned; the host is free again."""
        self._write(b"", 0.0, time.monotonic(), None)

    def alive(self) -> None:
        """The host's loop turned: it is not stuck."""
        numbers = self._numbers
        numbers[_SEQ] += 1
        numbers[_ALIVE] = time.monotonic()
        numbers[_SEQ] += 1

    def read(self) -> BoardReading:
        """A consistent reading; after many torn attempts (a writer in a tight loop) the last one."""
        numbers = self._numbers
        for _ in range(_READ_ATTEMPTS):
            before = numbers[_SEQ]
            if int(before) % 2 == 0:
                reading = self._read_once()
                if numbers[_SEQ] == before:
                    return reading
        return self._read_once()

    def _read_once(self) -> BoardReading:
        numbers = self._numbers
        return BoardReading(
            call=self._name.value.decode("ascii", "replace"),
            call_started=numbers[_STARTED],
            alive_at=numbers[_ALIVE],
            pid=int(numbers[_PID]),
        )

    def _write(self, call: bytes, started: float, alive: float | None, pid: int | None) -> None:
        numbers = self._numbers
        numbers[_SEQ] += 1
        self._name.value = call
        numbers[_STARTED] = started
        if alive is not None:
            numbers[_ALIVE] = alive
        if pid is not None:
            numbers[_PID] = pid
        numbers[_SEQ] += 1
