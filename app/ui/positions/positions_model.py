"""PositionsTableModel: open positions keyed by (account, ticket), fed by events, on the generic record table.

Two brokers can use the same ticket numbers, so a row is named by its account and ticket (PositionKey)
wherever it is looked up.

Rows are inserted and removed at once (with begin/end calls, so views and selections follow); value
changes are only recorded, and `flush()` (called by the window's repaint timer) reports exactly the
changed cells, or re-sorts when the sorted column moved. A P&L tick updates the row's price and profit
in place: no new record, no per-row work for positions whose price did not move.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QGuiApplication, QPalette

from app.core.events import Event, PnlUpdate, PositionsUpdate, Snapshot
from app.core.models import Position
from app.core.state import PositionKey
from app.engine.hub import EventHub
from app.ui.widgets.columns import POSITION_COLUMNS, PositionRow
from app.ui.widgets.record_table import (
    KEY_ROLE,
    NOT_SPECIAL,
    SORT_ROLE,
    RecordColumn,
    RecordTableModel,
    merge_cell_ranges,
)

__all__ = ["KEY_ROLE", "SORT_ROLE", "PositionsTableModel", "Totals", "merge_cell_ranges"]

_DISPLAY, _FOREGROUND, _TOOLTIP, _FONT = (
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
    )
)
_BUSY_ROLES = [_DISPLAY, _FONT, _TOOLTIP]
_STALE_ROLES = [_FOREGROUND, _TOOLTIP]


class Totals(NamedTuple):
    """Sums over the open positions; `floating` is profit plus swap, the account's floating P&L."""

    count: int  # type: ignore[assignment]  # replaces tuple.count(), which nothing calls on Totals
    volume: float
    profit: float
    swap: float

    @property
    def floating(self) -> float:
        return self.profit + self.swap


class PositionsTableModel(RecordTableModel[PositionKey, PositionRow]):
    """Open positions as rows, one per (account, ticket), in arrival order until sorted; closed positions
    disappear."""

    totals_changed = pyqtSignal(object)  # Totals, emitted by flush() when they moved

    def __init__(
        self, columns: Sequence[RecordColumn[PositionRow]] = POSITION_COLUMNS, parent: QObject | None = None
    ) -> None:
        super().__init__(columns, _key_of, parent)
        keys = [column.key for column in self.columns]
        # The cells a tick moves; one shared set marks every ticked row (flush groups rows by it).
        self._ticked = frozenset(i for i, key in enumerate(keys) if key in ("price_current", "profit"))
        self._presorted = frozenset(list(self._ticked))  # equal cells, another object: keys refreshed
        self._live = [i for i, column in enumerate(self.columns) if column.live]
        self._ticket_column = keys.index("ticket") if "ticket" in keys else 0
        # Running sums per account (volume, profit, swap): a tick adjusts its account's profit by the
        # difference; volume and swap change only with a position update, which re-adds all three (and
        # so also stops the profit sum drifting). The totals are those of `_totalled` (None: all).
        self._sums: dict[str, list[float]] = {}
        self._totalled: frozenset[str] | None = None
        self._counts: dict[str, int] = {}
        self._labels: dict[str, str] = {}  # account -> what the trader calls it
        self._account_column = keys.index("account") if "account" in keys else -1
        self._totals_pending = False
        self._last_emitted_totals: Totals | None = None
        # Tickets with an order in flight -> what the row says meanwhile ("closing…"): shown in italics
        # beside the ticket, so the trader sees why its actions are disabled.
        self._busy: dict[PositionKey, str] = {}
        self._busy_font = QFont()
        self._busy_font.setItalic(True)
        self._stale: dict[str, str] = {}  # account -> why its prices are greyed ("Prices 12 s old: …")

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
            self.remove([(account_id, ticket) for ticket in event.removed])
            self._upsert(account_id, event.positions)
        elif isinstance(event, Snapshot):
            # The snapshot is the truth; applied as a difference so selection and scroll survive a resync.
            keep = {(view.account_id, p.ticket) for view in event.accounts for p in view.positions}
            self.remove([key for key in self._records if key not in keep])
            for view in event.accounts:
                self._upsert(view.account_id, view.positions)

    def flush(self) -> None:
        """Report the accumulated changes (cells or a re-sort), then the totals if they moved."""
        super().flush()
        if self._totals_pending:
            self._totals_pending = False
            totals = self.totals()
            if totals != self._last_emitted_totals:
                self._last_emitted_totals = totals
                self.totals_changed.emit(totals)

    @property
    def dirty(self) -> bool:
        """True while changes wait for a flush."""
        return super().dirty or self._totals_pending

    def set_busy(self, account_id: str, ticket: int, label: str) -> None:
        """Mark a position's row as waiting for an order ('closing…'); an empty label clears it."""
        key = (account_id, ticket)
        if label:
            self._busy[key] = label
        else:
            self._busy.pop(key, None)
        self._special_cells = bool(self._busy or self._stale)
        row = self.row_of(key)
        if row is not None:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(row, 0), self.index(row, last), _BUSY_ROLES)

    def busy(self, key: PositionKey) -> str:
        """What is in flight for this position ('closing…'), or '' when nothing is."""
        return self._busy.get(key, "")

    def set_stale(self, account_id: str, why: str) -> None:
        """Grey an account's live cells (price, profit), `why` in their tooltip; '' shows them live again."""
        was = bool(self._stale.get(account_id))
        if why:
            self._stale[account_id] = why
        else:
            self._stale.pop(account_id, None)
        self._special_cells = bool(self._busy or self._stale)
        if was != bool(why) and self._shown:
            bottom = len(self._shown) - 1
            for column in self._live:
                self.dataChanged.emit(self.index(0, column), self.index(bottom, column), _STALE_ROLES)

    def stale(self, account_id: str) -> str:
        """Why an account's prices are greyed, '' while they are live."""
        return self._stale.get(account_id, "")

    # --- reading -----------------------------------------------------------------------------------

    def position_at(self, row: int) -> Position:
        """The position shown in `row`, at its latest price."""
        return self.record_at(row).current()

    def position(self, key: PositionKey) -> Position | None:
        """The open position with this (account, ticket), if the table holds it."""
        row = self._records.get(key)
        return None if row is None else row.current()

    def keyed_positions(self) -> list[tuple[PositionKey, Position]]:
        """(account, ticket) and position of each row, top to bottom."""
        return [(row.key, row.current()) for row in self.records()]

    def position_keys(self) -> list[PositionKey]:
        """(account, ticket) of every row, top to bottom."""
        return self.keys()

    def positions(self) -> list[Position]:
        """The positions shown, top to bottom."""
        return [row.current() for row in self.records()]

    def tickets(self) -> list[int]:
        """Tickets in row order."""
        return [ticket for _account, ticket in self._shown]

    def totals(self) -> Totals:
        """Count, total volume, total profit and total swap of the open positions (of the accounts
        `total_accounts` chose)."""
        return self.totals_of(self._totalled)

    def totals_of(self, accounts: Collection[str] | None) -> Totals:
        """The same sums over these accounts' positions only (None: every account's)."""
        volume = profit = swap = 0.0
        for account_id, sums in self._sums.items():
            if accounts is None or account_id in accounts:
                volume, profit, swap = volume + sums[0], profit + sums[1], swap + sums[2]
        count = self._counts_of(accounts)
        return Totals(count=count, volume=volume, profit=profit, swap=swap)

    def _counts_of(self, accounts: Collection[str] | None) -> int:
        if accounts is None:
            return len(self._records)
        return sum(self._counts.get(account_id, 0) for account_id in accounts)

    def total_accounts(self, accounts: Collection[str] | None) -> None:
        """Total only these accounts' positions from now on (None: every account's)."""
        self._totalled = None if accounts is None else frozenset(accounts)
        self._totals_pending = True

    def set_account_labels(self, labels: Mapping[str, str]) -> None:
        """What each account is called in the Account column (its id when not named)."""
        if labels == self._labels:
            return
        self._labels = dict(labels)
        for row in self._records.values():
            label = self._labels.get(row.account_id) or row.account_id
            if label != row.account_label:
                row.account_label = label
                if self._account_column >= 0:
                    self.changed(row.key, (self._account_column,))

    def special_data(self, row: int, column: int, role: int) -> object:
        if self._busy:
            ticket = self._shown[row][1]
            label = self._busy.get(self._shown[row])
            if label is not None:
                if role == _DISPLAY and column == self._ticket_column:
                    return f"{ticket} {label}"
                if role == _FONT:
                    return self._busy_font
                if role == _TOOLTIP:
                    return (
                        f"#{ticket} is {label} waiting for MetaTrader 5's answer; "
                        "its close and modify actions come back once that order has finished."
                    )
        if self._stale and column in self._live:
            why = self._stale.get(self._shown[row][0])
            if why and role == _FOREGROUND:
                return _grey()
            if why and role == _TOOLTIP:
                return why
        return NOT_SPECIAL

    # --- changes -----------------------------------------------------------------------------------

    def _apply_pnl(self, account_id: str, pnl: Mapping[int, tuple[float, float]]) -> None:
        # The hot path: 10,000 ticks a second must cost well under a frame. One loop of locals for the
        # rows that moved; the bookkeeping for all of them is done after it by dict methods (in C).
        records = self._records
        moved: list[PositionKey] = []
        keys: list[float] = []
        sorted_by = self._tick_sorted_by()  # 0: price, 1: profit, -1: the sort is not by a ticked column
        gained = 0.0
        for ticket, (price, profit) in pnl.items():
            key = (account_id, ticket)
            row = records.get(key)
            if row is None:
                continue  # a tick for a position this table has not seen (yet) or already closed
            if row.profit != profit or row.price_current != price:
                gained += profit - row.profit
                row.price_current = price
                row.profit = profit
                moved.append(key)
                if sorted_by >= 0:
                    keys.append(profit if sorted_by else price)
        if not moved:
            return
        self._sums.setdefault(account_id, [0.0, 0.0, 0.0])[1] += gained
        self._totals_pending = True
        if sorted_by >= 0:
            self._sort_keys.update(zip(moved, keys, strict=True))
            self._resort = True
        dirty, ticked = self._dirty, self._presorted if sorted_by >= 0 else self._ticked
        if not dirty:
            dirty.update(dict.fromkeys(moved, ticked))
            return
        for key in moved:
            known = dirty.get(key)
            dirty[key] = ticked if known is None or known == ticked else {*known, *ticked}

    def _tick_sorted_by(self) -> int:
        column = self.sort_column
        if column < 0 or column not in self._ticked:
            return -1
        return 1 if self.columns[column].key == "profit" else 0

    def _upsert(self, account_id: str, positions: Iterable[Position]) -> None:
        label = self._labels.get(account_id, "")
        self.upsert(PositionRow(position, account_id, label) for position in positions)
        self._recount()

    def remove(self, keys: Iterable[PositionKey]) -> None:
        gone = [key for key in keys if key in self._records]
        if gone:
            super().remove(gone)
            self._recount()

    def _recount(self) -> None:
        sums: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for row in self._records.values():
            account = sums.get(row.account_id)
            if account is None:
                account = sums[row.account_id] = [0.0, 0.0, 0.0]
            account[0] += row.position.volume
            account[1] += row.profit
            account[2] += row.position.swap
            counts[row.account_id] = counts.get(row.account_id, 0) + 1
        self._sums, self._counts = sums, counts
        self._totals_pending = True


def _grey() -> QColor:
    return QGuiApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def _key_of(row: PositionRow) -> PositionKey:
    return row.key
