"""Benchmark: from a position opened at the terminal to its row in the positions table, with the terminal
in its host process, against the in-thread design measured in the same run (default intervals: the 1 s
loop finds it; the simulator on the wall clock, so prices and P&L move meanwhile).

Each sample opens a position through the simulator's controls at a random moment of the loop's second
and waits, in the GUI thread, until the shown table has its row. Target: p95 at most 1 s. Run
`python -m tests.bench.bench_row_latency [--short]`. Nothing here fails on time: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtWidgets import QApplication

from app.core.settings import Settings
from app.engine.supervisor import HostMode
from app.ui.shell.main_window import MainWindow
from tests.bench.host_bench import run_loop, running_desk, wait_until
from tests.one_account import MAIN

TARGET_P95_S = 1.0


@dataclass(frozen=True, slots=True)
class LatencyRun:
    samples: int = 40


FULL = LatencyRun()
SHORT = LatencyRun(samples=15)


@dataclass(frozen=True, slots=True)
class Latencies:
    """Seconds from open to row, per sample."""

    mode: HostMode
    seconds: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass(frozen=True, slots=True)
class LatencyFigures:
    thread: Latencies
    process: Latencies


def measure_mode(folder: Path, mode: HostMode, run: LatencyRun, rng: random.Random) -> Latencies:
    with running_desk(folder, mode) as desk:
        controls = desk.simulator
        assert controls is not None
        window = MainWindow(desk.hub, desk.state, Settings())
        window.show()
        seconds: list[float] = []
        for index in range(run.samples):
            run_loop(rng.uniform(0.0, 1.0))  # any moment of the 1 s loop
            started = time.perf_counter()
            ticket = controls.open_external("EURUSD", "buy" if index % 2 else "sell", 0.01)
            wait_until(partial(_shown, window, ticket), 10, "the row")
            seconds.append(time.perf_counter() - started)
        window.close()
        window.deleteLater()
        return Latencies(mode, tuple(seconds))


def _shown(window: MainWindow, ticket: int) -> bool:
    return window.positions.model.row_of((MAIN, ticket)) is not None


def measure(run: LatencyRun = FULL) -> LatencyFigures:
    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept: a collected app ends Qt
    rng = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-latency-") as name:
        folder = Path(name)
        thread = measure_mode(folder, HostMode.THREAD, run, rng)
        process = measure_mode(folder, HostMode.PROCESS, run, rng)
    return LatencyFigures(thread, process)


def report(figures: LatencyFigures) -> str:
    lines = [
        f"Position opened at the terminal -> row in the table, {len(figures.process.seconds)} samples each"
    ]
    for found in (figures.thread, figures.process):
        label = "in-thread (today's design)" if found.mode is HostMode.THREAD else "host process"
        worst = max(found.seconds)
        lines.append(f"  {label:28} mean {found.mean:5.2f} s   p95 {found.p95:5.2f} s   max {worst:5.2f} s")
    lines.append(
        f"  host p95 target <= {TARGET_P95_S:g} s -> {figures.process.p95 / TARGET_P95_S:.2f} of the target;"
        f" p95 ratio host / in-thread {figures.process.p95 / figures.thread.p95:.2f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="15 samples per design instead of 40")
    args = parser.parse_args(argv)
    print(report(measure(SHORT if args.short else FULL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
