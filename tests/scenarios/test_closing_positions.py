"""Closing a position from the Positions tab: the row's menu, Delete, Ctrl+W, partly, and one at a time.

EURUSD stands at 1.08717 / 1.08729 (bid / ask): a BUY closes at the bid.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDoubleSpinBox, QMenu, QWidget

from app.core.enums import DealEntry, OrderAction, TradeStatus
from tests.one_account import MAIN
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    Answer,
    answer_modal,
    answer_popup,
    click,
    click_button,
    dismiss,
    pick_from_menu,
    press,
    press_button,
    right_click,
    row_as_dict,
    type_into,
)


def closing_deals(desktop: Desktop, ticket: int) -> list[float]:
    """Volumes of the terminal's deals that closed (part of) this position."""
    return [
        round(d.volume, 2)
        for d in desktop.terminal_deals()
        if d.position_id == ticket and d.entry is DealEntry.OUT
    ]


def test_close_position_from_the_rows_menu_closes_it_at_market(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    table = desktop.window.positions.table
    menu = answer_popup(pick_from_menu("Close position"))
    confirm = answer_modal(press_button("Close at market"))

    right_click(table.viewport(), desktop.row_centre(ticket))
    menu.wait(desktop.qtbot)
    confirm.wait(desktop.qtbot)

    assert confirm.text == f"Close BUY 0.10 EURUSD #{ticket} at market?"
    desktop.qtbot.waitUntil(lambda: ticket not in desktop.terminal_positions(), timeout=10_000)
    assert closing_deals(desktop, ticket) == [0.10]
    desktop.qtbot.waitUntil(
        lambda: desktop.window.positions.model.row_of((MAIN, ticket)) is None, timeout=10_000
    )
    footer = desktop.window.positions.summary_label
    desktop.qtbot.waitUntil(lambda: footer.text() == "No open positions", timeout=5000)
    executed = desktop.wait_for_log("Order executed")
    assert executed["Text"] == f"Closed 0.10 of #{ticket} EURUSD at 1.08717"
    (request,) = desktop.journal_trades(OrderAction.CLOSE)
    assert (request.position_ticket, request.status, request.requested_volume) == (
        ticket,
        TradeStatus.CLOSED,
        None,
    )


@pytest.mark.parametrize(
    ("key", "modifiers"),
    [
        (Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    ],
    ids=["Delete", "Ctrl+W"],
)
def test_the_close_key_on_the_selected_row_closes_that_position(
    desktop: Desktop, key: Qt.Key, modifiers: Qt.KeyboardModifier
) -> None:
    keep = desktop.open_in_terminal("GBPUSD", "sell", 0.20)
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    table = desktop.window.positions.table
    click(table.viewport(), desktop.row_centre(ticket))
    confirm = answer_modal(press_button("Close at market"))

    press(table, key, modifiers)
    confirm.wait(desktop.qtbot)

    assert confirm.text == f"Close BUY 0.10 EURUSD #{ticket} at market?"
    desktop.qtbot.waitUntil(lambda: ticket not in desktop.terminal_positions(), timeout=10_000)
    assert list(desktop.terminal_positions()) == [keep]
    desktop.qtbot.waitUntil(lambda: desktop.window.positions.visible_tickets() == [keep], timeout=10_000)
    assert desktop.window.positions.selected_ticket() is None  # the next row is not one key from closing


def test_cancel_in_the_close_confirmation_keeps_the_position(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    table = desktop.window.positions.table
    click(table.viewport(), desktop.row_centre(ticket))
    cancel = answer_modal(press_button("Cancel"))

    press(table, Qt.Key.Key_Delete)
    cancel.wait(desktop.qtbot)

    desktop.qtbot.wait(500)  # a close would have been sent and filled by now
    assert ticket in desktop.terminal_positions()
    assert closing_deals(desktop, ticket) == []
    assert desktop.journal_trades(OrderAction.CLOSE) == []


def test_close_partially_closes_the_lots_typed_and_leaves_the_rest_open(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    table = desktop.window.positions.table
    menu = answer_popup(pick_from_menu("Close partially…"))

    def type_lots(dialog: QWidget) -> None:
        assert dialog.windowTitle() == "Close partially"
        (lots,) = dialog.findChildren(QDoubleSpinBox)
        type_into(lots, "0.04")
        confirms.append(answer_modal(press_button("Close at market")))  # the next question
        click_button(dialog, "OK")

    confirms: list[Answer] = []
    volume = answer_modal(type_lots)
    right_click(table.viewport(), desktop.row_centre(ticket))
    menu.wait(desktop.qtbot)
    volume.wait(desktop.qtbot)
    (confirm,) = confirms
    confirm.wait(desktop.qtbot)

    assert confirm.text == f"Close BUY 0.04 EURUSD #{ticket} at market?"
    assert "Partial close: 0.04 of 0.10 lots; 0.06 lots stay open." in confirm.details
    desktop.qtbot.waitUntil(lambda: closing_deals(desktop, ticket) == [0.04], timeout=10_000)
    assert round(desktop.terminal_positions()[ticket].volume, 2) == 0.06
    desktop.qtbot.waitUntil(
        lambda: row_as_dict(table, desktop.visible_row(ticket))["Volume"] == "0.06", timeout=10_000
    )
    # The desk journals the close's outcome in its own thread, beside the window's update: wait for it.
    desktop.qtbot.waitUntil(
        lambda: [r.status for r in desktop.journal_trades(OrderAction.CLOSE)] == [TradeStatus.CLOSED],
        timeout=10_000,
    )
    (request,) = desktop.journal_trades(OrderAction.CLOSE)
    assert (request.requested_volume, request.status) == (0.04, TradeStatus.CLOSED)


def test_while_a_close_is_on_its_way_the_row_says_closing_and_its_actions_wait(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    table = desktop.window.positions.table
    desktop.sim.set_latency(0.4)  # MetaTrader 5 takes its time over every call
    click(table.viewport(), desktop.row_centre(ticket))
    confirm = answer_modal(press_button("Close at market"))
    press(table, Qt.Key.Key_Delete)
    confirm.wait(desktop.qtbot)

    assert row_as_dict(table, desktop.visible_row(ticket))["Ticket"] == f"{ticket} closing…"
    seen: list[tuple[str, bool]] = []

    def look(menu: QWidget) -> None:
        assert isinstance(menu, QMenu)
        seen.extend((action.text(), action.isEnabled()) for action in menu.actions() if action.text())
        dismiss(menu)

    menu = answer_popup(look)
    right_click(table.viewport(), desktop.row_centre(ticket))
    menu.wait(desktop.qtbot)
    row_actions = seen[seen.index(("New order…", True)) + 1 : seen.index(("Close all positions…", True))]
    assert row_actions == [
        (f"#{ticket} closing… waiting for MetaTrader 5", False),
        ("Close position", False),
        ("Close partially…", False),
        ("Modify SL/TP…", False),
    ]
    surprise = answer_modal(press_button("Cancel"))  # no second confirmation may appear
    click(table.viewport(), desktop.row_centre(ticket))
    press(table, Qt.Key.Key_Delete)
    desktop.qtbot.wait(100)
    surprise.stop()
    assert not surprise.answered
    assert desktop.window.statusBar().currentMessage().startswith(f"#{ticket} is closing… wait for")

    desktop.qtbot.waitUntil(
        lambda: desktop.window.positions.model.row_of((MAIN, ticket)) is None, timeout=15_000
    )
    desktop.sim.set_latency(0.0)
    assert closing_deals(desktop, ticket) == [0.10]
    assert len(desktop.journal_trades(OrderAction.CLOSE)) == 1
