"""RecordsTab: the base of the History and Deals tabs (filter bar, sorted table, footer, Refresh, CSV).

Every filter is a journal query (run off the GUI thread by `JournalQueries`); an answer to a question the
tab no longer asks is dropped. A position closing or shrinking (POSITIONS_UPDATE with removals or
changes) reloads the tab a second later, once the worker has journaled the deals. A viewer has no
journal: the tab then says so and shows nothing else. On a desk of several accounts an Account column and
an account filter show; a row is named by its account and ticket (two brokers may use the same numbers),
and totals of rows in two currencies are not added up.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from PyQt6.QtCore import QByteArray, QStandardPaths, Qt, QTimer, pyqtBoundSignal
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.account_directory import AccountDirectory
from app.core.events import AccountsUpdate, AccountUpdate, Event, PositionsUpdate, Snapshot
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.ui.history.history_filters import HistoryFilters, Selection
from app.ui.history.history_period import HistoryPeriod
from app.ui.history.symbol_digits import SymbolDigits
from app.ui.widgets.csv_export import CsvFields, write_csv
from app.ui.widgets.csv_save import ask_csv_path, show_csv_error
from app.ui.widgets.record_table import LEFT, RecordColumn, RecordTableModel
from app.ui.widgets.record_view import RecordTableView

R = TypeVar("R")

REFRESH_DELAY_MS = 1000
VIEWER_NOTICE = "History is available on the trading desk only"
_PROBLEM_STYLE = "QLabel { color: #cf222e; }"


class RecordsTab(QWidget, Generic[R]):
    """Filters, a sortable table of journal records, a footer, Refresh and Export CSV.

    Subclasses say what to ask the journal (`_ask`) and which signal answers (`_answers`), what a load
    holds (`_records_in`), what the footer adds (`_build_footer`) and says (`_show_footer`).
    `queries=None` makes the read-only (viewer) tab: just `VIEWER_NOTICE`.
    """

    def __init__(
        self,
        queries: JournalQueries | None,
        columns: Sequence[RecordColumn[R]],
        csv_fields: CsvFields[R],
        symbol_of: Callable[[R], str],
        parent: QWidget | None = None,
        *,
        account_of: Callable[[R], str],
        key_of: Callable[[R], Hashable],
        refresh_delay_ms: int = REFRESH_DELAY_MS,
        with_source: bool,
        what: str,
        day_of: str,
        export_name: str,
        sort_by: str,
        digits: SymbolDigits | None = None,
    ) -> None:
        super().__init__(parent)
        self._queries = queries
        self._digits = digits
        self._csv_fields = csv_fields
        self._symbol_of = symbol_of
        self._what = what
        self._export_name = export_name
        self._request: int | None = None
        self._request_symbol: str | None = None
        self._export_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self.error_box: QMessageBox | None = None
        self._account_of = account_of
        self._accounts = AccountDirectory()
        self._listed: tuple[tuple[str, str], ...] = ()
        self._currencies: dict[str, str] = {}  # account -> its currency, as its figures say
        columns = (*columns, self._account_column())
        self.model: RecordTableModel[Hashable, R] = RecordTableModel(columns, key_of, self)
        if digits is not None:
            self.model.set_digits(lambda record: digits.digits(symbol_of(record)))
            digits.learned.connect(self.model.refresh_prices)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(refresh_delay_ms)
        self._refresh_timer.timeout.connect(self.refresh)

        self.notice_label = QLabel(VIEWER_NOTICE, self)
        self.notice_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.filters = HistoryFilters(self, with_source=with_source, what=day_of)
        self.controls = self.filters
        self.refresh_button = QPushButton("Refresh", self.filters)
        self.export_button = QPushButton("Export CSV…", self.filters)
        self.export_button.setToolTip(f"Save the {what} shown, as filtered and sorted, to a CSV file")
        self.export_button.setEnabled(False)
        self.filters.add_trailing(self.refresh_button)
        self.filters.add_trailing(self.export_button)
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(_PROBLEM_STYLE)
        self.problem_label.hide()
        self.table = self._build_table(columns, sort_by)
        self.footer = QWidget(self)
        self.footer_row = QHBoxLayout(self.footer)
        self.footer_row.setContentsMargins(0, 0, 0, 0)
        self.summary_label = QLabel(self.footer)
        self.status_label = QLabel(self.footer)
        self.footer_row.addWidget(self.summary_label)
        self.footer_row.addSpacing(12)
        self.footer_row.addWidget(self.status_label)
        self.footer_row.addStretch(1)
        self._build_footer()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice_label, 1)
        layout.addWidget(self.filters)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.footer)

        if queries is None:
            for part in (self.filters, self.table, self.footer):
                part.hide()
            return
        self.notice_label.hide()
        queries.failed.connect(self._on_failed)
        self.filters.changed.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_csv)
        self._answers(queries).connect(self._loaded)
        self._show_footer(None)
        self.refresh()

    def _account_column(self) -> RecordColumn[R]:
        def label(record: R) -> str:
            return self._accounts.label(self._account_of(record))

        tooltip = "The account of the row (shown while the desk has several)"
        return RecordColumn("account", "Account", label, label, align=LEFT, tooltip=tooltip, hidden=True)

    def _build_table(self, columns: Sequence[RecordColumn[R]], sort_by: str) -> RecordTableView[Hashable, R]:
        table: RecordTableView[Hashable, R] = RecordTableView(self.model, self)
        keys = [column.key for column in columns]
        table.sortByColumn(keys.index(sort_by), Qt.SortOrder.DescendingOrder)  # newest first
        return table

    # --- what a subclass says --------------------------------------------------------------------------

    def _ask(self, queries: JournalQueries, chosen: Selection) -> int:
        raise NotImplementedError

    def _answers(self, queries: JournalQueries) -> pyqtBoundSignal:
        raise NotImplementedError

    def _build_footer(self) -> None:
        """Add the tab's own labels after the count and status (called once, during construction)."""
        raise NotImplementedError

    def _records_in(self, result: object) -> Sequence[R]:
        raise NotImplementedError

    def _show_footer(self, result: object | None) -> None:
        raise NotImplementedError

    # --- state -------------------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """True in a viewer: there is no journal to read."""
        return self._queries is None

    def period(self) -> HistoryPeriod:
        return self.filters.period()

    def visible_records(self) -> list[R]:
        """The rows the table shows, top to bottom."""
        return self.model.records()

    def header_state(self) -> QByteArray:
        """Column widths, order and sort, for the main window to save."""
        return self.table.header_state()

    def restore_header_state(self, state: QByteArray) -> bool:
        """Restore a saved header state; False (and the defaults kept) when it cannot be read."""
        return self.table.restore_header_state(state)

    # --- loading -----------------------------------------------------------------------------------

    def subscribe(self, hub: EventHub) -> None:
        """Reload when positions close or shrink (a viewer has nothing to reload); follow the accounts."""
        if not self.read_only:
            hub.positions_update.connect(self._on_positions_update)
            for signal in (hub.accounts_update, hub.snapshot, hub.account_update):
                signal.connect(self._on_accounts)

    def _on_accounts(self, event: Event) -> None:
        self._accounts.apply(event)
        if isinstance(event, AccountUpdate):
            self._currencies[event.account_id] = event.account.currency
        elif isinstance(event, Snapshot):
            for view in event.accounts:
                if view.account is not None:
                    self._currencies[view.account_id] = view.account.currency
        if not isinstance(event, AccountsUpdate | Snapshot):
            return
        listed = tuple((account_id, self._accounts.label(account_id)) for account_id in self._accounts.ids)
        if listed == self._listed:
            return
        several_before = len(self._listed) > 1
        self._listed = listed
        self.filters.offer_accounts(listed)
        several = len(listed) > 1
        if several != several_before:
            self.table.setColumnHidden(self.model.column_of("account"), not several)
        if self.model.records():  # a renamed account: its rows say the new name
            self.model.set_records(self.model.all_records())

    def mixed_currencies(self) -> list[str]:
        """The currencies of the accounts whose rows are shown, when more than one (their money is then
        not added up in the footer)."""
        found = dict.fromkeys(
            currency
            for record in self.model.records()
            if (currency := self._currencies.get(self._account_of(record), ""))
        )
        return list(found) if len(found) > 1 else []

    def set_period(self, period: HistoryPeriod) -> None:
        """Choose a date preset (or CUSTOM) and reload."""
        self.filters.set_period(period)

    def set_custom_range(self, first: date | None, last: date) -> None:
        """Show what happened from `first` (None: any day) to `last`, local days included; reloads once."""
        self.filters.set_custom_range(first, last)

    def refresh(self) -> int | None:
        """Ask the journal for what the filters select; returns the request id (None in a viewer)."""
        self._refresh_timer.stop()
        if self._queries is None:
            return None
        chosen = self.filters.selection()
        self._request_symbol = chosen.symbol
        self.status_label.setText("Loading…")
        self._request = self._ask(self._queries, chosen)
        return self._request

    def _on_positions_update(self, event: PositionsUpdate) -> None:
        # A close or partial close (a modified volume) has new deals. Not restarted by later updates: a
        # stream of them still reloads once a second.
        if (event.removed or event.modified) and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _loaded(self, request_id: int, result: object) -> None:
        if request_id != self._request:
            return
        self._request = None
        self.problem_label.hide()
        self.status_label.clear()
        records = self._records_in(result)
        if self._request_symbol is None:
            self.filters.offer_symbols(symbol for symbol in map(self._symbol_of, records) if symbol)
        self.model.set_records(records)
        if self._digits is not None:
            self._digits.want(map(self._symbol_of, records))
        self.export_button.setEnabled(bool(records))
        self._show_footer(result)

    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id != self._request:
            return
        self._request = None
        self.status_label.clear()
        self.problem_label.setText(
            f"{message} The table still shows the last {self._what} loaded; press Refresh to try again."
        )
        self.problem_label.show()

    # --- export ------------------------------------------------------------------------------------

    def export_csv(self) -> None:
        """Ask where to save, then write the rows shown."""
        path = self._ask_export_path()
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path | str) -> int | None:
        """Write the rows shown (filtered, in table order) to `path`; None (and a message) on failure."""
        try:
            count = write_csv(path, self._csv_fields, self.visible_records())
        except OSError as error:
            self._show_export_error(Path(path), error)
            return None
        self.status_label.setText(f"Exported {count} row{'' if count == 1 else 's'} to {path}")
        return count

    def _ask_export_path(self) -> Path | None:
        path = ask_csv_path(self, self._what, self._export_dir, self._export_name)
        if path is not None:
            self._export_dir = str(path.parent)
        return path

    def _show_export_error(self, path: Path, error: OSError) -> None:
        box = show_csv_error(self, self._what, path, error)
        box.finished.connect(lambda _: setattr(self, "error_box", None))
        self.error_box = box
