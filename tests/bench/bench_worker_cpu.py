"""Benchmark: the terminal worker's CPU with 1,000 open positions at the default intervals (1/3/5/30 s).

A real TerminalWorker, EventHub and journal (SQLite in a temporary folder) on the simulator with its wall
clock, so prices move every second. The GUI side is a bare QCoreApplication that only counts events.
The figure is the process CPU time (`time.process_time`) over the window while the worker runs, minus the
same process idle with the worker not started, as a percentage of one core; target under 2 %.

The simulator computes every price, profit and margin inside the worker thread, work a real MetaTrader 5
does in its own process, so the worker thread's time is also split into "inside the simulator" (timed
around each API call) and "desk side" (adapter, diff, events, journal). Run
`python -m tests.bench.bench_worker_cpu [--short] [--profile]`; `--profile` adds a cProfile of the worker
thread over a second window, grouped by layer. Nothing here fails on time: the figures are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import threading
import time
import timeit
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QCoreApplication, QObject, QTimer, pyqtSlot

from app.core.changes import diff_positions
from app.core.enums import Backend, ConnectionState
from app.core.events import Event
from app.engine.hub import EventHub
from app.engine.worker import Intervals, TerminalWorker
from app.storage.database import open_database
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.backend import BackendSelection
from app.terminal.convert import to_position
from app.terminal.simulator import SYMBOLS, SimulatedTerminal, WallClock
from tests.bench.bench_headless_idle import process_cpu_seconds

TARGET_PERCENT = 2.0
POSITIONS = 1_000
# Margin for 1,000 positions across gold and bitcoin exceeds the default 10,000 USD demo balance.
BALANCE = 10_000_000.0


@dataclass(frozen=True, slots=True)
class WorkerRun:
    """Window lengths in seconds; the positions are opened before anything is timed."""

    positions: int = POSITIONS
    baseline_s: float = 10.0
    warmup_s: float = 4.0
    measure_s: float = 30.0


FULL = WorkerRun()
SHORT = WorkerRun(baseline_s=4.0, warmup_s=2.0, measure_s=10.0)


@dataclass(frozen=True, slots=True)
class WorkerFigures:
    """CPU seconds over each window and what the worker published while measured."""

    positions: int
    open_s: float
    startup_cpu_s: float
    baseline_s: float
    baseline_cpu_s: float
    window_s: float
    process_cpu_s: float
    thread_cpu_s: float | None
    simulator_cpu_s: float
    events: dict[str, int]
    per_poll_ms: dict[str, float]

    @property
    def baseline_percent(self) -> float:
        return 100 * self.baseline_cpu_s / self.baseline_s

    @property
    def process_percent(self) -> float:
        return 100 * self.process_cpu_s / self.window_s

    @property
    def net_percent(self) -> float:
        """The reported figure: process CPU while the worker runs minus the idle process, of one core."""
        return self.process_percent - self.baseline_percent

    @property
    def simulator_percent(self) -> float:
        return 100 * self.simulator_cpu_s / self.window_s


class TimedApi:
    """Wraps the simulated terminal and adds up the CPU time its calls take in the calling thread."""

    def __init__(self, api: SimulatedTerminal) -> None:
        self._api = api
        self.cpu_s = 0.0
        self.thread_id: int | None = None

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._api, name)
        if not callable(attribute):
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.thread_id = threading.get_native_id()
            started = time.thread_time()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.cpu_s += time.thread_time() - started

        return timed


class EventCounter(QObject):
    """Counts hub events by type in the GUI thread (the only GUI-side work in this benchmark)."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        hub.event.connect(self.count)

    @pyqtSlot(object)
    def count(self, event: Event) -> None:
        self.counts[event.type] += 1


class LoopProfiler:
    """cProfile around each run of the worker's loops, in the worker thread.

    Enabling a profiler once in a QThread is not enough: PyQt gives every call from Qt into Python a fresh
    Python thread state, which drops the profile hook, so the hook is set around each loop run instead.
    """

    def __init__(self, worker: TerminalWorker) -> None:
        self.profile = cProfile.Profile()
        self._worker = worker
        self._original = worker._run_loop
        self._busy = threading.Lock()

    def _profiled(self, name: str) -> None:
        with self._busy:
            self.profile.enable()
            try:
                self._original(name)
            finally:
                self.profile.disable()

    def start(self) -> None:
        # The loop timers look `_run_loop` up on each run, so an instance attribute takes over at once.
        self._worker._run_loop = self._profiled  # type: ignore[method-assign]

    def stop(self) -> None:
        del self._worker._run_loop
        with self._busy:  # a loop run still in flight finishes before the stats are read
            pass


def open_positions(sim: SimulatedTerminal, count: int) -> None:
    """`count` external 0.01-lot positions spread over every symbol, alternating buy and sell."""
    names = list(SYMBOLS)
    for index in range(count):
        sim.open_external(names[index % len(names)], "sell" if index % 2 else "buy", 0.01)


def per_poll_costs(sim: SimulatedTerminal) -> dict[str, float]:
    """CPU milliseconds of each step of one P&L poll, best of 5, measured on their own in this thread."""
    sim.initialize()
    records = sim.positions_get()
    first = {p.ticket: p for p in map(to_position, records)}
    second = {p.ticket: p for p in map(to_position, sim.positions_get())}
    steps = {
        "simulator positions_get": lambda: sim.positions_get(),
        "adapter: convert the records": lambda: [to_position(r) for r in records],
        "core: diff_positions": lambda: diff_positions(first, second),
    }
    return {
        name: 1000 * min(timeit.repeat(step, number=1, repeat=5, timer=time.process_time))
        for name, step in steps.items()
    }


def run_loop(app: QCoreApplication, seconds: float) -> None:
    """Run the GUI thread's event loop for `seconds`."""
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()


def wait_until(app: QCoreApplication, done: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout_s:.0f} s")
        run_loop(app, 0.05)


def _cpu_window(app: QCoreApplication, seconds: float, api: TimedApi) -> tuple[float, float, float, float]:
    """(wall, process CPU, worker-thread CPU or NaN, simulator CPU) over one run of the event loop."""
    thread = api.thread_id
    thread0 = process_cpu_seconds(os.getpid(), thread) if thread else float("nan")
    sim0, wall0, cpu0 = api.cpu_s, time.monotonic(), time.process_time()
    run_loop(app, seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    thread_cpu = process_cpu_seconds(os.getpid(), thread) - thread0 if thread else float("nan")
    return wall, cpu, thread_cpu, api.cpu_s - sim0


def measure(run: WorkerRun = FULL, *, profile_report: list[str] | None = None) -> WorkerFigures:
    """Open the positions, time the idle process, then the process with the worker running."""
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-worker-") as folder:
        sim = SimulatedTerminal(clock=WallClock(), balance=BALANCE)
        started = time.monotonic()
        open_positions(sim, run.positions)
        open_s = time.monotonic() - started
        per_poll = per_poll_costs(sim)
        api = TimedApi(sim)
        database = open_database(Path(folder) / "journal.sqlite3")
        hub = EventHub()
        counter = EventCounter(hub)

        def opener() -> BackendSelection:
            terminal = Terminal(api, Backend.SIM)
            terminal.connect()
            return BackendSelection(terminal=terminal, kind=Backend.SIM, simulated=True, reason="")

        worker = TerminalWorker(
            opener=opener,
            reconnect=lambda terminal: terminal.connect(),
            hub=hub,
            journal=Journal(database),
            intervals=Intervals(),
        )
        try:
            base_wall0, base_cpu0 = time.monotonic(), time.process_time()
            run_loop(app, run.baseline_s)
            baseline_s, baseline_cpu = time.monotonic() - base_wall0, time.process_time() - base_cpu0

            startup0 = time.process_time()
            worker.start()
            wait_until(app, lambda: worker.state is ConnectionState.CONNECTED, 60, "connecting")
            run_loop(app, run.warmup_s)
            startup_cpu = time.process_time() - startup0
            counter.counts.clear()
            wall, cpu, thread_cpu, sim_cpu = _cpu_window(app, run.measure_s, api)
            events = dict(counter.counts)
            if profile_report is not None:
                profile_report.extend(_profile(app, worker, run.measure_s))
        finally:
            if not worker.stop(15):
                print("warning: the worker did not stop within 15 s", file=sys.stderr)
            database.close()
    return WorkerFigures(
        positions=run.positions,
        open_s=open_s,
        startup_cpu_s=startup_cpu,
        baseline_s=baseline_s,
        baseline_cpu_s=baseline_cpu,
        window_s=wall,
        process_cpu_s=cpu,
        thread_cpu_s=None if thread_cpu != thread_cpu else thread_cpu,  # NaN: no /proc here
        simulator_cpu_s=sim_cpu,
        events=events,
        per_poll_ms=per_poll,
    )


# Where a function's own time belongs, by the path of its source file (first match wins).
_LAYERS = (
    ("/app/terminal/simulator/", "simulator (terminal side)"),
    ("/app/terminal/", "adapter: record conversion"),
    ("/app/core/", "core: diff, events, models"),
    ("/app/storage/", "journal (SQLAlchemy/SQLite)"),
    ("sqlalchemy", "journal (SQLAlchemy/SQLite)"),
    ("sqlite3", "journal (SQLAlchemy/SQLite)"),
    ("/app/engine/", "engine loops and sink"),
)
_ENTRY_POINTS = (
    "_poll_positions",
    "positions",
    "update",
    "positions_changed",
    "_poll_account",
    "equity_sample",
    "_heartbeat",
    "sync_deals",
    "publish",
)


def _profile(app: QCoreApplication, worker: TerminalWorker, seconds: float) -> list[str]:
    profiler = LoopProfiler(worker)
    profiler.start()
    run_loop(app, seconds)
    profiler.stop()
    stats = pstats.Stats(profiler.profile, stream=io.StringIO())
    own: dict[str, float] = defaultdict(float)
    cumulative: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename + name
        layer = next((label for key, label in _LAYERS if key in where), "other (Qt, stdlib, builtins)")
        own[layer] += tottime
        if "/app/" in filename and name in _ENTRY_POINTS:
            key = f"{Path(filename).stem}.{name}"
            cumulative[key] = cumulative.get(key, 0.0) + cumtime
    total = sum(own.values()) or 1.0
    lines = [f"cProfile of the worker thread over {seconds:.0f} s (profiling inflates the times):"]
    lines += [f"  {layer:38} {t:6.2f} s  {100 * t / total:5.1f} %" for layer, t in _by_time(own)]
    lines.append("  cumulative time of the main steps:")
    lines += [f"    {name:36} {t:6.2f} s" for name, t in _by_time(cumulative)]
    buffer = io.StringIO()
    pstats.Stats(profiler.profile, stream=buffer).sort_stats("tottime").print_stats(12)
    lines.append("  top functions by own time:")
    lines += ["    " + line for line in buffer.getvalue().splitlines() if line.strip()][-13:]
    return lines


def _by_time(times: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(times.items(), key=lambda item: item[1], reverse=True)


def report(figures: WorkerFigures) -> str:
    """The printed table."""
    lines = [
        f"Worker CPU, {figures.positions:,} open positions, default intervals 1/3/5/30 s, simulator on the "
        f"wall clock, {figures.window_s:.0f} s window",
        f"  (opening the positions took {figures.open_s:.1f} s; connect + first sync + warm-up "
        f"{figures.startup_cpu_s:.2f} s CPU)",
        f"  idle baseline, worker not started    {figures.baseline_percent:6.2f} % of one core",
        f"  process while the worker runs        {figures.process_percent:6.2f} %",
        f"  net (process - baseline)             {figures.net_percent:6.2f} %   target < {TARGET_PERCENT:g} %"
        f"  -> {figures.net_percent / TARGET_PERCENT:.2f} of the target",
    ]
    if figures.thread_cpu_s is not None:
        thread_percent = 100 * figures.thread_cpu_s / figures.window_s
        lines += [
            f"  worker thread alone (/proc)          {thread_percent:6.2f} %",
            f"    inside the simulator               {figures.simulator_percent:6.2f} %"
            "   (a real terminal does this in its own process)",
            f"    desk side: adapter, diff, journal  {thread_percent - figures.simulator_percent:6.2f} %",
        ]
    else:
        lines.append(f"  inside the simulator                 {figures.simulator_percent:6.2f} %")
    lines.append(f"  one poll of {figures.positions:,} positions, each step alone (CPU, best of 5):")
    lines += [f"    {name:34} {ms:6.1f} ms" for name, ms in figures.per_poll_ms.items()]
    shown = ", ".join(f"{name} {count}" for name, count in sorted(figures.events.items())) or "none"
    lines.append(f"  events published in the window: {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="10 s window instead of 30 s")
    parser.add_argument("--profile", action="store_true", help="then profile the worker thread")
    args = parser.parse_args(argv)
    profile: list[str] | None = [] if args.profile else None
    figures = measure(SHORT if args.short else FULL, profile_report=profile)
    print(report(figures))
    if profile:
        print("\n".join(profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
