"""The event log tab: notices, trade errors, auto-trades and connection changes, newest first, searchable.

History comes from the journal at start (`JournalQueries.load_events`), live rows from the hub. Both
describe an event the way the journal does, so a row reads the same before and after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from PyQt6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PyQt6.QtGui import QColor, QGuiApplication, QPalette
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import ConnectionState
from app.core.event_text import describe
from app.core.events import AutoTradeExecuted, Event, Notice, StatusUpdate, TradeError
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.records import EventRecord
from app.ui.widgets.columns import trade_colours

MAX_ROWS = 5000
HEADERS = ("Time", "Type", "Level", "Title", "Text")
TYPE_LABELS: dict[str, str] = {
    Notice.type: "Notice",
    TradeError.type: "Trade error",
    AutoTradeExecuted.type: "Auto-trade",
    StatusUpdate.type: "Connection",
}
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of the log."""

    time: datetime
    type: str
    level: str
    title: str
    text: str

    @classmethod
    def from_record(cls, record: EventRecord) -> LogEntry:
        return cls(record.time, record.type, record.level, record.title, record.text)


def entry_for_event(event: Event) -> LogEntry | None:
    """How the log describes an event (the journal's wording); None for events the log does not keep."""
    described = describe(event)
    if described is None:
        return None
    return LogEntry(event.timestamp, event.type, described.level, described.title, described.text)


def _level_colour(level: str) -> QColor | None:
    if level == "error":
        return trade_colours().loss
    if level == "warning":
        dark = QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
        return QColor("#d29922") if dark else QColor("#9a6700")
    return None


def _time_text(time: datetime) -> str:
    return time.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class EventLogModel(QAbstractTableModel):
    """Log rows, newest first, never more than `max_rows` (the oldest fall off)."""

    def __init__(self, max_rows: int = MAX_ROWS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._max_rows = max_rows
        self._rows: list[LogEntry] = []

    @property
    def max_rows(self) -> int:
        return self._max_rows

    def entries(self) -> list[LogEntry]:
        """All rows, newest first."""
        return list(self._rows)

    def add(self, entry: LogEntry) -> None:
        """Put a live entry on top."""
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, entry)
        self.endInsertRows()
        self._trim()

    def add_history(self, entries: Iterable[LogEntry]) -> int:
        """Merge entries from the journal in time order, skipping any already shown; returns how many."""
        known = set(self._rows)
        fresh = [entry for entry in entries if entry not in known]
        if not fresh:
            return 0
        oldest = self._rows[-1].time if self._rows else None
        fresh.sort(key=lambda entry: entry.time, reverse=True)
        if oldest is None or fresh[0].time <= oldest:
            # The usual case: the journal holds what happened before the window opened.
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()
        else:
            self.beginResetModel()
            # Stable sort: live rows keep their arrival order among equal times.
            self._rows = sorted([*self._rows, *fresh], key=lambda entry: entry.time, reverse=True)
            self.endResetModel()
        self._trim()
        return len(fresh)

    def _trim(self) -> None:
        if len(self._rows) <= self._max_rows:
            return
        self.beginRemoveRows(QModelIndex(), self._max_rows, len(self._rows) - 1)
        del self._rows[self._max_rows :]
        self.endRemoveRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 0:
            return "Local time"
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell_text(entry, index.column())
        if role == Qt.ItemDataRole.ForegroundRole:
            return _level_colour(entry.level)
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.text if index.column() == 4 else None
        if role == TYPE_ROLE:
            return entry.type
        return None

    @staticmethod
    def _cell_text(entry: LogEntry, column: int) -> str:
        if column == 0:
            return _time_text(entry.time)
        if column == 1:
            return TYPE_LABELS.get(entry.type, entry.type)
        if column == 2:
            return entry.level.capitalize()
        return entry.title if column == 3 else entry.text


class EventLogFilter(QSortFilterProxyModel):
    """Search over every column (ignoring case) plus an optional event type."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._type: str | None = None

    def set_search(self, text: str) -> None:
        self.setFilterFixedString(text)

    def set_type(self, event_type: str | None) -> None:
        """Show only events of this type (None: all)."""
        if event_type != self._type:
            self._type = event_type
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        if self._type is not None:
            model = self.sourceModel()
            assert model is not None
            if model.index(source_row, 0, source_parent).data(TYPE_ROLE) != self._type:
                return False
        return super().filterAcceptsRow(source_row, source_parent)


class EventLogView(QWidget):
    """The event log tab: search box, type filter and the table; fed by the hub and the journal."""

    def __init__(self, parent: QWidget | None = None, *, max_rows: int = MAX_ROWS) -> None:
        super().__init__(parent)
        self.model = EventLogModel(max_rows, self)
        self.proxy = EventLogFilter(self)
        self.proxy.setSourceModel(self.model)
        self._link: ConnectionState | None = None
        self._history_request: int | None = None

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Search the event log…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.proxy.set_search)
        self.type_combo = QComboBox(self)
        self.type_combo.addItem("All types", None)
        for event_type, label in TYPE_LABELS.items():
            self.type_combo.addItem(label, event_type)
        self.type_combo.currentIndexChanged.connect(
            lambda _: self.proxy.set_type(self.type_combo.currentData())
        )
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("QLabel { color: #cf222e; }")
        self.problem_label.hide()

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        assert vertical is not None
        vertical.hide()
        header = self.table.horizontalHeader()
        assert header is not None
        header.setStretchLastSection(True)
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(3, 280)

        filters = QHBoxLayout()
        filters.addWidget(self.search_box, 1)
        filters.addWidget(self.type_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.table, 1)

    def subscribe(self, hub: EventHub) -> None:
        """Add rows live from the hub."""
        for signal in (hub.notice, hub.trade_error, hub.auto_trade_executed, hub.status_update):
            signal.connect(self.apply)

    def apply(self, event: Event) -> None:
        """Log one event; a STATUS_UPDATE only when the connection state changed."""
        if isinstance(event, StatusUpdate):
            if event.status.state is self._link:
                return
            self._link = event.status.state
        entry = entry_for_event(event)
        if entry is not None:
            self.model.add(entry)

    def load_history(self, queries: JournalQueries) -> int:
        """Ask the journal for the newest events, merged in when they arrive; returns the request id."""
        queries.events_loaded.connect(self._on_history)
        queries.failed.connect(self._on_history_failed)
        self._history_request = queries.load_events(limit=self.model.max_rows)
        return self._history_request

    def visible_entries(self) -> list[LogEntry]:
        """The rows the filters let through, top to bottom."""
        rows = self.model.entries()
        proxy = self.proxy
        return [rows[proxy.mapToSource(proxy.index(row, 0)).row()] for row in range(proxy.rowCount())]

    def _on_history(self, request_id: int, records: list[EventRecord]) -> None:
        if request_id == self._history_request:
            self._history_request = None
            self.model.add_history(LogEntry.from_record(record) for record in records)

    def _on_history_failed(self, request_id: int, message: str) -> None:
        if request_id == self._history_request:
            self._history_request = None
            self.problem_label.setText(
                f"{message} Earlier events are not shown; new events still appear here."
            )
            self.problem_label.show()
