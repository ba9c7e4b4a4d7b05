"""The order ticket's memory, as MT5's: it opens on the selected position's symbol, else on the last symbol
traded, with the last volume traded and the SL/TP unit last used, this session and the next.

The simulator's clock stands still: EURUSD 1.08717 / 1.08729 (bid / ask).
"""

from __future__ import annotations

from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QRadioButton, QWidget

from app.ui.trading.ticket_memory import TicketMemory, load_ticket_memory
from app.ui.widgets.order_fields import StopUnit
from tests.one_account import MAIN
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    button,
    click,
    click_button,
    field,
    press,
    toolbar_button,
    type_into,
    wait_for_window,
)
from tests.scenarios.steps import pick_symbol, wait_until_pressable


def open_ticket(desktop: Desktop) -> QWidget:
    """The toolbar's New order…; returns the ticket once its symbol's details and quote are in."""
    click(toolbar_button(desktop.window, "New order…"))
    ticket = wait_for_window(desktop.qtbot, "New order")
    desktop.qtbot.waitUntil(lambda: button(ticket, "Sell").isEnabled(), timeout=10_000)
    return ticket


def shown(ticket: QWidget) -> tuple[str, float, bool]:
    """The ticket's symbol, volume, and whether SL/TP are typed in pips."""
    pips = next(b for b in ticket.findChildren(QRadioButton) if b.text() == "Pips")
    volume = field(ticket, "Volume", QDoubleSpinBox).value()
    return field(ticket, "Symbol", QComboBox).currentText(), volume, pips.isChecked()


def sell(desktop: Desktop, symbol: str, lots: str, *, pips: bool = False) -> None:
    click(toolbar_button(desktop.window, "New order…"))
    ticket = wait_for_window(desktop.qtbot, "New order")
    pick_symbol(desktop, ticket, symbol)
    type_into(field(ticket, "Volume", QDoubleSpinBox), lots)
    if pips:
        click_button(ticket, "Pips")
    wait_until_pressable(desktop, ticket, "Sell")
    before = len(desktop.terminal_positions())
    click_button(ticket, "Sell")
    desktop.qtbot.waitUntil(lambda: len(desktop.terminal_positions()) == before + 1, timeout=10_000)


def test_the_ticket_opens_again_on_the_last_symbol_traded_with_its_volume_and_the_pips_unit(
    desktop: Desktop,
) -> None:
    sell(desktop, "GBPUSD", "0.30", pips=True)

    ticket = open_ticket(desktop)

    assert shown(ticket) == ("GBPUSD", 0.3, True)


def test_the_ticket_remembers_across_a_restart(desktop: Desktop) -> None:
    sell(desktop, "USDJPY", "1.20", pips=True)

    kept = load_ticket_memory(
        QSettings(str(desktop.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
    )

    assert kept == TicketMemory("USDJPY", 1.2, StopUnit.PIPS, MAIN)  # what the next start's window reads


def test_the_ticket_opens_on_the_selected_positions_symbol(desktop: Desktop) -> None:
    sell(desktop, "GBPUSD", "0.30")
    held = desktop.open_in_terminal("XAUUSD", "buy", 0.05)
    click(desktop.window.positions.table.viewport(), desktop.row_centre(held, column=2))
    press(desktop.window.positions.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    ticket = wait_for_window(desktop.qtbot, "New order")

    assert field(ticket, "Symbol", QComboBox).currentText() == "XAUUSD"


def test_a_cancelled_ticket_leaves_the_remembered_volume_as_it_was(desktop: Desktop) -> None:
    sell(desktop, "EURUSD", "0.20")
    ticket = open_ticket(desktop)
    type_into(field(ticket, "Volume", QDoubleSpinBox), "5")
    click_button(ticket, "Cancel")

    again = open_ticket(desktop)

    assert shown(again) == ("EURUSD", 0.2, False)
