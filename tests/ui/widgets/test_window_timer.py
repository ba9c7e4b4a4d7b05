"""WindowTimer: the window's one repaint timer calls every hook per tick, slower hooks on their cadence."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication

from app.ui.widgets.window_timer import WindowTimer


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_every_hook_runs_each_tick_in_order_and_a_failing_one_stops_no_other(
    qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    timer = WindowTimer()
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("a view failed")

    for hook in (lambda: calls.append("first"), broken, lambda: calls.append("last")):
        timer.add(hook)
    timer.run_hooks()
    timer.run_hooks()

    assert calls == ["first", "broken", "last"] * 2
    assert "repaint hook" in caplog.text and "a view failed" in caplog.text
    assert timer.timer.isActive()
    timer.stop()


def test_a_one_second_hook_runs_on_the_first_tick_of_each_second_without_drifting(qapp: QApplication) -> None:
    clock = Clock()
    timer = WindowTimer(clock=clock)
    ran: list[float] = []
    timer.add(lambda: ran.append(round(clock.now - 100.0, 2)), every_ms=1000)
    for _tick in range(35):  # 3.5 s of 100 ms ticks, each a little late
        clock.now += 0.1 + 0.001
        timer.run_hooks()
    timer.stop()

    assert ran == [1.01, 2.02, 3.03]  # a tick late at most, and not a tick later each second


def test_a_long_stall_skips_the_missed_seconds_instead_of_catching_up(qapp: QApplication) -> None:
    clock = Clock()
    timer = WindowTimer(clock=clock)
    ran: list[float] = []
    timer.add(lambda: ran.append(round(clock.now - 100.0, 2)), every_ms=1000)
    clock.now += 5.05  # the GUI thread was busy for five seconds
    timer.run_hooks()
    timer.run_hooks()
    clock.now += 0.5
    timer.run_hooks()
    clock.now += 0.5
    timer.run_hooks()
    timer.stop()

    assert ran == [5.05, 6.05]
