"""The first start: the launcher shows the welcome dialog with the connection test and settings writer it
hands in, the trader tests the demo terminal and saves by clicks, and the desk starts from that file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.settings import RemoteSettings, Settings
from app.startup.gui import run_gui
from app.storage.paths import AppPaths
from app.storage.settings_store import load_settings
from app.ui.settings.first_run import FirstRunDialog
from app.ui.shell.main_window import MainWindow
from tests.one_account import MAIN


def test_the_welcome_dialog_tests_the_demo_terminal_and_saves_the_settings_the_desk_starts_from(
    qapp: Any, tmp_path: Path
) -> None:
    paths = AppPaths.under(tmp_path / "config", tmp_path / "data", tmp_path / "logs").ensure()
    assert not paths.settings_file.exists()  # a first start
    args = argparse.Namespace(
        terminal=Backend.AUTO,
        bridge=None,
        viewer=None,
        token=None,
        token_file=tmp_path / "unused.token",
        remote=RemoteSettings(),
        settings_problems=[],
    )
    seen: dict[str, Any] = {}

    def press_test() -> None:
        welcome = QApplication.activeModalWidget()
        if not isinstance(welcome, FirstRunDialog):
            QTimer.singleShot(50, press_test)
            return
        seen["welcome"] = welcome.windowTitle()
        QtBot.mouseClick(welcome.test_button, Qt.MouseButton.LeftButton)
        QTimer.singleShot(50, lambda: save_after_the_test(welcome))

    def save_after_the_test(welcome: FirstRunDialog) -> None:
        if welcome.testing:
            QTimer.singleShot(50, lambda: save_after_the_test(welcome))
            return
        seen["tested"] = welcome.test_result.text()
        save = welcome.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        QtBot.mouseClick(save, Qt.MouseButton.LeftButton)
        QTimer.singleShot(50, quit_once_connected)

    def quit_once_connected() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not shown or shown[0]._state.of(MAIN).status.state is not ConnectionState.CONNECTED:
            QTimer.singleShot(50, quit_once_connected)
            return
        seen["indicator"] = shown[0].indicator.text()
        shown[0].close()  # no tray here: closing the window quits

    QTimer.singleShot(100, press_test)
    assert run_gui(args, paths, Settings()) == 0

    assert seen["welcome"] == "Welcome to MT5 Desk"
    assert seen["tested"].startswith("Connected to the simulated demo terminal: account ")
    loaded = load_settings(paths.settings_file)
    assert not loaded.problems
    assert loaded.settings.primary.terminal.backend is Backend.SIM
    assert seen["indicator"].startswith("Connected")
