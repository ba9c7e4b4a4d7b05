"""The desktop app started on bad files: a dialog that says what to do, answered by a click, and the desk
keeps running (the event loop does not end on a refused token file)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.settings import RemoteSettings, TerminalSettings
from app.startup.gui import run_gui
from app.storage.paths import AppPaths
from app.storage.settings_store import load_settings, save_settings
from app.ui.settings.first_run import FirstRunDialog
from app.ui.shell.main_window import MainWindow
from tests.one_account import MAIN, one_account_settings


def arguments(token_file: Path) -> argparse.Namespace:
    return argparse.Namespace(
        terminal=Backend.SIM,
        bridge=None,
        viewer=None,
        token=None,
        token_file=token_file,
        remote=RemoteSettings(enabled=True, port=0),
        settings_problems=[],
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_token_file_others_can_read_is_a_dialog_and_the_desk_keeps_running(
    qapp: Any, tmp_path: Path
) -> None:
    paths = AppPaths.under(tmp_path / "config", tmp_path / "data", tmp_path / "logs").ensure()
    settings = one_account_settings(TerminalSettings(backend=Backend.SIM))
    save_settings(paths.settings_file, settings)  # not a first start: no welcome dialog
    token_file = tmp_path / "viewer.token"
    token_file.write_text("a-good-viewer-token-0123456789")
    token_file.chmod(0o644)
    seen: dict[str, Any] = {}

    def window() -> MainWindow | None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        return shown[0] if shown else None

    def answer_the_dialog() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer_the_dialog)
            return
        seen["title"], seen["text"] = box.windowTitle(), box.text()
        ok = box.button(QMessageBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        QtBot.mouseClick(ok, Qt.MouseButton.LeftButton)
        QTimer.singleShot(50, check_it_runs_then_quit)

    def check_it_runs_then_quit() -> None:
        shown = window()
        if shown is None or not _connected(shown):
            QTimer.singleShot(50, check_it_runs_then_quit)
            return
        seen["connected"] = True
        shown.close()  # the trader closes the window (no tray: that quits)

    QTimer.singleShot(100, answer_the_dialog)
    code = run_gui(arguments(token_file), paths, settings)

    assert code == 0
    assert seen["title"] == "Remote viewing not started"
    assert f"token file {token_file} can be read by other users (mode 644)" in seen["text"]
    assert f"chmod 600 {token_file}" in seen["text"]
    assert seen["connected"], "the desk went on after the dialog: the event loop kept running"


def _connected(window: MainWindow) -> bool:
    return window._state.of(MAIN).status.state is ConnectionState.CONNECTED  # what its status indicator shows


def test_a_settings_file_nested_too_deep_is_explained_in_the_event_log(qapp: Any, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "config", tmp_path / "data", tmp_path / "logs").ensure()
    paths.settings_file.write_text("x = " + "[" * 50_000, encoding="utf-8")
    loaded = load_settings(paths.settings_file)  # as the command line does before the window opens
    args = arguments(tmp_path / "unused.token")
    args.remote = RemoteSettings()
    args.settings_problems = list(loaded.problems)
    seen: dict[str, Any] = {}

    def read_the_log_then_quit() -> None:
        welcome = QApplication.activeModalWidget()
        if isinstance(welcome, FirstRunDialog):  # the file was set aside: this is a first start again
            cancel = welcome.buttons.button(QDialogButtonBox.StandardButton.Cancel)
            assert cancel is not None
            QtBot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not shown:
            QTimer.singleShot(50, read_the_log_then_quit)
            return
        seen["log"] = [(e.level, e.title, e.text) for e in shown[0].event_log.visible_entries()]
        shown[0].close()

    QTimer.singleShot(100, read_the_log_then_quit)
    assert run_gui(args, paths, loaded.settings) == 0
    [(level, text)] = [(level, text) for level, title, text in seen["log"] if title == "Settings file"]
    assert level == "warning" and "is nested more than 16 levels deep (line 1)" in text
    assert f"The old file was kept as {loaded.backup_path}" in text
