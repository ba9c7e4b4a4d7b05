"""RecordTableView: the one table view every list builds on (Electrum's MyTreeView): header state saved and
restored, columns shown or hidden from the header's menu, sorting by the model, CSV of what is shown (from
the same menu), and rows that stay put while the pointer is over them.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Hashable
from pathlib import Path
from typing import Generic, TypeVar

from PyQt6.QtCore import QByteArray, QEvent, QItemSelectionModel, QPoint, QStandardPaths, Qt
from PyQt6.QtGui import QEnterEvent, QHideEvent
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QMainWindow, QMenu, QTableView, QWidget

from app.ui.widgets.csv_save import ask_csv_path, show_csv_error
from app.ui.widgets.record_table import RecordTableModel

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

FIT_SAMPLE_ROWS = 200  # columns fit to this many rows: measuring all 5,000 took ~0.5 s
POINTER_HOLD = "pointer"


class RecordTableView(QTableView, Generic[K, R]):
    """A sortable, row-selecting, read-only view of a RecordTableModel, configured from its columns."""

    def __init__(
        self,
        model: RecordTableModel[K, R],
        parent: QWidget | None = None,
        *,
        hold_under_pointer: bool = False,
        csv_name: str = "",
        csv_what: str = "rows",
    ) -> None:
        super().__init__(parent)
        self.records = model
        self._csv_name, self._csv_what = csv_name, csv_what  # no name: no "Export CSV…" in the menu
        self._csv_folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self._columns_sized = False
        self._hold_under_pointer = hold_under_pointer
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.verticalHeader()
        assert vertical is not None  # a table view always has both headers
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # one row height: no per-row sizing
        header = self.header()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setResizeContentsPrecision(FIT_SAMPLE_ROWS)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for index, column in enumerate(model.columns):
            if column.stretch:
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
            if column.hidden:
                header.setSectionHidden(index, True)
        header.setSortIndicatorClearable(True)  # a third click returns to arrival order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        header.sortIndicatorChanged.connect(self._room_for_the_arrow)
        # Told while painting: fitted after the paint, never inside it.
        model.text_grew.connect(self._fit_grown, Qt.ConnectionType.QueuedConnection)  # type: ignore[call-arg]
        model.rowsInserted.connect(self._fit_columns_once)
        model.modelReset.connect(self._fit_columns_once)
        self.fit_columns()  # to the titles while empty (not Qt's 100 px each); the first rows fit again

    def header(self) -> QHeaderView:
        header = self.horizontalHeader()
        assert header is not None
        return header

    # --- columns -----------------------------------------------------------------------------------

    def column_menu(self) -> QMenu:
        """A menu with one check per column: shown or hidden (the last shown one cannot be hidden)."""
        menu = QMenu(self)
        header = self.header()
        shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
        for index, column in enumerate(self.records.columns):
            action = menu.addAction(column.header)
            assert action is not None
            action.setCheckable(True)
            action.setChecked(index in shown)
            action.setEnabled(shown != [index])
            action.toggled.connect(lambda on, i=index: self.show_column(i, on))
        if self._csv_name:
            menu.addSeparator()
            export = menu.addAction("Export CSV…")
            assert export is not None
            export.setToolTip(
                f"Save the {self._csv_what} shown, as shown (columns, order, text), to a CSV file"
            )
            export.triggered.connect(self.export_csv)
        return menu

    def show_column(self, index: int, shown: bool) -> None:
        header = self.header()
        header.setSectionHidden(index, not shown)
        if shown and header.sectionSize(index) < 20:
            self.resizeColumnToContents(index)

    def _show_header_menu(self, pos: QPoint) -> None:
        menu = self.column_menu()
        menu.exec(self.header().mapToGlobal(pos))
        menu.deleteLater()

    def fit_columns(self) -> None:
        """Size each column to its header and the first rows' texts (the stretch column takes the rest).

        Qt's header hints keep room for the sort arrow in every column (20 px each, 220 px over the Trade
        tab: its Account column then no longer fitted 1366 px); only the sorted column gets that room.
        """
        header = self.header()
        arrows = header.isSortIndicatorShown()
        header.setSortIndicatorShown(False)
        try:
            plain = [header.sectionSizeHint(index) for index in range(header.count())]
        finally:
            header.setSortIndicatorShown(arrows)
        for index, column in enumerate(self.records.columns):
            if not column.stretch:
                fitted = max(self.sizeHintForColumn(index) + self._slack(), plain[index], column.min_width)
                header.resizeSection(index, fitted)
        self._room_for_the_arrow(header.sortIndicatorSection())

    def _fit_grown(self, section: int) -> None:
        """Widen a column whose shown texts no longer fit (a longer price or profit); never narrow it, and
        never the stretch column, which elides its text."""
        header = self.header()
        if not 0 <= section < len(self.records.columns) or self.records.columns[section].stretch:
            return
        header.setResizeContentsPrecision(0)  # the rows on screen only, not the fit's 200
        try:
            needed = self.sizeHintForColumn(section)
        finally:
            header.setResizeContentsPrecision(FIT_SAMPLE_ROWS)
        if header.sectionSize(section) < needed:
            header.resizeSection(section, needed + self._slack())
            self._room_for_the_arrow(header.sortIndicatorSection())

    def _slack(self) -> int:
        """Room for one more digit: a later text of the same length can be wider ("+10.58" than
        "-17.50", AUDUSD than EURUSD), and only a longer one makes the column fit again."""
        return self.fontMetrics().horizontalAdvance("0")

    def _room_for_the_arrow(self, section: int, _order: Qt.SortOrder | None = None) -> None:
        """Widen the sorted column, if need be, so its header shows both its title and the sort arrow."""
        header = self.header()
        if 0 <= section < len(self.records.columns) and not self.records.columns[section].stretch:
            needed = header.sectionSizeHint(section)
            if header.sectionSize(section) < needed:
                header.resizeSection(section, needed)

    def _fit_columns_once(self) -> None:
        if not self._columns_sized and self.records.rowCount() > 0:
            self._columns_sized = True
            self.fit_columns()

    # --- header state ------------------------------------------------------------------------------

    def header_state(self) -> QByteArray:
        """Column widths, order, visibility and sort, for the window to save."""
        return self.header().saveState()

    def restore_header_state(self, state: QByteArray) -> bool:
        """Restore a saved header state; False (and the defaults kept) when it cannot be read."""
        header = self.header()
        if state.isEmpty() or not header.restoreState(state):
            return False
        self._columns_sized = True
        for index, column in enumerate(self.records.columns):
            if column.stretch:  # a state saved before the column stretched keeps it stretching
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
        self.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
        return True

    # --- selection ---------------------------------------------------------------------------------

    def selected_keys(self) -> list[K]:
        """Keys of the selected rows, top to bottom."""
        selection = self.selectionModel()
        assert selection is not None  # set with the model
        rows = sorted(index.row() for index in selection.selectedRows())
        return [self.records.key_at(row) for row in rows]

    def select_key(self, key: K) -> bool:
        """Select (and scroll to) the row of a key; False when it is not shown."""
        row = self.records.row_of(key)
        if row is None:
            return False
        index = self.records.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        selection = self.selectionModel()
        assert selection is not None
        selection.setCurrentIndex(index, flags)
        self.scrollTo(index)
        return True

    # --- CSV ---------------------------------------------------------------------------------------

    def export_csv(self) -> int | None:
        """Ask where, then write the rows shown; the window's status bar says how many went where.
        None when cancelled or when it could not be written (a message says why and what to do)."""
        path = ask_csv_path(self, self._csv_what, self._csv_folder, self._csv_name)
        if path is None:
            return None
        self._csv_folder = str(path.parent)
        try:
            count = self.write_csv(path)
        except OSError as error:
            show_csv_error(self, self._csv_what, path, error)
            return None
        window = self.window()
        bar = window.statusBar() if isinstance(window, QMainWindow) else None
        if bar is not None:
            bar.showMessage(f"Exported {count} row{'' if count == 1 else 's'} to {path}", 10_000)
        return count

    def write_csv(self, path: Path | str) -> int:
        """Write the rows and columns shown, as shown (order, text), to `path`; returns the row count.

        Written beside the target and moved over it in one step: a failure leaves any old file intact.
        """
        header = self.header()
        columns = [
            header.logicalIndex(visual)
            for visual in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(visual))
        ]
        target = Path(path)
        handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=target.parent)
        try:
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as file:
                writer = csv.writer(file)
                writer.writerow([self.records.columns[c].header for c in columns])
                rows = self.records.rowCount()
                for row in range(rows):
                    writer.writerow([self.records.cell_text(row, c) for c in columns])
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return rows

    # --- rows stay put under the pointer -----------------------------------------------------------

    # The pointer anywhere over the table (rows, header, scroll bar) holds the rows. Enter and leave events
    # of the view itself: an event filter on the viewport, or an event() override, runs Python for every
    # event of the table, paints included (3 % of a 10-row update each, measured).

    def enterEvent(self, event: QEnterEvent | None) -> None:
        if self._hold_under_pointer:
            self.records.hold(POINTER_HOLD)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent | None) -> None:
        if self._hold_under_pointer:
            self.records.hold(POINTER_HOLD, False)
        super().leaveEvent(event)

    def hideEvent(self, event: QHideEvent | None) -> None:
        self.records.hold(POINTER_HOLD, False)  # a hidden table is pointed at by no one
        super().hideEvent(event)
