"""Things a trader does often, made of the driver's clicks and keys, so scenarios read as the manual."""

from __future__ import annotations

import re
from datetime import date

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from tests.one_account import MAIN
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    Answer,
    answer_modal,
    answer_popup,
    button,
    choose,
    click,
    click_button,
    field,
    pick,
    pick_from_menu,
    press,
    press_button,
    right_click,
    row_as_dict,
    type_into,
    wait_for_window,
)

_MONEY = re.compile(r"[-+]?[\d,]+\.\d\d")


def open_ticket_with_ctrl_n(desktop: Desktop) -> QWidget:
    click(desktop.window.positions.table.viewport())  # the keyboard focus is somewhere in the window
    press(desktop.window.positions.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    return wait_for_window(desktop.qtbot, "New order")


def pick_symbol(desktop: Desktop, ticket: QWidget, typed: str) -> None:
    """Type into the ticket's Symbol field and press Enter."""
    symbols = field(ticket, "Symbol", QComboBox)
    desktop.qtbot.waitUntil(lambda: symbols.count() == 8, timeout=10_000)  # the broker's list is in
    type_into(symbols, typed)
    press(symbols, Qt.Key.Key_Return)


def wait_until_pressable(desktop: Desktop, ticket: QWidget, side: str) -> None:
    desktop.qtbot.waitUntil(lambda: button(ticket, side).isEnabled(), timeout=10_000)


def place(desktop: Desktop, symbol: str, side: str, lots: str, comment: str = "") -> int:
    """Ctrl+N, symbol, volume, comment, Buy or Sell; returns the new position's ticket once it is shown."""
    before = set(desktop.terminal_positions())
    ticket = open_ticket_with_ctrl_n(desktop)
    pick_symbol(desktop, ticket, symbol)
    type_into(field(ticket, "Volume", QDoubleSpinBox), lots)
    if comment:
        type_into(field(ticket, "Comment", QLineEdit), comment)
    wait_until_pressable(desktop, ticket, side)
    click_button(ticket, side)
    desktop.qtbot.waitUntil(lambda: len(set(desktop.terminal_positions()) - before) == 1, timeout=10_000)
    (new,) = set(desktop.terminal_positions()) - before
    desktop.wait_for_row(new)
    return new


def close_partially(desktop: Desktop, ticket: int, lots: str) -> None:
    """Right-click the row, Close partially…, type the lots, OK, then Close at market."""
    confirms: list[Answer] = []

    def type_lots(dialog: QWidget) -> None:
        (spin,) = dialog.findChildren(QDoubleSpinBox)
        type_into(spin, lots)
        confirms.append(answer_modal(press_button("Close at market")))
        click_button(dialog, "OK")

    menu = answer_popup(pick_from_menu("Close partially…"))
    volume = answer_modal(type_lots)
    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(ticket))
    menu.wait(desktop.qtbot)
    volume.wait(desktop.qtbot)
    confirms[0].wait(desktop.qtbot)
    desktop.qtbot.waitUntil(lambda: desktop.window.positions.model.busy((MAIN, ticket)) == "", timeout=10_000)


def close_whole(desktop: Desktop, ticket: int) -> None:
    """Select the row, press Delete, confirm."""
    table = desktop.window.positions.table
    click(table.viewport(), desktop.row_centre(ticket))
    confirm = answer_modal(press_button("Close at market"))
    press(table, Qt.Key.Key_Delete)
    confirm.wait(desktop.qtbot)
    desktop.qtbot.waitUntil(
        lambda: desktop.window.positions.model.row_of((MAIN, ticket)) is None, timeout=10_000
    )


def show_tab(tabs: QTabWidget, title: str) -> QWidget:
    """Click a tab by its title; returns the page."""
    bar = tabs.tabBar()
    assert bar is not None
    index = next((i for i in range(tabs.count()) if tabs.tabText(i).replace("&&", "&") == title), -1)
    assert index >= 0, f"no tab {title!r}: {[tabs.tabText(i) for i in range(tabs.count())]}"
    click(bar, bar.tabRect(index).center())
    page = tabs.currentWidget()
    assert page is not None and tabs.currentIndex() == index
    return page


def type_date(edit: QDateEdit, day: date) -> None:
    """Select the date in a date field, type the new one over it (yyyy-MM-dd) and press Enter."""
    type_into(edit, day.isoformat())
    press(edit, Qt.Key.Key_Return)


def money_in(text: str) -> float:
    """The amount a label shows ('Net profit: -13.70' -> -13.7)."""
    found = _MONEY.search(text)
    assert found is not None, f"no amount in {text!r}"
    return float(found.group().replace(",", ""))


def train_model(desktop: Desktop, symbol: str = "EURUSD", timeframe: str = "H1", bars: str = "2000") -> str:
    """Desk → Train model…: train on the terminal's bars, Save model, Close; returns the model's name."""
    choose(desktop.qtbot, desktop.window, "Desk", "Train model…")
    dialog = wait_for_window(desktop.qtbot, "Train a model")
    type_into(field(dialog, "Symbol", QComboBox), symbol)
    pick(desktop.qtbot, field(dialog, "Timeframe", QComboBox), timeframe)
    type_into(field(dialog, "Bars", QSpinBox), bars)
    # The dialog opens at once and loads scikit-learn meanwhile ("Loading…"): the trader waits for Train.
    desktop.qtbot.waitUntil(lambda: _shown_enabled(dialog, "Train"), timeout=60_000)
    click_button(dialog, "Train")
    desktop.qtbot.waitUntil(lambda: button(dialog, "Save model").isEnabled(), timeout=60_000)
    click_button(dialog, "Save model")
    dock = desktop.window.model_dock
    desktop.qtbot.waitUntil(lambda: dock.model.rowCount() == 1, timeout=10_000)
    click_button(dialog, "Close")
    return row_as_dict(dock.table, 0)["Model"]


def _shown_enabled(root: QWidget, text: str) -> bool:
    found = [b for b in root.findChildren(QAbstractButton) if b.isVisible() and b.text() == text]
    return len(found) == 1 and found[0].isEnabled()
