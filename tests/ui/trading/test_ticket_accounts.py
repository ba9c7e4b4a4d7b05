"""The order ticket on a desk of three demo accounts: it asks which account, its symbols and quotes come
from the chosen account's terminal, and its order goes to that account's terminal and nowhere else."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QToolBar, QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import Side, TradeSource
from app.ui.shell.main_window import MainWindow
from app.ui.trading.order_ticket import OrderTicket, TicketAccount
from tests.ui.three_accounts import (
    ACCOUNT_IDS,
    EUR,
    NAMES,
    USD_1,
    USD_2,
    Desktop,
    module_desktop,
    wait_all_connected,
)

desktop = module_desktop("ticket-accounts")


def entries(desktop: Desktop, *account_ids: str) -> tuple[TicketAccount, ...]:
    found = []
    for account_id in account_ids:
        account = desktop.desk.state.of(account_id).account
        currency = account.currency if account is not None else ""
        found.append(TicketAccount(account_id, NAMES[account_id], currency, desktop.queries[account_id]))
    return tuple(found)


def open_ticket(qtbot: QtBot, desktop: Desktop, on: str, *account_ids: str) -> OrderTicket:
    listed = entries(desktop, *account_ids)
    chosen = next(entry for entry in listed if entry.account_id == on)
    ticket = OrderTicket(
        chosen.queries, "EURUSD", chosen.currency, accounts=listed, account_id=on, volume=0.3
    )
    ticket.account_order_requested.connect(desktop.window.order_requested)  # routed as the window does
    qtbot.addWidget(ticket)
    ticket.show()
    return ticket


def choose(qtbot: QtBot, ticket: OrderTicket, account_id: str) -> None:
    """Pick the account in the combo with the keyboard, as a trader tabbing through the ticket would."""
    box = ticket.account_box
    box.setFocus()
    target = box.findData(account_id)
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    while box.currentIndex() != target:
        qtbot.keyClick(box, key)


def journaled(desktop: Desktop, account_id: str, ticket_no: int) -> bool:
    trades = desktop.desk.journal.open_trades(account_id)
    return any(trade.position_ticket == ticket_no and trade.source is TradeSource.MANUAL for trade in trades)


def live(ticket: OrderTicket) -> bool:
    return (
        ticket.feed.tick is not None and ticket.feed.spec is not None and ticket.buttons[Side.BUY].isEnabled()
    )


def test_a_desk_of_one_account_asks_no_account(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    ticket = open_ticket(qtbot, desktop, USD_1, USD_1)
    assert not ticket.account_box.isVisible()
    assert ticket.windowTitle() == "New order"


def test_the_ticket_lists_every_account_with_its_currency(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    ticket = open_ticket(qtbot, desktop, EUR, *ACCOUNT_IDS)
    box = ticket.account_box
    assert box.isVisible()
    assert [box.itemText(i) for i in range(box.count())] == [
        "Demo USD (USD)",
        "Prop EUR (EUR)",
        "Swing USD (USD)",
    ]
    assert box.currentText() == "Prop EUR (EUR)"
    assert ticket.windowTitle() == "New order — Prop EUR"


def test_the_order_goes_to_the_account_chosen_in_the_ticket(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    before = {a: set(desktop.sim(a).positions()) for a in ACCOUNT_IDS}
    ticket = open_ticket(qtbot, desktop, USD_1, *ACCOUNT_IDS)
    choose(qtbot, ticket, EUR)
    assert ticket.windowTitle() == "New order — Prop EUR"
    qtbot.waitUntil(lambda: live(ticket), timeout=10_000)
    qtbot.waitUntil(lambda: ticket.margin_label.text().endswith(" EUR"), timeout=10_000)

    qtbot.mouseClick(ticket.buttons[Side.BUY], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: len(desktop.sim(EUR).positions()) == len(before[EUR]) + 1, timeout=10_000)
    [ticket_no] = set(desktop.sim(EUR).positions()) - before[EUR]
    position = desktop.sim(EUR).positions()[ticket_no]
    assert (position.symbol, position.side) == ("EURUSD", Side.BUY)
    assert position.volume == pytest.approx(0.3)
    for other in (USD_1, USD_2):
        assert set(desktop.sim(other).positions()) == before[other]
    # The journal files the trade under the account it went to.
    qtbot.waitUntil(lambda: journaled(desktop, EUR, ticket_no), timeout=10_000)
    assert not journaled(desktop, USD_1, ticket_no)


def test_symbols_and_quotes_come_from_the_chosen_accounts_terminal(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    hung = desktop.sim(USD_2)
    hung.hang()  # this terminal answers nothing while hung
    try:
        ticket = open_ticket(qtbot, desktop, USD_2, *ACCOUNT_IDS)
        qtbot.wait(300)
        assert ticket.feed.tick is None and not ticket.buttons[Side.BUY].isEnabled()

        choose(qtbot, ticket, USD_1)

        qtbot.waitUntil(lambda: live(ticket), timeout=10_000)
        qtbot.waitUntil(lambda: ticket.symbol_box.count() > 1, timeout=10_000)
        assert ticket.feed.spec is not None and ticket.feed.spec.name == "EURUSD"
    finally:
        hung.release()


# -- opened from the window ------------------------------------------------------------------------------


def new_order_button(window: MainWindow) -> QWidget:
    toolbar = window.findChild(QToolBar, "main-toolbar")
    assert toolbar is not None
    button = toolbar.widgetForAction(window.new_order_action)
    assert button is not None
    return button


def open_from_window(qtbot: QtBot, desktop: Desktop) -> OrderTicket:
    """Click New order in the tool bar; the ticket it opens (each spec closes its own)."""
    before = set(desktop.window.findChildren(OrderTicket))
    qtbot.mouseClick(new_order_button(desktop.window), Qt.MouseButton.LeftButton)
    [ticket] = [t for t in desktop.window.findChildren(OrderTicket) if t not in before and t.isVisible()]
    return ticket  # the window's own: it deletes the ticket when it closes


def click_row(qtbot: QtBot, desktop: Desktop, key: tuple[str, int], modifier: Qt.KeyboardModifier) -> None:
    table = desktop.window.positions.table
    row = desktop.window.positions.visible_keys().index(key)
    model = table.model()
    assert model is not None
    viewport = table.viewport()
    assert viewport is not None
    point = table.visualRect(model.index(row, 0)).center()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, point)


def test_the_windows_ticket_opens_on_the_selected_positions_account(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    ticket_no = desktop.sim(EUR).open_external("GBPUSD", "sell", 0.2)
    key = (EUR, ticket_no)
    qtbot.waitUntil(lambda: key in desktop.window.positions.visible_keys(), timeout=10_000)
    click_row(qtbot, desktop, key, Qt.KeyboardModifier.NoModifier)
    assert desktop.window.positions.selected_key() == key

    ticket = open_from_window(qtbot, desktop)

    assert ticket.account_id == EUR
    assert ticket.account_box.isVisible() and ticket.account_box.currentText() == "Prop EUR (EUR)"
    qtbot.waitUntil(
        lambda: ticket.feed.spec is not None and ticket.feed.spec.name == "GBPUSD", timeout=10_000
    )
    ticket.reject()
    click_row(qtbot, desktop, key, Qt.KeyboardModifier.ControlModifier)  # deselect, for the next spec
    assert desktop.window.positions.selected_key() is None


def test_with_nothing_selected_the_ticket_opens_on_the_account_of_the_last_order(
    qtbot: QtBot, desktop: Desktop
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    assert desktop.window.positions.selected_key() is None
    before = set(desktop.sim(USD_2).positions())
    first = open_from_window(qtbot, desktop)
    choose(qtbot, first, USD_2)
    qtbot.waitUntil(lambda: live(first), timeout=10_000)
    qtbot.mouseClick(first.buttons[Side.SELL], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(desktop.sim(USD_2).positions()) == len(before) + 1, timeout=10_000)

    again = open_from_window(qtbot, desktop)

    assert again.account_id == USD_2
    assert again.account_box.currentText() == "Swing USD (USD)"
    again.reject()
