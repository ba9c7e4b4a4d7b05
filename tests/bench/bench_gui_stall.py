"""Benchmark: the GUI thread's longest stall while every terminal call blocks 2 s holding the GIL (as the
MetaTrader5 module's calls do), with the terminal in its host process, against the in-thread design (the
same loops in a thread of the desk process) measured in the same run.

A 10 ms probe timer in the GUI thread records the longest gap between its ticks beyond its period, while
the host's loops and a stream of quote requests keep the terminal busy. Target: under 100 ms with the
host process (the in-thread design stalls for the whole call). Run `python -m tests.bench.bench_gui_stall
[--short]`. Nothing here fails on time: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from app.engine.queries import TerminalQueries
from app.engine.supervisor import HostMode
from tests.bench.bench_gui_thread import StallProbe
from tests.bench.host_bench import run_loop, running_desk

TARGET_MS = 100.0
LATENCY_S = 2.0
PROBE_MS = 10


@dataclass(frozen=True, slots=True)
class StallRun:
    """How long each design is watched while its terminal is slow."""

    window_s: float = 12.0


FULL = StallRun()
SHORT = StallRun(window_s=6.0)


@dataclass(frozen=True, slots=True)
class StallFigures:
    """The longest GUI-thread stall of each design, in milliseconds."""

    thread_ms: float
    process_ms: float
    window_s: float


def measure_mode(folder: Path, mode: HostMode, run: StallRun) -> float:
    with running_desk(folder, mode) as desk:
        controls = desk.simulator
        assert controls is not None
        queries = TerminalQueries(desk.host)
        asking = QTimer()
        asking.timeout.connect(lambda: queries.request_quote("EURUSD"))  # the order ticket's quote feed
        probe = StallProbe(PROBE_MS)
        controls.set_latency(LATENCY_S)
        asking.start(500)
        probe.start()
        run_loop(run.window_s)
        probe.stop()
        asking.stop()
        controls.set_latency(0.0)
        return 1000 * probe.worst_s


def measure(run: StallRun = FULL) -> StallFigures:
    """The in-thread design, then the host process, each watched for `run.window_s`."""
    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept: a collected app ends Qt
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-stall-") as name:
        folder = Path(name)
        thread = measure_mode(folder, HostMode.THREAD, run)
        process = measure_mode(folder, HostMode.PROCESS, run)
    return StallFigures(thread, process, run.window_s)


def report(figures: StallFigures) -> str:
    return "\n".join(
        [
            f"GUI thread's longest stall, every terminal call blocking {LATENCY_S:g} s holding the GIL, "
            f"{figures.window_s:.0f} s per design",
            f"  in-thread (today's design)   {figures.thread_ms:8.0f} ms",
            f"  host process                 {figures.process_ms:8.0f} ms   target < {TARGET_MS:g} ms"
            f"  -> {figures.process_ms / TARGET_MS:.2f} of the target",
            f"  ratio host / in-thread       {figures.process_ms / figures.thread_ms:8.3f}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="6 s per design instead of 12 s")
    args = parser.parse_args(argv)
    print(report(measure(SHORT if args.short else FULL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
