"""The main window's models: dock, Models tab, toolbar and tray switches kept in step, training end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState, Timeframe
from app.core.events import AccountsUpdate
from app.core.models import DeskAccount
from app.core.settings import Settings
from app.core.state import DeskState
from app.core.target import TerminalTarget
from app.engine.commands import AutoTradingCommand, KillSwitchCommand, RegisterModelCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.hub import EventHub
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.ml.pipelines import Algorithm
from app.ml.store import save_model
from app.ml.training import TrainingOptions, train_model
from app.terminal.simulator import ClockSpec
from app.ui.charts.dashboard import VIEWER_NOTICE, PerformanceDashboard
from app.ui.models.training_job import training_pool
from app.ui.shell.main_window import MainWindow
from tests.ml.frames import synthetic_frame
from tests.one_account import MAIN
from tests.scenarios.driver import answer_modal, click, press, type_keys
from tests.ui.models.test_training_dialog import write_csv


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    window = MainWindow(EventHub(), DeskState(), Settings(), models_dir=tmp_path / "models")
    qtbot.addWidget(window)
    return window


def sent(window: MainWindow) -> list[object]:
    commands: list[object] = []
    window.command_requested.connect(commands.append)
    return commands


def test_the_models_dock_and_the_models_tab_are_part_of_the_desk(window: MainWindow) -> None:
    assert window.dockWidgetArea(window.model_dock) is Qt.DockWidgetArea.BottomDockWidgetArea
    titles = [window.right_tabs.tabText(i) for i in range(window.right_tabs.count())]
    assert "Models" in titles and isinstance(
        window.right_tabs.widget(titles.index("Models")), PerformanceDashboard
    )


def test_toolbar_dock_and_tray_show_one_master_switch(window: MainWindow) -> None:
    commands = sent(window)
    window.auto_trading_action.trigger()
    assert commands == [AutoTradingCommand(enabled=True)]
    assert window.model_dock.master_button.isChecked() and not window.tray.pause_action.isChecked()
    assert window.auto_trading_action.text() == "Auto-trading ON"
    window.tray.pause_action.trigger()  # "Pause auto-trading" in the tray
    assert commands[-1] == AutoTradingCommand(enabled=False)
    assert not window.auto_trading_action.isChecked() and not window.model_dock.master_button.isChecked()
    window.model_dock.master_button.click()
    assert commands[-1] == AutoTradingCommand(enabled=True) and window.auto_trading_action.isChecked()
    assert len(commands) == 3  # mirroring a switch never sends it again


def test_the_toolbar_kill_switch_confirms_then_turns_everything_off(window: MainWindow) -> None:
    commands = sent(window)
    window.auto_trading_action.trigger()
    window.kill_action.trigger()
    window.model_dock.kill_dialog.stop_button.click()
    assert commands[-1] == KillSwitchCommand(close_positions=False)
    assert not window.auto_trading_action.isChecked() and window.tray.pause_action.isChecked()


def test_a_viewer_sees_the_models_but_no_switch_and_cannot_train(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow(EventHub(), DeskState(), Settings(), read_only=True, models_dir=tmp_path / "models")
    qtbot.addWidget(window)
    assert window.model_dock.controls is None and not hasattr(window, "auto_trading_action")
    assert not window.tray.pause_action.isVisible()
    assert window.open_training_dialog() is None
    assert [label.text() for label in window.dashboard.findChildren(QLabel)] == [VIEWER_NOTICE]


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(0.1, 0.3, 0.3, 1.0),
            sim_clock=ClockSpec.manual(datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
            models_dir=tmp_path / "models",
        )
    )
    yield desk
    assert desk.stop(15)


def test_a_model_trained_and_saved_in_the_window_is_registered_switched_off(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    window = MainWindow(
        desk.hub,
        desk.state,
        Settings(),
        terminal_queries=TerminalQueries(desk.host),
        journal_queries=JournalQueries(desk.journal),
        models_dir=tmp_path / "models",
    )
    qtbot.addWidget(window)
    window.command_requested.connect(desk.submit)
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
    dialog = window.open_training_dialog()
    dialog.inputs.set_csv_file(write_csv(tmp_path / "EURUSD_M1.csv", synthetic_frame(3_000, seed=2)))
    lots = dialog.inputs.lots_spin.lineEdit()
    assert lots is not None
    qtbot.keyClick(lots, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(lots, "0.3")  # the backtest's lot size becomes the registered model's
    qtbot.waitUntil(lambda: dialog.ready, timeout=20_000)
    dialog.start_training()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    manifest = dialog.save()
    qtbot.waitUntil(lambda: window.model_dock.model.row_of(manifest.model_id) is not None, timeout=10_000)
    row = window.model_dock.model.row_of(manifest.model_id)
    assert row is not None
    listed = window.model_dock.model.entry(row).summary
    assert (listed.symbol, listed.timeframe, listed.enabled) == ("EURUSD", Timeframe.M1.value, False)
    assert listed.lot_size == 0.3


def test_quitting_stops_a_training_still_running(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = window.open_training_dialog()
    dialog.inputs.set_csv_file(write_csv(tmp_path / "EURUSD_M1.csv", synthetic_frame(3_000, seed=2)))
    dialog.start_training()
    job = dialog._job  # the pool thread's job outlives the dialog; it must have been told to stop
    cancelled = []
    job.signals.cancelled.connect(lambda: cancelled.append(True))
    window.quit()
    assert job.cancel_requested
    assert training_pool().waitForDone(20_000)
    qtbot.waitUntil(lambda: cancelled == [True], timeout=5000)


def test_a_model_imported_from_the_dock_is_registered_on_the_windows_trading_account(
    qtbot: QtBot, tmp_path: Path
) -> None:
    hub = EventHub()
    window = MainWindow(hub, DeskState(), Settings(), models_dir=tmp_path / "models")
    qtbot.addWidget(window)
    window.show()
    hub.publish(AccountsUpdate(accounts=(DeskAccount(MAIN, "Main"),)))
    trained = train_model(
        synthetic_frame(1_500, seed=2), symbol="EURUSD", timeframe=Timeframe.M1,
        algorithm=Algorithm.LOGREG, options=TrainingOptions(folds=2),
    )  # fmt: skip
    shared = save_model(trained, tmp_path / "from-a-colleague", name="Shared")
    commands = sent(window)

    def pick_the_file(dialog: QWidget) -> None:
        name = QApplication.focusWidget()  # the file name field has the focus
        assert isinstance(name, QLineEdit) and dialog.isAncestorOf(name)
        type_keys(name, str(tmp_path / "from-a-colleague" / shared.file_name))
        press(name, Qt.Key.Key_Return)

    picking = answer_modal(pick_the_file)
    click(window.model_dock.import_button)
    picking.wait(qtbot)
    assert picking.title == "Import a model"

    (registered,) = commands
    assert isinstance(registered, RegisterModelCommand)
    assert (registered.account_id, registered.manifest.model_id) == (MAIN, shared.model_id)
    assert window.model_dock.message_box is None  # no "no account for the model to trade on"
