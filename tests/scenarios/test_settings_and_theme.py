"""Settings saved from the dialog, and the colour theme chosen from the View menu."""

from __future__ import annotations

import tomllib

import pytest
from PyQt6.QtGui import QGuiApplication, QPalette
from PyQt6.QtWidgets import QDoubleSpinBox, QTabWidget, QWidget

from app.core.settings import IntervalSettings, Settings, Theme
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import Answer, answer_modal, button, choose, click, field, press_button, type_into
from tests.scenarios.steps import show_tab


@pytest.fixture
def settings() -> Settings:
    """Intervals the Settings dialog accepts (the scenarios' fast ones are below its minimums)."""
    return Settings(intervals=IntervalSettings(pnl_s=0.2, positions_s=0.5, account_s=0.5, heartbeat_s=5.0))


def test_settings_changed_in_the_dialog_are_saved_and_take_effect(desktop: Desktop) -> None:
    def untick_trade_errors(dialog: QWidget) -> None:
        (tabs,) = dialog.findChildren(QTabWidget)
        show_tab(tabs, "Notifications")
        click(button(dialog, "Trade error"))
        saved.append(answer_modal(press_button("OK")))  # "Settings saved": what applies when
        click(button(dialog, "OK"))

    saved: list[Answer] = []
    edit = answer_modal(untick_trade_errors)
    choose(desktop.qtbot, desktop.window, "Desk", "Settings…")
    edit.wait(desktop.qtbot)
    (told,) = saved
    told.wait(desktop.qtbot)

    assert told.title == "Settings saved"
    written = tomllib.loads(desktop.paths.settings_file.read_text(encoding="utf-8"))
    assert written["notifications"]["trade_error"] is False
    assert desktop.window.notifier.settings.trade_error is False


def test_a_theme_chosen_from_the_view_menu_is_applied_and_remembered(desktop: Desktop) -> None:
    choose(desktop.qtbot, desktop.window, "View", "Theme", "Dark")

    assert QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    assert desktop.window.theme_actions[Theme.DARK].isChecked()
    written = tomllib.loads(desktop.paths.settings_file.read_text(encoding="utf-8"))
    assert written["ui"]["theme"] == "dark"

    choose(desktop.qtbot, desktop.window, "View", "Theme", "Light")
    assert QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() >= 128


def test_risk_limits_typed_in_settings_are_saved_and_obeyed_at_once(desktop: Desktop) -> None:
    def lower_the_limits(dialog: QWidget) -> None:
        (tabs,) = dialog.findChildren(QTabWidget)
        show_tab(tabs, "Risk")
        type_into(field(dialog, "Max lot per trade", QDoubleSpinBox), "0.05")
        type_into(field(dialog, "Daily loss limit", QDoubleSpinBox), "120")
        saved.append(answer_modal(press_button("OK")))
        click(button(dialog, "OK"))

    saved: list[Answer] = []
    edit = answer_modal(lower_the_limits)
    choose(desktop.qtbot, desktop.window, "Desk", "Settings…")
    edit.wait(desktop.qtbot)
    (told,) = saved
    told.wait(desktop.qtbot)

    assert "risk changes apply now" in told.text
    changed = desktop.wait_for_log("Risk limits changed")
    assert changed["Text"] == (
        "Max lot per trade 1.00 lots → 0.05 lots; Daily loss limit 500.00 USD → 120.00 USD. "
        "They apply to every automatic order from now on."
    )
    written = tomllib.loads(desktop.paths.settings_file.read_text(encoding="utf-8"))
    assert (written["risk"]["max_lot_per_trade"], written["risk"]["daily_loss_limit"]) == (0.05, 120.0)
