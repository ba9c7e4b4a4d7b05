"""Closing a whole position from the window: the Delete key on the selected row asks, then closes it.

mypy found this one: the table asks for a whole close with volume None, and the confirmation compared
None with the position's volume, so the dialog never opened and nothing was closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.settings import Settings
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.terminal.simulator import ClockSpec
from app.ui.shell.main_window import MainWindow
from tests.one_account import MAIN

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    config = DeskConfig(
        target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
        database_file=tmp_path / "journal.sqlite3",
        intervals=Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0),
        sim_clock=ClockSpec.manual(WEDNESDAY),
    )
    desk = Desk(config)
    yield desk
    assert desk.stop(15)


@pytest.fixture
def window(qtbot: QtBot, desk: Desk, tmp_path: Path) -> MainWindow:
    window = MainWindow(
        desk.hub,
        desk.state,
        Settings(),
        terminal_queries=TerminalQueries(desk.host),
        journal_queries=JournalQueries(desk.journal),
        window_state_file=tmp_path / "window.ini",
    )
    qtbot.addWidget(window)
    window.order_requested.connect(
        lambda account_id, request: desk.submit(TradeCommand.manual(request, account_id))
    )
    window.show()
    qtbot.waitExposed(window)
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
    return window


def answer_the_confirmation_with(button_text: str, seen: list[str]) -> None:
    """Click a button of the next modal message box, as the trader would, and note what it asked."""
    tries = iter(range(250))  # 5 s; then give up, so that no later test's dialog is answered

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            if next(tries, None) is not None:
                QTimer.singleShot(20, click)  # not open yet
            return
        seen.append(f"{box.text()} | {box.informativeText()}")
        button = next((b for b in box.buttons() if b.text() == button_text), None)
        if button is None:
            box.reject()  # not the question expected: close it, so the test fails instead of hanging
            return
        QtBot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, click)


def select_row_of(window: MainWindow, qtbot: QtBot, ticket: int, desk: Desk) -> None:
    """Click the position's row in the table."""
    positions = window.positions
    qtbot.waitUntil(lambda: positions.model.row_of((MAIN, ticket)) is not None, timeout=5000)
    # The table and the desk's state fold the same event through two signals of the hub, delivered one
    # after the other: the window's actions read the state, so wait until it has the position too.
    qtbot.waitUntil(lambda: ticket in desk.state.of(MAIN).positions, timeout=5000)
    source_row = positions.model.row_of((MAIN, ticket))
    assert source_row is not None
    index = positions.model.index(source_row, 0)
    viewport = positions.table.viewport()
    assert isinstance(viewport, QWidget)
    QtBot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=positions.table.visualRect(index).center())
    assert positions.selected_ticket() == ticket


def test_delete_on_a_position_asks_for_its_whole_volume_and_closes_it(
    qtbot: QtBot, desk: Desk, window: MainWindow
) -> None:
    ticket = desk.simulator.open_external("EURUSD", "buy", 0.3)
    select_row_of(window, qtbot, ticket, desk)
    asked: list[str] = []

    answer_the_confirmation_with("Close at market", asked)
    QtBot.keyClick(window.positions.table, Qt.Key.Key_Delete)

    qtbot.waitUntil(lambda: not desk.simulator.positions(), timeout=5000)
    assert len(asked) == 1
    assert "0.30 EURUSD" in asked[0] and "Partial close" not in asked[0]
    qtbot.waitUntil(lambda: window.positions.model.row_of((MAIN, ticket)) is None, timeout=5000)


def test_cancel_on_the_whole_close_question_leaves_the_position_open(
    qtbot: QtBot, desk: Desk, window: MainWindow
) -> None:
    ticket = desk.simulator.open_external("EURUSD", "sell", 0.2)
    select_row_of(window, qtbot, ticket, desk)
    asked: list[str] = []

    answer_the_confirmation_with("Cancel", asked)
    QtBot.keyClick(window.positions.table, Qt.Key.Key_Delete)

    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
    qtbot.wait(300)  # a close, had one been sent, reaches the simulator well within this
    (position,) = desk.simulator.positions().values()
    assert (position.ticket, position.volume) == (ticket, 0.2)
