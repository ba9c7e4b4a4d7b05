"""Placing a market order with the order ticket: symbol, volume, SL/TP in price or pips, comment.

The simulator's clock stands still: EURUSD 1.08717 / 1.08729 (bid / ask).
"""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QLineEdit

from app.core.enums import OrderAction, Side, TradeStatus
from app.core.models import Position
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    button,
    choose,
    click,
    click_button,
    field,
    is_shown,
    row_as_dict,
    toolbar_button,
    type_into,
    wait_for_window,
)
from tests.scenarios.steps import open_ticket_with_ctrl_n, pick_symbol, wait_until_pressable


def only_position(desktop: Desktop) -> Position:
    desktop.qtbot.waitUntil(lambda: len(desktop.terminal_positions()) == 1, timeout=10_000)
    (position,) = desktop.terminal_positions().values()
    return position


def test_buy_with_stop_loss_and_take_profit_typed_as_prices(desktop: Desktop) -> None:
    ticket = open_ticket_with_ctrl_n(desktop)
    pick_symbol(desktop, ticket, "EURUSD")
    type_into(field(ticket, "Volume", QDoubleSpinBox), "0.25")
    type_into(field(ticket, "Stop loss", QLineEdit), "1.08500")
    type_into(field(ticket, "Take profit", QLineEdit), "1.09000")
    wait_until_pressable(desktop, ticket, "Buy")
    assert button(ticket, "Buy").text() == "Buy at ASK\n1.08729"

    click_button(ticket, "Buy")

    position = only_position(desktop)
    assert (position.symbol, position.side, position.volume) == ("EURUSD", Side.BUY, 0.25)
    assert (position.price_open, position.sl, position.tp) == (1.08729, 1.085, 1.09)
    assert not is_shown("New order")  # the ticket closed itself
    row = row_as_dict(desktop.window.positions.table, desktop.wait_for_row(int(position.ticket)))
    assert (row["Type"], row["Volume"], row["S/L"], row["T/P"]) == ("BUY", "0.25", "1.08500", "1.09000")
    assert desktop.wait_for_log("Order executed")["Text"] == "BUY 0.25 EURUSD at 1.08729"
    (trade,) = desktop.journal_trades(OrderAction.OPEN)
    assert (trade.status, trade.position_ticket, trade.sl, trade.tp) == (
        TradeStatus.OPEN, position.ticket, 1.085, 1.09,
    )  # fmt: skip


def test_sell_with_stop_loss_and_take_profit_typed_in_pips(desktop: Desktop) -> None:
    click(toolbar_button(desktop.window, "New order…"))
    ticket = wait_for_window(desktop.qtbot, "New order")
    pick_symbol(desktop, ticket, "EURUSD")
    wait_until_pressable(desktop, ticket, "Sell")
    click_button(ticket, "Pips")
    type_into(field(ticket, "Stop loss", QLineEdit), "20")
    type_into(field(ticket, "Take profit", QLineEdit), "40")
    hints = {label.text() for label in ticket.findChildren(QLabel) if label.isVisible()}
    assert {"Sell → 1.08917", "Sell → 1.08317"} <= {part for hint in hints for part in hint.split(" · ")}

    click_button(ticket, "Sell")

    position = only_position(desktop)
    assert (position.symbol, position.side, position.volume) == ("EURUSD", Side.SELL, 0.1)
    assert (position.price_open, position.sl, position.tp) == (1.08717, 1.08917, 1.08317)
    assert desktop.wait_for_log("Order executed")["Text"] == "SELL 0.10 EURUSD at 1.08717"


def test_a_symbol_typed_in_part_and_entered_is_the_one_traded(desktop: Desktop) -> None:
    ticket = open_ticket_with_ctrl_n(desktop)
    pick_symbol(desktop, ticket, "xau")
    symbols = field(ticket, "Symbol", QComboBox)
    assert symbols.currentText() == "XAUUSD"
    wait_until_pressable(desktop, ticket, "Buy")
    type_into(field(ticket, "Volume", QDoubleSpinBox), "0.01")

    click_button(ticket, "Buy")

    position = only_position(desktop)
    assert (position.symbol, position.side, position.volume) == ("XAUUSD", Side.BUY, 0.01)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("xyz", "xyz is not one of the broker's symbols: pick one from the list."),
        ("usd", "usd is part of 8 symbols (AUDUSD, BTCUSD, EURUSD, GBPUSD, USDCAD, …): type more of the "
         "name or pick one from the list."),
    ],
    ids=["unknown", "ambiguous"],
)  # fmt: skip
def test_a_symbol_that_is_not_one_of_the_brokers_disables_buy_and_sell_and_says_why(
    desktop: Desktop, typed: str, says: str
) -> None:
    ticket = open_ticket_with_ctrl_n(desktop)
    pick_symbol(desktop, ticket, "EURUSD")
    wait_until_pressable(desktop, ticket, "Buy")

    pick_symbol(desktop, ticket, typed)

    assert not button(ticket, "Buy").isEnabled() and not button(ticket, "Sell").isEnabled()
    assert button(ticket, "Buy").text() == "Buy at ASK\n—"
    red = [
        label.text() for label in ticket.findChildren(QLabel) if label.isVisible() and label.text() == says
    ]
    assert red == [says]
    desktop.qtbot.wait(300)
    assert desktop.terminal_positions() == {}


def test_the_traders_comment_is_kept_whole_and_shown_without_the_desks_tag(desktop: Desktop) -> None:
    ticket = open_ticket_with_ctrl_n(desktop)
    pick_symbol(desktop, ticket, "EURUSD")
    comment = field(ticket, "Comment", QLineEdit)
    type_into(comment, "my scalp trade")
    room = [label.text() for label in ticket.findChildren(QLabel) if label.text().startswith("14 of 15")]
    assert room == ["14 of 15 characters · MT5 keeps 29, the desk's order id takes 14"]
    wait_until_pressable(desktop, ticket, "Buy")

    click_button(ticket, "Buy")

    position = only_position(desktop)
    assert position.comment.startswith("MD-") and position.comment.endswith(" my scalp trade")
    row = row_as_dict(desktop.window.positions.table, desktop.wait_for_row(int(position.ticket)))
    assert row["Comment"] == "my scalp trade"
    (trade,) = desktop.journal_trades(OrderAction.OPEN)
    assert (trade.note, trade.comment) == ("my scalp trade", position.comment)


def test_a_comment_longer_than_mt5_keeps_is_stopped_with_a_word_why(desktop: Desktop) -> None:
    ticket = open_ticket_with_ctrl_n(desktop)
    comment = field(ticket, "Comment", QLineEdit)
    type_into(comment, "a very long comment indeed")
    assert comment.text() == "a very long com"
    full = [label.text() for label in ticket.findChildren(QLabel) if label.text().startswith("15 of 15")]
    assert full == ["15 of 15 characters: that is all MT5 keeps beside the order id"]


def test_the_ticket_is_also_on_the_desk_menu(desktop: Desktop) -> None:
    choose(desktop.qtbot, desktop.window, "Desk", "New order…")
    assert wait_for_window(desktop.qtbot, "New order").isVisible()
