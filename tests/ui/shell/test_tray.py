"""TrayController and the app icon: menu, pause signal, double-click toggle, close-to-tray, icon fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtWidgets import QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from app.ui.shell.icons import APP_ICON_FILE, app_icon
from app.ui.shell.tray import TrayController


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def tray_controller(window: QWidget) -> TrayController:
    return TrayController(window, close_to_tray=True, tray_available=lambda: True)


def test_tray_menu_offers_show_hide_pause_and_quit(tray_controller: TrayController) -> None:
    texts = [action.text() for action in tray_controller.menu.actions() if not action.isSeparator()]
    assert texts == ["Hide window", "Pause auto-trading", "Quit"]
    assert tray_controller.pause_action.isCheckable()
    assert not tray_controller.tray_icon.icon().isNull()


def test_pause_auto_trading_emits_the_checked_state(qtbot: QtBot, tray_controller: TrayController) -> None:
    with qtbot.waitSignal(tray_controller.pause_auto_trading) as signal:
        tray_controller.pause_action.trigger()
    assert signal.args == [True]


def test_showing_the_pause_state_from_elsewhere_does_not_emit(
    qtbot: QtBot, tray_controller: TrayController
) -> None:
    with qtbot.assertNotEmitted(tray_controller.pause_auto_trading):
        tray_controller.set_auto_trading_paused(True)
    assert tray_controller.pause_action.isChecked()


def test_quit_asks_the_window_to_shut_down(qtbot: QtBot, tray_controller: TrayController) -> None:
    with qtbot.waitSignal(tray_controller.quit_requested):
        tray_controller.quit_action.trigger()


def test_double_click_toggles_the_window(window: QWidget, tray_controller: TrayController) -> None:
    double_click = QSystemTrayIcon.ActivationReason.DoubleClick
    tray_controller.tray_icon.activated.emit(double_click)
    assert window.isHidden()
    assert tray_controller.show_hide_action.text() == "Show window"
    tray_controller.tray_icon.activated.emit(double_click)
    assert window.isVisible()
    assert tray_controller.show_hide_action.text() == "Hide window"


def test_close_hides_to_tray_only_when_asked_and_the_icon_is_shown(tray_controller: TrayController) -> None:
    assert not tray_controller.should_hide_on_close()  # icon not in the tray yet
    assert tray_controller.show()
    assert tray_controller.should_hide_on_close()
    tray_controller.set_close_to_tray(False)
    assert not tray_controller.should_hide_on_close()


def test_no_close_to_tray_without_a_system_tray(window: QWidget) -> None:
    controller = TrayController(window, close_to_tray=True, tray_available=lambda: False)
    assert not controller.show()
    assert not controller.should_hide_on_close()


def test_app_icon_loads_the_svg_from_resources() -> None:
    assert APP_ICON_FILE.is_file()
    assert not app_icon().pixmap(32, 32).isNull()


@pytest.mark.parametrize("content", [None, "this is not an image"])
def test_app_icon_is_drawn_when_the_file_is_missing_or_broken(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "app.svg"
    if content is not None:
        path.write_text(content)
    icon = app_icon(path)
    assert not icon.pixmap(32, 32).isNull()
    assert icon.availableSizes()  # the drawn icon carries its pixmaps; a file icon lists none
