"""The event log tab: notices, trade errors, auto-trades and connection changes, newest first, searchable.

History comes from the journal at start (`JournalQueries.load_events`), live rows from the hub. Both
describe an event the way the journal does, so a row reads the same before and after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import count, islice

from PyQt6.QtCore import QObject
from PyQt6.QtGui import QColor, QGuiApplication, QPalette
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.account_directory import AccountDirectory
from app.core.enums import ConnectionState
from app.core.event_text import describe
from app.core.events import AutoTradeExecuted, Event, Notice, StatusUpdate, TradeError
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.records import EventRecord
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.record_table import LEFT, RecordColumn, RecordTableModel
from app.ui.widgets.record_view import RecordTableView

MAX_ROWS = 5000
TYPE_LABELS: dict[str, str] = {
    Notice.type: "Notice",
    TradeError.type: "Trade error",
    AutoTradeExecuted.type: "Auto-trade",
    StatusUpdate.type: "Connection",
}


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One row of the log; `account_id` is the account it is about ("" for the whole desk)."""

    time: datetime
    type: str
    level: str
    title: str
    text: str
    account_id: str = ""

    @classmethod
    def from_record(cls, record: EventRecord) -> LogEntry:
        return cls(record.time, record.type, record.level, record.title, record.text, record.account_id)


@dataclass(frozen=True, slots=True)
class LogRow:
    """An entry as a row: `number` (its arrival) is its key, so two alike entries are two rows."""

    number: int
    entry: LogEntry


def entry_for_event(event: Event) -> LogEntry | None:
    """How the log describes an event (the journal's wording); None for events the log does not keep."""
    described = describe(event)
    if described is None:
        return None
    return LogEntry(
        event.timestamp, event.type, described.level, described.title, described.text, event.account_id
    )


def _level_colour(row: LogRow) -> QColor | None:
    level = row.entry.level
    if level == "error":
        return trade_colours().loss
    if level == "warning":
        dark = QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
        return QColor("#d29922") if dark else QColor("#9a6700")
    return None


def _time_text(time: datetime) -> str:
    return time.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def log_columns(accounts: AccountDirectory) -> tuple[RecordColumn[LogRow], ...]:
    """The log's columns; a title names its account when the desk has several ("FTMO 1: Connection lost")."""

    def title(row: LogRow) -> str:
        return accounts.prefixed(row.entry.account_id, row.entry.title)

    return (
        *LOG_COLUMNS[:3],
        RecordColumn("title", "Title", title, title, LEFT, _level_colour),
        LOG_COLUMNS[4],
    )


LOG_COLUMNS: tuple[RecordColumn[LogRow], ...] = (
    RecordColumn(
        "time",
        "Time",
        lambda r: _time_text(r.entry.time),
        lambda r: r.entry.time,
        align=LEFT,
        colour=_level_colour,
        tooltip="Local time",
    ),
    RecordColumn(
        "type",
        "Type",
        lambda r: TYPE_LABELS.get(r.entry.type, r.entry.type),
        lambda r: r.entry.type,
        align=LEFT,
        colour=_level_colour,
    ),
    RecordColumn(
        "level", "Level", lambda r: r.entry.level.capitalize(), lambda r: r.entry.level, LEFT, _level_colour
    ),
    RecordColumn("title", "Title", lambda r: r.entry.title, lambda r: r.entry.title, LEFT, _level_colour),
    RecordColumn(
        "text",
        "Text",
        lambda r: r.entry.text,
        lambda r: r.entry.text,
        align=LEFT,
        colour=_level_colour,
        tip=lambda r: r.entry.text,
        stretch=True,
    ),
)


class EventLogModel(RecordTableModel[int, LogRow]):
    """Log rows, newest first, never more than `max_rows` (the oldest fall off)."""

    def __init__(self, max_rows: int = MAX_ROWS, parent: QObject | None = None) -> None:
        self.accounts = AccountDirectory()
        super().__init__(log_columns(self.accounts), lambda row: row.number, parent, newest_first=True)
        self._max_rows = max_rows
        self._numbers = count()

    @property
    def max_rows(self) -> int:
        return self._max_rows

    def entries(self) -> list[LogEntry]:
        """All rows (filtered out or not), newest first."""
        return [row.entry for row in reversed(self.all_records())]

    def add(self, entry: LogEntry) -> None:
        """Put a live entry on top."""
        self.upsert([LogRow(next(self._numbers), entry)])
        self._trim()

    def add_history(self, entries: Iterable[LogEntry]) -> int:
        """Merge entries from the journal in time order, skipping any already shown; returns how many."""
        known = set(self.entries())
        fresh = [entry for entry in entries if entry not in known]
        if not fresh:
            return 0
        # Oldest first, as rows arrive; a stable sort keeps live rows in their order among equal times.
        merged = sorted([*fresh, *reversed(self.entries())], key=lambda e: e.time)  # ties: live rows on top
        self.set_records(LogRow(next(self._numbers), entry) for entry in merged)
        self._trim()
        return len(fresh)

    def _trim(self) -> None:
        excess = len(self._records) - self._max_rows
        if excess > 0:
            self.remove(list(islice(self._records, excess)))  # the oldest arrived first


def _matches(
    row: LogRow, needle: str, event_type: str | None, columns: tuple[RecordColumn[LogRow], ...]
) -> bool:
    if event_type is not None and row.entry.type != event_type:
        return False
    return not needle or any(needle in column.text(row).lower() for column in columns)


class EventLogView(QWidget):
    """The event log tab: search box, type filter and the table; fed by the hub and the journal."""

    def __init__(self, parent: QWidget | None = None, *, max_rows: int = MAX_ROWS) -> None:
        super().__init__(parent)
        self.model = EventLogModel(max_rows, self)
        self._link: dict[str, ConnectionState] = {}  # account id -> the state last logged
        self._history_request: int | None = None

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Search the event log…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self._filter)
        self.type_combo = QComboBox(self)
        self.type_combo.addItem("All types", None)
        for event_type, label in TYPE_LABELS.items():
            self.type_combo.addItem(label, event_type)
        self.type_combo.currentIndexChanged.connect(self._filter)
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("QLabel { color: #cf222e; }")
        self.problem_label.hide()
        self.table: RecordTableView[int, LogRow] = RecordTableView(
            self.model, self, csv_name="event-log", csv_what="events"
        )

        filters = QHBoxLayout()
        filters.addWidget(self.search_box, 1)
        filters.addWidget(self.type_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.table, 1)

    def subscribe(self, hub: EventHub) -> None:
        """Add rows live from the hub (and learn the desk's accounts, to name them)."""
        for signal in (hub.notice, hub.trade_error, hub.auto_trade_executed, hub.status_update):
            signal.connect(self.apply)
        hub.accounts_update.connect(self._follow_accounts)
        hub.snapshot.connect(self._follow_accounts)

    def _follow_accounts(self, event: Event) -> None:
        several = self.model.accounts.several
        self.model.accounts.apply(event)
        if several != self.model.accounts.several and self.model.rowCount():
            title = self.model.column_of("title")
            top, bottom = self.model.index(0, title), self.model.index(self.model.rowCount() - 1, title)
            self.model.dataChanged.emit(top, bottom)

    def apply(self, event: Event) -> None:
        """Log one event; a STATUS_UPDATE only when the account's connection state changed."""
        self.model.accounts.apply(event)
        if isinstance(event, StatusUpdate):
            if event.status.state is self._link.get(event.account_id):
                return
            self._link[event.account_id] = event.status.state
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
        return [row.entry for row in self.model.records()]

    def _filter(self) -> None:
        """Search every column's text (ignoring case), within the chosen event type."""
        needle = self.search_box.text().strip().lower()
        event_type = self.type_combo.currentData()
        wanted = event_type if isinstance(event_type, str) else None
        if not needle and wanted is None:
            self.model.set_filter(None)
        else:
            columns = self.model.columns
            self.model.set_filter(lambda row: _matches(row, needle, wanted, columns))

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
