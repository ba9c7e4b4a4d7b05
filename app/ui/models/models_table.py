"""ModelsTableModel: the desk's models as MODELS_UPDATE / SNAPSHOT report them, one row per model.

Columns are declared as data (like the positions table). The Enabled column is a checkbox on the desk
(absent as a control in a viewer): ticking it asks the engine through `enabled_toggled`, shows the
wish at once in italics, and the next MODELS_UPDATE — the engine's word — replaces it. A model whose
status says it was blocked keeps that line, with the time it was first seen, in Last refusal after its
status moves on, so a refusal at 03:00 is still readable in the morning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont

from app.core.enums import Side
from app.core.models import ModelSummary
from app.core.number_format import format_money, format_volume
from app.ui.widgets.columns import money_colour, trade_colours

MODEL_ID_ROLE = Qt.ItemDataRole.UserRole + 1
REFUSAL_PREFIXES = ("blocked", "refused", "risk limit")

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter


def is_refusal(status: str) -> bool:
    """Whether a model status reports a risk refusal ("blocked: daily loss limit 200.00 reached")."""
    return status.strip().lower().startswith(REFUSAL_PREFIXES)


def local_time(moment: datetime | None) -> str:
    """A moment in the computer's clock: time only when it is today, else date and time."""
    if moment is None:
        return ""
    local = moment.astimezone() if moment.tzinfo else moment
    if local.date() == datetime.now().date():
        return f"{local:%H:%M:%S}"
    return f"{local:%Y-%m-%d %H:%M}"


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """A row: the engine's summary and the last refusal seen for it ("" when none)."""

    summary: ModelSummary
    last_refusal: str = ""


def _signal_colour(entry: ModelEntry) -> QColor | None:
    side = entry.summary.last_signal
    if side is None:
        return None
    return trade_colours().buy if side is Side.BUY else trade_colours().sell


def _confidence(entry: ModelEntry) -> str:
    value = entry.summary.last_confidence
    return "" if value is None else f"{value:.0%}"


def _status_colour(entry: ModelEntry) -> QColor | None:
    return trade_colours().loss if is_refusal(entry.summary.status) else None


@dataclass(frozen=True, slots=True)
class ModelColumn:
    """One column: its header, the text of a row, alignment, optional colour and header tooltip."""

    key: str
    header: str
    text: Callable[[ModelEntry], str]
    align: Qt.AlignmentFlag = _LEFT
    colour: Callable[[ModelEntry], QColor | None] | None = None
    tooltip: str = ""


MODEL_COLUMNS: tuple[ModelColumn, ...] = (
    ModelColumn("name", "Model", lambda e: e.summary.name),
    ModelColumn(
        "market",
        "Symbol / TF",
        lambda e: f"{e.summary.symbol} {e.summary.timeframe}",
        tooltip="What it trades",
    ),
    ModelColumn("enabled", "On", lambda e: "", _CENTRE, tooltip="Trades on each new bar when ticked"),
    ModelColumn(
        "lot", "Lot", lambda e: format_volume(e.summary.lot_size) if e.summary.lot_size else "", _RIGHT
    ),
    ModelColumn(
        "signal",
        "Signal",
        lambda e: e.summary.last_signal.value if e.summary.last_signal else "",
        _CENTRE,
        _signal_colour,
        "Direction of the last prediction",
    ),
    ModelColumn("confidence", "Conf.", _confidence, _RIGHT, tooltip="Confidence of the last prediction"),
    ModelColumn(
        "signal_at",
        "Signal time",
        lambda e: local_time(e.summary.last_signal_at),
        _RIGHT,
        tooltip="When the last prediction was made (your computer's clock)",
    ),
    ModelColumn("open", "Open", lambda e: str(e.summary.open_positions), _RIGHT, tooltip="Open positions"),
    ModelColumn(
        "today",
        "Today P&L",
        lambda e: format_money(e.summary.today_profit, signed=True),
        _RIGHT,
        lambda e: money_colour(e.summary.today_profit),
        "Profit of the model's trades today (UTC day), closed and floating",
    ),
    ModelColumn("status", "Status", lambda e: e.summary.status, colour=_status_colour),
    ModelColumn(
        "refusal",
        "Last refusal",
        lambda e: e.last_refusal,
        colour=lambda e: trade_colours().loss if e.last_refusal else None,
        tooltip="The last risk rule that stopped a trade of this model, and when it was first seen",
    ),
)

MODEL_COLUMN_INDEX: dict[str, int] = {column.key: index for index, column in enumerate(MODEL_COLUMNS)}
_ENABLED = MODEL_COLUMN_INDEX["enabled"]


class ModelsTableModel(QAbstractTableModel):
    """Rows in the engine's order; `checkable=False` (viewer) shows the Enabled state as text only."""

    enabled_toggled = pyqtSignal(str, bool)  # model id, wanted state

    def __init__(self, parent: QObject | None = None, *, checkable: bool = True) -> None:
        super().__init__(parent)
        self._checkable = checkable
        self._entries: list[ModelEntry] = []
        self._refusals: dict[str, tuple[str, str]] = {}  # model id -> (status text, shown line)
        self._wanted: dict[str, bool] = {}  # enabled states asked for, until the engine answers

    # ---- data in ----------------------------------------------------------------------------------
    def set_models(self, models: Sequence[ModelSummary], *, now: datetime | None = None) -> None:
        """Replace every row with the engine's list (MODELS_UPDATE and SNAPSHOT carry all models)."""
        seen_at = now or datetime.now().astimezone()
        entries = [self._entry(summary, seen_at) for summary in models]
        self._wanted.clear()
        same_rows = [e.summary.model_id for e in entries] == [e.summary.model_id for e in self._entries]
        if same_rows:
            self._entries = entries
            if entries:
                last = self.index(len(entries) - 1, len(MODEL_COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def _entry(self, summary: ModelSummary, seen_at: datetime) -> ModelEntry:
        status = summary.status.strip()
        known = self._refusals.get(summary.model_id)
        if is_refusal(status) and (known is None or known[0] != status):
            self._refusals[summary.model_id] = (status, f"{local_time(seen_at)}  {status}")
        known = self._refusals.get(summary.model_id)
        return ModelEntry(summary, known[1] if known else "")

    # ---- data out ---------------------------------------------------------------------------------
    def models(self) -> list[ModelSummary]:
        return [entry.summary for entry in self._entries]

    def entry(self, row: int) -> ModelEntry:
        return self._entries[row]

    def row_of(self, model_id: str) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.summary.model_id == model_id:
                return row
        return None

    def is_enabled_shown(self, row: int) -> bool:
        """The Enabled state the row shows: the one asked for while waiting, else the engine's."""
        summary = self._entries[row].summary
        return self._wanted.get(summary.model_id, summary.enabled)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(MODEL_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if orientation is not Qt.Orientation.Horizontal or not 0 <= section < len(MODEL_COLUMNS):
            return None
        column = MODEL_COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._checkable and index.column() == _ENABLED:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        column = MODEL_COLUMNS[index.column()]
        if role == MODEL_ID_ROLE:
            return entry.summary.model_id
        if index.column() == _ENABLED:
            return self._enabled_data(index.row(), role)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(entry)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            return column.colour(entry)
        if role == Qt.ItemDataRole.ToolTipRole and column.key in ("status", "refusal", "name"):
            return self._tooltip(entry, column.key)
        return None

    def _enabled_data(self, row: int, role: int) -> object:
        shown = self.is_enabled_shown(row)
        waiting = self._entries[row].summary.model_id in self._wanted
        if role == Qt.ItemDataRole.CheckStateRole and self._checkable:
            return Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole and not self._checkable:
            return "on" if shown else "off"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTRE
        if role == Qt.ItemDataRole.FontRole and waiting:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Waiting for the desk to confirm…" if waiting else MODEL_COLUMNS[_ENABLED].tooltip
        return None

    @staticmethod
    def _tooltip(entry: ModelEntry, key: str) -> str | None:
        summary = entry.summary
        if key == "name":
            return f"{summary.name} · {summary.algorithm or 'model'} · id {summary.model_id}"
        text = summary.status if key == "status" else entry.last_refusal
        return text or None

    def setData(self, index: QModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (self._checkable and index.isValid() and index.column() == _ENABLED):
            return False
        if role != Qt.ItemDataRole.CheckStateRole:
            return False
        wanted = Qt.CheckState(value) == Qt.CheckState.Checked
        model_id = self._entries[index.row()].summary.model_id
        self._wanted[model_id] = wanted
        self.dataChanged.emit(index, index)
        self.enabled_toggled.emit(model_id, wanted)
        return True
