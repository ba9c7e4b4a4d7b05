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

from PyQt6.QtCore import QModelIndex, QObject, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont

from app.core.enums import Side
from app.core.models import ModelSummary
from app.core.number_format import format_money, format_volume
from app.ui.widgets.columns import money_colour, trade_colours
from app.ui.widgets.record_table import (
    CENTRE,
    KEY_ROLE,
    LEFT,
    NOT_SPECIAL,
    RecordColumn,
    RecordTableModel,
    column_index,
)

MODEL_ID_ROLE = KEY_ROLE  # the row's model id, in any column
REFUSAL_PREFIXES = ("blocked", "refused", "risk limit")


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


def _tip(key: str) -> Callable[[ModelEntry], str]:
    def tip(entry: ModelEntry) -> str:
        summary = entry.summary
        if key == "name":
            return f"{summary.name} · {summary.algorithm or 'model'} · id {summary.model_id}"
        return summary.status if key == "status" else entry.last_refusal

    return tip


MODEL_COLUMNS: tuple[RecordColumn[ModelEntry], ...] = (
    RecordColumn("name", "Model", lambda e: e.summary.name, lambda e: e.summary.name, LEFT, tip=_tip("name")),
    RecordColumn(
        "market",
        "Symbol / TF",
        lambda e: f"{e.summary.symbol} {e.summary.timeframe}",
        lambda e: (e.summary.symbol, e.summary.timeframe),
        LEFT,
        tooltip="What it trades",
    ),
    RecordColumn(
        "enabled",
        "On",
        lambda e: "on" if e.summary.enabled else "off",  # the desk shows a checkbox instead (CSV: the text)
        lambda e: e.summary.enabled,
        CENTRE,
        tooltip="Trades on each new bar when ticked",
    ),
    RecordColumn(
        "lot",
        "Lot",
        lambda e: format_volume(e.summary.lot_size) if e.summary.lot_size else "",
        lambda e: e.summary.lot_size,
    ),
    RecordColumn(
        "signal",
        "Signal",
        lambda e: e.summary.last_signal.value if e.summary.last_signal else "",
        lambda e: e.summary.last_signal.value if e.summary.last_signal else None,
        CENTRE,
        _signal_colour,
        "Direction of the last prediction",
    ),
    RecordColumn(
        "confidence",
        "Conf.",
        _confidence,
        lambda e: e.summary.last_confidence,
        tooltip="Confidence of the last prediction",
    ),
    RecordColumn(
        "signal_at",
        "Signal time",
        lambda e: local_time(e.summary.last_signal_at),
        lambda e: e.summary.last_signal_at,
        tooltip="When the last prediction was made (your computer's clock)",
    ),
    RecordColumn(
        "open",
        "Open",
        lambda e: str(e.summary.open_positions),
        lambda e: e.summary.open_positions,
        tooltip="Open positions",
    ),
    RecordColumn(
        "today",
        "Today P&L",
        lambda e: format_money(e.summary.today_profit, signed=True),
        lambda e: e.summary.today_profit,
        colour=lambda e: money_colour(e.summary.today_profit),
        tooltip="Profit of the model's trades today (UTC day), closed and floating",
    ),
    RecordColumn(
        "status",
        "Status",
        lambda e: e.summary.status,
        lambda e: e.summary.status,
        LEFT,
        _status_colour,
        tip=_tip("status"),
        stretch=True,
    ),
    RecordColumn(
        "refusal",
        "Last refusal",
        lambda e: e.last_refusal,
        lambda e: e.last_refusal,
        LEFT,
        colour=lambda e: trade_colours().loss if e.last_refusal else None,
        tooltip="The last risk rule that stopped a trade of this model, and when it was first seen",
        tip=_tip("refusal"),
        min_width=260,  # the time and the start of a refusal line, before any refusal was seen
    ),
)

MODEL_COLUMN_INDEX: dict[str, int] = column_index(MODEL_COLUMNS)
_ENABLED = MODEL_COLUMN_INDEX["enabled"]
_CHECK, _DISPLAY, _ALIGN, _FONT, _TOOLTIP = (
    int(role)
    for role in (
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
    )
)


class ModelsTableModel(RecordTableModel[str, ModelEntry]):
    """Rows keyed by model id, in the engine's order until the trader sorts by a column;
    `checkable=False` (viewer) shows Enabled as text."""

    enabled_toggled = pyqtSignal(str, bool)  # model id, wanted state

    def __init__(self, parent: QObject | None = None, *, checkable: bool = True) -> None:
        super().__init__(MODEL_COLUMNS, lambda entry: entry.summary.model_id, parent)
        self._checkable = checkable
        self._refusals: dict[str, tuple[str, str]] = {}  # model id -> (status text, shown line)
        self._wanted: dict[str, bool] = {}  # enabled states asked for, until the engine answers
        self._special_cells = True  # the Enabled column answers for itself
        self._waiting_font = QFont()
        self._waiting_font.setItalic(True)

    # ---- data in ----------------------------------------------------------------------------------
    def set_models(self, models: Sequence[ModelSummary], *, now: datetime | None = None) -> None:
        """Take the engine's list (MODELS_UPDATE and SNAPSHOT carry all models): the same models in the
        same order update their changed cells only; any other list is shown afresh."""
        seen_at = now or datetime.now().astimezone()
        entries = [self._entry(summary, seen_at) for summary in models]
        self._wanted.clear()
        # The engine's order, not the rows' (the trader may have sorted them by a column).
        if [e.summary.model_id for e in entries] == [e.summary.model_id for e in self.all_records()]:
            self.upsert(entries)
            self.changed_enabled()
            self.flush()
            return
        self.set_records(entries)

    def changed_enabled(self) -> None:
        """Repaint every Enabled box (a wish answered or dropped)."""
        if self.rowCount():
            top, bottom = self.index(0, _ENABLED), self.index(self.rowCount() - 1, _ENABLED)
            self.dataChanged.emit(top, bottom)

    def _entry(self, summary: ModelSummary, seen_at: datetime) -> ModelEntry:
        status = summary.status.strip()
        known = self._refusals.get(summary.model_id)
        if is_refusal(status) and (known is None or known[0] != status):
            self._refusals[summary.model_id] = (status, f"{local_time(seen_at)}  {status}")
        known = self._refusals.get(summary.model_id)
        return ModelEntry(summary, known[1] if known else "")

    # ---- data out ---------------------------------------------------------------------------------
    def models(self) -> list[ModelSummary]:
        return [entry.summary for entry in self.records()]

    def entry(self, row: int) -> ModelEntry:
        return self.record_at(row)

    def is_enabled_shown(self, row: int) -> bool:
        """The Enabled state the row shows: the one asked for while waiting, else the engine's."""
        summary = self.record_at(row).summary
        return self._wanted.get(summary.model_id, summary.enabled)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._checkable and index.column() == _ENABLED:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def special_data(self, row: int, column: int, role: int) -> object:
        if column != _ENABLED:
            return NOT_SPECIAL
        shown = self.is_enabled_shown(row)
        waiting = self.key_at(row) in self._wanted
        if role == _CHECK and self._checkable:
            return Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked
        if role == _DISPLAY and not self._checkable:
            return "on" if shown else "off"
        if role == _ALIGN:
            return CENTRE
        if role == _FONT and waiting:
            return self._waiting_font
        if role == _TOOLTIP:
            return "Waiting for the desk to confirm…" if waiting else MODEL_COLUMNS[_ENABLED].tooltip
        return None

    def setData(self, index: QModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (self._checkable and index.isValid() and index.column() == _ENABLED):
            return False
        if role != Qt.ItemDataRole.CheckStateRole:
            return False
        wanted = Qt.CheckState(value) == Qt.CheckState.Checked
        model_id = self.key_at(index.row())
        self._wanted[model_id] = wanted
        self.dataChanged.emit(index, index)
        self.enabled_toggled.emit(model_id, wanted)
        return True
