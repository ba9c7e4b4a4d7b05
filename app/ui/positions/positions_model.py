"""PositionsTableModel: open positions keyed by (account, ticket), fed by events, repainted cell by cell.

Two brokers can use the same ticket numbers, so a row is named by its account and ticket (PositionKey)
wherever it is looked up.

Rows are inserted and removed at once (with begin/end calls, so views and selections follow), while
value changes are only recorded: `flush()` reports them as a few `dataChanged` rectangles covering
exactly the changed cells. A single-shot QTimer calls `flush()` at most every 100 ms (Electrum's
dirty-flag repaint), so a burst of P&L ticks costs one repaint however fast it arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QFont

from app.core.events import Event, PnlUpdate, PositionsUpdate, Snapshot
from app.core.models import Position
from app.core.state import PositionKey
from app.engine.hub import EventHub
from app.ui.widgets.columns import POSITION_COLUMNS, Column

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role answering the column's sort key (a Python object, compared in Python by the proxy)."""
TICKET_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role answering the row's position ticket, in any column."""

FLUSH_INTERVAL_MS = 100  # at most 10 repaints a second

_Display = Qt.ItemDataRole.DisplayRole
_Foreground = Qt.ItemDataRole.ForegroundRole
_Alignment = Qt.ItemDataRole.TextAlignmentRole
_Tooltip = Qt.ItemDataRole.ToolTipRole
_Font = Qt.ItemDataRole.FontRole
# Roles a value change can touch; the sort role must be listed or a sorting proxy would not re-sort.
_CHANGED_ROLES = [int(_Display), int(_Foreground), SORT_ROLE]
_BUSY_ROLES = [int(_Display), int(_Font), int(_Tooltip)]
# A delegate asks ~10 roles per painted cell; the ones this model never answers return first.
_ANSWERED_ROLES = frozenset({_Display, _Foreground, _Alignment, SORT_ROLE, TICKET_ROLE, _Font, _Tooltip})

CellRange = tuple[int, int, int, int]
"""(top row, left column, bottom row, right column), inclusive."""


class Totals(NamedTuple):
    """Sums over the open positions; `floating` is profit plus swap, the account's floating P&L."""

    count: int  # type: ignore[assignment]  # replaces tuple.count(), which nothing calls on Totals
    volume: float
    profit: float
    swap: float

    @property
    def floating(self) -> float:
        return self.profit + self.swap


def merge_cell_ranges(cells: Mapping[int, Iterable[int]]) -> list[CellRange]:
    """Cover exactly the given cells (row -> changed columns) with few rectangles, sorted.

    Each row's columns become contiguous runs; the same run on adjacent rows becomes one rectangle.
    """
    rows_by_run: dict[tuple[int, int], list[int]] = {}
    for row in sorted(cells):
        for run in _runs(sorted(set(cells[row]))):
            rows_by_run.setdefault(run, []).append(row)
    return sorted(
        (top, left, bottom, right)
        for (left, right), rows in rows_by_run.items()
        for top, bottom in _runs(rows)
    )


def _runs(ordered: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs of an ascending sequence of distinct integers, as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for number in ordered:
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


class PositionsTableModel(QAbstractTableModel):
    """Open positions as table rows in arrival order, one row per (account, ticket); closed positions
    disappear."""

    totals_changed = pyqtSignal(object)  # Totals, emitted by flush() when they moved

    def __init__(self, columns: Sequence[Column] = POSITION_COLUMNS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[Position] = []
        self._keys: list[PositionKey] = []  # the rows' (account, ticket), row for row
        self._row_of: dict[PositionKey, int] = {}
        self._dirty: dict[PositionKey, set[int]] = {}  # row -> columns whose value changed since the flush
        # Running sums (volume, profit, swap): value updates adjust them by the difference, so a flush
        # costs O(changed rows); any insert or removal re-adds them from scratch, which also stops drift.
        self._sums = [0.0, 0.0, 0.0]
        self._totals_pending = False
        self._last_emitted_totals: Totals | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self.flush)
        # Positions with an order in flight -> what the row says meanwhile ("closing…"): shown in italics
        # beside the ticket, so the trader sees why its actions are disabled.
        self._busy: dict[PositionKey, str] = {}
        self._busy_font = QFont()
        self._busy_font.setItalic(True)

    # --- feeding -----------------------------------------------------------------------------------

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's snapshots, position changes and P&L ticks."""
        hub.snapshot.connect(self.apply)
        hub.positions_update.connect(self.apply)
        hub.pnl_update.connect(self.apply)

    def apply(self, event: Event) -> None:
        """Fold one event in: rows are added/removed now, value changes wait for the next flush."""
        if isinstance(event, PnlUpdate):
            self._apply_pnl(event.account_id, event.pnl)
        elif isinstance(event, PositionsUpdate):
            account_id = event.account_id
            self._remove([(account_id, ticket) for ticket in event.removed])
            self._upsert(account_id, event.positions)
        elif isinstance(event, Snapshot):
            # The snapshot is the truth; applied as a difference so selection and scroll survive a resync.
            keep = {(view.account_id, p.ticket) for view in event.accounts for p in view.positions}
            self._remove([key for key in self._row_of if key not in keep])
            for view in event.accounts:
                self._upsert(view.account_id, view.positions)

    def flush(self) -> None:
        """Report the accumulated value changes as `dataChanged` ranges, then the totals if they moved."""
        self._timer.stop()
        if self._dirty:
            cells = {self._row_of[k]: columns for k, columns in self._dirty.items() if k in self._row_of}
            self._dirty = {}
            for top, left, bottom, right in merge_cell_ranges(cells):
                # createIndex: these cells exist, and index() would call back into Python twice to check.
                top_left, bottom_right = self.createIndex(top, left), self.createIndex(bottom, right)
                self.dataChanged.emit(top_left, bottom_right, _CHANGED_ROLES)
        if self._totals_pending:
            self._totals_pending = False
            totals = self.totals()
            if totals != self._last_emitted_totals:
                self._last_emitted_totals = totals
                self.totals_changed.emit(totals)

    def set_busy(self, account_id: str, ticket: int, label: str) -> None:
        """Mark a position's row as waiting for an order ('closing…'); an empty label clears it."""
        key = (account_id, ticket)
        if label:
            self._busy[key] = label
        else:
            self._busy.pop(key, None)
        row = self._row_of.get(key)
        if row is not None:
            last = len(self._columns) - 1
            self.dataChanged.emit(self.createIndex(row, 0), self.createIndex(row, last), _BUSY_ROLES)

    def busy(self, key: PositionKey) -> str:
        """What is in flight for this position ('closing…'), or '' when nothing is."""
        return self._busy.get(key, "")

    @property
    def dirty(self) -> bool:
        """True while changes wait for a flush."""
        return bool(self._dirty) or self._totals_pending

    # --- reading -----------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def position_at(self, row: int) -> Position:
        """The position shown in `row` (source model row)."""
        return self._rows[row]

    def key_at(self, row: int) -> PositionKey:
        """The (account, ticket) shown in `row` (source model row)."""
        return self._keys[row]

    def position(self, key: PositionKey) -> Position | None:
        """The open position with this (account, ticket), if the table holds it."""
        row = self._row_of.get(key)
        return None if row is None else self._rows[row]

    def row_of(self, key: PositionKey) -> int | None:
        """Source row of a position, or None when it is not (or no longer) open."""
        return self._row_of.get(key)

    def position_keys(self) -> list[PositionKey]:
        """(account, ticket) of every row, in row order."""
        return list(self._keys)

    def tickets(self) -> list[int]:
        """Tickets in row order."""
        return [position.ticket for position in self._rows]

    def totals(self) -> Totals:
        """Count, total volume, total profit and total swap of the open positions."""
        volume, profit, swap = self._sums
        return Totals(count=len(self._rows), volume=volume, profit=profit, swap=swap)

    # --- QAbstractTableModel -----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = _Display) -> object:
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        position = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == _Display:
            if self._busy and column.key == "ticket":
                busy = self._busy.get(self._keys[index.row()])
                if busy:
                    return f"{column.text(position)} {busy}"
            return column.text(position)
        if role in (_Font, _Tooltip):
            busy = self._busy.get(self._keys[index.row()]) if self._busy else None
            if not busy:
                return None
            if role == _Font:
                return self._busy_font
            return (
                f"#{position.ticket} is {busy} waiting for MetaTrader 5's answer; "
                "its close and modify actions come back once that order has finished."
            )
        if role == _Foreground:
            return None if column.colour is None else column.colour(position)
        if role == _Alignment:
            return column.align
        if role == SORT_ROLE:
            return column.sort_value(position)
        if role == TICKET_ROLE:
            return position.ticket
        return None

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

    # --- changes -----------------------------------------------------------------------------------

    def _apply_pnl(self, account_id: str, pnl: Mapping[int, tuple[float, float]]) -> None:
        row_of = self._row_of
        for ticket, (price, profit) in pnl.items():
            row = row_of.get((account_id, ticket))
            if row is None:
                continue  # a tick for a position this table has not seen (yet) or already closed
            old = self._rows[row]
            if old.price_current != price or old.profit != profit:
                self._update(row, old, old.moved(price, profit))

    def _upsert(self, account_id: str, positions: Iterable[Position]) -> None:
        new: dict[PositionKey, Position] = {}
        for position in positions:
            key = (account_id, position.ticket)
            row = self._row_of.get(key)
            if row is None:
                new[key] = position
            elif self._rows[row] != position:
                self._update(row, self._rows[row], position)
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new.values())
            self._keys.extend(new)
            for offset, key in enumerate(new):
                self._row_of[key] = first + offset
            self.endInsertRows()
            self._structure_changed()

    def _remove(self, keys: Iterable[PositionKey]) -> None:
        rows = sorted(self._row_of[k] for k in set(keys) if k in self._row_of)
        if not rows:
            return
        for first, last in reversed(_runs(rows)):  # bottom-up, so the earlier row numbers stay valid
            self.beginRemoveRows(QModelIndex(), first, last)
            for key in self._keys[first : last + 1]:
                del self._row_of[key]
                self._dirty.pop(key, None)
            del self._rows[first : last + 1]
            del self._keys[first : last + 1]
            self.endRemoveRows()
        for row in range(rows[0], len(self._rows)):
            self._row_of[self._keys[row]] = row
        self._structure_changed()

    def _update(self, row: int, old: Position, new: Position) -> None:
        self._rows[row] = new
        changed = [i for i, column in enumerate(self._columns) if column.value(old) != column.value(new)]
        if changed:
            self._dirty.setdefault(self._keys[row], set()).update(changed)
        sums = self._sums
        sums[0] += new.volume - old.volume
        sums[1] += new.profit - old.profit
        sums[2] += new.swap - old.swap
        self._totals_pending = True
        self._schedule()

    def _structure_changed(self) -> None:
        self._sums = [
            sum(p.volume for p in self._rows),
            sum(p.profit for p in self._rows),
            sum(p.swap for p in self._rows),
        ]
        self._totals_pending = True
        self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()
