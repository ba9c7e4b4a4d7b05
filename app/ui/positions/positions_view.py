"""PositionsView: the live positions table with a symbol filter, sorting, a totals footer and trade actions.

The view never trades: "Close", "Close partially…" and "Modify SL/TP…" only emit `close_requested` /
`modify_requested` with the position's (account, ticket); whoever receives them confirms and routes the
order to that account. In read-only mode (remote viewer) those actions do not exist at all.
"""

from __future__ import annotations

from PyQt6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    pyqtSignal,
)
from PyQt6.QtGui import QKeyEvent, QKeySequence, QPalette
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Position
from app.core.number_format import format_money, format_volume
from app.core.state import PositionKey
from app.ui.positions.positions_model import SORT_ROLE, PositionsTableModel, Totals
from app.ui.widgets.columns import money_colour

_PARTIAL_STEP = 0.01  # the usual volume step; the events carry no SymbolSpec to say otherwise
CLOSE_KEYS: tuple[QKeySequence, ...] = (QKeySequence(Qt.Key.Key_Delete), QKeySequence("Ctrl+W"))


class PositionsProxy(QSortFilterProxyModel):
    """Sorts by each column's Python sort key (ties by ticket) and filters by a symbol substring."""

    def __init__(self, source: PositionsTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._symbol_filter = ""
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    @property
    def symbol_filter(self) -> str:
        return self._symbol_filter

    def set_symbol_filter(self, text: str) -> None:
        """Show only positions whose symbol contains `text` (case-insensitive); empty shows all."""
        wanted = text.strip().upper()
        if wanted == self._symbol_filter:
            return
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10; invalidateRowsFilter is deprecated there
            self.beginFilterChange()
            self._symbol_filter = wanted
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._symbol_filter = wanted
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        if not self._symbol_filter:
            return True
        return self._symbol_filter in self._source.position_at(source_row).symbol.upper()

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        # Python comparison of the keys (a QVariant of a Python object does not order); None sorts last.
        column = self._source.columns[left.column()]
        a = self._source.position_at(left.row())
        b = self._source.position_at(right.row())
        key_a, key_b = column.sort_value(a), column.sort_value(b)
        return (key_a is None, key_a, a.ticket) < (key_b is None, key_b, b.ticket)


class PositionsTable(QTableView):
    """The table: close keys become `close_key_pressed`, and a closing row never hands its selection on.

    Qt's single-selection views select the next row when the selected one is removed; here that row
    would be another position, one Delete away from being closed by mistake.
    """

    close_key_pressed = pyqtSignal()

    def __init__(self, close_keys: tuple[QKeySequence, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
    """Open positions with filter, sortable columns, totals footer and (unless read-only) trade actions."""

    close_requested = pyqtSignal(object, object)  # (account, ticket), volume (None = the whole position)
    modify_requested = pyqtSignal(object)  # (account, ticket) whose SL/TP the trader wants to change

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
        self.proxy = PositionsProxy(self.model, self)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by symbol…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_symbol_filter)

        self.table = PositionsTable(() if read_only else CLOSE_KEYS, self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # One row at a time: a close or modify always names exactly one position.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        header = self.table.horizontalHeader()
        assert vertical is not None and header is not None  # a table view always has both headers
        vertical.setVisible(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorClearable(True)  # a third click returns to arrival order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        # Fit the columns to the first positions shown, unless the trader's saved layout is restored.
        self._columns_sized = False
        self.model.rowsInserted.connect(self._fit_columns_once)

        self.summary_label = QLabel(self)
        self.pnl_label = QLabel(self)
        self.pnl_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(self.filter_edit)
        top.addStretch(1)
        footer = QHBoxLayout()
        footer.addWidget(self.summary_label)
        footer.addStretch(1)
        footer.addWidget(self.pnl_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

        if not read_only:
            self.table.close_key_pressed.connect(self._close_selected)
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.table.customContextMenuRequested.connect(self._show_context_menu)
            self.table.doubleClicked.connect(self._modify_at)
        else:
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

        self.model.totals_changed.connect(self._show_totals)
        self._show_totals(self.model.totals())

    # --- selection ---------------------------------------------------------------------------------

    def key_at(self, index: QModelIndex) -> PositionKey | None:
        """(account, ticket) of the row an index of the table (the proxy) is in."""
        if not index.isValid():
            return None
        return self.model.key_at(self.proxy.mapToSource(index).row())

    def ticket_at(self, index: QModelIndex) -> int | None:
        """Ticket of the row an index of the table (the proxy) is in."""
        key = self.key_at(index)
        return None if key is None else key[1]

    def selected_key(self) -> PositionKey | None:
        """(account, ticket) of the selected row, or None."""
        selection = self.table.selectionModel()
        assert selection is not None  # set with the model
        rows = selection.selectedRows()
        return self.key_at(rows[0]) if rows else None

    def selected_ticket(self) -> int | None:
        """Ticket of the selected row, or None."""
        key = self.selected_key()
        return None if key is None else key[1]

    def select_ticket(self, ticket: int) -> bool:
        """Select the first row with this ticket (on a one-account desk: the position); see `select_key`."""
        key = next((key for key in self.model.position_keys() if key[1] == ticket), None)
        return key is not None and self.select_key(key)

    def select_key(self, key: PositionKey) -> bool:
        """Select (and scroll to) a position's row; False when it is not open or filtered out."""
        source_row = self.model.row_of(key)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        selection = self.table.selectionModel()
        assert selection is not None  # set with the model
        selection.setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def visible_tickets(self) -> list[int]:
        """Tickets in the order the table shows them (after filter and sort)."""
        rows = (
            self.proxy.mapToSource(self.proxy.index(row, 0)).row() for row in range(self.proxy.rowCount())
        )
        return [self.model.position_at(row).ticket for row in rows]

    # --- header persistence ------------------------------------------------------------------------

    def header_state(self) -> QByteArray:
        """Column widths, order, visibility and sort, for the main window to save."""
        header = self.table.horizontalHeader()
        assert header is not None
        return header.saveState()

    def restore_header_state(self, state: QByteArray) -> bool:
        """Restore a saved header state; False (and the defaults kept) when it cannot be read."""
        header = self.table.horizontalHeader()
        assert header is not None
        if state.isEmpty() or not header.restoreState(state):
            return False
        self._columns_sized = True
        self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
        return True

    def _fit_columns_once(self) -> None:
        if not self._columns_sized:
            self._columns_sized = True
            self.table.resizeColumnsToContents()

    # --- actions -----------------------------------------------------------------------------------

    def context_menu(self, key: PositionKey) -> QMenu | None:
        """The row menu for a position (None in read-only mode): close, close partially, modify."""
        if self.read_only:
            return None
        ticket = key[1]
        menu = QMenu(self)
        busy = self.model.busy(key)
        if busy:
            # Said first, so the disabled actions below explain themselves.
            waiting = menu.addAction(f"#{ticket} {busy} waiting for MetaTrader 5")
            assert waiting is not None  # addAction(text) always makes one
            waiting.setEnabled(False)
            menu.addSeparator()
        close = menu.addAction("Close position")
        partial = menu.addAction("Close partially…")
        menu.addSeparator()
        modify = menu.addAction("Modify SL/TP…")
        assert close is not None and partial is not None and modify is not None  # addAction(text) makes one
        close.triggered.connect(lambda: self.close_requested.emit(key, None))
        partial.triggered.connect(lambda: self._close_partially(key))
        modify.triggered.connect(lambda: self.modify_requested.emit(key))
        close.setShortcuts(list(CLOSE_KEYS))  # a hint in the menu; the table handles the keys
        for action in (close, partial, modify):
            action.setEnabled(not busy)  # one order in flight per position
        return menu

    def _show_context_menu(self, pos: QPoint) -> None:
        key = self.key_at(self.table.indexAt(pos))
        if key is None:
            return
        self.select_key(key)
        menu = self.context_menu(key)
        if menu is not None:
            viewport = self.table.viewport()
            assert viewport is not None
            menu.exec(viewport.mapToGlobal(pos))
            menu.deleteLater()

    def _close_selected(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.close_requested.emit(key, None)

    def _modify_at(self, index: QModelIndex) -> None:
        key = self.key_at(index)
        if key is not None:
            self.modify_requested.emit(key)

    def _close_partially(self, key: PositionKey) -> None:
        position = self.model.position(key)
        if position is None:
            return  # closed while the menu was open: nothing left to close
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

    # --- footer ------------------------------------------------------------------------------------

    def _show_totals(self, totals: Totals) -> None:
        if totals.count == 0:
            self.summary_label.setText("No open positions")
        else:
            noun = "position" if totals.count == 1 else "positions"
            self.summary_label.setText(f"{totals.count} {noun} · {format_volume(totals.volume)} lots")
        self.pnl_label.setText(f"Floating P&L: {format_money(totals.floating, signed=True)}")
        profit, swap = format_money(totals.profit, signed=True), format_money(totals.swap, signed=True)
        self.pnl_label.setToolTip(f"Profit {profit}, swap {swap}")
        palette = self.pnl_label.palette()
        colour = money_colour(totals.floating)
        palette.setColor(
            QPalette.ColorRole.WindowText, colour or self.palette().color(QPalette.ColorRole.WindowText)
        )
        self.pnl_label.setPalette(palette)

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "pnl_label"):
            self._show_totals(self.model.totals())  # a theme switch picks the matching gain/loss colours
