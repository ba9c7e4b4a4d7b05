"""Columns declared as data for the record table (after VeighNa's widget.py headers), and the few
rectangles that cover a set of changed cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor

R = TypeVar("R")

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter

CellRange = tuple[int, int, int, int]
"""(top row, left column, bottom row, right column), inclusive."""


@dataclass(frozen=True, slots=True)
class RecordColumn(Generic[R]):
    """One column: how to show, align, colour and sort a record's field.

    `sort_key` answers a natively ordered value (number, text, time) or None (sorts last); `tip` is a
    cell's tooltip, `tooltip` the header's. `priced(record, digits)` writes a price at its symbol's digits
    once known. `hidden` columns start hidden (the header's menu shows them); the `stretch` column takes
    the width left over and gives way first (its text is elided, never a number's). `live` columns move
    with the market and are greyed while the terminal is not connected. `min_width` (pixels) keeps a column
    of long texts readable when the first rows fitted it narrow (an empty "Last refusal").
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
    hidden: bool = False
    stretch: bool = False
    live: bool = False
    min_width: int = 0


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


def column_index(columns: Sequence[RecordColumn[R]]) -> dict[str, int]:
    """Column key -> its index."""
    return {column.key: index for index, column in enumerate(columns)}


def merge_cell_ranges(cells: Mapping[int, Iterable[int]]) -> list[CellRange]:
    """Cover exactly the given cells (row -> changed columns) with few rectangles, sorted.

    Each row's columns become contiguous runs; the same run on adjacent rows becomes one rectangle.
    Rows sharing one collection of columns (a P&L tick's) are grouped first, so 10,000 such rows cost
    one sort, not 10,000 small ones.
    """
    rows_by_columns: dict[frozenset[int], list[int]] = {}
    for row, columns in cells.items():
        rows_by_columns.setdefault(frozenset(columns), []).append(row)
    rows_by_run: dict[tuple[int, int], list[int]] = {}
    for columns, rows in rows_by_columns.items():
        for run in runs(sorted(columns)):
            rows_by_run.setdefault(run, []).extend(rows)
    return sorted(
        (top, left, bottom, right)
        for (left, right), rows in rows_by_run.items()
        for top, bottom in runs(sorted(rows))
    )


def runs(ordered: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs of an ascending sequence of distinct integers, as (first, last) pairs."""
    found: list[tuple[int, int]] = []
    if not ordered:
        return found
    first = last = ordered[0]
    for number in ordered[1:]:
        if number != last + 1:
            found.append((first, last))
            first = number
        last = number
    found.append((first, last))
    return found
