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
from typing import Generic, Protocol, TypeVar, cast

from PyQt6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QVariant,
)
from PyQt6.QtGui import QColor

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

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role answering the cell's sort key (a number, text or time: ordered natively)."""
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role answering the row's record key (ticket, deal, model id), in any column."""


_Display = Qt.ItemDataRole.DisplayRole
_Foreground = Qt.ItemDataRole.ForegroundRole
_Alignment = Qt.ItemDataRole.TextAlignmentRole
_Tooltip = Qt.ItemDataRole.ToolTipRole
_DISPLAY, _FOREGROUND, _ALIGNMENT, _TOOLTIP, _FONT = (
    int(role) for role in (_Display, _Foreground, _Alignment, _Tooltip, Qt.ItemDataRole.FontRole)
)
_CHECK = int(Qt.ItemDataRole.CheckStateRole)
_ANSWERED = frozenset({_DISPLAY, _FOREGROUND, _ALIGNMENT, _TOOLTIP, _FONT, _CHECK, SORT_ROLE, KEY_ROLE})
# QStyledItemDelegate::initStyleOption asks font, alignment, foreground, check state, decoration, display,
# background, in that order (slots 0-3 and 5 are the roles this model answers).
_DELEGATE_ROLES = (_FONT, _ALIGNMENT, _FOREGROUND, _CHECK, _DISPLAY)
_CHANGED_ROLES = [_DISPLAY, _FOREGROUND, SORT_ROLE]
FEW_ROWS = 32  # up to this many changed rows are reported cell by cell, beyond it as merged ranges
NOT_SPECIAL = object()
"""`special_data`'s answer when the column's own answer stands."""
_SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_Index = QModelIndex | QPersistentModelIndex


def _no_digits(_record: object) -> int | None:
    return None


class RecordTableModel(QAbstractTableModel, Generic[K, R]):
    """Records as rows keyed by `key_of(record)`, in arrival order (`newest_first`: latest on top) until
    `sort` picks a column."""

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
        self._align_variants = tuple(QVariant(column.align) for column in self._columns)
        self._colour_variants: dict[int, tuple[QColor, QVariant]] = {}

    # --- columns -----------------------------------------------------------------------------------

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
        for key in gone:
            del self._records[key]
            self._dirty.pop(key, None)
            self._sort_keys.pop(key, None)
        for first, last in reversed(runs(rows)):  # bottom-up, so the earlier row numbers stay valid
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._shown[first : last + 1]
            self._row = None
            self.endRemoveRows()
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
            emit, create = self.dataChanged.emit, self.createIndex  # one bound signal, not one per cell
            if len(cells) <= FEW_ROWS:
                # A view repaints a range's bounding box, grown by a pixel into the next cells; a few
                # rows' cells, told one by one, cost exactly themselves.
                for row, columns in cells.items():
                    for column_changed in columns:
                        index = create(row, column_changed)
                        emit(index, index, _CHANGED_ROLES)
                return
            for top, left, bottom, right in merge_cell_ranges(cells):
                # createIndex: these cells exist, and index() would call back into Python to check.
                emit(create(top, left), create(bottom, right), _CHANGED_ROLES)

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
                self.dataChanged.emit(top, bottom, [int(_Display)])

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

    def cell_text(self, row: int, column: int) -> str:
        record, spec = self.record_at(row), self._columns[column]
        return spec.text(record) if spec.priced is None else spec.priced(record, self._digits_of(record))

    # --- QAbstractTableModel -----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # The view asks for each painted cell's index; Qt's own index() would call back into Python
        # twice (rowCount and columnCount) to check it.
        if 0 <= row < len(self._shown) and 0 <= column < len(self._columns) and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = _Display) -> object:
        # Asked ~10 times per painted cell: plain int roles, unanswered roles first out, one frame deep.
        if role not in _ANSWERED:
            return None
        row = index.row()
        if self._special_cells:
            special = self.special_data(row, index.column(), role)
            if special is not NOT_SPECIAL:
                return special
        return self._column_answer(row, index.column(), role)

    def _column_answer(self, row: int, number: int, role: int) -> object:
        """What the column itself answers for a cell, special or not."""
        record = self._records[self._shown[row]]
        column = self._columns[number]
        if role == _DISPLAY:
            if column.priced is not None:
                return column.priced(record, self._digits_of(record))
            return column.text(record)
        if role == _FOREGROUND:
            return None if column.colour is None else column.colour(record)
        if role == _ALIGNMENT:
            return column.align
        if role == _TOOLTIP:
            return None if column.tip is None else column.tip(record) or None
        if role == SORT_ROLE:
            return column.sort_key(record)
        if role == KEY_ROLE:
            return self._shown[row]
        return None

    def multiData(self, index: _Index, roleDataSpan: QModelRoleDataSpan) -> None:
        # A painted cell asks 7 roles in one call (QStyledItemDelegate::initStyleOption): answering them
        # here crosses from C++ into Python once per cell instead of once per role. Every role this
        # model answers is set, None included: the delegate reuses the slots, which still hold the
        # previous cell's answers. Alignment and colours go as ready QVariants (a third of the cost of
        # converting the flag or QColor again); only the text is made per paint.
        if self._special_cells:
            self._multi_data_special(index, roleDataSpan)
            return
        number = index.column()
        record = self._records[self._shown[index.row()]]
        column = self._columns[number]
        if column.priced is None:
            text = column.text(record)
        else:
            text = column.priced(record, self._digits_of(record))
        colour = None if column.colour is None else column.colour(record)
        if len(roleDataSpan) == 7:
            # The delegate's own order (QStyledItemDelegate::initStyleOption, every paint): the five
            # slots this model answers are checked and set, decoration and background never touched.
            font, align, foreground = roleDataSpan[0], roleDataSpan[1], roleDataSpan[2]
            check, display = roleDataSpan[3], roleDataSpan[5]
            roles = (font.role(), align.role(), foreground.role(), check.role(), display.role())
            if roles == _DELEGATE_ROLES:
                font.clearData()
                align.setData(self._align_variants[number])
                if colour is None:
                    foreground.clearData()
                else:
                    foreground.setData(self._colour_variant(colour))
                check.clearData()
                display.setData(text)
                return
        for position in range(len(roleDataSpan)):
            item = roleDataSpan[position]
            role = item.role()
            if role == _DISPLAY:
                item.setData(text)
            elif role == _ALIGNMENT:
                item.setData(self._align_variants[number])
            elif role == _FOREGROUND:
                if colour is None:
                    item.clearData()
                else:
                    item.setData(self._colour_variant(colour))
            elif role in (_FONT, _CHECK):
                item.clearData()
            elif role in _ANSWERED:  # a role painting does not ask (tooltip, sort key): answered live
                answer = self.data(index, role)
                if answer is None:
                    item.clearData()
                else:
                    item.setData(answer)

    def _colour_variant(self, colour: QColor) -> QVariant:
        # Columns hand out a few shared QColor objects (gain, loss, buy, sell): one QVariant each, kept
        # with its colour so the id is not reused while it is known.
        known = self._colour_variants.get(id(colour))
        if known is None or known[0] is not colour:
            if len(self._colour_variants) > 64:  # colours made per call: keep the map small
                self._colour_variants.clear()
            known = self._colour_variants[id(colour)] = (colour, QVariant(colour))
        return known[1]

    def _multi_data_special(self, index: _Index, roleDataSpan: QModelRoleDataSpan) -> None:
        """multiData while some cells answer for themselves (`special_data`): each role asked live."""
        row, column_number = index.row(), index.column()
        special = self.special_data
        for position in range(len(roleDataSpan)):
            item = roleDataSpan[position]
            role = item.role()
            if role not in _ANSWERED:
                continue  # never set by this model (decoration, background)
            answer = special(row, column_number, role)
            if answer is NOT_SPECIAL:
                answer = self._column_answer(row, column_number, role)
            if answer is None:
                item.clearData()
            else:
                item.setData(answer)

    def special_data(self, row: int, column: int, role: int) -> object:
        """What a subclass shows instead, while `_special_cells` is set (a busy row, stale prices);
        `NOT_SPECIAL` lets the column answer."""
        return NOT_SPECIAL

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == _Display:
            return column.header
        if role == _Tooltip:
            return column.tooltip or None
        if role == _Alignment:
            return column.align
        return None

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
            self.beginInsertRows(QModelIndex(), 0, len(shown) - 1)
            self._shown[:0] = shown
            self._row = None
            self.endInsertRows()
            return
        first = len(self._shown)
        self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
        self._shown.extend(shown)
        if self._row is not None:
            self._row.update((key, first + offset) for offset, key in enumerate(shown))
        self.endInsertRows()

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
        self.changePersistentIndexList(
            before, [self.createIndex(new_rows[key], column) for key, column in held]
        )
        self.layoutChanged.emit([], _SORT_HINT)
        return True
