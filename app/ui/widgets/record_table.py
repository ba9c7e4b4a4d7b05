"""A read-only table of journal records with columns declared as data, for the History and Deals tabs.

Each column says how to show, align, colour and sort one field; the model is replaced whole on every
load (loads are rare and cheap next to a reset) and the proxy sorts by each column's Python sort key.
A price column also says how to write its price at the symbol's digits, which the model learns from
the terminal after the records arrive (`set_digits`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSortFilterProxyModel, Qt
from PyQt6.QtGui import QColor

R = TypeVar("R")

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role answering the column's sort key (a Python object, compared in Python by the proxy)."""

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class RecordColumn(Generic[R]):
    """One column: how to show, align, colour and sort a record's field; `tip` is a cell's tooltip.

    `priced(record, digits)` writes a price column's cell at its symbol's digits (None: not known yet);
    `text` then is what it shows without any digits.
    """

    key: str
    header: str
    text: Callable[[R], str]
    sort_key: Callable[[R], object]
    align: Qt.AlignmentFlag = RIGHT
    colour: Callable[[R], QColor | None] | None = None
    tooltip: str = ""
    tip: Callable[[R], str] | None = None
    priced: Callable[[R, int | None], str] | None = None


def price_column(
    key: str,
    header: str,
    priced: Callable[[R, int | None], str],
    sort_key: Callable[[R], object],
    tooltip: str = "",
) -> RecordColumn[R]:
    """A column of prices, written at each record's symbol digits once they are known."""
    return RecordColumn(
        key, header, lambda record: priced(record, None), sort_key, tooltip=tooltip, priced=priced
    )


def _no_digits(_record: object) -> int | None:
    return None


class RecordTableModel(QAbstractTableModel, Generic[R]):
    """Records as rows, in the order given."""

    def __init__(self, columns: Sequence[RecordColumn[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[R] = []
        self._digits_of: Callable[[R], int | None] = _no_digits

    @property
    def columns(self) -> tuple[RecordColumn[R], ...]:
        return self._columns

    def set_records(self, records: Sequence[R]) -> None:
        """Show exactly these records."""
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def set_digits(self, digits_of: Callable[[R], int | None]) -> None:
        """Write prices at `digits_of(record)` from now on, and repaint the price columns."""
        self._digits_of = digits_of
        self.refresh_prices()

    def refresh_prices(self) -> None:
        """Repaint the price columns (their symbols' digits became known)."""
        if not self._rows:
            return
        for index, column in enumerate(self._columns):
            if column.priced is not None:
                top, bottom = self.index(0, index), self.index(len(self._rows) - 1, index)
                self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])

    def records(self) -> list[R]:
        """All records, in the order loaded."""
        return list(self._rows)

    def record_at(self, row: int) -> R:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column.priced is not None:
                return column.priced(record, self._digits_of(record))
            return column.text(record)
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if column.colour is None else column.colour(record)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == Qt.ItemDataRole.ToolTipRole and column.tip is not None:
            return column.tip(record) or None
        if role == SORT_ROLE:
            return column.sort_key(record)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        return None


class RecordProxy(QSortFilterProxyModel, Generic[R]):
    """Sorts by each column's Python sort key; blanks sort last and ties keep the loaded order."""

    def __init__(self, source: RecordTableModel[R], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.setSourceModel(source)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        column = self._source.columns[left.column()]
        key_a = column.sort_key(self._source.record_at(left.row()))
        key_b = column.sort_key(self._source.record_at(right.row()))
        # Python comparison (a QVariant of a Python object does not order); None sorts last.
        return (key_a is None, key_a, left.row()) < (key_b is None, key_b, right.row())

    def visible_records(self) -> list[R]:
        """The records in the order the table shows them."""
        rows = (self.mapToSource(self.index(row, 0)).row() for row in range(self.rowCount()))
        return [self._source.record_at(row) for row in rows]
