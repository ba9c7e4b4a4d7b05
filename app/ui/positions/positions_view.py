"""PositionsView: MetaTrader 5's Trade tab: live positions, a symbol filter, the bottom line, trade actions.

The view never trades: its menu and keys only emit requests (`close_requested`, `modify_requested`,
`close_many_requested`, `new_order_requested`); whoever receives them confirms and routes the orders.
In read-only mode (remote viewer) those actions do not exist at all. Rows stay where they are while the
pointer is over the table or a menu or dialog about a row is open, and catch up with the sort after.
While the terminal is not connected the prices and profits are greyed and the bottom line says how old.
"""

from __future__ import annotations

import time
from enum import Enum

from PyQt6.QtCore import QByteArray, QEvent, QModelIndex, QPoint, Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent, QKeySequence
from PyQt6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import ConnectionState
from app.core.events import AccountUpdate, Event, PnlUpdate, Snapshot, StatusUpdate
from app.core.models import Position
from app.core.number_format import format_volume
from app.engine.hub import EventHub
from app.ui.positions.positions_model import PositionsTableModel, Totals
from app.ui.positions.totals_bar import TotalsBar
from app.ui.widgets.columns import COLUMN_INDEX, PositionRow
from app.ui.widgets.record_view import RecordTableView

_PARTIAL_STEP = 0.01  # the usual volume step; the events carry no SymbolSpec to say otherwise
CLOSE_KEYS: tuple[QKeySequence, ...] = (QKeySequence(Qt.Key.Key_Delete), QKeySequence("Ctrl+W"))
NEW_ORDER_KEYS: tuple[QKeySequence, ...] = (QKeySequence(Qt.Key.Key_F9), QKeySequence("Ctrl+N"))
_LINK_WORDS = {
    ConnectionState.STALE: "not answering"
}  # "is disconnected", "is reconnecting" read as they are
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


class PositionsTable(RecordTableView[int, PositionRow]):
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

    def event(self, event: QEvent | None) -> bool:
        # Claim the close keys while focused, before any window-wide shortcut (Ctrl+W) takes them.
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.ShortcutOverride
            and self._is_close_key(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
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

    close_requested = pyqtSignal(int, object)  # ticket, volume to close (None = the whole position)
    modify_requested = pyqtSignal(int)  # ticket whose SL/TP the trader wants to change
    new_order_requested = pyqtSignal()
    close_many_requested = pyqtSignal(object, object)  # CloseGroup, the positions it takes (list[Position])

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
        self._connected = True
        self._link: ConnectionState | None = None
        self._prices_at = time.monotonic()

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by symbol…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.set_symbol_filter)

        self.table = PositionsTable(self.model, () if read_only else CLOSE_KEYS, self)
        # One row at a time: a close or modify always names exactly one position.
        self.table.setSelectionMode(PositionsTable.SelectionMode.SingleSelection)
        self.totals_bar = TotalsBar(self.table.header(), COLUMN_INDEX["profit"], self)
        self.summary_label = self.totals_bar.summary_label
        self.pnl_label = self.totals_bar.pnl_label

        top = QHBoxLayout()
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
        """Follow positions, prices, the account and the connection."""
        self.model.subscribe(hub)
        hub.snapshot.connect(self._on_event)
        hub.pnl_update.connect(self._on_event)
        hub.account_update.connect(self._on_event)
        hub.status_update.connect(self._on_event)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, PnlUpdate):
            self._prices_at = time.monotonic()
            self.totals_bar.show_equity(event.equity)
        elif isinstance(event, AccountUpdate):
            self.totals_bar.show_account(event.account)
        elif isinstance(event, StatusUpdate):
            self._set_link(event.status.state)
        elif isinstance(event, Snapshot):
            self._prices_at = time.monotonic()
            self.totals_bar.show_account(event.account)
            self._set_link(event.status.state)

    def _set_link(self, state: ConnectionState) -> None:
        if state is ConnectionState.CONNECTED and not self._connected:
            self._prices_at = time.monotonic()  # the next tick is on its way; the old ones are not stale yet
        self._link = state
        self._connected = state is ConnectionState.CONNECTED
        self.show_age()

    def update_hook(self) -> None:
        """The window's repaint timer: report what changed, and how old the prices are when disconnected."""
        self.model.flush()
        if not self._connected:
            self.show_age()

    def show_age(self) -> None:
        """Grey the prices and say their age while the terminal is not connected; clear it once it is."""
        if self._connected or self._link is None:
            why = ""
        else:
            age = int(time.monotonic() - self._prices_at)
            why = f"Prices {age} s old: MetaTrader 5 is {_LINK_WORDS.get(self._link, self._link.value)}"
        if why != self.model.stale:
            self.model.set_stale(why)
            self.totals_bar.show_stale(why)

    # --- selection ---------------------------------------------------------------------------------

    def ticket_at(self, index: QModelIndex) -> int | None:
        """Ticket of the row an index of the table is in."""
        return self.model.key_at(index.row()) if index.isValid() else None

    def selected_ticket(self) -> int | None:
        """Ticket of the selected row, or None."""
        keys = self.table.selected_keys()
        return keys[0] if keys else None

    def select_ticket(self, ticket: int) -> bool:
        """Select (and scroll to) the row of a ticket; False when it is not open or filtered out."""
        return self.table.select_key(ticket)

    def visible_tickets(self) -> list[int]:
        """Tickets in the order the table shows them (after filter and sort)."""
        return self.model.keys()

    def set_symbol_filter(self, text: str) -> None:
        """Show only positions whose symbol contains `text` (case-insensitive); empty shows all."""
        wanted = text.strip().upper()
        self.model.set_filter((lambda row: wanted in row.position.symbol.upper()) if wanted else None)

    # --- header persistence ------------------------------------------------------------------------

    def header_state(self) -> QByteArray:
        """Column widths, order, visibility and sort, for the main window to save."""
        return self.table.header_state()

    def restore_header_state(self, state: QByteArray) -> bool:
        """Restore a saved header state; False (and the defaults kept) when it cannot be read."""
        return self.table.restore_header_state(state)

    # --- actions -----------------------------------------------------------------------------------

    def context_menu(self, ticket: int | None) -> QMenu | None:
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
        if ticket is not None:
            self._add_row_actions(menu, ticket)
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

    def _add_row_actions(self, menu: QMenu, ticket: int) -> None:
        busy = self.model.busy(ticket)
        if busy:
            # Said first, so the disabled actions below explain themselves.
            waiting = menu.addAction(f"#{ticket} {busy} waiting for MetaTrader 5")
            assert waiting is not None
            waiting.setEnabled(False)
        close = menu.addAction("Close position")
        partial = menu.addAction("Close partially…")
        modify = menu.addAction("Modify SL/TP…")
        assert close is not None and partial is not None and modify is not None  # addAction(text) makes one
        close.triggered.connect(lambda: self._request_close(ticket, None))
        partial.triggered.connect(lambda: self._close_partially(ticket))
        modify.triggered.connect(lambda: self._request_modify(ticket))
        close.setShortcuts(list(CLOSE_KEYS))  # a hint in the menu; the table handles the keys
        for action in (close, partial, modify):
            action.setEnabled(not busy)  # one order in flight per position

    def _show_context_menu(self, pos: QPoint) -> None:
        ticket = self.ticket_at(self.table.indexAt(pos))
        if ticket is not None:
            self.select_ticket(ticket)
        with self.model.held(MENU_HOLD):
            menu = self.context_menu(ticket)
            if menu is not None:
                viewport = self.table.viewport()
                assert viewport is not None
                menu.exec(viewport.mapToGlobal(pos))
                menu.deleteLater()

    def _close_many(self, group: CloseGroup) -> None:
        taken = [position for position in self.model.positions() if group.takes(position)]
        if taken:
            with self.model.held(DIALOG_HOLD):  # the confirmation lists them in the order shown
                self.close_many_requested.emit(group, taken)

    def _request_close(self, ticket: int, volume: float | None) -> None:
        with self.model.held(DIALOG_HOLD):  # the confirmation is modal: the row stays put meanwhile
            self.close_requested.emit(ticket, volume)

    def _request_modify(self, ticket: int) -> None:
        with self.model.held(DIALOG_HOLD):
            self.modify_requested.emit(ticket)

    def _close_selected(self) -> None:
        ticket = self.selected_ticket()
        if ticket is not None:
            self._request_close(ticket, None)

    def _modify_at(self, index: QModelIndex) -> None:
        ticket = self.ticket_at(index)
        if ticket is not None:
            self._request_modify(ticket)

    def _close_partially(self, ticket: int) -> None:
        position = self.model.position(ticket)
        if position is None:
            return  # closed while the menu was open: nothing left to close
        with self.model.held(DIALOG_HOLD):
            volume = self._ask_partial_volume(position)
            if volume is not None:
                self.close_requested.emit(ticket, volume)

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
