"""How a record table answers for its cells: the text, colour and alignment a painted cell asks for, the
tooltip, sort key and record key, and the header. Mixed into RecordTableModel (record_table.py).

A painted cell crosses from C++ into Python once (`multiData`), and its answers go into the delegate's
own role slots, which it reuses from cell to cell: every answer is written, or cleared where it may hold
another cell's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from PyQt6 import sip
from PyQt6.QtCore import QModelIndex, QModelRoleDataSpan, QPersistentModelIndex, Qt, QVariant
from PyQt6.QtGui import QColor

from app.ui.widgets.record_columns import RecordColumn

K = TypeVar("K", bound=Hashable)
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
NOT_SPECIAL = object()
"""`special_data`'s answer when the column's own answer stands."""
_Index = QModelIndex | QPersistentModelIndex


# The C++ address behind a wrapper: one delegate's role slots are one fixed array, found again by it.
# (PyQt6's stubs give sip.unwrapinstance no return type; it returns the address as an int.)
_address_of: Callable[[object], int] = sip.unwrapinstance  # type: ignore[assignment]

_layout_checked: list[bool] = []  # [True] once a delegate's 7 slots were seen in the expected order


def _delegate_layout(span: QModelRoleDataSpan) -> bool:
    """True when a 7-slot span is laid out as QStyledItemDelegate's (checked in full once: its slots are
    a fixed array of that class, and checking five roles on every painted cell cost a tenth of a paint)."""
    if tuple(span[slot].role() for slot in (0, 1, 2, 3, 5)) != _DELEGATE_ROLES:
        return False
    _layout_checked.append(True)
    return True


class RecordCells(Generic[K, R]):
    """The cell answers of a record table: mixed in before its Qt model class, so that Qt finds them."""

    _columns: tuple[RecordColumn[R], ...]
    _records: dict[K, R]
    _shown: list[K]
    _digits_of: Callable[[R], int | None]
    _special_cells: bool  # True: ask `special_data` first

    def _init_cells(self) -> None:
        self._align_variants = tuple(QVariant(column.align) for column in self._columns)
        self._colour_variants: dict[int, tuple[QColor, QVariant]] = {}
        # Addresses of delegates' role slots where special_data set a font or check state (see multiData).
        self._styled: set[int] = set()
        # The longest text each column has painted: a longer one may no longer fit its width.
        self._longest = [0] * len(self._columns)

    def _text_grew(self, column: int) -> None:
        """A column painted a longer text than ever before (a profit past 1,000.00): its width may need
        to grow, so that a number is never cut."""

    def cell_text(self, row: int, column: int) -> str:
        """A cell's text as shown (for CSV and tests)."""
        record, spec = self._records[self._shown[row]], self._columns[column]
        return spec.text(record) if spec.priced is None else spec.priced(record, self._digits_of(record))

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
        if len(text) > self._longest[number]:  # a longer text than this column has shown: fit it
            self._longest[number] = len(text)
            self._text_grew(number)
        if len(roleDataSpan) == 7:
            display = roleDataSpan[5]
            if display.role() == _DISPLAY and (_layout_checked or _delegate_layout(roleDataSpan)):
                # The delegate's own slots (font, alignment, foreground, check state, decoration,
                # display, background). Font and check state are answered "none" here, and only
                # `special_data` ever sets them: they are cleared only in a delegate's slots where it
                # did (`_styled`), not on every paint.
                if self._styled:
                    self._unstyle(roleDataSpan)
                roleDataSpan[1].setData(self._align_variants[number])
                if colour is None:
                    roleDataSpan[2].clearData()
                else:
                    roleDataSpan[2].setData(self._colour_variant(colour))
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
                if role in (_FONT, _CHECK):
                    self._styled.add(_address_of(roleDataSpan[0]))

    def _unstyle(self, roleDataSpan: QModelRoleDataSpan) -> None:
        """Clear font and check state in a delegate's slots that `special_data` styled."""
        first = roleDataSpan[0]
        address = _address_of(first)
        if address in self._styled:
            self._styled.discard(address)
            first.clearData()
            roleDataSpan[3].clearData()

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
