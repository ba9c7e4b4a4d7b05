"""MetaTrader 5's Trade tab habits: F9, Enter on Buy/Sell, the table's menu, bulk closes, rows that stay put
under the pointer, and prices greyed with their age while the terminal is away.

EURUSD stands at 1.08717 / 1.08729 (bid / ask) until a scenario moves the simulator's clock.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import QApplication, QComboBox

from app.core.enums import OrderAction, Side
from app.ui.widgets.columns import COLUMN_INDEX
from tests.one_account import MAIN
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    answer_modal,
    answer_popup,
    button,
    click,
    field,
    pick_from_menu,
    point_at,
    press,
    press_button,
    right_click,
    save_as,
    wait_for_window,
)

HOUR = 3600.0
PROFIT = COLUMN_INDEX["profit"]


def open_three(desktop: Desktop) -> list[int]:
    return [
        desktop.open_in_terminal("EURUSD", "buy", 0.10),
        desktop.open_in_terminal("GBPUSD", "sell", 0.20),
        desktop.open_in_terminal("USDJPY", "buy", 0.30),
    ]


def shown_profit(desktop: Desktop, ticket: int) -> float:
    position = desktop.window.positions.model.position((MAIN, ticket))
    assert position is not None
    return position.profit


def a_winner_and_a_loser(desktop: Desktop) -> tuple[int, int]:
    """A BUY and a SELL of EURUSD, the market moved until one gains and the other loses (as shown)."""
    buy = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    sell = desktop.open_in_terminal("EURUSD", "sell", 0.10)
    for _ in range(24):
        desktop.clock.advance(HOUR)
        desktop.qtbot.wait(600)  # a few P&L ticks reach the table
        profits = shown_profit(desktop, buy), shown_profit(desktop, sell)
        if min(profits) < 0 < max(profits):
            return (buy, sell) if profits[0] > 0 else (sell, buy)
    raise AssertionError(f"the market never moved past the spread: {profits}")


def executed_texts(desktop: Desktop) -> list[str]:
    return [row["Text"] for row in desktop.event_log() if row["Title"] == "Order executed"]


def test_f9_opens_the_new_order_ticket_on_the_selected_positions_symbol(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("GBPUSD", "sell", 0.10)
    table = desktop.window.positions.table
    click(table.viewport(), desktop.row_centre(ticket))

    press(table, Qt.Key.Key_F9)

    order = wait_for_window(desktop.qtbot, "New order")
    assert field(order, "Symbol", QComboBox).currentText() == "GBPUSD"


def test_enter_on_the_focused_sell_button_places_a_sell(desktop: Desktop) -> None:
    held = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    table = desktop.window.positions.table
    click(table.viewport(), desktop.row_centre(held))
    press(table, Qt.Key.Key_F9)
    order = wait_for_window(desktop.qtbot, "New order")
    desktop.qtbot.waitUntil(lambda: button(order, "Sell").isEnabled(), timeout=10_000)
    sell = button(order, "Sell")
    for _ in range(30):  # Tab through the ticket until the Sell button has the focus
        if QApplication.focusWidget() is sell:
            break
        press(order, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is sell

    press(sell, Qt.Key.Key_Return)

    desktop.qtbot.waitUntil(lambda: len(desktop.terminal_positions()) == 2, timeout=10_000)
    (placed,) = [p for t, p in desktop.terminal_positions().items() if t != held]
    assert (placed.symbol, placed.side) == ("EURUSD", Side.SELL)
    assert desktop.wait_for_log("Order executed")["Text"].startswith("SELL 0.10 EURUSD at")


def test_new_order_from_the_tables_menu_opens_the_ticket(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("USDJPY", "buy", 0.10)
    menu = answer_popup(pick_from_menu("New order…"))

    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(ticket))
    menu.wait(desktop.qtbot)

    order = wait_for_window(desktop.qtbot, "New order")
    assert field(order, "Symbol", QComboBox).currentText() == "USDJPY"


def test_close_all_asks_once_listing_every_position_then_closes_each_with_its_own_log_line(
    desktop: Desktop,
) -> None:
    tickets = open_three(desktop)
    menu = answer_popup(pick_from_menu("Close all positions…"))
    confirm = answer_modal(press_button("Close 3 positions"))

    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(tickets[1]))
    menu.wait(desktop.qtbot)
    confirm.wait(desktop.qtbot)

    assert (confirm.title, confirm.text) == ("Close all positions", "Close 3 positions at market?")
    for ticket, line in zip(tickets, ("BUY 0.10 EURUSD", "SELL 0.20 GBPUSD", "BUY 0.30 USDJPY"), strict=True):
        assert f"{line} #{ticket}" in confirm.details
    desktop.qtbot.waitUntil(lambda: desktop.terminal_positions() == {}, timeout=15_000)
    desktop.qtbot.waitUntil(lambda: len(executed_texts(desktop)) == 3, timeout=10_000)  # one per close
    closes = executed_texts(desktop)
    assert sorted(re.findall(r"#(\d+)", " ".join(closes))) == sorted(map(str, tickets))
    assert len(desktop.journal_trades(OrderAction.CLOSE)) == 3
    desktop.qtbot.waitUntil(lambda: desktop.window.positions.visible_tickets() == [], timeout=10_000)


def test_a_failed_close_in_close_all_is_reported_and_the_others_still_close(desktop: Desktop) -> None:
    tickets = open_three(desktop)
    desktop.sim.force_next_retcode(10018)  # the first close sent meets a closed market
    menu = answer_popup(pick_from_menu("Close all positions…"))
    confirm = answer_modal(press_button("Close 3 positions"))

    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(tickets[0]))
    menu.wait(desktop.qtbot)
    confirm.wait(desktop.qtbot)

    desktop.qtbot.waitUntil(lambda: len(desktop.terminal_positions()) == 1, timeout=15_000)
    desktop.qtbot.wait(500)  # the failed one is not retried behind the trader's back
    (kept,) = desktop.terminal_positions()
    assert kept in tickets
    failed = [row for row in desktop.event_log() if row["Level"] == "Error"]
    assert len(failed) == 1 and failed[0]["Title"].endswith("failed")
    assert "10018" in failed[0]["Text"] or "market" in failed[0]["Text"].lower()
    desktop.qtbot.waitUntil(
        lambda: len([t for t in executed_texts(desktop) if t.startswith("Closed")]) == 2, timeout=10_000
    )
    assert desktop.window.positions.visible_tickets() == [kept]


def test_close_profitable_closes_only_the_positions_in_profit(desktop: Desktop) -> None:
    winner, loser = a_winner_and_a_loser(desktop)
    menu = answer_popup(pick_from_menu("Close profitable positions…"))
    confirm = answer_modal(press_button("Close 1 position"))

    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(loser))
    menu.wait(desktop.qtbot)
    confirm.wait(desktop.qtbot)

    assert confirm.title == "Close profitable positions"
    assert f"#{winner}" in confirm.details and f"#{loser}" not in confirm.details
    desktop.qtbot.waitUntil(lambda: list(desktop.terminal_positions()) == [loser], timeout=15_000)


def test_close_losing_closes_only_the_positions_at_a_loss(desktop: Desktop) -> None:
    winner, loser = a_winner_and_a_loser(desktop)
    menu = answer_popup(pick_from_menu("Close losing positions…"))
    confirm = answer_modal(press_button("Close 1 position"))

    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(winner))
    menu.wait(desktop.qtbot)
    confirm.wait(desktop.qtbot)

    assert f"#{loser}" in confirm.details and f"#{winner}" not in confirm.details
    desktop.qtbot.waitUntil(lambda: list(desktop.terminal_positions()) == [winner], timeout=15_000)


def test_cancel_in_the_bulk_close_question_closes_nothing(desktop: Desktop) -> None:
    tickets = open_three(desktop)
    menu = answer_popup(pick_from_menu("Close all positions…"))
    cancel = answer_modal(press_button("Cancel"))

    right_click(desktop.window.positions.table.viewport(), desktop.row_centre(tickets[0]))
    menu.wait(desktop.qtbot)
    cancel.wait(desktop.qtbot)

    desktop.qtbot.wait(500)
    assert sorted(desktop.terminal_positions()) == sorted(tickets)
    assert desktop.journal_trades(OrderAction.CLOSE) == []


def profit_order(desktop: Desktop, tickets: list[int]) -> list[int]:
    """The tickets as a sort by Profit, largest first, puts them (ties in their current order)."""
    shown = desktop.window.positions.visible_tickets()
    return sorted(tickets, key=lambda t: (-shown_profit(desktop, t), shown.index(t)))


def test_rows_stay_put_under_the_pointer_while_sorted_by_profit_and_catch_up_after(
    desktop: Desktop,
) -> None:
    tickets = [
        desktop.open_in_terminal("EURUSD", "buy", 1.0),
        desktop.open_in_terminal("EURUSD", "sell", 1.0),
        desktop.open_in_terminal("GBPUSD", "buy", 1.0),
        desktop.open_in_terminal("GBPUSD", "sell", 1.0),
    ]
    positions = desktop.window.positions
    header = positions.table.header()
    on_profit = QPoint(header.sectionViewportPosition(PROFIT) + 10, header.height() // 2)
    click(header, on_profit)
    if header.sortIndicatorOrder() != Qt.SortOrder.DescendingOrder:
        click(header, on_profit)  # largest first, as a trader watching profits sorts them
    before = positions.visible_tickets()
    pointed = before[1]
    point_at(positions.table.viewport(), desktop.row_centre(pointed))

    for _ in range(24):  # the market moves until the sort would put the rows in another order
        desktop.clock.advance(HOUR)
        desktop.qtbot.wait(600)
        if profit_order(desktop, tickets) != before:
            break
    assert profit_order(desktop, tickets) != before, "the market never reordered the positions"
    desktop.qtbot.wait(500)  # several repaints pass

    assert positions.visible_tickets() == before
    assert positions.ticket_at(positions.table.indexAt(desktop.row_centre(pointed))) == pointed
    point_at(desktop.window.account)  # the hand leaves the table
    desktop.qtbot.waitUntil(
        lambda: positions.visible_tickets() == profit_order(desktop, tickets), timeout=5_000
    )


def test_prices_are_greyed_with_their_age_while_the_terminal_is_away(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10)
    positions = desktop.window.positions
    profit = positions.model.index(desktop.visible_row(ticket), PROFIT)
    live_colour = profit.data(Qt.ItemDataRole.ForegroundRole)

    desktop.sim.disconnect()

    stale = positions.totals_bar.stale_label
    desktop.qtbot.waitUntil(stale.isVisible, timeout=15_000)
    desktop.qtbot.waitUntil(lambda: re.match(r"Prices [2-9] s old", stale.text()) is not None, timeout=10_000)
    grey = QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert profit.data(Qt.ItemDataRole.ForegroundRole) == grey
    assert profit.data(Qt.ItemDataRole.ToolTipRole) == stale.text()
    assert stale.text().endswith(("reconnecting", "disconnected", "not answering"))
    assert not positions.pnl_label.isEnabled()
    desktop.sim.restore()
    desktop.qtbot.waitUntil(lambda: not stale.isVisible(), timeout=30_000)
    assert profit.data(Qt.ItemDataRole.ForegroundRole) == live_colour
    assert positions.pnl_label.isEnabled()


def header_point(desktop: Desktop, column: int) -> QPoint:
    header = desktop.window.positions.table.header()
    return QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2)


def test_the_headers_menu_shows_the_hidden_magic_column(desktop: Desktop) -> None:
    ticket = desktop.open_in_terminal("EURUSD", "buy", 0.10, magic=240001)
    header = desktop.window.positions.table.header()
    magic = COLUMN_INDEX["magic"]
    assert header.isSectionHidden(magic)
    menu = answer_popup(pick_from_menu("Magic / model"))

    right_click(header, header_point(desktop, COLUMN_INDEX["symbol"]))
    menu.wait(desktop.qtbot)

    assert not header.isSectionHidden(magic)
    row = desktop.window.positions.model.row_of((MAIN, ticket))
    assert row is not None
    assert desktop.window.positions.model.index(row, magic).data() == "240001"


def test_export_csv_from_the_headers_menu_saves_the_positions_as_shown(
    desktop: Desktop, tmp_path: Path
) -> None:
    tickets = open_three(desktop)
    target = tmp_path / "exports" / "open.csv"
    target.parent.mkdir()

    menu = answer_popup(pick_from_menu("Export CSV…"))
    saving = answer_modal(save_as(target))
    header = desktop.window.positions.table.header()
    right_click(header, header_point(desktop, COLUMN_INDEX["profit"]))
    menu.wait(desktop.qtbot)
    saving.wait(desktop.qtbot)

    assert saving.title == "Export open positions"
    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["Symbol"], r["Ticket"], r["Type"], r["Volume"]) for r in rows] == [
        ("EURUSD", str(tickets[0]), "BUY", "0.10"),
        ("GBPUSD", str(tickets[1]), "SELL", "0.20"),
        ("USDJPY", str(tickets[2]), "BUY", "0.30"),
    ]
    status = desktop.window.statusBar()
    assert status is not None and status.currentMessage() == f"Exported 3 rows to {target}"
