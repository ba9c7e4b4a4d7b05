"""PositionsView: MetaTrader 5's Trade tab: live positions, a symbol filter, the bottom line, trade actions.

The view never trades: its menu and keys only emit requests (`close_requested`, `modify_requested`,
`close_many_requested`, `new_order_requested`) naming each position by (account, ticket); whoever
receives them confirms and routes the orders to the position's own account.
In read-only mode (remote viewer) those actions do not exist at all. Rows stay where they are while the
pointer is over the table or a menu or dialog about a row is open, and catch up with the sort after.
While an account's terminal is not connected its prices and profits are greyed and the bottom line says
how old they are. On a desk of several accounts the Account column shows and an account filter sits beside
the symbol filter; the bottom line then gives the chosen account's figures, and with every account shown
the floating total per currency (money of two currencies is never added).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum

from PyQt6.QtCore import QByteArray, QModelIndex, QPoint, Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent, QKeySequence
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from app.core.account_directory import AccountDirectory
from app.core.enums import ConnectionState
from app.core.events import AccountsUpdate, AccountUpdate, Event, PnlUpdate, Snapshot, StatusUpdate
from app.core.models import Account, Position
from app.core.number_format import format_money, format_volume
from app.core.state import PositionKey
from app.engine.hub import EventHub
from app.ui.positions.positions_model import PositionsTableModel, Totals
from app.ui.positions.totals_bar import TotalsBar
from app.ui.widgets.columns import COLUMN_INDEX, PositionRow
from app.ui.widgets.record_view import RecordTableView

_PARTIAL_STEP = 0.01  # the usual volume step; the events carry no SymbolSpec to say otherwise
CLOSE_KEYS: tuple[QKeySequence, ...] = (QKeySequence(Qt.Key.Key_Delete), QKeySequence("Ctrl+W"))
NEW_ORDER_KEYS: tuple[QKeySequence, ...] = (QKeySequence(Qt.Key.Key_F9), QKeySequence("Ctrl+N"))
# "MetaTrader 5 is …": "disconnected" and "reconnecting" read as they are.
_LINK_WORDS = {ConnectionState.STALE: "not answering"}
MENU_HOLD = "menu"
DIALOG_HOLD = "dialog"  # apart from the menu's: a dialog held inside the menu must not release it


class CloseGroup(Enum):
    """Which of the shown positions a bulk close takes."""

    ALL = "all"
    PROFITABLE = "profitable"
    LOSING = "losing"

    def takes(self, position: Position) -> bool:
        """Whether this group holds the position: by its Profit column, the figure the trader reads."""
        if self is CloseGroup.PROFITABLE:
            return position.profit > 0
        if self is CloseGroup.LOSING:
            return position.profit < 0
        return True


class PositionsTable(RecordTableView[PositionKey, PositionRow]):
    """The table: close keys become `close_key_pressed`, and a closing row never hands its selection on.

    Qt's single-selection views select the next row when the selected one is removed; here that row
    would be another position, one Delete away from being closed by mistake.
    """

    close_key_pressed = pyqtSignal()

    def __init__(
        self, model: PositionsTableModel, close_keys: tuple[QKeySequence, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            model, parent, hold_under_pointer=True, csv_name="positions", csv_what="open positions"
        )
        self.close_keys = close_keys

    def _is_close_key(self, event: QKeyEvent) -> bool:
        return QKeySequence(event.keyCombination()) in self.close_keys

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        # No window-wide shortcut may use the close keys: one would take them before this table sees them
        # (the scenarios in test_closing_positions.py press them in the real window). Claiming them in
        # event() on ShortcutOverride instead ran Python for every event of the table, paints included.
        if event is not None and self._is_close_key(event):
            event.accept()
            self.close_key_pressed.emit()
            return
        super().keyPressEvent(event)

    def rowsAboutToBeRemoved(self, parent: QModelIndex, start: int, end: int) -> None:
        selection = self.selectionModel()
        losing = selection is not None and any(
            start <= index.row() <= end and index.parent() == parent for index in selection.selectedRows()
        )
        super().rowsAboutToBeRemoved(parent, start, end)
        if losing and selection is not None:
            selection.clearSelection()


class PositionsView(QWidget):
    """Open positions with filter, sortable columns, the bottom line and (unless read-only) trade actions."""

    close_requested = pyqtSignal(object, object)  # (account, ticket), volume (None = the whole position)
    modify_requested = pyqtSignal(object)  # (account, ticket) whose SL/TP the trader wants to change
    new_order_requested = pyqtSignal()
    close_many_requested = pyqtSignal(object, object)  # CloseGroup, [((account, ticket), Position)]

    def __init__(
        self,
        model: PositionsTableModel | None = None,
        *,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model if model is not None else PositionsTableModel(parent=self)
        self.read_only = read_only
        self._accounts = AccountDirectory()  # to name an account when the desk has several
        self._links: dict[str, ConnectionState] = {}  # account -> its link's state
        self._prices_at: dict[str, float] = {}  # account -> when its prices last moved (monotonic)
        self._figures: dict[str, Account] = {}  # account -> its latest figures

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by symbol…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.set_symbol_filter)
        self._symbol = ""
        self._account: str | None = None  # the account filter: None shows every account
        self._listed: tuple[tuple[str, str], ...] = ()  # (id, label) of the accounts the filter offers
        self.account_filter = QComboBox(self)
        self.account_filter.setObjectName("positions-account")
        self.account_filter.setToolTip("Show the positions of one account, or of all")
        self.account_filter.activated.connect(self._on_account_chosen)
        self.account_filter.hide()  # a desk of one account has nothing to choose

        self.table = PositionsTable(self.model, () if read_only else CLOSE_KEYS, self)
        # One row at a time: a close or modify always names exactly one position.
        self.table.setSelectionMode(PositionsTable.SelectionMode.SingleSelection)
        self.totals_bar = TotalsBar(self.table.header(), COLUMN_INDEX["profit"], self)
        self.summary_label = self.totals_bar.summary_label
        self.pnl_label = self.totals_bar.pnl_label

        top = QHBoxLayout()
        top.addWidget(self.account_filter)
        top.addWidget(self.filter_edit)
        top.addStretch(1)
        top.addWidget(self.summary_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals_bar)

        if not read_only:
            self.table.close_key_pressed.connect(self._close_selected)
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.table.customContextMenuRequested.connect(self._show_context_menu)
            self.table.doubleClicked.connect(self._modify_at)
        else:
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

        self.model.totals_changed.connect(self._show_totals)
        self._show_totals(self.model.totals())

    # --- feeding -----------------------------------------------------------------------------------

    def subscribe(self, hub: EventHub) -> None:
        """Follow positions, prices, the accounts and their connections."""
        self.model.subscribe(hub)
        for signal in (
            hub.snapshot,
            hub.pnl_update,
            hub.account_update,
            hub.status_update,
            hub.accounts_update,
        ):
            signal.connect(self._on_event)

    def _on_event(self, event: Event) -> None:
        self._accounts.apply(event)
        if isinstance(event, AccountsUpdate | Snapshot):
            self._list_accounts()
        account_id = event.account_id
        if isinstance(event, PnlUpdate):
            self._prices_at[account_id] = time.monotonic()
            if account_id == self._shown_account():
                self.totals_bar.show_equity(event.equity)
        elif isinstance(event, AccountUpdate):
            self._figures[account_id] = event.account
            self._show_figures()
        elif isinstance(event, StatusUpdate):
            self._set_link(account_id, event.status.state)
        elif isinstance(event, Snapshot):
            for view in event.accounts:
                self._prices_at[view.account_id] = time.monotonic()
                if view.account is not None:
                    self._figures[view.account_id] = view.account
                self._set_link(view.account_id, view.status.state)
            self._show_figures()

    def _shown_account(self) -> str | None:
        """The account whose figures the bottom line gives: the one filtered on, else the first listed."""
        if self._account is not None:
            return self._account
        ids = self._accounts.ids or tuple(self._figures)
        return ids[0] if ids else None

    # --- accounts ----------------------------------------------------------------------------------

    def _list_accounts(self) -> None:
        """Offer the desk's accounts in the filter and name them in the Account column; both show only
        while there are several."""
        listed = tuple((account_id, self._accounts.label(account_id)) for account_id in self._accounts.ids)
        if listed == self._listed:
            return
        several_before = len(self._listed) > 1
        self._listed = listed
        self.model.set_account_labels(dict(listed))
        box = self.account_filter
        box.blockSignals(True)
        box.clear()
        box.addItem("All accounts", None)
        for account_id, label in listed:
            box.addItem(label, account_id)
        if self._account is not None and box.findData(self._account) < 0:
            self._account = None  # the account filtered on left the desk
            self._apply_filter()
        box.setCurrentIndex(max(0, box.findData(self._account)) if self._account is not None else 0)
        box.blockSignals(False)
        several = len(listed) > 1
        box.setVisible(several)
        if several != several_before and "account" in COLUMN_INDEX:
            self.table.setColumnHidden(COLUMN_INDEX["account"], not several)

    def _on_account_chosen(self, index: int) -> None:
        self.set_account_filter(self.account_filter.itemData(index))

    def set_account_filter(self, account_id: str | None) -> None:
        """Show only this account's positions (None: every account's)."""
        self._account = account_id
        self._apply_filter()
        self._show_figures()

    def _apply_filter(self) -> None:
        symbol, account = self._symbol, self._account
        accepts: Callable[[PositionRow], bool] | None
        if symbol and account is not None:
            accepts = lambda row: row.account_id == account and symbol in row.position.symbol.upper()  # noqa: E731
        elif symbol:
            accepts = lambda row: symbol in row.position.symbol.upper()  # noqa: E731
        elif account is not None:
            accepts = lambda row: row.account_id == account  # noqa: E731
        else:
            accepts = None
        self.model.set_filter(accepts)
        self.model.total_accounts(None if account is None else (account,))
        self.model.flush()

    def _show_figures(self) -> None:
        account_id = self._shown_account()
        self.totals_bar.show_account(None if account_id is None else self._figures.get(account_id))
        self.totals_bar.name_account(self._accounts.prefixed(account_id or "", ""))
        self._show_totals(self.model.totals())  # the bar wrote its one total again: split it if need be

    def _set_link(self, account_id: str, state: ConnectionState) -> None:
        if (
            state is ConnectionState.CONNECTED
            and self._links.get(account_id) is not ConnectionState.CONNECTED
        ):
            self._prices_at[account_id] = time.monotonic()  # the next tick is on its way: not stale yet
        self._links[account_id] = state
        self.show_age()

    def update_hook(self) -> None:
        """The window's repaint timer: report what changed, and how old the prices are when disconnected."""
        self.model.flush()
        if any(state is not ConnectionState.CONNECTED for state in self._links.values()):
            self.show_age()

    def show_age(self) -> None:
        """Grey an account's prices and say their age while its terminal is not connected; clear it once
        it is. The bottom line says it for every such account."""
        said: list[str] = []
        now = time.monotonic()
        for account_id, state in self._links.items():
            why = ""
            if state is not ConnectionState.CONNECTED:
                age = int(now - self._prices_at.get(account_id, now))
                words = _LINK_WORDS.get(state, state.value)
                why = self._accounts.prefixed(account_id, f"Prices {age} s old: MetaTrader 5 is {words}")
                said.append(why)
            if why != self.model.stale(account_id):
                self.model.set_stale(account_id, why)
        self.totals_bar.show_stale("; ".join(said))

    # --- selection ---------------------------------------------------------------------------------

    def key_at(self, index: QModelIndex) -> PositionKey | None:
        """(account, ticket) of the row an index of the table is in."""
        return self.model.key_at(index.row()) if index.isValid() else None

    def ticket_at(self, index: QModelIndex) -> int | None:
        """Ticket of the row an index of the table is in."""
        key = self.key_at(index)
        return None if key is None else key[1]

    def selected_key(self) -> PositionKey | None:
        """(account, ticket) of the selected row, or None."""
        keys = self.table.selected_keys()
        return keys[0] if keys else None

    def selected_ticket(self) -> int | None:
        """Ticket of the selected row, or None."""
        key = self.selected_key()
        return None if key is None else key[1]

    def select_key(self, key: PositionKey) -> bool:
        """Select (and scroll to) a position's row; False when it is not open or filtered out."""
        return self.table.select_key(key)

    def select_ticket(self, ticket: int) -> bool:
        """Select the first row with this ticket (on a one-account desk: the position); see `select_key`."""
        key = next((key for key in self.model.position_keys() if key[1] == ticket), None)
        return key is not None and self.select_key(key)

    def visible_tickets(self) -> list[int]:
        """Tickets in the order the table shows them (after filter and sort)."""
        return self.model.tickets()

    def visible_keys(self) -> list[PositionKey]:
        """(account, ticket) of the rows in the order the table shows them."""
        return self.model.position_keys()

    def set_symbol_filter(self, text: str) -> None:
        """Show only positions whose symbol contains `text` (case-insensitive); empty shows all."""
        self._symbol = text.strip().upper()
        self._apply_filter()

    # --- header persistence ------------------------------------------------------------------------

    def header_state(self) -> QByteArray:
        """Column widths, order, visibility and sort, for the main window to save."""
        return self.table.header_state()

    def restore_header_state(self, state: QByteArray) -> bool:
        """Restore a saved header state; False (and the defaults kept) when it cannot be read."""
        return self.table.restore_header_state(state)

    # --- actions -----------------------------------------------------------------------------------

    def context_menu(self, key: PositionKey | None) -> QMenu | None:
        """The table's menu (None in read-only mode): a new order, the row's actions when on a row
        (close, close partially, modify), and the bulk closes of the positions shown."""
        if self.read_only:
            return None
        menu = QMenu(self)
        new_order = menu.addAction("New order…")
        assert new_order is not None  # addAction(text) always makes one
        new_order.setShortcuts(list(NEW_ORDER_KEYS))  # a hint; the window's action owns the keys
        new_order.triggered.connect(self.new_order_requested)
        menu.addSeparator()
        if key is not None:
            self._add_row_actions(menu, key)
            menu.addSeparator()
        shown = self.model.positions()
        for group, text in (
            (CloseGroup.ALL, "Close all positions…"),
            (CloseGroup.PROFITABLE, "Close profitable positions…"),
            (CloseGroup.LOSING, "Close losing positions…"),
        ):
            action = menu.addAction(text)
            assert action is not None
            taken = [position for position in shown if group.takes(position)]
            action.setEnabled(bool(taken))
            action.triggered.connect(lambda _checked, g=group: self._close_many(g))
        return menu

    def _add_row_actions(self, menu: QMenu, key: PositionKey) -> None:
        ticket = key[1]
        busy = self.model.busy(key)
        if busy:
            # Said first, so the disabled actions below explain themselves.
            waiting = menu.addAction(f"#{ticket} {busy} waiting for MetaTrader 5")
            assert waiting is not None
            waiting.setEnabled(False)
        close = menu.addAction("Close position")
        partial = menu.addAction("Close partially…")
        modify = menu.addAction("Modify SL/TP…")
        assert close is not None and partial is not None and modify is not None  # addAction(text) makes one
        close.triggered.connect(lambda: self._request_close(key, None))
        partial.triggered.connect(lambda: self._close_partially(key))
        modify.triggered.connect(lambda: self._request_modify(key))
        close.setShortcuts(list(CLOSE_KEYS))  # a hint in the menu; the table handles the keys
        for action in (close, partial, modify):
            action.setEnabled(not busy)  # one order in flight per position

    def _show_context_menu(self, pos: QPoint) -> None:
        key = self.key_at(self.table.indexAt(pos))
        if key is not None:
            self.select_key(key)
        with self.model.held(MENU_HOLD):
            menu = self.context_menu(key)
            if menu is not None:
                viewport = self.table.viewport()
                assert viewport is not None
                menu.exec(viewport.mapToGlobal(pos))
                menu.deleteLater()

    def _close_many(self, group: CloseGroup) -> None:
        taken = [(key, position) for key, position in self.model.keyed_positions() if group.takes(position)]
        if taken:
            with self.model.held(DIALOG_HOLD):  # the confirmation lists them in the order shown
                self.close_many_requested.emit(group, taken)

    def _request_close(self, key: PositionKey, volume: float | None) -> None:
        with self.model.held(DIALOG_HOLD):  # the confirmation is modal: the row stays put meanwhile
            self.close_requested.emit(key, volume)

    def _request_modify(self, key: PositionKey) -> None:
        with self.model.held(DIALOG_HOLD):
            self.modify_requested.emit(key)

    def _close_selected(self) -> None:
        key = self.selected_key()
        if key is not None:
            self._request_close(key, None)

    def _modify_at(self, index: QModelIndex) -> None:
        key = self.key_at(index)
        if key is not None:
            self._request_modify(key)

    def _close_partially(self, key: PositionKey) -> None:
        position = self.model.position(key)
        if position is None:
            return  # closed while the menu was open: nothing left to close
        with self.model.held(DIALOG_HOLD):
            volume = self._ask_partial_volume(position)
            if volume is not None:
                self.close_requested.emit(key, volume)

    def _ask_partial_volume(self, position: Position) -> float | None:
        """Ask how many lots to close, bounded by the position's volume; None when cancelled."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Close partially")
        dialog.setLabelText(
            f"Lots to close of #{position.ticket} {position.side.value} {position.symbol} "
            f"({format_volume(position.volume)} lots open):"
        )
        dialog.setInputMode(QInputDialog.InputMode.DoubleInput)
        decimals = max(2, len(format_volume(position.volume).split(".")[1]))
        dialog.setDoubleDecimals(decimals)
        dialog.setDoubleRange(min(_PARTIAL_STEP, position.volume), position.volume)
        dialog.setDoubleStep(_PARTIAL_STEP)
        dialog.setDoubleValue(round(position.volume / 2, decimals))  # clamped into the range by Qt
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return round(dialog.doubleValue(), decimals)
        finally:
            dialog.deleteLater()

    # --- bottom line -------------------------------------------------------------------------------

    def _show_totals(self, totals: Totals) -> None:
        self.totals_bar.show_totals(totals)
        by_currency = self._totals_by_currency() if self._account is None else {}
        if len(by_currency) > 1:
            # Every account shown and their currencies differ: one floating total per currency.
            parts = [format_money(profit, currency, signed=True) for currency, profit in by_currency.items()]
            self.totals_bar.show_split_profit(" · ".join(parts))

    def _totals_by_currency(self) -> dict[str, float]:
        """Floating profit per currency, in the order of the desk's accounts (the first account's currency
        first), not the order their figures happened to arrive in."""
        sums: dict[str, float] = {}
        known = self._figures
        ordered = [a for a in self._accounts.ids if a in known] + [
            a for a in known if a not in self._accounts.ids
        ]
        for account_id in ordered:
            account = known[account_id]
            totals = self.model.totals_of((account_id,))
            if totals.count:
                sums[account.currency] = sums.get(account.currency, 0.0) + totals.profit
        return sums
