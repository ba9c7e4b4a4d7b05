"""One table model for every list on the desk: positions, history, deals, models and the event log.

Columns are declared as data (`RecordColumn`, after VeighNa's widget.py headers); rows are records keyed
by an id (a ticket, a deal, a model id). Changes are only recorded (`upsert`, `changed`) and reported by
`flush()`, which the window's one repaint timer calls (Electrum's `timer_actions`): a burst of updates
costs one repaint, and only the cells that changed are reported.

The model sorts itself, with no QSortFilterProxyModel: each row's key for the sorted column is cached
and refreshed only for rows whose sorted cell changed, and the order is rebuilt by `list.sort` (Timsort,
in C, near-linear on an almost sorted list) with that cache as key. A proxy's `lessThan` in Python over
every row on every flush cost ~100 ms at 1,000 rows. The order can be held (`hold`) while the trader
points at or works on a row; it catches up when the last hold is released.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Protocol, TypeVar, cast

from PyQt6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    pyqtSignal,
)
from PyQt6.QtGui import QStandardItemModel

from app.ui.widgets.record_cells import KEY_ROLE, NOT_SPECIAL, SORT_ROLE, RecordCells
from app.ui.widgets.record_columns import (
    CENTRE,
    LEFT,
    RIGHT,
    CellRange,
    RecordColumn,
    column_index,
    merge_cell_ranges,
    price_column,
    runs,
)

__all__ = [
    "CENTRE",
    "KEY_ROLE",
    "LEFT",
    "NOT_SPECIAL",
    "RIGHT",
    "SORT_ROLE",
    "CellRange",
    "RecordColumn",
    "RecordTableModel",
    "column_index",
    "merge_cell_ranges",
    "price_column",
    "runs",
]

K = TypeVar("K", bound=Hashable)


class SupportsLessThan(Protocol):
    def __lt__(self, other: object, /) -> bool: ...


R = TypeVar("R")

FEW_ROWS = 32  # up to this many changed rows are reported cell by cell, beyond it as merged ranges
_SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_Index = QModelIndex | QPersistentModelIndex


def _no_digits(_record: object) -> int | None:
    return None


class RecordTableModel(RecordCells[K, R], QStandardItemModel):
    """Records as rows keyed by `key_of(record)`, in arrival order (`newest_first`: latest on top) until
    `sort` picks a column."""

    text_grew = pyqtSignal(int)  # a column painted a longer text than ever: views fit it (queued)

    def __init__(
        self,
        columns: Sequence[RecordColumn[R]],
        key_of: Callable[[R], K],
        parent: QObject | None = None,
        *,
        newest_first: bool = False,
    ) -> None:
        super().__init__(parent)
        self._newest_first = newest_first  # arrival order puts the latest record on top (a log)
        self._columns = tuple(columns)
        self._key_of = key_of
        self._records: dict[K, R] = {}  # arrival order (dicts keep insertion order)
        self._shown: list[K] = []  # the rows, in the order shown (filtered, sorted)
        self._row: dict[K, int] | None = {}  # key -> row; None when the order moved (rebuilt on demand)
        self._dirty: dict[K, Collection[int]] = {}  # key -> columns changed since the last flush
        self._sort_column = -1
        self._descending = False
        self._sort_keys: dict[K, object] = {}  # key -> sort key of the sorted column
        self._resort = False
        self._holds: set[str] = set()
        self._accepts: Callable[[R], bool] | None = None
        self._digits_of: Callable[[R], int | None] = _no_digits
        self._special_cells = False  # True: ask `special_data` first
        # Changed columns marked with this very object already have their sort keys refreshed (by a
        # subclass's fast path), so flush does not compute them again.
        self._presorted: Collection[int] = frozenset()
        self._init_cells()
        # Row bookkeeping waiting for the storage's rowsInserted/rowsRemoved (see _storage_insert).
        self._settle: Callable[[], None] | None = None
        self.rowsInserted.connect(self._settled)  # connected first: before any view hears of the rows
        self.rowsRemoved.connect(self._settled)
        self.setColumnCount(len(self._columns))

    # --- columns -----------------------------------------------------------------------------------

    def _text_grew(self, column: int) -> None:
        self.text_grew.emit(column)

    @property
    def columns(self) -> tuple[RecordColumn[R], ...]:
        return self._columns

    def column_of(self, key: str) -> int:
        """Index of the column with this key."""
        return next(index for index, column in enumerate(self._columns) if column.key == key)

    # --- feeding -----------------------------------------------------------------------------------

    def set_records(self, records: Iterable[R]) -> None:
        """Show exactly these records (a reload: views start over)."""
        self.beginResetModel()
        self._records = {self._key_of(record): record for record in records}
        self._dirty = {}
        self._shown = self._accepted(self._records)
        self._refresh_sort_keys()
        self._shown = self._ordered(self._arrival(self._shown))
        self._row = None
        self._resort = False
        self._storage_rows(len(self._shown))
        self.endResetModel()

    def upsert(self, records: Iterable[R]) -> None:
        """Add new records (as rows, now) and replace known ones (their changed cells wait for `flush`)."""
        new: dict[K, R] = {}
        for record in records:
            key = self._key_of(record)
            old = self._records.get(key)
            if old is None:
                new[key] = record
            elif old is not record:
                self._records[key] = record
                changed = self._changed_columns(old, record)
                if changed:
                    self.changed(key, changed)
        if new:
            self._insert(new)

    def remove(self, keys: Iterable[K]) -> None:
        """Drop these records and their rows, now."""
        gone = [key for key in set(keys) if key in self._records]
        if not gone:
            return
        row_of = self._rows()
        rows = sorted(row_of[key] for key in gone if key in row_of)
        for first, last in reversed(runs(rows)):  # bottom-up, so the earlier row numbers stay valid
            self._storage_remove(first, last)
        # The records go after their rows: a view told of one run's removal reads the rows still shown.
        for key in gone:
            del self._records[key]
            self._dirty.pop(key, None)
            self._sort_keys.pop(key, None)
        self._row = None

    def changed(self, key: K, columns: Collection[int]) -> None:
        """Note that these columns of a record changed (in place, or by `upsert`); `flush` reports them."""
        known = self._dirty.get(key)
        self._dirty[key] = columns if known is None else {*known, *columns}

    def flush(self) -> None:
        """Report what changed since the last flush: a re-sort if the sorted column moved (and the order
        is not held), else `dataChanged` rectangles covering exactly the changed cells."""
        dirty, self._dirty = self._dirty, {}
        column = self._sort_column
        if column >= 0 and dirty:
            sort_key, keys, records = self._columns[column].sort_key, self._sort_keys, self._records
            presorted = self._presorted
            for key, columns in dirty.items():
                if column in columns and columns is not presorted:
                    keys[key] = sort_key(records[key])
                    self._resort = True
        if self._resort and not self._holds and self._reorder():
            return  # layoutChanged: the views read every shown cell again, the changed ones included
        if dirty:
            row_of = self._rows()
            cells = {row_of[key]: columns for key, columns in dirty.items() if key in row_of}
            emit, create = self.dataChanged.emit, self.index  # one bound signal, not one per cell
            if len(cells) <= FEW_ROWS:
                # A view repaints a range's bounding box, grown by a pixel into the next cells; a few
                # rows' cells, told one by one, cost exactly themselves.
                # No role list: "every role" is what changed (text, colour, sort key), and converting a
                # list for each emit cost as much again as the emit.
                for row, columns in cells.items():
                    for column_changed in columns:
                        index = create(row, column_changed)
                        emit(index, index)
                return
            for top, left, bottom, right in merge_cell_ranges(cells):
                emit(create(top, left), create(bottom, right))

    @property
    def dirty(self) -> bool:
        """True while changes wait for a flush."""
        return bool(self._dirty)

    # --- order -------------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by a column (-1: arrival order), now, whatever holds the order otherwise."""
        self._sort_column = column if 0 <= column < len(self._columns) else -1
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._refresh_sort_keys()
        self._reorder(fresh=True)

    @property
    def sort_column(self) -> int:
        return self._sort_column

    def hold(self, reason: str, held: bool = True) -> None:
        """Keep the rows where they are while `reason` lasts (pointer, menu, dialog); released with
        `held=False`, after which the next flush catches up with the sort."""
        if held:
            self._holds.add(reason)
        else:
            self._holds.discard(reason)

    @contextmanager
    def held(self, reason: str) -> Iterator[None]:
        """Hold the order for the duration of a `with` block (a modal dialog, a menu)."""
        self.hold(reason)
        try:
            yield
        finally:
            self.hold(reason, False)

    @property
    def order_held(self) -> bool:
        """True while something holds the rows in place."""
        return bool(self._holds)

    @property
    def held_by(self) -> frozenset[str]:
        """What holds the rows in place now ('pointer', 'menu', …)."""
        return frozenset(self._holds)

    def set_filter(self, accepts: Callable[[R], bool] | None) -> None:
        """Show only the records `accepts` lets through (None: all); it must read fields that never change."""
        self.beginResetModel()
        self._accepts = accepts
        self._shown = self._ordered(self._arrival(self._accepted(self._records)))
        self._row = None
        self._storage_rows(len(self._shown))
        self.endResetModel()

    # --- digits ------------------------------------------------------------------------------------

    def set_digits(self, digits_of: Callable[[R], int | None]) -> None:
        """Write prices at `digits_of(record)` from now on, and repaint the price columns."""
        self._digits_of = digits_of
        self.refresh_prices()

    def refresh_prices(self) -> None:
        """Repaint the price columns (their symbols' digits became known)."""
        if not self._shown:
            return
        for index, column in enumerate(self._columns):
            if column.priced is not None:
                top, bottom = self.index(0, index), self.index(len(self._shown) - 1, index)
                self.dataChanged.emit(top, bottom, [int(Qt.ItemDataRole.DisplayRole)])

    # --- reading -----------------------------------------------------------------------------------

    def record(self, key: K) -> R | None:
        """The record with this key, shown or filtered out."""
        return self._records.get(key)

    def record_at(self, row: int) -> R:
        return self._records[self._shown[row]]

    def key_at(self, row: int) -> K:
        return self._shown[row]

    def row_of(self, key: K) -> int | None:
        """Row a key is shown in, or None (unknown, or filtered out)."""
        return self._rows().get(key)

    def keys(self) -> list[K]:
        """Keys of the rows, top to bottom."""
        return list(self._shown)

    def records(self) -> list[R]:
        """The records shown, top to bottom."""
        records = self._records
        return [records[key] for key in self._shown]

    def all_records(self) -> list[R]:
        """Every record, filtered out or not, in arrival order."""
        return list(self._records.values())

    # --- inside ------------------------------------------------------------------------------------

    def _changed_columns(self, old: R, new: R) -> list[int]:
        return [
            index
            for index, column in enumerate(self._columns)
            if column.sort_key(old) != column.sort_key(new) or column.text(old) != column.text(new)
        ]

    def _insert(self, new: dict[K, R]) -> None:
        self._records.update(new)
        shown = self._accepted(new)
        if not shown:
            return
        if self._sort_column >= 0:
            sort_key = self._columns[self._sort_column].sort_key
            self._sort_keys.update((key, sort_key(new[key])) for key in shown)
            self._resort = True  # appended now, put in their place by the next flush
        if self._newest_first and self._sort_column < 0:
            self._storage_insert(0, shown)
            return
        self._storage_insert(len(self._shown), shown)

    # --- the storage behind index() and rowCount() -------------------------------------------------
    # QStandardItemModel keeps a row count and answers index(), rowCount() and columnCount() in C++, with
    # no items in its cells (every cell is answered by data/multiData from the records). A table view
    # asks index() for every cell it paints: answered in Python, that was a second crossing into Python
    # per painted cell. The storage's rows are kept equal in number to `_shown`.

    def _storage_rows(self, count: int) -> None:
        """Set the storage's row count inside a reset (views hear only the reset)."""
        blocked = self.blockSignals(True)
        try:
            self.setRowCount(count)
        finally:
            self.blockSignals(blocked)

    def _storage_insert(self, first: int, keys: list[K]) -> None:
        """Insert rows for `keys` at `first`: views are told before (old rows) and after (new rows)."""

        def settle() -> None:
            self._shown[first:first] = keys
            self._row = None

        self._settle = settle
        QStandardItemModel.insertRows(self, first, len(keys))
        self._settled()  # in case signals were blocked: the rows are in either way

    def _storage_remove(self, first: int, last: int) -> None:
        """Remove the rows `first`..`last`: views are told before (old rows) and after (new rows)."""

        def settle() -> None:
            del self._shown[first : last + 1]
            self._row = None

        self._settle = settle
        QStandardItemModel.removeRows(self, first, last - first + 1)
        self._settled()

    def _settled(self, *_signal: object) -> None:
        """The storage has its rows: `_shown` follows, before any view reads the rows (connected first)."""
        settle, self._settle = self._settle, None
        if settle is not None:
            settle()

    def _accepted(self, records: Mapping[K, R]) -> list[K]:
        """The keys the filter lets through, in arrival order (latest first for `newest_first`)."""
        accepts = self._accepts
        keys = list(records) if accepts is None else [k for k, r in records.items() if accepts(r)]
        if self._newest_first:
            keys.reverse()
        return keys

    def _rows(self) -> dict[K, int]:
        if self._row is None:
            self._row = {key: row for row, key in enumerate(self._shown)}
        return self._row

    def _refresh_sort_keys(self) -> None:
        if self._sort_column < 0:
            self._sort_keys = {}
            return
        sort_key, records = self._columns[self._sort_column].sort_key, self._records
        self._sort_keys = {key: sort_key(records[key]) for key in self._shown}

    def _ordered(self, keys: list[K]) -> list[K]:
        """`keys` in the current sort order; ties keep their current order, blanks (None) go last."""
        if self._sort_column < 0:
            return self._ordered_by_arrival(keys)
        sort_keys = self._sort_keys
        if None in sort_keys.values():  # a scan in C; blanks are rare (no S/L), ticks never make one
            present = [key for key in keys if sort_keys[key] is not None]
            blank = [key for key in keys if sort_keys[key] is None]
        else:
            present, blank = list(keys), []
        # Stable, even reversed: ties keep their place. One column's keys are of one ordered type.
        by_key = cast("Callable[[K], SupportsLessThan]", sort_keys.__getitem__)
        present.sort(key=by_key, reverse=self._descending)
        return present + blank

    def _arrival(self, keys: list[K]) -> list[K]:
        """Keys in arrival order, reversed for a descending sort: a fresh sort's ties then read like the
        exact reverse of the ascending one (newest first). Re-sorts after that keep ties where they are."""
        return keys[::-1] if self._descending and self._sort_column >= 0 else keys

    def _ordered_by_arrival(self, keys: list[K] | None = None) -> list[K]:
        shown = set(self._shown if keys is None else keys)
        ordered = [key for key in self._records if key in shown]
        if self._newest_first:
            ordered.reverse()
        return ordered

    def _reorder(self, fresh: bool = False) -> bool:
        """Apply the sort order (`fresh`: from arrival order, as for a click on the header); True when
        rows moved (and views were told by layoutChanged)."""
        self._resort = False
        order = self._ordered(self._arrival(self._ordered_by_arrival()) if fresh else self._shown)
        if order == self._shown:
            return False
        self.layoutAboutToBeChanged.emit([], _SORT_HINT)
        before = self.persistentIndexList()  # a selection's and the current cell's: a handful
        shown = self._shown
        held = [(shown[index.row()], index.column()) for index in before]
        self._shown = order
        self._row = None  # rebuilt when asked: a re-sort every tick need not pay for it
        new_rows: dict[K, int] = {}
        for key, _column in held:
            if key not in new_rows:
                new_rows[key] = order.index(key)  # a scan in C per selected row, not a map of all rows
        self.changePersistentIndexList(before, [self.index(new_rows[key], column) for key, column in held])
        self.layoutChanged.emit([], _SORT_HINT)
        return True
