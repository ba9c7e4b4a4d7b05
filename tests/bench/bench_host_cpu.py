"""Benchmark: CPU of the desk and its terminal host at 1,000 open positions with 1 Hz P&L (default
intervals 1/3/5/30 s, the simulator on the wall clock so every price moves each second), against the
in-thread design measured in the same run: the same loops in a thread of the desk process, events handed
over as objects, no pipe and no encoding.

The figure is CPU seconds (desk process, plus the host process when there is one, from /proc) over the
window, as a percentage of one core, and the ratio host process / in-thread; target: at most 1.5 (the
IPC costs encoding and decoding every event). Run `python -m tests.bench.bench_host_cpu [--short]`.
Nothing here fails on time: the figures are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QObject, pyqtSlot

from app.core.events import Event
from app.engine.hub import EventHub
from app.engine.supervisor import HostMode
from tests.bench.host_bench import cpu_seconds, prepare_account, run_loop, running_desk, wait_until
from tests.one_account import MAIN

TARGET_RATIO = 1.5
POSITIONS = 1_000


@dataclass(frozen=True, slots=True)
class CpuRun:
    """Seconds to settle after the first full sync, and of the measured window, per mode."""

    positions: int = POSITIONS
    warmup_s: float = 5.0
    measure_s: float = 30.0


FULL = CpuRun()
SHORT = CpuRun(warmup_s=3.0, measure_s=12.0)


@dataclass(frozen=True, slots=True)
class ModeFigures:
    """One mode's window: wall seconds, CPU seconds (desk + host), events the hub published."""

    mode: HostMode
    window_s: float
    cpu_s: float
    events: dict[str, int]

    @property
    def percent(self) -> float:
        return 100 * self.cpu_s / self.window_s


@dataclass(frozen=True, slots=True)
class CpuFigures:
    positions: int
    thread: ModeFigures
    process: ModeFigures

    @property
    def ratio(self) -> float:
        """Host process over in-thread: what the process and its pipe cost."""
        return self.process.percent / self.thread.percent


class EventCounter(QObject):
    """Counts hub events by type in the GUI thread."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()
        hub.stream.connect(self.count)

    @pyqtSlot(object)
    def count(self, event: Event) -> None:
        self.counts[event.type] += 1


def measure_mode(folder: Path, account: Path, mode: HostMode, run: CpuRun) -> ModeFigures:
    with running_desk(folder, mode, account=account) as desk:
        wait_until(
            lambda: len(desk.state.of(MAIN).positions) == run.positions, 120, f"the first sync ({mode})"
        )
        counter = EventCounter(desk.hub)
        run_loop(run.warmup_s)
        counter.counts.clear()
        cpu0, wall0 = cpu_seconds(desk), time.monotonic()
        run_loop(run.measure_s)
        cpu, wall = cpu_seconds(desk) - cpu0, time.monotonic() - wall0
        return ModeFigures(mode, wall, cpu, dict(counter.counts))


def measure(run: CpuRun = FULL) -> CpuFigures:
    """Both designs on copies of one account, the in-thread one first."""
    _app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])  # kept: a collected app ends Qt
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-host-cpu-") as name:
        folder = Path(name)
        account = folder / "account.json"
        prepare_account(account, run.positions)
        thread = measure_mode(folder, account, HostMode.THREAD, run)
        process = measure_mode(folder, account, HostMode.PROCESS, run)
    return CpuFigures(run.positions, thread, process)


def report(figures: CpuFigures) -> str:
    """The printed table."""
    lines = [
        f"Desk + terminal CPU, {figures.positions:,} open positions, default intervals, prices moving every "
        f"second, {figures.process.window_s:.0f} s window per design"
    ]
    for mode in (figures.thread, figures.process):
        label = "in-thread (today's design)" if mode.mode is HostMode.THREAD else "host process + pipe"
        shown = ", ".join(f"{k} {v}" for k, v in sorted(mode.events.items()))
        lines.append(f"  {label:28} {mode.percent:6.2f} % of one core   ({shown})")
    lines.append(
        f"  ratio host / in-thread       {figures.ratio:6.2f}     target <= {TARGET_RATIO:g}"
        f"  -> {figures.ratio / TARGET_RATIO:.2f} of the target"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="a 12 s window per design instead of 30 s")
    args = parser.parse_args(argv)
    print(report(measure(SHORT if args.short else FULL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
