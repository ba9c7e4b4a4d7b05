"""AccountStrip: one line per account (name, its currency, link state, balance, equity, floating P&L,
margin level, each at its currency's digits) and one line of totals per currency, for a desk of several
accounts. The currency has a column of its own rather than a suffix on every figure: the strip then fits
the right-hand panel of a 1366-pixel-wide screen.

Events only fold into `AccountLines` and mark the strip dirty; its owner (the account panel) calls `flush`
from its repaint, and asks it to `renew_ages` once a second, which marks it dirty while an account is down
("Disconnected 3 min ago" grows). Clicking a line (or moving onto it with the arrow keys) chooses that
account for the details below the strip.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PyQt6.QtCore import Qt, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QColor, QFont, QPalette
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from app.core.account_lines import AccountLine, AccountLines
from app.core.enums import AccountTradeMode
from app.core.events import Event
from app.core.number_format import format_money, masked_login
from app.core.state import CurrencyTotals
from app.ui.account.status_indicator import STATE_COLOURS, account_state_text
from app.ui.widgets.columns import money_colour, trade_colours

MISSING = "—"
# Short headers (their tooltips say it in full): the strip has to fit the narrow right-hand panel.
HEADERS = ("Account", "Cur.", "State", "Balance", "Equity", "Floating", "Margin %")
_TOOLTIPS = (
    "The account's name in Settings → Accounts",
    "The account's currency: the money on its line is in it",
    "The link to its MetaTrader 5 terminal; when not connected, since when",
    "Balance: deposits plus closed trades",
    "Equity: balance plus floating P&L",
    "Floating P&L: profit and swap of the open positions",
    "Margin level: equity / margin × 100; the broker's stop-out acts on this",
)
# Beyond this many lines the strip scrolls instead of pushing the details away: ten on a tall screen, five
# on a laptop's 768 px (three accounts in two currencies; more would push the window past the screen).
_MOST_ROWS_SHOWN, _MOST_ROWS_SHOWN_SHORT, _TALL_SCREEN = 10, 5, 900


def _utc_now() -> datetime:
    return datetime.now(UTC)


def margin_level_text(equity: float, margin: float) -> str:
    """Equity / margin as a percentage; "—" without margin in use (the level is undefined then)."""
    return f"{equity / margin * 100:,.2f} %" if margin > 0 else MISSING


class AccountStrip(QTableWidget):
    """The desk's accounts, one per line, and totals per currency; `account_chosen` names the line the
    trader picks (a totals line chooses nothing)."""

    account_chosen = pyqtSignal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        mask_login: bool = False,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("account-strip")
        self.lines = AccountLines()
        self._now = now
        self._mask_login = mask_login
        self._ids: list[str] = []  # account id of each account row, in row order
        self._chosen: str | None = None
        self._dirty = False
        self.setHorizontalHeaderLabels(HEADERS)
        for column, tip in enumerate(_TOOLTIPS):
            header_item = self.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(tip)
        vertical = self.verticalHeader()
        if vertical is not None:
            vertical.hide()
            vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)  # compact lines, as a table
        header = self.horizontalHeader()
        if header is not None:
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            # The name gives way first (its tooltip has it whole); the figures are never cut.
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            header.setStretchLastSection(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        sideways = self.horizontalScrollBar()
        assert sideways is not None  # a scroll area always has its scroll bars
        sideways.rangeChanged.connect(lambda _low, _high: self._fit_height())
        self.currentCellChanged.connect(self._on_current)
        self.flush()

    # --- feeding -----------------------------------------------------------------------------------

    def apply(self, event: Event) -> bool:
        """Fold one event in; True when the strip has something new to show at the next flush."""
        if self.lines.apply(event):
            self._dirty = True
        return self._dirty

    def set_mask_login(self, mask: bool) -> None:
        self._mask_login = mask
        self._dirty = True

    def show_chosen(self, account_id: str | None) -> None:
        """Mark this account's line as the one the details show, without announcing it (None: the first)."""
        self._chosen = account_id
        self._dirty = True

    @property
    def chosen(self) -> str | None:
        """The account whose line is selected (None: none yet)."""
        return self._chosen

    def renew_ages(self) -> bool:
        """Called once a second: True (and dirty) while an account's "down since" age is shown."""
        if self.lines.several and any(line.enabled and not line.connected for line in self.lines.lines):
            self._dirty = True
        return self._dirty

    @pyqtSlot(int, int, int, int)
    def _on_current(self, row: int, _column: int, _old_row: int, _old_column: int) -> None:
        if 0 <= row < len(self._ids) and self._ids[row] != self._chosen:
            self._chosen = self._ids[row]
            self.account_chosen.emit(self._chosen)

    # --- painting ----------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        """Write the folded lines into the table (the owner's repaint calls this; tests may too)."""
        self._dirty = False
        lines = self.lines.lines
        totals = self.lines.totals() if len(lines) > 1 else []
        rows = len(lines) + len(totals)
        ids = [line.account_id for line in lines]
        self.blockSignals(True)
        try:
            if rows != self.rowCount():
                self.setRowCount(rows)
            self._ids = ids
            now = self._now()
            for row, line in enumerate(lines):
                self._paint_line(row, line, now)
            for offset, total in enumerate(totals):
                self._paint_total(len(lines) + offset, total)
            gone = self._chosen is not None and self._chosen not in ids
            if self._chosen not in ids:
                self._chosen = ids[0] if ids else None
            if self._chosen is not None:
                row = ids.index(self._chosen)
                if self.currentRow() != row:
                    self.setCurrentCell(row, 0)
        finally:
            self.blockSignals(False)
        self._fit_height()
        if gone and self._chosen is not None:  # the account shown left the desk: the details follow
            self.account_chosen.emit(self._chosen)

    def _paint_line(self, row: int, line: AccountLine, now: datetime) -> None:
        account = line.account if line.enabled else None
        self._cell(row, 0, line.label, tooltip=self._who(line), bold=False)
        known = line.account  # the currency stays known while the account is switched off
        self._cell(row, 1, known.currency if known is not None else MISSING)
        state_colour = None if not line.enabled else STATE_COLOURS[line.status.state]
        tip = line.status.message if not line.connected and line.status.message else ""
        self._cell(row, 2, account_state_text(line, now), state_colour, tooltip=tip)
        if account is None:
            for column in range(3, len(HEADERS)):
                self._cell(row, column, MISSING, numeric=True)
            return
        digits = account.currency_digits
        self._cell(row, 3, format_money(account.balance, digits=digits), numeric=True)
        self._cell(row, 4, format_money(account.equity, digits=digits), numeric=True)
        floating = format_money(account.profit, signed=True, digits=digits)
        self._cell(row, 5, floating, money_colour(account.profit), numeric=True)
        low = account.margin > 0 and account.equity / account.margin * 100 < 100
        level = margin_level_text(account.equity, account.margin)
        self._cell(row, 6, level, trade_colours().loss if low else None, numeric=True)

    def _paint_total(self, row: int, total: CurrencyTotals) -> None:
        currency = total.currency
        accounts = "1 account" if total.accounts == 1 else f"{total.accounts} accounts"
        self._cell(row, 0, f"Total {currency}", bold=True, tooltip=f"The {accounts} kept in {currency}")
        self._cell(row, 1, currency, bold=True)
        self._cell(row, 2, accounts, bold=True)
        self._cell(row, 3, format_money(total.balance), bold=True, numeric=True)
        self._cell(row, 4, format_money(total.equity), bold=True, numeric=True)
        floating = format_money(total.floating, signed=True)
        self._cell(row, 5, floating, money_colour(total.floating), bold=True, numeric=True)
        self._cell(row, 6, margin_level_text(total.equity, total.margin), bold=True, numeric=True)

    def _who(self, line: AccountLine) -> str:
        account = line.account
        if account is None:
            return f"{line.label} (id {line.account_id}): not read yet"
        login = masked_login(account.login) if self._mask_login else str(account.login)
        kind = "REAL money" if account.trade_mode is AccountTradeMode.REAL else account.trade_mode.value
        return f"{line.label}: {login} @ {account.server} ({kind})"

    def _cell(
        self,
        row: int,
        column: int,
        text: str,
        colour: QColor | None = None,
        *,
        bold: bool = False,
        numeric: bool = False,
        tooltip: str = "",
    ) -> None:
        item = self.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            self.setItem(row, column, item)
        if item.text() != text:
            item.setText(text)
        item.setToolTip(tooltip)
        ink = colour or self.palette().color(QPalette.ColorRole.Text)
        item.setForeground(ink)
        if item.font().bold() != bold:
            font = QFont(item.font())
            font.setBold(bold)
            item.setFont(font)
        if numeric:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _fit_height(self) -> None:
        """As tall as its lines (up to ten, five on a short screen), and its sideways scroll bar when the
        panel is too narrow."""
        header = self.horizontalHeader()
        screen = self.screen()
        tall = screen is None or screen.availableGeometry().height() >= _TALL_SCREEN
        shown = min(self.rowCount(), _MOST_ROWS_SHOWN if tall else _MOST_ROWS_SHOWN_SHORT)
        height = (header.sizeHint().height() if header is not None else 0) + 2 * self.frameWidth()
        height += sum(self.rowHeight(row) for row in range(shown))
        sideways = self.horizontalScrollBar()
        if sideways is not None and sideways.maximum() > 0:
            height += sideways.sizeHint().height()
        self.setFixedHeight(height)

    # --- reading (tests, screenshots) --------------------------------------------------------------

    def text_at(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""

    def row_texts(self, row: int) -> tuple[str, ...]:
        return tuple(self.text_at(row, column) for column in range(self.columnCount()))

    def colour_at(self, row: int, column: int) -> QColor:
        item = self.item(row, column)
        return item.foreground().color() if item is not None else QColor()
