"""The window itself: filtering positions, the Models dock's menu item, the Settings shortcut, Quit."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit

from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import answer_modal, choose, click, press, press_button, type_into


def test_typing_in_the_filter_shows_only_that_symbols_positions(desktop: Desktop) -> None:
    euro = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    pound = desktop.open_in_terminal("GBPUSD", "sell", 0.20)
    (box,) = [
        e
        for e in desktop.window.positions.findChildren(QLineEdit)
        if e.placeholderText() == "Filter by symbol…"
    ]

    type_into(box, "gbp")

    assert desktop.window.positions.visible_tickets() == [pound]
    type_into(box, "")
    press(box, Qt.Key.Key_Backspace)
    assert sorted(desktop.window.positions.visible_tickets()) == sorted([euro, pound])


def test_the_models_dock_is_hidden_and_shown_again_from_the_view_menu(desktop: Desktop) -> None:
    dock = desktop.window.model_dock
    assert dock.isVisible()
    choose(desktop.qtbot, desktop.window, "View", "Models")
    assert not dock.isVisible()
    choose(desktop.qtbot, desktop.window, "View", "Models")
    assert dock.isVisible()


def test_ctrl_comma_opens_the_settings(desktop: Desktop) -> None:
    cancel = answer_modal(press_button("Cancel"))
    click(desktop.window.positions.table.viewport())
    press(desktop.window.positions.table, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert cancel.wait(desktop.qtbot).windowTitle() == "Settings"
    assert not desktop.paths.settings_file.exists()  # cancelled: nothing written


def test_quit_saves_the_layout_and_ends_the_desk(desktop: Desktop) -> None:
    with desktop.qtbot.waitSignal(desktop.window.quit_requested, timeout=5000):
        choose(desktop.qtbot, desktop.window, "Desk", "Quit")
    layout = (desktop.paths.config_dir / "window.ini").read_text(encoding="utf-8")
    assert "geometry=" in layout and "history_header=" in layout and "deals_header=" in layout


def test_the_footer_counts_positions_and_adds_up_their_lots(desktop: Desktop) -> None:
    desktop.open_in_terminal("AUDUSD", "buy", 0.10)
    desktop.open_in_terminal("AUDUSD", "buy", 0.20)
    footer = desktop.window.positions.summary_label
    desktop.qtbot.waitUntil(lambda: footer.text().startswith("2 positions"), timeout=5000)
    assert footer.text() == "2 positions · 0.30 lots"  # not "0.3": 0.1 + 0.2 is not 0.3 in floating point
