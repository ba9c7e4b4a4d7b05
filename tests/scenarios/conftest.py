"""The whole desktop app as a trader starts it (DeskApp: engine, window, wiring) on the simulator.

The simulator's clock stands still on a Wednesday morning unless a scenario moves it, so quotes are
known: EURUSD 1.08717 / 1.08729 (bid / ask). Folders live in the test's tmp_path.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core.enums import Backend, ConnectionState, OrderAction
from app.core.models import Deal, Position
from app.core.settings import IntervalSettings, Settings, UiSettings
from app.engine.desk import Desk
from app.engine.sim_controls import SimulatorClock, SimulatorControls
from app.startup.gui import DeskApp
from app.startup.logfile import start_log_file, stop_log_file
from app.storage.journal import Journal
from app.storage.paths import AppPaths
from app.storage.records import TradeRecord
from app.storage.tables import TradeRow
from app.terminal.simulator import ClockSpec
from app.ui.shell.main_window import MainWindow
from tests.one_account import MAIN
from tests.scenarios.driver import row_as_dict, row_point

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
FAST = IntervalSettings(pnl_s=0.2, positions_s=0.5, account_s=0.5, heartbeat_s=1.0)


@dataclass
class Desktop:
    """What a scenario works with: the running app, its window, and the simulator's controls."""

    app: DeskApp
    qtbot: QtBot
    paths: AppPaths
    log_file: Path

    @property
    def window(self) -> MainWindow:
        return self.app.window

    @property
    def desk(self) -> Desk:
        return self.app.desk

    @property
    def sim(self) -> SimulatorControls:
        """The simulator's test controls, applied in the desk's terminal host process."""
        controls = self.desk.simulator
        assert controls is not None
        return controls

    @property
    def clock(self) -> SimulatorClock:
        """The simulated market's clock, standing still unless a scenario moves it."""
        return self.sim.clock

    @property
    def journal(self) -> Journal:
        return self.desk.journal

    def open_in_terminal(
        self, symbol: str, side: str, volume: float, *, sl: float = 0.0, tp: float = 0.0, magic: int = 0
    ) -> int:
        """A position opened at the terminal itself; returns once the window shows it."""
        ticket = self.sim.open_external(symbol, side, volume, sl=sl, tp=tp, magic=magic)
        self.wait_for_row(ticket)
        return ticket

    def wait_for_row(self, ticket: int) -> int:
        self.qtbot.waitUntil(
            lambda: self.window.positions.model.row_of((MAIN, ticket)) is not None, timeout=10_000
        )
        return self.visible_row(ticket)

    def visible_row(self, ticket: int) -> int:
        """The row a ticket is shown in (after the table's sorting and filter)."""
        return self.window.positions.visible_tickets().index(ticket)

    def row_centre(self, ticket: int, column: int = 0) -> QPoint:
        return row_point(self.window.positions.table, self.visible_row(ticket), column)

    def event_log(self) -> list[dict[str, str]]:
        """The Event log tab's rows as shown (Time, Type, Level, Title, Text), newest first."""
        table = self.window.event_log.table
        model = table.model()
        assert model is not None
        return [row_as_dict(table, row) for row in range(model.rowCount())]

    def wait_for_log(self, title: str, timeout: int = 10_000) -> dict[str, str]:
        """The newest Event log row with this title, once there is one."""
        self.qtbot.waitUntil(lambda: any(row["Title"] == title for row in self.event_log()), timeout=timeout)
        return next(row for row in self.event_log() if row["Title"] == title)

    def journal_trades(self, action: OrderAction | None = None) -> list[TradeRecord]:
        """Every journaled trade request (optionally of one action), oldest first."""
        query = select(TradeRow).order_by(TradeRow.id)
        if action is not None:
            query = query.where(TradeRow.action == action)
        with self.journal.database.read() as session:
            return [TradeRecord.from_row(row) for row in session.scalars(query)]

    def terminal_positions(self) -> dict[int, Position]:
        """The terminal's open positions by ticket (as the desk's adapter reads them: no SL is None)."""
        return self.sim.positions()

    def terminal_deals(self) -> list[Deal]:
        """Every deal in the terminal's history, oldest first."""
        return self.sim.deals(datetime(1970, 1, 1, tzinfo=UTC), datetime(2038, 1, 1, tzinfo=UTC))


@pytest.fixture
def clock() -> ClockSpec:
    return ClockSpec.manual(WEDNESDAY)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "config", tmp_path / "data", tmp_path / "logs").ensure()


@pytest.fixture
def settings() -> Settings:
    return Settings(intervals=FAST, ui=UiSettings())


@pytest.fixture
def settings_problems() -> list[str]:
    """What was wrong in the settings file the app started with (nothing, unless a scenario says)."""
    return []


@pytest.fixture
def desktop(
    qapp: QApplication,
    qtbot: QtBot,
    paths: AppPaths,
    clock: ClockSpec,
    settings: Settings,
    settings_problems: list[str],
) -> Iterator[Desktop]:
    # Context menus open on the right button's release, as on Windows, where most MetaTrader 5 traders
    # are: the click is complete before the menu's own event loop starts (on press, the release would
    # only come after the menu and every dialog opened from it had closed).
    hints = QGuiApplication.styleHints()
    assert hints is not None
    trigger = hints.contextMenuTrigger()
    hints.setContextMenuTrigger(Qt.ContextMenuTrigger.Release)
    args = argparse.Namespace(terminal=Backend.SIM, bridge=None)
    log_file = start_log_file(paths.log_dir, console=False)
    app = DeskApp(
        qapp, args, paths, settings, sim_clock=clock, log_file=log_file, settings_problems=settings_problems
    )
    qtbot.addWidget(app.window)
    app.start()
    qtbot.waitUntil(lambda: app.desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=15_000)
    qtbot.waitUntil(lambda: app.desk.state.of(MAIN).account is not None, timeout=15_000)
    app.window.activateWindow()
    yield Desktop(app, qtbot, paths, log_file)
    app.shutdown()
    app.desk.journal.database.close()
    stop_log_file()
    hints.setContextMenuTrigger(trigger)
