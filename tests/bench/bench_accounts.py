"""Benchmark: five accounts of 200 positions against one account of 1,000, on a real desk with its main
window shown (offscreen), every account in its own terminal host process on the simulator's wall clock
(every price moves each second), default intervals.

Two figures per layout over the same window: the GUI thread's CPU (`time.thread_time` of the main thread:
the hub's signals, the state fold, the tables and panels) and the total CPU of the desk process plus every
host process (from /proc), each as a percentage of one core; then the ratios five accounts / one account
measured in the same run. The same number of positions in five hosts costs five pollers, five pipes and
five sets of account, status and heartbeat events: the ratio says what splitting them costs. Run
`python -m tests.bench.bench_accounts [--short]`. Nothing here fails on time: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtWidgets import QApplication

from app.core.enums import Backend, ConnectionState
from app.core.settings import Settings
from app.core.target import TerminalTarget
from app.engine.desk import AccountConfig, Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.startup.heap import settle_startup_heap
from app.terminal.simulator import ClockSpec
from app.ui.shell.main_window import MainWindow
from tests.bench.bench_headless_idle import process_cpu_seconds
from tests.bench.host_bench import prepare_account, run_loop, wait_until

TOTAL_POSITIONS = 1_000


@dataclass(frozen=True, slots=True)
class AccountsRun:
    """Seconds to settle after every account's first full sync, and of the measured window."""

    warmup_s: float = 5.0
    measure_s: float = 30.0


FULL = AccountsRun()
SHORT = AccountsRun(warmup_s=3.0, measure_s=10.0)


@dataclass(frozen=True, slots=True)
class LayoutFigures:
    """One layout's window: accounts, positions each, wall seconds, GUI-thread and total CPU seconds."""

    accounts: int
    positions_each: int
    window_s: float
    gui_s: float
    total_s: float

    @property
    def gui_percent(self) -> float:
        return 100 * self.gui_s / self.window_s

    @property
    def total_percent(self) -> float:
        return 100 * self.total_s / self.window_s


@dataclass(frozen=True, slots=True)
class AccountsFigures:
    one: LayoutFigures
    five: LayoutFigures

    @property
    def gui_ratio(self) -> float:
        return self.five.gui_percent / self.one.gui_percent

    @property
    def total_ratio(self) -> float:
        return self.five.total_percent / self.one.total_percent


def _desk(folder: Path, accounts: int, positions_each: int) -> Desk:
    configs = []
    for index in range(accounts):
        account_id = f"acc{index + 1}"
        state_file = folder / f"{account_id}.json"
        prepare_account(state_file, positions_each)
        target = TerminalTarget(Backend.SIM, sim_state_file=str(state_file))
        configs.append(AccountConfig(account_id, target, name=f"Demo {index + 1}"))
    return Desk(
        DeskConfig(
            database_file=folder / "journal.sqlite3",
            accounts=tuple(configs),
            intervals=Intervals(),
            sim_clock=ClockSpec(),
        )
    )


def _total_cpu(desk: Desk) -> float:
    total = time.process_time()
    for account_id in desk.account_ids:
        pid = desk.host_of(account_id).pid
        if pid is not None and pid != os.getpid():
            total += process_cpu_seconds(pid)
    return total


def _synced(desk: Desk, account_id: str, positions: int) -> bool:
    state = desk.state.of(account_id)
    return state.status.state is ConnectionState.CONNECTED and len(state.positions) == positions


def measure_layout(folder: Path, accounts: int, run: AccountsRun) -> LayoutFigures:
    """A desk of `accounts` accounts sharing TOTAL_POSITIONS positions, its window shown, measured."""
    positions_each = TOTAL_POSITIONS // accounts
    home = folder / f"{accounts}x{positions_each}"
    home.mkdir(parents=True)
    desk = _desk(home, accounts, positions_each)
    window = MainWindow(
        desk.hub,
        desk.state,
        Settings(),
        terminal_queries=TerminalQueries(desk.host),
        journal_queries=JournalQueries(desk.journal),
        window_state_file=home / "window.ini",
    )
    desk.start()
    try:
        window.resize(1_400, 900)
        window.show()
        for account_id in desk.account_ids:
            wait_until(partial(_synced, desk, account_id, positions_each), 120, f"{account_id}'s first sync")
        settle_startup_heap()
        run_loop(run.warmup_s)
        wall0, gui0, cpu0 = time.monotonic(), time.thread_time(), _total_cpu(desk)
        run_loop(run.measure_s)
        wall, gui, cpu = time.monotonic() - wall0, time.thread_time() - gui0, _total_cpu(desk) - cpu0
        return LayoutFigures(accounts, positions_each, wall, gui, cpu)
    finally:
        window.tray.tray_icon.hide()
        window.close()
        if not desk.stop(30):
            print(f"warning: the {accounts}-account desk did not stop within 30 s", file=sys.stderr)


def measure(run: AccountsRun = FULL) -> AccountsFigures:
    """One account of 1,000 positions, then five of 200, one after the other on this machine."""
    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept: a collected app ends Qt
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-accounts-") as name:
        folder = Path(name)
        one = measure_layout(folder, 1, run)
        five = measure_layout(folder, 5, run)
    return AccountsFigures(one, five)


def report(figures: AccountsFigures) -> str:
    """The printed table."""
    lines = [
        f"{TOTAL_POSITIONS:,} open positions, default intervals, prices moving every second, the main window "
        f"shown, {figures.one.window_s:.0f} s window per layout",
    ]
    for layout in (figures.one, figures.five):
        lines.append(
            f"  {layout.accounts} x {layout.positions_each:>5}: GUI thread {layout.gui_percent:5.1f} % of a "
            f"core, desk + hosts {layout.total_percent:5.1f} %"
        )
    lines.append(
        f"  5 x 200 / 1 x 1,000: GUI thread {figures.gui_ratio:.2f}, desk + hosts {figures.total_ratio:.2f}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="a 10 s window instead of 30 s")
    args = parser.parse_args()
    print(report(measure(SHORT if args.short else FULL)))


if __name__ == "__main__":
    main()
