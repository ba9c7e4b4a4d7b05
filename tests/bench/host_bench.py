"""What the terminal-host benchmarks share: a desk on a throwaway folder in either host mode, an event loop
to run for a while, and CPU seconds of the desk process and its host process."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QEventLoop, QTimer

from app.core.enums import Backend, ConnectionState
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.supervisor import HostMode
from app.startup.heap import settle_startup_heap
from app.terminal.simulator import SYMBOLS, ClockSpec, SimulatedTerminal
from tests.bench.bench_headless_idle import process_cpu_seconds
from tests.one_account import MAIN

# Margin for 1,000 positions across gold and bitcoin exceeds the default 10,000 USD demo balance.
BALANCE = 10_000_000.0


def prepare_account(state_file: Path, positions: int) -> None:
    """A simulated account (wall clock) holding `positions` 0.01-lot positions over every symbol."""
    sim = SimulatedTerminal(state_path=state_file, balance=BALANCE)
    names = list(SYMBOLS)
    for index in range(positions):
        sim.open_external(names[index % len(names)], "sell" if index % 2 else "buy", 0.01)


def run_loop(seconds: float) -> None:
    """Run the GUI thread's event loop for `seconds`."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_until(done: Callable[[], bool], timeout_s: float, what: str) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen within {timeout_s:.0f} s")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)


@contextmanager
def running_desk(
    folder: Path, mode: HostMode, *, account: Path | None = None, intervals: Intervals | None = None
) -> Iterator[Desk]:
    """A started, connected desk on a copy of `account` (or a fresh demo account); stopped afterwards."""
    home = folder / mode.value
    home.mkdir(parents=True)
    if account is not None:
        shutil.copyfile(account, home / "sim.json")
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(home / "sim.json")),
            database_file=home / "journal.sqlite3",
            intervals=intervals or Intervals(),
            sim_clock=ClockSpec(),
            host_mode=mode,
        )
    )
    desk.start()
    try:
        wait_until(
            lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, 120, f"connecting ({mode})"
        )
        settle_startup_heap()  # as the desktop app and headless mode do once started
        yield desk
    finally:
        controls = desk.simulator
        if controls is not None:
            controls.set_latency(0.0)
        if not desk.stop(30):
            print(f"warning: the {mode} desk did not stop within 30 s", file=sys.stderr)


def cpu_seconds(desk: Desk) -> float:
    """CPU of this (desk) process plus its terminal host process, if the host is one."""
    total = time.process_time()
    if desk.host.pid is not None and desk.host.pid != os.getpid():
        total += process_cpu_seconds(desk.host.pid)
    return total
