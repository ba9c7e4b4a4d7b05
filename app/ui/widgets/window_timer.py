"""WindowTimer: one repaint timer per window (Electrum's `timer_actions`).

Events only fold into each view's state and mark it dirty; this timer calls every view's repaint hook
a few times a second, so however fast events arrive a view repaints at most once per interval, and the
window wakes for one timer instead of one per view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PyQt6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

REPAINT_INTERVAL_MS = 100  # at most 10 repaints a second


class WindowTimer(QObject):
    """Calls each registered hook every `interval_ms`; a failing hook is logged and the others still run."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = REPAINT_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._hooks: list[Callable[[], None]] = []
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.run_hooks)

    def add(self, hook: Callable[[], None]) -> None:
        """Call `hook` on every tick (from the next one on); starts the timer with the first hook."""
        self._hooks.append(hook)
        if not self.timer.isActive():
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def run_hooks(self) -> None:
        """One tick: every hook, in the order added."""
        for hook in self._hooks:
            try:
                hook()
            except Exception:  # one broken view must not freeze the others' repaints
                log.exception("repaint hook %r failed", hook)
