"""TotalsBar: the Trade tab's bottom line, as MetaTrader 5 draws it under the positions and never sorts.

Balance, equity, margin, free margin and margin level on the left; the total profit in the Profit
column's place, following that column when the trader resizes or moves it. While the terminal is not
connected it says how old the prices are.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtGui import QPalette, QResizeEvent
from PyQt6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QWidget

from app.core.models import Account
from app.core.number_format import format_money, format_volume
from app.ui.positions.positions_model import Totals
from app.ui.widgets.columns import money_colour
from app.ui.widgets.elided_label import ElidedLabel


def account_line(account: Account | None, equity: float | None = None) -> str:
    """'Balance: 10,000.00  Equity: 10,012.30  Margin: 120.00  Free: 9,892.30  Level: 8,342.75 %' (free
    margin, margin level; the total beside it names the currency), with the latest tick's equity when
    given; '' before the account is known."""
    if account is None:
        return ""
    equity = account.equity if equity is None else equity
    free = equity - account.margin
    level = f"{equity / account.margin * 100:,.2f} %" if account.margin > 0 else "—"
    return (
        f"Balance: {format_money(account.balance)}  Equity: {format_money(equity)}  "
        f"Margin: {format_money(account.margin)}  Free: {format_money(free)}  Level: {level}"
    )


class TotalsBar(QWidget):
    """Account figures on the left, total profit under the table's Profit column; `summary_label` (count
    and lots) is the holder's to place (the Trade tab puts it beside the filter, where there is room)."""

    def __init__(self, header: QHeaderView, profit_column: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._header = header
        self._profit_column = profit_column
        self._account: Account | None = None
        self._equity: float | None = None
        self._prefix = ""  # the account's name when the desk has several
        self._totals = Totals(0, 0.0, 0.0, 0.0)
        self.summary_label = QLabel(self)
        # Cut with "…" rather than pushing the total profit out of its column on a narrow window.
        self.account_label = ElidedLabel("", self)
        self.account_label.setToolTip("Balance, equity, margin, free margin and margin level of the account")
        self.stale_label = QLabel(self)
        self.stale_label.hide()
        self.pnl_label = QLabel(self)  # its right edge kept under the Profit column's
        self.pnl_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.pnl_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._fit_total("")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(4, 2, 4, 2)
        self._row.addWidget(self.account_label, 1)
        self._row.addWidget(self.stale_label)
        self._row.addSpacing(12)
        self._row.addWidget(self.pnl_label)
        self.setMinimumHeight(self.fontMetrics().height() + 8)
        for signal in (header.sectionResized, header.sectionMoved):
            signal.connect(self._place_profit)
        header.geometriesChanged.connect(self._place_profit)
        header.sectionCountChanged.connect(self._place_profit)

    def show_totals(self, totals: Totals) -> None:
        self._totals = totals
        if totals.count == 0:
            summary = "No open positions"
        else:
            noun = "position" if totals.count == 1 else "positions"
            summary = f"{totals.count} {noun} · {format_volume(totals.volume)} lots"
        _set_text(self.summary_label, summary)
        currency = self._account.currency if self._account else ""
        _set_text(self.pnl_label, format_money(totals.profit, currency, signed=True))
        profit, swap = format_money(totals.profit, signed=True), format_money(totals.swap, signed=True)
        floating = format_money(totals.floating, currency, signed=True)
        self.pnl_label.setToolTip(f"Total profit {profit}, swap {swap}: floating P&L {floating}")
        colour = money_colour(totals.profit) or self.palette().color(QPalette.ColorRole.WindowText)
        palette = self.pnl_label.palette()
        if palette.color(QPalette.ColorRole.WindowText) != colour:  # a new palette repaints and relays out
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.pnl_label.setPalette(palette)

    def show_split_profit(self, text: str) -> None:
        """Total profit of several currencies side by side ('+7.82 USD · -9.12 EUR'), in the one total's
        place: money of two currencies is never added."""
        width = self.pnl_label.fontMetrics().horizontalAdvance(text) + 4
        if width > self.pnl_label.width():
            self.pnl_label.setFixedWidth(width)
        _set_text(self.pnl_label, text)
        self.pnl_label.setToolTip("Floating profit of the positions, per account currency")
        palette = self.pnl_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.WindowText))
        self.pnl_label.setPalette(palette)

    def _fit_total(self, currency: str) -> None:
        # A fixed size: a new total each tick then repaints the label alone, with no relayout of the bar.
        widest = self.pnl_label.fontMetrics().horizontalAdvance(f"-88,888,888.88 {currency}".strip())
        self.pnl_label.setFixedSize(widest + 4, self.pnl_label.sizeHint().height())

    def show_account(self, account: Account | None) -> None:
        if account is not None and (self._account is None or self._account.currency != account.currency):
            self._fit_total(account.currency)
        self._account, self._equity = account, None
        self.account_label.setText(self._prefix + account_line(account))
        self.show_totals(self._totals)

    def name_account(self, prefix: str) -> None:
        """Say whose figures these are ('FTMO 1: ') when the desk has several accounts ('' when one)."""
        self._prefix = prefix
        self.account_label.setText(prefix + account_line(self._account, self._equity))

    def show_equity(self, equity: float) -> None:
        """The equity of the latest P&L tick (the account update comes every 5 s)."""
        if equity != self._equity:
            self._equity = equity
            self.account_label.setText(self._prefix + account_line(self._account, equity))

    def show_stale(self, why: str) -> None:
        """Say how old the prices are ('' hides it)."""
        self.stale_label.setText(why)
        self.stale_label.setVisible(bool(why))
        self.pnl_label.setEnabled(not why)  # greyed like the table's live cells

    def _place_profit(self) -> None:
        """Keep the total's right edge under the Profit column's (a right margin for the row)."""
        header = self._header
        column = self._profit_column
        if header.isSectionHidden(column):
            self.pnl_label.hide()
            return
        self.pnl_label.show()
        left = self.mapFrom(self.window(), header.mapTo(self.window(), header.rect().topLeft())).x()
        right_edge = left + header.sectionViewportPosition(column) + header.sectionSize(column)
        margin = max(self.width() - right_edge + 4, 4)
        margins = self._row.contentsMargins()
        if margins.right() != margin:
            self._row.setContentsMargins(margins.left(), margins.top(), margin, margins.bottom())

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self._place_profit()

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "pnl_label"):
            self.show_totals(self._totals)  # a theme switch picks the matching gain/loss colours


def _set_text(label: QLabel, text: str) -> bool:
    """Set a label's text only when it differs (each setText relays out the bar); True when it changed."""
    if label.text() == text:
        return False
    label.setText(text)
    return True
