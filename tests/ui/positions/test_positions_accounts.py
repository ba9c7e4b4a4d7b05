"""The Trade tab on a desk of three demo accounts (USD, EUR, USD): an Account column, an account filter
with the bottom line following it, the floating total per currency, and Close all asking which accounts."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QCheckBox, QTableView, QWidget
from pytestqt.qtbot import QtBot

from app.core.number_format import format_money
from app.engine.hub import EventHub
from app.ui.positions.positions_model import PositionsTableModel
from app.ui.positions.positions_view import PositionsView
from app.ui.widgets.columns import COLUMN_INDEX
from tests.one_account import single_snapshot
from tests.scenarios.driver import answer_modal, answer_popup, button, click, pick_from_menu, right_click
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

ACCOUNT_COLUMN = COLUMN_INDEX["account"]


desktop = module_desktop("positions-accounts")


@pytest.fixture(scope="module")
def opened(desktop: Desktop) -> dict[str, list[int]]:
    """Two positions in each account (the same symbols, so tickets and symbols repeat across accounts)."""
    return {
        account_id: [
            desktop.sim(account_id).open_external("EURUSD", "buy", 0.1),
            desktop.sim(account_id).open_external("USDJPY", "sell", 0.2),
        ]
        for account_id in ACCOUNT_IDS
    }


def flat(desktop: Desktop, account_id: str) -> bool:
    return desktop.sim(account_id).positions() == {}


def shown_rows(desktop: Desktop) -> int:
    return len(desktop.window.positions.visible_keys())


def choose_account(qtbot: QtBot, view: PositionsView, label: str) -> None:
    box = view.account_filter
    box.setFocus()
    target = box.findText(label)
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    while box.currentIndex() != target:
        qtbot.keyClick(box, key)


def test_each_row_names_its_account_in_the_account_column(
    qtbot: QtBot, desktop: Desktop, opened: dict[str, list[int]]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    view = desktop.window.positions
    qtbot.waitUntil(lambda: shown_rows(desktop) >= 6, timeout=10_000)
    assert not view.table.isColumnHidden(ACCOUNT_COLUMN)
    for account_id, tickets in opened.items():
        for ticket in tickets:
            row = view.model.row_of((account_id, ticket))
            assert row is not None
            assert view.model.cell_text(row, ACCOUNT_COLUMN) == NAMES[account_id]


def test_the_account_filter_shows_one_accounts_positions_and_its_figures(
    qtbot: QtBot, desktop: Desktop, opened: dict[str, list[int]]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    view = desktop.window.positions
    qtbot.waitUntil(lambda: shown_rows(desktop) >= 6, timeout=10_000)
    assert view.account_filter.isVisible()

    choose_account(qtbot, view, NAMES[EUR])

    assert {key[0] for key in view.visible_keys()} == {EUR}
    eur = desktop.sim(EUR).account()
    qtbot.waitUntil(lambda: f"Balance: {format_money(eur.balance)}" in view.totals_bar.account_label.text())
    profit = sum(p.profit for p in desktop.sim(EUR).positions().values())
    qtbot.waitUntil(lambda: view.pnl_label.text() == format_money(profit, "EUR", signed=True), timeout=5000)

    choose_account(qtbot, view, "All accounts")
    qtbot.waitUntil(lambda: {key[0] for key in view.visible_keys()} == set(ACCOUNT_IDS), timeout=5000)


def test_with_every_account_shown_the_floating_total_is_given_per_currency(
    qtbot: QtBot, desktop: Desktop, opened: dict[str, list[int]]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    view = desktop.window.positions
    qtbot.waitUntil(lambda: shown_rows(desktop) >= 6, timeout=10_000)
    usd = sum(p.profit for a in (USD_1, USD_2) for p in desktop.sim(a).positions().values())
    eur = sum(p.profit for p in desktop.sim(EUR).positions().values())
    expected = f"{format_money(usd, 'USD', signed=True)} · {format_money(eur, 'EUR', signed=True)}"
    qtbot.waitUntil(lambda: view.pnl_label.text() == expected, timeout=5000)


@pytest.fixture
def menus_on_release() -> Iterator[None]:
    """Context menus open on the right button's release, as on Windows (see tests/scenarios/conftest.py):
    the click is complete before the menu's own event loop starts."""
    hints = QGuiApplication.styleHints()
    assert hints is not None
    trigger = hints.contextMenuTrigger()
    hints.setContextMenuTrigger(Qt.ContextMenuTrigger.Release)
    yield
    hints.setContextMenuTrigger(trigger)


def test_close_all_asks_which_accounts_and_closes_only_theirs(
    qtbot: QtBot, desktop: Desktop, opened: dict[str, list[int]], menus_on_release: None
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    view = desktop.window.positions
    qtbot.waitUntil(lambda: shown_rows(desktop) >= 6, timeout=10_000)
    held = {a: set(desktop.sim(a).positions()) for a in ACCOUNT_IDS}
    said: list[str] = []

    def keep_the_eur_account(dialog: QWidget) -> None:
        boxes = {box.text().split(":")[0]: box for box in dialog.findChildren(QCheckBox)}
        assert set(boxes) == set(NAMES.values()) and all(box.isChecked() for box in boxes.values())
        click(boxes[NAMES[EUR]])
        said.append(button(dialog, "Close").text())
        click(button(dialog, "Close"))

    menu = answer_popup(pick_from_menu("Close all positions…"))
    confirm = answer_modal(keep_the_eur_account)
    viewport = view.table.viewport()
    right_click(viewport, view.table.visualRect(view.model.index(0, 0)).center())
    menu.wait(qtbot)
    confirm.wait(qtbot)

    closing = len(held[USD_1]) + len(held[USD_2])
    assert said == [f"Close {closing} positions"]
    for account_id in (USD_1, USD_2):
        qtbot.waitUntil(partial(flat, desktop, account_id), timeout=15_000)
    assert set(desktop.sim(EUR).positions()) == held[EUR]  # its box was unticked: nothing sent there


# -- a desk of one account --------------------------------------------------------------------------------


def test_a_desk_of_one_account_shows_no_account_column_and_no_account_filter(qtbot: QtBot) -> None:
    view = PositionsView()
    qtbot.addWidget(view)
    view.show()
    hub = EventHub()
    view.subscribe(hub)
    hub.publish(single_snapshot(account_id="main", name="Demo"))
    assert not view.account_filter.isVisible()
    assert view.table.isColumnHidden(ACCOUNT_COLUMN)


LAPTOP_WIDTH, LAPTOP_HEIGHT = 1366, 698  # a 1366x768 screen, less a taskbar and the window's title bar


def cut_columns(table: QTableView) -> list[str]:
    """The shown columns whose widest shown cell is wider than the column (its text elided)."""
    header = table.horizontalHeader()
    model = table.model()
    assert header is not None and isinstance(model, PositionsTableModel)
    return [
        column.key
        for index, column in enumerate(model.columns)
        if not column.stretch
        and not header.isSectionHidden(index)
        and table.sizeHintForColumn(index) > header.sectionSize(index)
    ]


def test_the_trade_tab_of_three_accounts_fits_a_1366_px_window_with_no_number_cut(
    qtbot: QtBot, desktop: Desktop, opened: dict[str, list[int]]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    btc = {(a, desktop.sim(a).open_external("BTCUSD", "buy", 1.0, magic=240_001)) for a in ACCOUNT_IDS}
    window, table = desktop.window, desktop.window.positions.table
    window.resize(LAPTOP_WIDTH, LAPTOP_HEIGHT)
    qtbot.waitUntil(lambda: btc <= set(window.positions.visible_keys()), timeout=10_000)
    qtbot.wait(300)  # the window's layout settles

    assert not table.isColumnHidden(ACCOUNT_COLUMN)
    scroll = table.horizontalScrollBar()
    assert scroll is not None and scroll.maximum() == 0
    assert cut_columns(table) == []


def test_the_window_of_three_accounts_fits_a_1366_by_768_screen(
    qtbot: QtBot, desktop: Desktop, opened: dict[str, list[int]]
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    qtbot.waitUntil(lambda: desktop.window.positions.account_filter.isVisible(), timeout=10_000)

    needed = desktop.window.minimumSizeHint()

    assert needed.width() <= LAPTOP_WIDTH and needed.height() <= LAPTOP_HEIGHT
