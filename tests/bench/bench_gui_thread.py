"""Benchmark: GUI-thread time per second with 1,000 positions and 1 Hz P&L, on the real MainWindow.

The window is shown (offscreen), with a real EventHub and the DeskState fold a Desk would add. After a
SNAPSHOT of 1,000 positions, a feeder thread publishes every second a PNL_UPDATE moving all 1,000 prices
and an ACCOUNT_UPDATE, as the worker thread would; Qt queues them to the GUI thread. The figure is the
GUI (main) thread's CPU time (`time.thread_time`) over the window minus the same window idle (shown,
positions loaded, no events) over the same time, as a percentage of one core; target under 5 %. A 50 ms
probe timer also reports the longest the GUI thread left it waiting. Run
`python -m tests.bench.bench_gui_thread [--short] [--profile]`. Nothing here fails on time: the figures
are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6 import sip
from PyQt6.QtCore import QMessageLogContext, QObject, QTimer, QtMsgType, pyqtSlot, qInstallMessageHandler
from PyQt6.QtWidgets import QApplication

from app.core.enums import ConnectionState
from app.core.events import AccountUpdate, Event, PnlUpdate
from app.core.models import Account, Position, TerminalStatus
from app.core.settings import Settings
from app.core.state import DeskState
from app.engine.hub import EventHub
from app.ui.shell.main_window import MainWindow
from tests.bench.bench_positions_model import make_positions
from tests.one_account import single_snapshot

TARGET_PERCENT = 5.0
POSITIONS = 1_000
PROBE_MS = 50


@dataclass(frozen=True, slots=True)
class GuiRun:
    """Seconds to settle after the snapshot, then of each measured window (idle, then fed)."""

    settle_s: float = 2.0
    window_s: float = 20.0


FULL = GuiRun()
SHORT = GuiRun(settle_s=1.0, window_s=6.0)


@dataclass(frozen=True, slots=True)
class Window:
    """One measured window: wall and GUI-thread CPU seconds, whole-process CPU, the probe's worst wait."""

    wall_s: float
    gui_cpu_s: float
    process_cpu_s: float
    worst_stall_ms: float

    @property
    def gui_percent(self) -> float:
        return 100 * self.gui_cpu_s / self.wall_s


@dataclass(frozen=True, slots=True)
class GuiFigures:
    """The idle and fed windows and how many P&L updates the window received."""

    positions: int
    idle: Window
    fed: Window
    pnl_updates: int

    @property
    def net_percent(self) -> float:
        return self.fed.gui_percent - self.idle.gui_percent


class StallProbe(QObject):
    """A repeating timer that records the longest gap between its ticks beyond its own period."""

    def __init__(self, period_ms: int = PROBE_MS) -> None:
        super().__init__()
        self._period_ms = period_ms
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._last = time.monotonic()
        self.worst_s = 0.0

    def start(self) -> None:
        self._last = time.monotonic()
        self.worst_s = 0.0
        self._timer.start(self._period_ms)

    def stop(self) -> None:
        self._timer.stop()

    @pyqtSlot()
    def _tick(self) -> None:
        now = time.monotonic()
        self.worst_s = max(self.worst_s, now - self._last - self._period_ms / 1000)
        self._last = now


class StateFolder(QObject):
    """Folds every hub event into the DeskState in the GUI thread, as Desk does."""

    def __init__(self, hub: EventHub, state: DeskState, parent: QObject) -> None:
        super().__init__(parent)
        self._state = state
        hub.stream.connect(self._fold)

    @pyqtSlot(object)
    def _fold(self, event: Event) -> None:
        self._state.apply(event)


class PnlCounter(QObject):
    """Counts the P&L updates the GUI thread received."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.count = 0
        hub.pnl_update.connect(self._count)

    @pyqtSlot(object)
    def _count(self, _event: Event) -> None:
        self.count += 1


def demo_account(equity: float, floating: float) -> Account:
    """A demo account whose equity carries `floating`."""
    return Account(
        login=5_012_345,
        name="Demo trader",
        server="MT5Desk-Demo",
        company="MT5 Desk simulated broker",
        currency="USD",
        leverage=100,
        balance=round(equity - floating, 2),
        equity=round(equity, 2),
        margin=12_345.6,
        margin_free=round(equity - 12_345.6, 2),
        margin_level=round(100 * equity / 12_345.6, 2),
        profit=round(floating, 2),
    )


class Feeder:
    """Publishes a PNL_UPDATE moving every position and an ACCOUNT_UPDATE each second, off the GUI thread."""

    def __init__(self, hub: EventHub, positions: list[Position], balance: float) -> None:
        self._hub = hub
        self._prices = {p.ticket: p.price_current for p in positions}
        self._profits = {p.ticket: p.profit for p in positions}
        self._balance = balance
        self._rng = random.Random(3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-feeder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            pnl = {}
            for ticket, price in self._prices.items():
                step = self._rng.uniform(-0.0005, 0.0005)
                self._prices[ticket] = price * (1 + step)
                self._profits[ticket] = round(self._profits[ticket] + step * 10_000, 2)
                pnl[ticket] = (self._prices[ticket], self._profits[ticket])
            floating = round(sum(self._profits.values()), 2)
            equity = round(self._balance + floating, 2)
            self._hub.publish(PnlUpdate(pnl=pnl, floating_total=floating, equity=equity))
            self._hub.publish(AccountUpdate(account=demo_account(equity, floating)))


def _measure_window(app: QApplication, probe: StallProbe, seconds: float) -> Window:
    probe.start()
    wall0, gui0, cpu0 = time.monotonic(), time.thread_time(), time.process_time()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    wall, gui = time.monotonic() - wall0, time.thread_time() - gui0
    return Window(wall, gui, time.process_time() - cpu0, probe.worst_s * 1000)


def _run_for(app: QApplication, seconds: float) -> None:
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()


def _quiet_offscreen(_mode: QtMsgType, _context: QMessageLogContext, message: str | None) -> None:
    # The offscreen plugin warns on every top-level size-hint change; that is noise here.
    if message and "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def measure(run: GuiRun = FULL, *, profile_report: list[str] | None = None) -> GuiFigures:
    """Show the window with 1,000 positions, measure it idle, then fed at 1 Hz, for the same time each."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    qInstallMessageHandler(_quiet_offscreen)
    hub = EventHub()
    state = DeskState()
    window = MainWindow(hub, state, Settings())
    StateFolder(hub, state, parent=window)
    counter = PnlCounter(hub)
    probe = StallProbe()
    positions = [replace(p, identifier=p.ticket) for p in make_positions(POSITIONS)]
    floating = round(sum(p.profit for p in positions), 2)
    balance = 100_000.0
    status = TerminalStatus(
        state=ConnectionState.CONNECTED,
        mt5_connected=True,
        account_number=5_012_345,
        account_balance=balance,
        positions_count=len(positions),
        ping_ms=12.0,
        trade_allowed=True,
        last_heartbeat=datetime.now(UTC),
        server="MT5Desk-Demo",
        build=4755,
        simulated=True,
    )
    feeder = Feeder(hub, positions, balance)
    try:
        window.resize(1_400, 900)
        window.show()
        hub.publish(
            single_snapshot(
                account=demo_account(balance + floating, floating),
                positions=tuple(positions),
                status=status,
                models=(),
            )
        )
        _run_for(app, run.settle_s)
        idle = _measure_window(app, probe, run.window_s)
        feeder.start()
        _run_for(app, 1.5)  # the first update lands before the fed window starts
        fed = _measure_window(app, probe, run.window_s)
        if profile_report is not None:
            profile_report.extend(_profile(app, probe, run.window_s))
    finally:
        feeder.stop()
        window.tray.tray_icon.hide()
        window.close()
        sip.delete(window)
    return GuiFigures(POSITIONS, idle, fed, counter.count)


def _profile(app: QApplication, probe: StallProbe, seconds: float) -> list[str]:
    """cProfile of the GUI thread over one more fed window: app and pyqtgraph functions, cumulative."""
    profile = cProfile.Profile()
    profile.enable()
    _measure_window(app, probe, seconds)
    profile.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profile, stream=buffer).sort_stats("cumulative")
    stats.print_stats(r"/app/|pyqtgraph|dataclasses", 18)
    lines = [f"cProfile of the GUI thread over {seconds:.0f} s fed (profiling inflates the times):"]
    return lines + ["  " + line for line in buffer.getvalue().splitlines() if "/" in line or "ncalls" in line]


def report(figures: GuiFigures) -> str:
    """The printed table."""
    idle, fed = figures.idle, figures.fed
    return "\n".join(
        [
            f"GUI thread, MainWindow shown with {figures.positions:,} positions, {fed.wall_s:.0f} s windows "
            f"({figures.pnl_updates} PNL_UPDATEs of {figures.positions:,} prices received)",
            f"  idle window (no events)             {idle.gui_percent:6.2f} % of one core "
            f"(process {100 * idle.process_cpu_s / idle.wall_s:.2f} %, "
            f"worst stall {idle.worst_stall_ms:.0f} ms)",
            f"  1 Hz P&L + account updates          {fed.gui_percent:6.2f} % "
            f"(process incl. feeder {100 * fed.process_cpu_s / fed.wall_s:.2f} %, "
            f"worst stall {fed.worst_stall_ms:.0f} ms)",
            f"  net (fed - idle)                    {figures.net_percent:6.2f} %   "
            f"target < {TARGET_PERCENT:g} %  -> {figures.net_percent / TARGET_PERCENT:.2f} of the target",
            f"  ratio fed / idle                    {fed.gui_cpu_s / max(idle.gui_cpu_s, 1e-9):6.1f}x",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="6 s windows instead of 20 s")
    parser.add_argument("--profile", action="store_true", help="then profile the GUI thread while fed")
    args = parser.parse_args(argv)
    profile: list[str] | None = [] if args.profile else None
    print(report(measure(SHORT if args.short else FULL, profile_report=profile)))
    if profile:
        print("\n".join(profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
