"""PositionsView: sorting and selection that survive updates, symbol filter, footer, trade actions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PyQt6.QtCore import QByteArray, Qt, QTimer
from PyQt6.QtWidgets import QApplication, QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState
from app.core.events import AccountsUpdate, AccountUpdate, PositionsUpdate, StatusUpdate
from app.core.models import Account, DeskAccount, TerminalStatus
from app.engine.hub import EventHub
from app.ui.positions.positions_view import MENU_HOLD, PositionsView
from app.ui.widgets.columns import COLUMN_INDEX, trade_colours
from app.ui.widgets.record_view import POINTER_HOLD
from tests.scenarios.driver import answer_popup, dismiss, right_click
from tests.ui.positions_events import closed, make_position, opened, pnl

PROFIT = COLUMN_INDEX["profit"]


@pytest.fixture
def view(qtbot: QtBot) -> PositionsView:
    widget = PositionsView()
    qtbot.addWidget(widget)
    widget.resize(1000, 400)
    widget.model.apply(
        opened(
            make_position(1, "EURUSD", profit=5.0),
            make_position(2, "USDJPY", price_open=151.2, price_current=151.3, profit=-12.0, volume=0.5),
            make_position(3, "EURGBP", profit=30.0, swap=-1.5),
            make_position(4, "XAUUSD", price_open=2650.0, price_current=2651.0, profit=1.0, volume=0.02),
        )
    )
    widget.model.flush()
    return widget


@pytest.fixture
def read_only_view(qtbot: QtBot) -> PositionsView:
    widget = PositionsView(read_only=True)
    qtbot.addWidget(widget)
    widget.model.apply(opened(make_position(1), make_position(2)))
    widget.model.flush()
    return widget


def sort_by_profit(view: PositionsView, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
    view.table.sortByColumn(PROFIT, order)


def test_rows_show_in_arrival_order_until_a_column_is_sorted(view: PositionsView) -> None:
    assert view.visible_tickets() == [1, 2, 3, 4]


def test_sorting_by_profit_orders_by_the_number_not_the_text(view: PositionsView) -> None:
    sort_by_profit(view)

    assert view.visible_tickets() == [2, 4, 1, 3]


def test_sort_by_profit_stays_correct_after_pnl_updates(view: PositionsView) -> None:
    sort_by_profit(view, Qt.SortOrder.DescendingOrder)

    view.model.apply(pnl({2: (151.6, 50.0), 3: (1.08, -40.0)}))
    view.model.flush()

    assert view.visible_tickets() == [2, 1, 4, 3]


def test_a_new_position_takes_its_place_in_the_sort_at_the_next_repaint(view: PositionsView) -> None:
    sort_by_profit(view)

    view.model.apply(opened(make_position(5, profit=2.0)))
    assert view.visible_tickets() == [2, 4, 1, 3, 5]  # inserted at the bottom at once
    view.model.flush()

    assert view.visible_tickets() == [2, 4, 5, 1, 3]


def test_unset_stop_loss_sorts_after_set_ones(view: PositionsView) -> None:
    view.model.apply(
        PositionsUpdate(
            positions=(make_position(1, profit=5.0, sl=1.08),), added=(), removed=(), modified=(1,)
        )
    )
    view.model.flush()

    view.table.sortByColumn(COLUMN_INDEX["sl"], Qt.SortOrder.AscendingOrder)

    assert view.visible_tickets()[0] == 1


def test_selection_follows_its_ticket_when_a_resort_moves_the_row(view: PositionsView) -> None:
    sort_by_profit(view)
    view.select_ticket(1)

    view.model.apply(pnl({1: (1.07, -99.0)}))
    view.model.flush()

    assert view.visible_tickets()[0] == 1
    assert view.selected_ticket() == 1


def test_selection_survives_inserts_and_removals_of_other_rows(view: PositionsView) -> None:
    view.select_ticket(3)

    view.model.apply(closed(1, 2))
    view.model.apply(opened(make_position(9), make_position(10)))
    view.model.flush()

    assert view.selected_ticket() == 3
    assert view.table.selectionModel().selectedRows()[0].row() == 0


def test_selection_is_cleared_when_its_position_closes(view: PositionsView) -> None:
    view.select_ticket(2)

    view.model.apply(closed(2))

    assert view.selected_ticket() is None


def test_filter_shows_only_symbols_containing_the_text(view: PositionsView) -> None:
    view.filter_edit.setText("eur")

    assert view.visible_tickets() == [1, 3]

    view.filter_edit.clear()
    assert view.visible_tickets() == [1, 2, 3, 4]


def test_filter_applies_to_positions_opened_later(view: PositionsView) -> None:
    view.filter_edit.setText("JPY")

    view.model.apply(opened(make_position(7, "GBPJPY"), make_position(8, "GBPUSD")))

    assert view.visible_tickets() == [2, 7]


def test_bottom_line_shows_count_volume_and_total_profit_with_the_floating_pnl_in_its_tooltip(
    view: PositionsView,
) -> None:
    assert view.summary_label.text() == "4 positions · 0.72 lots"
    assert view.pnl_label.text() == "+24.00"
    assert view.pnl_label.toolTip() == "Total profit +24.00, swap -1.50: floating P&L +22.50"


def test_footer_follows_updates_and_colours_a_loss_red(view: PositionsView) -> None:
    view.model.apply(closed(3, 4))
    view.model.apply(pnl({1: (1.08, -20.0)}))
    view.model.flush()

    assert view.summary_label.text() == "2 positions · 0.60 lots"
    assert view.pnl_label.text() == "-32.00"
    assert view.pnl_label.palette().color(view.pnl_label.foregroundRole()) == trade_colours().loss


def test_footer_says_when_nothing_is_open(qtbot: QtBot) -> None:
    empty = PositionsView()
    qtbot.addWidget(empty)

    assert empty.summary_label.text() == "No open positions"
    assert empty.pnl_label.text() == "0.00"


def test_context_menu_close_carries_the_ticket(qtbot: QtBot, view: PositionsView) -> None:
    menu = view.context_menu(("", 3))
    assert menu is not None
    close = next(a for a in menu.actions() if a.text() == "Close position")

    with qtbot.waitSignal(view.close_requested) as signal:
        close.trigger()

    assert signal.args == [("", 3), None]


def test_context_menu_modify_carries_the_ticket(qtbot: QtBot, view: PositionsView) -> None:
    menu = view.context_menu(("", 2))
    assert menu is not None
    modify = next(a for a in menu.actions() if a.text() == "Modify SL/TP…")

    with qtbot.waitSignal(view.modify_requested) as signal:
        modify.trigger()

    assert signal.args == [("", 2)]


def test_partial_close_asks_for_a_volume_bounded_by_the_position(qtbot: QtBot, view: PositionsView) -> None:
    menu = view.context_menu(("", 2))
    assert menu is not None
    partial = next(a for a in menu.actions() if a.text() == "Close partially…")
    bounds: list[tuple[float, float]] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        bounds.append((dialog.doubleMinimum(), dialog.doubleMaximum()))
        dialog.setDoubleValue(9.0)  # more than is open: clamped to the position's 0.5 lots
        dialog.accept()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(view.close_requested) as signal:
        partial.trigger()

    assert bounds == [(0.01, 0.5)]
    assert signal.args == [("", 2), 0.5]


def test_cancelled_partial_close_requests_nothing(qtbot: QtBot, view: PositionsView) -> None:
    menu = view.context_menu(("", 1))
    assert menu is not None
    partial = next(a for a in menu.actions() if a.text() == "Close partially…")
    requests: list[object] = []
    view.close_requested.connect(lambda *args: requests.append(args))

    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    partial.trigger()

    assert requests == []


@pytest.mark.parametrize("key", ["Delete", "Ctrl+W"])
def test_close_key_on_a_selected_row_requests_a_full_close(
    qtbot: QtBot, view: PositionsView, key: str
) -> None:
    view.select_ticket(4)
    modifier = Qt.KeyboardModifier.ControlModifier if key == "Ctrl+W" else Qt.KeyboardModifier.NoModifier
    qt_key = Qt.Key.Key_W if key == "Ctrl+W" else Qt.Key.Key_Delete

    with qtbot.waitSignal(view.close_requested, timeout=1000) as signal:
        qtbot.keyClick(view.table, qt_key, modifier)

    assert signal.args == [("", 4), None]


def test_double_click_requests_modify(qtbot: QtBot, view: PositionsView) -> None:
    view.show()
    qtbot.waitExposed(view)
    cell = view.table.visualRect(view.model.index(1, PROFIT)).center()

    with qtbot.waitSignal(view.modify_requested, timeout=1000) as signal:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)

    assert signal.args == [("", 2)]


def test_read_only_view_has_no_trade_actions(qtbot: QtBot, read_only_view: PositionsView) -> None:
    requests: list[object] = []
    read_only_view.close_requested.connect(lambda *args: requests.append(args))
    read_only_view.modify_requested.connect(lambda *args: requests.append(args))
    read_only_view.show()
    qtbot.waitExposed(read_only_view)
    read_only_view.select_ticket(1)

    qtbot.keyClick(read_only_view.table, Qt.Key.Key_Delete)
    qtbot.keyClick(read_only_view.table, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    cell = read_only_view.table.visualRect(read_only_view.model.index(0, 0)).center()
    qtbot.mouseClick(read_only_view.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(read_only_view.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)

    assert read_only_view.context_menu(("", 1)) is None
    assert read_only_view.table.close_keys == ()
    assert read_only_view.table.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    assert requests == []


def test_header_state_restores_widths_order_and_sort(qtbot: QtBot, view: PositionsView) -> None:
    header = view.table.horizontalHeader()
    header.resizeSection(2, 173)
    header.moveSection(PROFIT, 0)
    sort_by_profit(view, Qt.SortOrder.DescendingOrder)
    state = view.header_state()
    other = PositionsView()
    qtbot.addWidget(other)
    other.model.apply(opened(make_position(1, profit=1.0), make_position(2, profit=3.0)))

    assert other.restore_header_state(state)

    restored = other.table.horizontalHeader()
    assert restored.sectionSize(2) == 173
    assert restored.logicalIndex(0) == PROFIT
    assert other.visible_tickets() == [2, 1]


def test_unreadable_header_state_keeps_the_defaults(qtbot: QtBot) -> None:
    widget = PositionsView()
    qtbot.addWidget(widget)

    assert not widget.restore_header_state(QByteArray(b"not a header state"))
    assert widget.table.horizontalHeader().logicalIndex(0) == 0


def test_rows_stay_put_while_the_rows_menu_is_open_and_the_menu_lets_go_after(
    qtbot: QtBot, view: PositionsView
) -> None:
    view.show()
    qtbot.waitExposed(view)
    sort_by_profit(view, Qt.SortOrder.DescendingOrder)
    assert view.visible_tickets() == [3, 1, 4, 2]
    seen: list[list[int]] = []

    def look(menu: QWidget) -> None:
        view.model.apply(pnl({2: (151.6, 99.0)}))  # a tick that would put #2 on top
        view.model.flush()
        seen.append(view.visible_tickets())
        dismiss(menu)

    menu = answer_popup(look)
    right_click(view.table.viewport(), view.table.visualRect(view.model.index(1, 0)).center())
    menu.wait(qtbot)

    assert seen == [[3, 1, 4, 2]]
    assert MENU_HOLD not in view.model.held_by  # the menu let go (the pointer may still hold the rows)
    view.model.hold(POINTER_HOLD, False)  # as the pointer leaving the table does
    view.model.flush()
    assert view.visible_tickets() == [2, 3, 1, 4]


def status(state: ConnectionState) -> StatusUpdate:
    return StatusUpdate(status=TerminalStatus(state=state, mt5_connected=state is ConnectionState.CONNECTED))


def test_prices_grey_while_the_terminal_is_not_answering_and_come_back_when_it_is(
    view: PositionsView,
) -> None:
    hub = EventHub()
    view.subscribe(hub)
    profit = view.model.index(0, PROFIT)
    live = profit.data(Qt.ItemDataRole.ForegroundRole)

    hub.publish(status(ConnectionState.STALE))
    view.update_hook()

    assert view.totals_bar.stale_label.text() == "Prices 0 s old: MetaTrader 5 is not answering"
    assert profit.data(Qt.ItemDataRole.ToolTipRole) == view.totals_bar.stale_label.text()
    assert profit.data(Qt.ItemDataRole.ForegroundRole) != live
    hub.publish(status(ConnectionState.CONNECTED))
    view.update_hook()
    assert view.totals_bar.stale_label.isHidden()
    assert profit.data(Qt.ItemDataRole.ForegroundRole) == live


def money_account(currency: str) -> Account:
    return Account(
        login=1, name="Trader", server="Demo", company="Broker", currency=currency, leverage=100,
        balance=10_000.0, equity=10_000.0, margin=0.0, margin_free=10_000.0, margin_level=0.0, profit=0.0,
    )  # fmt: skip


def test_the_floating_totals_per_currency_follow_the_desks_account_order_not_arrival(qtbot: QtBot) -> None:
    view = PositionsView()
    qtbot.addWidget(view)
    hub = EventHub()
    view.subscribe(hub)
    hub.publish(AccountsUpdate(accounts=(DeskAccount("usd", "Demo USD"), DeskAccount("eur", "Prop EUR"))))
    # The EUR account's figures and positions arrive first.
    for account_id, currency, ticket, profit in (("eur", "EUR", 1, -5.0), ("usd", "USD", 2, 7.0)):
        hub.publish(AccountUpdate(account=money_account(currency), account_id=account_id))
        position = make_position(ticket, profit=profit)
        added = PositionsUpdate(positions=(position,), added=(ticket,), removed=(), modified=())
        hub.publish(replace(added, account_id=account_id))

    view.update_hook()

    assert view.pnl_label.text() == "+7.00 USD · -5.00 EUR"
