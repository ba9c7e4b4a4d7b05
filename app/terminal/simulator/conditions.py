"""How slow or stuck the simulated terminal is: latency, the reply's latency and a hang.

These are the terminal's conditions, not the caller's, so they can live in shared memory: the desk
process can make the simulator in a terminal host slow, hang it and release it without the host's help
(a hung host cannot read its pipe). Every wait holds the GIL, as the real module's waits do.
"""

from __future__ import annotations

import ctypes
import time
from multiprocessing.sharedctypes import RawArray
from typing import Any

from app.terminal.simulator.gil import sleep_holding_gil

_LATENCY, _REPLY, _HUNG = range(3)
HANG_POLL_S = 0.02  # a hung call checks this often whether it was released (holding the GIL in between)


class Conditions:
    """Latency before every call, extra latency after an order executes, and a hang until released.

    `Conditions.shared()` puts them in shared memory, handed to a child process when it is started.
    """

    def __init__(self, values: Any = None) -> None:
        self._values = values if values is not None else (ctypes.c_double * 3)()

    @classmethod
    def shared(cls) -> Conditions:
        """Conditions in shared memory, for a simulator running in another process."""
        return cls(RawArray(ctypes.c_double, 3))

    @property
    def latency(self) -> float:
        return float(self._values[_LATENCY])

    @property
    def reply_latency(self) -> float:
        return float(self._values[_REPLY])

    @property
    def hung(self) -> bool:
        return bool(self._values[_HUNG])

    def set_latency(self, seconds: float) -> None:
        """Every call blocks this long before it runs (0 for none)."""
        self._values[_LATENCY] = _seconds(seconds, "latency")

    def set_reply_latency(self, seconds: float) -> None:
        """An executed order's answer takes this much longer to come back (0 for none)."""
        self._values[_REPLY] = _seconds(seconds, "reply latency")

    def hang(self) -> None:
        """Every call from now on blocks until `release()`."""
        self._values[_HUNG] = 1.0

    def release(self) -> None:
        """Calls blocked by `hang()` return; new calls no longer block."""
        self._values[_HUNG] = 0.0

    def before_call(self) -> None:
        """Wait as the terminal makes this call wait: its latency, then for as long as it hangs."""
        sleep_holding_gil(self.latency)
        while self.hung:
            sleep_holding_gil(HANG_POLL_S)

    def after_order(self) -> None:
        """The executed order's answer travels back."""
        sleep_holding_gil(self.reply_latency)

    def before_connect(self, limit_s: float) -> bool:
        """initialize() waits at most `limit_s`; False when the terminal did not answer in time."""
        deadline = time.monotonic() + limit_s
        sleep_holding_gil(min(self.latency, limit_s))
        if self.latency > limit_s:
            return False
        while self.hung:
            if time.monotonic() >= deadline:
                return False
            sleep_holding_gil(HANG_POLL_S)
        return True


def _seconds(seconds: float, what: str) -> float:
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"{what} must be >= 0 seconds, got {seconds}")
    return float(seconds)
