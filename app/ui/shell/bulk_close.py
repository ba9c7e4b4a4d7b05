"""Close all / profitable / losing: one confirmation listing every position it takes, then one close each.

Each close is its own order through the desk's one-order-in-flight-per-position guard, so a refusal or a
failure of one is reported on its own line in the Event log and does not stop the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import fsum

from PyQt6.QtWidgets import QMessageBox, QWidget

from app.core.enums import OrderAction
from app.core.models import OrderRequest, Position
from app.core.number_format import format_money
from app.ui.positions.positions_view import CloseGroup
from app.ui.trading.modify_dialog import position_title

LISTED = 12  # more than this and the rest go to "Show Details…"

TITLES = {
    CloseGroup.ALL: "Close all positions",
    CloseGroup.PROFITABLE: "Close profitable positions",
    CloseGroup.LOSING: "Close losing positions",
}


def close_line(position: Position, currency: str) -> str:
    """'BUY 0.10 EURUSD #123   +12.00 USD'."""
    return f"{position_title(position)}   {format_money(position.profit, currency, signed=True)}"


def confirm_close_many(
    parent: QWidget | None, group: CloseGroup, positions: Sequence[Position], currency: str = ""
) -> bool:
    """Ask once, listing the positions; True only when the trader confirms (Cancel is the default)."""
    count = len(positions)
    noun = "position" if count == 1 else "positions"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(TITLES[group])
    box.setText(f"Close {count} {noun} at market?")
    lines = [close_line(position, currency) for position in positions]
    total = format_money(fsum(p.profit for p in positions), currency, signed=True)
    shown = lines[:LISTED]
    if count > LISTED:
        shown.append(f"…and {count - LISTED} more (Show Details…)")
        box.setDetailedText("\n".join(lines))
    box.setInformativeText(
        "\n".join(shown) + f"\n\nTheir floating profit now: {total}. Each is closed by its own order; "
        "the Event log says how each one went."
    )
    close = box.addButton(f"Close {count} {noun}", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)  # Enter on a surprise dialog must not close positions
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is close


def close_request(position: Position) -> OrderRequest:
    """A close of the whole position at market."""
    return OrderRequest(action=OrderAction.CLOSE, symbol=position.symbol, ticket=position.ticket, volume=None)
