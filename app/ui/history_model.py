"""Closed trades for the History tab: columns declared as data, totals, date presets and the table model.

Times are shown in the trader's local time (the journal keeps UTC; the CSV export writes UTC). Profit is
net of commission, swap and fees, the way the journal records it, so the footer's net profit is the sum
of the Profit column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from math import fsum

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSortFilterProxyModel, Qt
from PyQt6.QtGui import QColor

from app.core.enums import Side
from app.core.number_format import format_price, format_volume
from app.storage.records import TradeRecord
from app.ui.columns import format_money, money_colour, trade_colours

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role answering the column's sort key (a Python object, compared in Python by the proxy)."""

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter


def local_time_text(moment: datetime | None) -> str:
    """A journal time (UTC) in the computer's local time, to the second; blank when unknown."""
    if moment is None:
        return ""
    return moment.astimezone().replace(tzinfo=None).isoformat(" ", "seconds")


def duration_seconds(trade: TradeRecord) -> float | None:
    """How long the position was open; None when either end is unknown."""
    if trade.opened_at is None or trade.closed_at is None:
        return None
    return (trade.closed_at - trade.opened_at).total_seconds()


def format_duration(seconds: float | None) -> str:
    """A holding time at the two coarsest useful units: '45s', '12m 05s', '3h 07m', '2d 4h'."""
    if seconds is None:
        return ""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def charges(trade: TradeRecord) -> float:
    """Commission, swap and fees of the trade together (already inside its net profit)."""
    return trade.commission + trade.swap + trade.fee


def model_text(trade: TradeRecord) -> str:
    """The model that traded it, else the expert's magic number; blank for a trade by hand."""
    if trade.model_id:
        return trade.model_id
    return f"magic {trade.magic}" if trade.magic else ""


def _side_colour(trade: TradeRecord) -> QColor | None:
    if trade.side is None:
        return None
    colours = trade_colours()
    return colours.buy if trade.side is Side.BUY else colours.sell


@dataclass(frozen=True, slots=True)
class TradeColumn:
    """One History column: how to show, align, colour and sort a closed trade's field."""

    key: str
    header: str
    text: Callable[[TradeRecord], str]
    sort_key: Callable[[TradeRecord], object]
    align: Qt.AlignmentFlag = _RIGHT
    colour: Callable[[TradeRecord], QColor | None] | None = None
    tooltip: str = ""


HISTORY_COLUMNS: tuple[TradeColumn, ...] = (
    TradeColumn(
        "opened",
        "Opened",
        lambda t: local_time_text(t.opened_at),
        lambda t: t.opened_at,
        align=_LEFT,
        tooltip="When the position opened, in this computer's local time",
    ),
    TradeColumn(
        "closed",
        "Closed",
        lambda t: local_time_text(t.closed_at),
        lambda t: t.closed_at,
        align=_LEFT,
        tooltip="When the position was fully closed, in this computer's local time",
    ),
    TradeColumn(
        "ticket",
        "Ticket",
        lambda t: "" if t.position_ticket is None else str(t.position_ticket),
        lambda t: t.position_ticket,
        tooltip="Position ticket in the terminal",
    ),
    TradeColumn("symbol", "Symbol", lambda t: t.symbol, lambda t: t.symbol, align=_LEFT),
    TradeColumn(
        "side",
        "Type",
        lambda t: "" if t.side is None else t.side.value,
        lambda t: None if t.side is None else t.side.value,
        align=_CENTRE,
        colour=_side_colour,
        tooltip="BUY or SELL",
    ),
    TradeColumn(
        "volume",
        "Volume",
        lambda t: "" if t.volume is None else format_volume(t.volume),
        lambda t: t.volume,
        tooltip="Lots filled",
    ),
    TradeColumn(
        "price_open",
        "Open price",
        lambda t: format_price(t.symbol, t.price_open),
        lambda t: t.price_open,
    ),
    TradeColumn(
        "price_close",
        "Close price",
        lambda t: format_price(t.symbol, t.price_close),
        lambda t: t.price_close,
        tooltip="Volume-weighted price of the closing deals",
    ),
    TradeColumn(
        "profit",
        "Profit",
        lambda t: format_money(t.profit, signed=True),
        lambda t: t.profit,
        colour=lambda t: money_colour(t.profit),
        tooltip="Net profit in the account currency, after commission, swap and fees",
    ),
    TradeColumn(
        "charges",
        "Comm. + swap",
        lambda t: format_money(charges(t)),
        charges,
        tooltip="Commission, swap and fees together; already counted in Profit",
    ),
    TradeColumn(
        "source",
        "Source",
        lambda t: t.source.value,
        lambda t: t.source.value,
        align=_CENTRE,
        tooltip="manual: by hand in this app · auto: by a model · external: opened in the terminal itself",
    ),
    TradeColumn("model", "Model", model_text, model_text, align=_LEFT),
    TradeColumn("comment", "Comment", lambda t: t.comment, lambda t: t.comment, align=_LEFT),
    TradeColumn(
        "duration",
        "Duration",
        lambda t: format_duration(duration_seconds(t)),
        duration_seconds,
        tooltip="How long the position was open",
    ),
)

HISTORY_COLUMN_INDEX: dict[str, int] = {column.key: index for index, column in enumerate(HISTORY_COLUMNS)}


@dataclass(frozen=True, slots=True)
class HistoryTotals:
    """Sums over closed trades: a win made money after charges, a loss lost some, break-evens are neither."""

    trades: int
    wins: int
    losses: int
    gross_profit: float
    gross_loss: float

    @property
    def net_profit(self) -> float:
        return self.gross_profit + self.gross_loss

    @property
    def win_rate(self) -> float | None:
        """Wins as a percentage of all trades; None when there are none."""
        return None if self.trades == 0 else 100.0 * self.wins / self.trades


def history_totals(trades: Sequence[TradeRecord]) -> HistoryTotals:
    """Totals of these trades' net profits."""
    gains = [trade.profit for trade in trades if trade.profit > 0]
    losses = [trade.profit for trade in trades if trade.profit < 0]
    return HistoryTotals(len(trades), len(gains), len(losses), fsum(gains), fsum(losses))


def totals_texts(totals: HistoryTotals) -> tuple[str, str, str]:
    """The footer's three texts: counts and win rate, gross profit and loss, net profit."""
    net = f"Net profit: {format_money(totals.net_profit, signed=True)}"
    if totals.trades == 0:
        return "No closed trades match these filters", "", net
    noun = "trade" if totals.trades == 1 else "trades"
    summary = (
        f"{totals.trades} {noun} · {totals.wins} won / {totals.losses} lost · "
        f"win rate {totals.win_rate or 0.0:.1f}%"
    )
    gross = (
        f"Gross profit {format_money(totals.gross_profit, signed=True)} · "
        f"Gross loss {format_money(totals.gross_loss, signed=True)}"
    )
    return summary, gross, net


class HistoryPeriod(StrEnum):
    """Date-range presets of the History tab; CUSTOM uses the from/to dates as the trader set them."""

    TODAY = "Today"
    WEEK = "7 days"
    MONTH = "30 days"
    ALL = "All"
    CUSTOM = "Custom"


_PRESET_DAYS = {HistoryPeriod.TODAY: 1, HistoryPeriod.WEEK: 7, HistoryPeriod.MONTH: 30}


def preset_first_day(period: HistoryPeriod, today: date) -> date | None:
    """First local day a preset covers (its last is today); None for ALL (and CUSTOM, which has none)."""
    days = _PRESET_DAYS.get(period)
    return None if days is None else today - timedelta(days=days - 1)


def _local_midnight_utc(day: date) -> datetime:
    # A naive datetime's astimezone() reads it as local time, DST included.
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def period_bounds(
    period: HistoryPeriod, today: date, first: date | None = None, last: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """The UTC [since, until) of closing times a period covers, whole local days.

    Presets run open-ended up to now, so a trade closing after midnight still shows after a refresh.
    CUSTOM covers `first` to `last` inclusive; a missing end is open, reversed ends are swapped.
    """
    if period is HistoryPeriod.ALL:
        return None, None
    if period is not HistoryPeriod.CUSTOM:
        return _local_midnight_utc(preset_first_day(period, today) or today), None
    if first is not None and last is not None and first > last:
        first, last = last, first
    since = None if first is None else _local_midnight_utc(first)
    until = None if last is None else _local_midnight_utc(last + timedelta(days=1))
    return since, until


class HistoryTableModel(QAbstractTableModel):
    """Closed trades, replaced whole on every load (a reload is rare and cheap next to a reset)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = HISTORY_COLUMNS
        self._rows: list[TradeRecord] = []

    @property
    def columns(self) -> tuple[TradeColumn, ...]:
        return self._columns

    def set_trades(self, trades: Sequence[TradeRecord]) -> None:
        """Show exactly these trades."""
        self.beginResetModel()
        self._rows = list(trades)
        self.endResetModel()

    def trades(self) -> list[TradeRecord]:
        """All trades, in the journal's order (oldest close first)."""
        return list(self._rows)

    def trade_at(self, row: int) -> TradeRecord:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        trade = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(trade)
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if column.colour is None else column.colour(trade)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "comment" and trade.comment:
            return trade.comment
        if role == SORT_ROLE:
            return column.sort_key(trade)
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


class HistoryProxy(QSortFilterProxyModel):
    """Sorts by each column's Python sort key; blanks sort last and ties keep the journal's order."""

    def __init__(self, source: HistoryTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.setSourceModel(source)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        column = self._source.columns[left.column()]
        a, b = self._source.trade_at(left.row()), self._source.trade_at(right.row())
        key_a, key_b = column.sort_key(a), column.sort_key(b)
        return (key_a is None, key_a, a.id) < (key_b is None, key_b, b.id)

    def visible_trades(self) -> list[TradeRecord]:
        """The trades in the order the table shows them."""
        return [
            self._source.trade_at(self.mapToSource(self.index(row, 0)).row())
            for row in range(self.rowCount())
        ]
