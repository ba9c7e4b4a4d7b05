"""Changing a position's stop loss and take profit: double-click the row, or Modify SL/TP… in its menu.

EURUSD stands at 1.08717 / 1.08729 (bid / ask): a BUY's stops are checked against the bid.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QLineEdit, QWidget

from app.core.enums import OrderAction, TradeStatus
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    answer_popup,
    button,
    click_button,
    double_click,
    field,
    is_shown,
    pick_from_menu,
    press,
    right_click,
    row_as_dict,
    type_into,
    wait_for_window,
)


def test_double_clicking_a_row_sets_new_stops_on_the_position(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    double_click(desktop.window.positions.table.viewport(), desktop.row_centre(ticket, column=2))
    dialog = wait_for_window(desktop.qtbot, f"Modify BUY 0.10 EURUSD #{ticket}")
    type_into(field(dialog, "Stop loss", QLineEdit), "1.08500")
    type_into(field(dialog, "Take profit", QLineEdit), "1.09000")
    desktop.qtbot.waitUntil(lambda: button(dialog, "Modify").isEnabled(), timeout=10_000)

    click_button(dialog, "Modify")

    desktop.qtbot.waitUntil(lambda: desktop.terminal_positions()[ticket].sl == 1.085, timeout=10_000)
    assert desktop.terminal_positions()[ticket].tp == 1.09
    assert not is_shown("Modify")
    table = desktop.window.positions.table
    desktop.qtbot.waitUntil(
        lambda: row_as_dict(table, desktop.visible_row(ticket))["S/L"] == "1.08500", timeout=10_000
    )
    assert row_as_dict(table, desktop.visible_row(ticket))["T/P"] == "1.09000"
    executed = desktop.wait_for_log("Order executed")
    assert executed["Text"] == f"SL/TP of #{ticket} EURUSD set to SL 1.08500 / TP 1.09000"
    (request,) = desktop.journal_trades(OrderAction.MODIFY)
    assert (request.position_ticket, request.status, request.sl, request.tp) == (
        ticket, TradeStatus.CLOSED, 1.085, 1.09,
    )  # fmt: skip


def test_modify_from_the_rows_menu_removes_a_stop_whose_field_is_emptied(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10, sl=1.085, tp=1.09)
    menu = answer_popup(pick_from_menu("Modify SL/TP…"))
    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(ticket))
    menu.wait(desktop.qtbot)
    dialog = wait_for_window(desktop.qtbot, f"Modify BUY 0.10 EURUSD #{ticket}")
    take_profit = field(dialog, "Take profit", QLineEdit)
    assert take_profit.text() == "1.09000"
    type_into(take_profit, "")
    press(take_profit, Qt.Key.Key_Backspace)
    desktop.qtbot.waitUntil(lambda: button(dialog, "Modify").isEnabled(), timeout=10_000)

    click_button(dialog, "Modify")

    desktop.qtbot.waitUntil(lambda: desktop.terminal_positions()[ticket].tp is None, timeout=10_000)
    assert desktop.terminal_positions()[ticket].sl == 1.085


def test_a_stop_inside_the_brokers_stops_level_is_refused_before_sending(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    double_click(desktop.window.positions.table.viewport(), desktop.row_centre(ticket, column=2))
    dialog = wait_for_window(desktop.qtbot, f"Modify BUY 0.10 EURUSD #{ticket}")
    desktop.qtbot.waitUntil(lambda: "Nothing changed yet." in shown_texts(dialog), timeout=10_000)

    type_into(field(dialog, "Stop loss", QLineEdit), "1.08712")

    said = [text for text in shown_texts(dialog) if text.startswith("Stop loss 1.08712")]
    assert said and "5 points from the bid 1.08717" in said[0]
    assert not button(dialog, "Modify").isEnabled()
    click_button(dialog, "Cancel")
    desktop.qtbot.wait(300)
    assert desktop.terminal_positions()[ticket].sl is None
    assert desktop.journal_trades(OrderAction.MODIFY) == []


def shown_texts(window: QWidget) -> list[str]:
    return [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
