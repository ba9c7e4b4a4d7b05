"""History and Deals on a desk of three demo accounts (USD, EUR, USD): every account's rows with an Account
column (the same ticket in two accounts is two rows), an account filter asking the journal for one account,
and no footer total adding two currencies."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import DealEntry
from app.core.events import AccountsUpdate
from app.core.models import DeskAccount
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.database import open_database
from app.storage.journal import Journal
from app.ui.history.deals_view import DealsView
from app.ui.history.history_view import HistoryView
from tests.ui.three_accounts import (
    EUR,
    NAMES,
    USD_1,
    Desktop,
    module_desktop,
    wait_all_connected,
)

desktop = module_desktop("history-accounts")


@pytest.fixture
def closed(qtbot: QtBot, desktop: Desktop) -> dict[str, int]:
    """One EURUSD position opened and, once the desk shows it, closed at the terminal of each of two
    accounts (once per module): their simulators number positions and deals alike, so the tickets repeat
    across the accounts."""
    if CLOSED:
        return CLOSED
    wait_all_connected(qtbot, desktop.desk)
    for account_id in (USD_1, EUR):
        sim = desktop.sim(account_id)
        ticket = sim.open_external("EURUSD", "buy", 0.1)
        qtbot.waitUntil(partial(holds, desktop, account_id, ticket), timeout=10_000)
        sim.close_external(ticket)
        qtbot.waitUntil(partial(journaled, desktop, account_id, ticket), timeout=10_000)
        CLOSED[account_id] = ticket
    return CLOSED


CLOSED: dict[str, int] = {}


def holds(desktop: Desktop, account_id: str, ticket: int) -> bool:
    return ticket in desktop.desk.state.of(account_id).positions


def journaled(desktop: Desktop, account_id: str, ticket: int) -> bool:
    deals = desktop.desk.journal.deals(account_id=account_id)
    return any(deal.position_id == ticket and deal.entry is DealEntry.OUT for deal in deals)


def show_tab(qtbot: QtBot, desktop: Desktop, tab: QWidget) -> None:
    """Click the tab's title in the window's left-hand tabs."""
    tabs = desktop.window.left_tabs
    bar = tabs.tabBar()
    assert bar is not None
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(tab)).center())
    assert tabs.currentWidget() is tab


def accounts_shown(tab: HistoryView | DealsView) -> list[str]:
    column = tab.model.column_of("account")
    return [tab.model.cell_text(row, column) for row in range(tab.model.rowCount())]


def choose(qtbot: QtBot, tab: HistoryView | DealsView, label: str) -> None:
    box = tab.filters.account_combo
    box.setFocus()
    target = box.findText(label)
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    while box.currentIndex() != target:
        qtbot.keyClick(box, key)


def test_history_lists_every_accounts_closes_with_their_account(
    qtbot: QtBot, desktop: Desktop, closed: dict[str, int]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    history = desktop.window.history
    show_tab(qtbot, desktop, history)
    both = sorted([NAMES[EUR], NAMES[USD_1]])
    qtbot.waitUntil(lambda: sorted(accounts_shown(history)) == both, timeout=15_000)
    assert closed[USD_1] == closed[EUR]  # the same ticket, two positions
    assert not history.table.isColumnHidden(history.model.column_of("account"))
    assert history.filters.account_combo.isVisible()
    assert history.net_label.text() == "Accounts in USD and EUR: choose one account to see its totals"


def test_the_account_filter_asks_the_journal_for_one_account(
    qtbot: QtBot, desktop: Desktop, closed: dict[str, int]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    history = desktop.window.history
    show_tab(qtbot, desktop, history)
    qtbot.waitUntil(lambda: len(accounts_shown(history)) == 2, timeout=15_000)

    choose(qtbot, history, NAMES[EUR])

    qtbot.waitUntil(lambda: accounts_shown(history) == [NAMES[EUR]], timeout=10_000)
    assert history.net_label.text().startswith("Net")
    choose(qtbot, history, "All")
    qtbot.waitUntil(lambda: len(accounts_shown(history)) == 2, timeout=10_000)


def test_deals_of_two_accounts_with_the_same_tickets_are_all_listed(
    qtbot: QtBot, desktop: Desktop, closed: dict[str, int]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    deals = desktop.window.deals
    show_tab(qtbot, desktop, deals)
    qtbot.mouseClick(deals.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: {NAMES[EUR], NAMES[USD_1]} <= set(accounts_shown(deals)), timeout=15_000)
    by_account: dict[str, set[int]] = {}
    for record in deals.visible_records():
        by_account.setdefault(record.account_id, set()).add(record.ticket)
    assert by_account[USD_1] & by_account[EUR]  # shared ticket numbers, each account's row kept
    assert deals.money_label.text().startswith("Accounts in ")


def test_a_desk_of_one_account_shows_neither_the_account_column_nor_its_filter(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with open_database(tmp_path / "journal.sqlite3") as database:
        queries = JournalQueries(Journal(database))
        view = HistoryView(queries)
        qtbot.addWidget(view)
        view.show()
        hub = EventHub()
        view.subscribe(hub)
        hub.publish(AccountsUpdate(accounts=(DeskAccount("main", "Demo"),)))
        assert view.filters.account_combo.isHidden()
        assert view.table.isColumnHidden(view.model.column_of("account"))
        queries.wait()
