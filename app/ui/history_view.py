"""The History tab: closed trades from the journal, filtered by date, symbol and source, with totals and CSV.

Every filter is a journal query (run off the GUI thread by `JournalQueries`); an answer to a question the
tab no longer asks is dropped. A position closing (POSITIONS_UPDATE with removals) reloads the tab a
second later, once the desk has journaled the closing deals. A viewer has no journal: the tab says so.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PyQt6.QtCore import QByteArray, QDate, QEvent, QStandardPaths, Qt, QTimer
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import TradeSource
from app.core.events import PositionsUpdate
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.records import TradeRecord
from app.ui.columns import money_colour
from app.ui.csv_export import write_trades_csv
from app.ui.history_model import (
    HISTORY_COLUMN_INDEX,
    HistoryPeriod,
    HistoryProxy,
    HistoryTableModel,
    HistoryTotals,
    history_totals,
    period_bounds,
    preset_first_day,
    totals_texts,
)

REFRESH_DELAY_MS = 1000
DEFAULT_PERIOD = HistoryPeriod.MONTH
VIEWER_NOTICE = "History is available on the trading desk only"
_EARLIEST = QDate(2000, 1, 1)  # shown as "Any": the from-date of "All"
_PROBLEM_STYLE = "QLabel { color: #cf222e; }"


class HistoryView(QWidget):
    """Closed trades with date/symbol/source filters, a totals footer, Refresh and Export CSV.

    `queries=None` makes the read-only (viewer) tab: no controls at all, just `VIEWER_NOTICE`.
    """

    def __init__(
        self,
        queries: JournalQueries | None,
        parent: QWidget | None = None,
        *,
        refresh_delay_ms: int = REFRESH_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._queries = queries
        self._request: int | None = None
        self._request_symbol: str | None = None
        self._setting_dates = False
        self._columns_sized = False  # fitted to the first trades shown, then left to the trader
        self._export_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self.error_box: QMessageBox | None = None
        self.model = HistoryTableModel(self)
        self.proxy = HistoryProxy(self.model, self)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(refresh_delay_ms)
        self._refresh_timer.timeout.connect(self.refresh)

        self.notice_label = QLabel(VIEWER_NOTICE, self)
        self.notice_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.controls = self._build_controls()
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(_PROBLEM_STYLE)
        self.problem_label.hide()
        self.table = self._build_table()
        self.footer = self._build_footer()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice_label, 1)
        layout.addWidget(self.controls)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.footer)

        if queries is None:
            for part in (self.controls, self.table, self.footer):
                part.hide()
            return
        self.notice_label.hide()
        queries.trades_loaded.connect(self._on_loaded)
        queries.failed.connect(self._on_failed)
        self._show_totals(history_totals([]))
        self.set_period(DEFAULT_PERIOD)

    # --- building ----------------------------------------------------------------------------------

    def _build_controls(self) -> QWidget:
        box = QWidget(self)
        self.period_combo = QComboBox(box)
        for period in HistoryPeriod:
            self.period_combo.addItem(period.value, period)
        self.period_combo.setToolTip("Closing date range; Custom uses the From and To dates as set")
        self.from_edit = self._date_edit(box, "First closing day (local time)")
        self.from_edit.setSpecialValueText("Any")  # shown when at the minimum date: no lower bound
        self.to_edit = self._date_edit(box, "Last closing day (local time), included")
        self.symbol_combo = QComboBox(box)
        self.symbol_combo.addItem("All", None)
        self.symbol_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source_combo = QComboBox(box)
        self.source_combo.addItem("All", None)
        for source in TradeSource:
            self.source_combo.addItem(source.value, source)
        self.refresh_button = QPushButton("Refresh", box)
        self.export_button = QPushButton("Export CSV…", box)
        self.export_button.setToolTip("Save the trades shown, as filtered and sorted, to a CSV file")
        self.export_button.setEnabled(False)

        self.period_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.from_edit.dateChanged.connect(self._on_date_edited)
        self.to_edit.dateChanged.connect(self._on_date_edited)
        self.symbol_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.source_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_csv)

        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("Period", self.period_combo),
            ("From", self.from_edit),
            ("To", self.to_edit),
            ("Symbol", self.symbol_combo),
            ("Source", self.source_combo),
        ):
            row.addWidget(QLabel(label, box))
            row.addWidget(widget)
            row.addSpacing(6)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        row.addWidget(self.export_button)
        return box

    @staticmethod
    def _date_edit(parent: QWidget, tooltip: str) -> QDateEdit:
        edit = QDateEdit(parent)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(_EARLIEST)
        edit.setKeyboardTracking(False)  # one query when the trader finishes typing, not one per digit
        edit.setToolTip(tooltip)
        return edit

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        vertical = table.verticalHeader()
        header = table.horizontalHeader()
        assert vertical is not None and header is not None  # a table view always has both headers
        vertical.setVisible(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(HISTORY_COLUMN_INDEX["comment"], QHeaderView.ResizeMode.Stretch)
        table.setSortingEnabled(True)
        table.sortByColumn(HISTORY_COLUMN_INDEX["closed"], Qt.SortOrder.DescendingOrder)  # newest first
        return table

    def _build_footer(self) -> QWidget:
        box = QWidget(self)
        self.summary_label = QLabel(box)
        self.status_label = QLabel(box)
        self.gross_label = QLabel(box)
        self.net_label = QLabel(box)
        self.net_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.summary_label)
        row.addSpacing(12)
        row.addWidget(self.status_label)
        row.addStretch(1)
        row.addWidget(self.gross_label)
        row.addSpacing(12)
        row.addWidget(self.net_label)
        return box

    # --- state -------------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """True in a viewer: there is no journal to read."""
        return self._queries is None

    def period(self) -> HistoryPeriod:
        return HistoryPeriod(self.period_combo.currentData())

    def visible_trades(self) -> list[TradeRecord]:
        """The trades the table shows, top to bottom."""
        return self.proxy.visible_trades()

    def totals(self) -> HistoryTotals:
        """Totals of the trades shown (every filter is applied by the query)."""
        return history_totals(self.model.trades())

    def header_state(self) -> QByteArray:
        """Column widths, order and sort, for the main window to save."""
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

    # --- loading -----------------------------------------------------------------------------------

    def subscribe(self, hub: EventHub) -> None:
        """Reload when positions close (a viewer has nothing to reload)."""
        if not self.read_only:
            hub.positions_update.connect(self._on_positions_update)

    def set_period(self, period: HistoryPeriod) -> None:
        """Choose a date preset (or CUSTOM) and reload."""
        index = self.period_combo.findData(period)
        if index == self.period_combo.currentIndex():
            self.refresh()
        else:
            self.period_combo.setCurrentIndex(index)  # reloads through currentIndexChanged

    def set_custom_range(self, first: date | None, last: date) -> None:
        """Show trades closed from `first` (None: any day) to `last`, local days included; reloads once."""
        self._set_dates(first, last)
        self._mark_custom()
        self.refresh()

    def refresh(self) -> int | None:
        """Ask the journal for the trades the filters select; returns the request id (None in a viewer)."""
        self._refresh_timer.stop()
        if self._queries is None:
            return None
        period, today = self.period(), date.today()
        if period is not HistoryPeriod.CUSTOM:
            self._set_dates(preset_first_day(period, today), today)  # "Today" moves on at midnight
        first = None if self.from_edit.date() == _EARLIEST else self.from_edit.date().toPyDate()
        since, until = period_bounds(period, today, first, self.to_edit.date().toPyDate())
        self._request_symbol = self.symbol_combo.currentData()
        self.status_label.setText("Loading…")
        source = self.source_combo.currentData()  # Qt may hand a StrEnum back as a plain str
        self._request = self._queries.load_closed_trades(
            since, until, self._request_symbol, None if source is None else TradeSource(source)
        )
        return self._request

    def _set_dates(self, first: date | None, last: date) -> None:
        self._setting_dates = True
        try:
            self.from_edit.setDate(_EARLIEST if first is None else QDate(first.year, first.month, first.day))
            self.to_edit.setDate(QDate(last.year, last.month, last.day))
        finally:
            self._setting_dates = False

    def _mark_custom(self) -> None:
        self.period_combo.blockSignals(True)  # the caller reloads once, with the new dates
        self.period_combo.setCurrentIndex(self.period_combo.findData(HistoryPeriod.CUSTOM))
        self.period_combo.blockSignals(False)

    def _on_date_edited(self, _date: QDate) -> None:
        if not self._setting_dates:
            self._mark_custom()
            self.refresh()

    def _on_positions_update(self, event: PositionsUpdate) -> None:
        # Not restarted by later closes: a stream of closes still reloads once a second.
        if event.removed and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_loaded(self, request_id: int, trades: list[TradeRecord]) -> None:
        if request_id != self._request:
            return
        self._request = None
        self.problem_label.hide()
        self.status_label.clear()
        if self._request_symbol is None:
            self._fill_symbols(trades)
        self.model.set_trades(trades)
        if trades and not self._columns_sized:
            self._columns_sized = True
            self.table.resizeColumnsToContents()
        self.export_button.setEnabled(bool(trades))
        self._show_totals(history_totals(trades))

    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id != self._request:
            return
        self._request = None
        self.status_label.clear()
        self.problem_label.setText(
            f"{message} The table still shows the last trades loaded; press Refresh to try again."
        )
        self.problem_label.show()

    def _fill_symbols(self, trades: list[TradeRecord]) -> None:
        """Offer the symbols of the trades just loaded (only after a load over all symbols)."""
        symbols = sorted({trade.symbol for trade in trades})
        self.symbol_combo.blockSignals(True)
        self.symbol_combo.clear()
        self.symbol_combo.addItem("All", None)
        for symbol in symbols:
            self.symbol_combo.addItem(symbol, symbol)
        self.symbol_combo.blockSignals(False)

    # --- footer ------------------------------------------------------------------------------------

    def _show_totals(self, totals: HistoryTotals) -> None:
        summary, gross, net = totals_texts(totals)
        self.summary_label.setText(summary)
        self.gross_label.setText(gross)
        self.net_label.setText(net)
        palette = self.net_label.palette()
        colour = money_colour(totals.net_profit)
        palette.setColor(
            QPalette.ColorRole.WindowText, colour or self.palette().color(QPalette.ColorRole.WindowText)
        )
        self.net_label.setPalette(palette)

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "net_label"):
            self._show_totals(self.totals())  # a theme switch picks the matching gain/loss colours

    # --- export ------------------------------------------------------------------------------------

    def export_csv(self) -> None:
        """Ask where to save, then write the trades shown."""
        path = self._ask_export_path()
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path | str) -> int | None:
        """Write the trades shown (filtered, in table order) to `path`; None (and a message) on failure."""
        try:
            count = write_trades_csv(path, self.visible_trades())
        except OSError as error:
            self._show_export_error(Path(path), error)
            return None
        noun = "trade" if count == 1 else "trades"
        self.status_label.setText(f"Exported {count} {noun} to {path}")
        return count

    def _ask_export_path(self) -> Path | None:
        name = f"closed-trades-{date.today():%Y-%m-%d}.csv"
        dialog = QFileDialog(self, "Export closed trades", str(Path(self._export_dir) / name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV files (*.csv)", "All files (*)"])
        dialog.setDefaultSuffix("csv")
        try:
            if not dialog.exec() or not dialog.selectedFiles():
                return None
            path = Path(dialog.selectedFiles()[0])
        finally:
            dialog.deleteLater()
        self._export_dir = str(path.parent)
        return path

    def _show_export_error(self, path: Path, error: OSError) -> None:
        # Window-modal and non-blocking: the tab keeps updating behind the message.
        reason = error.strerror or str(error)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Export failed",
            f"The closed trades could not be saved to {path}: {reason}.",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setInformativeText(
            "Nothing was written and any file already there is unchanged. Choose another file name, "
            "in a folder you can write to (for example your Documents folder), and export again."
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _: setattr(self, "error_box", None))
        self.error_box = box
        box.open()
