"""WindowTimer: one repaint timer per window (Electrum's `timer_actions`).

Events only fold into each view's state and mark it dirty; this timer calls every view's repaint hook
a few times a second, so however fast events arrive a view repaints at most once per interval, and the
window wakes for one timer instead of one per view. Texts that age ("heartbeat 4 s ago", "Disconnected
3 min ago") are renewed from the same timer, on a slower cadence where a renewal costs a repaint.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PyQt6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

REPAINT_INTERVAL_MS = 100  # at most 10 repaints a second
TIMER_NAME = "window-repaint"


@dataclass(slots=True)
class _Hook:
    call: Callable[[], None]
    every: float  # seconds between calls; 0: every tick
    due: float  # monotonic time of the next call (hooks with a cadence)


class WindowTimer(QObject):
    """Calls each registered hook every `interval_ms`; a failing hook is logged and the others still run."""

    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = REPAINT_INTERVAL_MS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._hooks: list[_Hook] = []
        self._clock = clock
        self.timer = QTimer(self)
        self.timer.setObjectName(TIMER_NAME)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.run_hooks)

    def add(self, hook: Callable[[], None], *, every_ms: int = 0) -> None:
        """Call `hook` on every tick (from the next one on); with `every_ms`, on the first tick at or after
        each step of `every_ms` from now (missed steps are skipped, not made up). Starts the timer."""
        every = every_ms / 1000
        self._hooks.append(_Hook(hook, every, self._clock() + every))
        if not self.timer.isActive():
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def run_hooks(self) -> None:
        """One tick: every hook that is due, in the order added."""
        now = self._clock()
        for hook in self._hooks:
            if hook.every:
                if now < hook.due:
                    continue
                # On a fixed grid, so a 1 s cadence does not drift by a tick each second.
                hook.due += hook.every
                if hook.due <= now:  # a long stall: the next step from now
                    hook.due = now + hook.every
            try:
                hook.call()
            except Exception:  # one broken view must not freeze the others' repaints
                log.exception("repaint hook %r failed", hook.call)
