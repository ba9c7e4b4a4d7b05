"""The filter bar of the History and Deals tabs: period (preset or custom dates), symbol and source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PyQt6.QtCore import QDate, pyqtSignal
from PyQt6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from app.core.enums import TradeSource
from app.ui.history.history_period import HistoryPeriod, period_bounds, preset_first_day

EARLIEST = QDate(2000, 1, 1)  # shown as "Any": the from-date of "All"


@dataclass(frozen=True, slots=True)
class Selection:
    """What the filter bar selects: the UTC [since, until) and a symbol, source and account (None: any)."""

    since: datetime | None
    until: datetime | None
    symbol: str | None
    source: TradeSource | None
    account_id: str | None


class HistoryFilters(QWidget):
    """Period, From/To dates, Symbol and (optionally) Source; `changed` once per change the trader makes."""

    changed = pyqtSignal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        with_source: bool = True,
        period: HistoryPeriod = HistoryPeriod.MONTH,
        what: str = "closing",
    ) -> None:
        super().__init__(parent)
        self._setting_dates = False
        self.period_combo = QComboBox(self)
        for choice in HistoryPeriod:
            self.period_combo.addItem(choice.value, choice)
        self.period_combo.setCurrentIndex(self.period_combo.findData(period))
        self.period_combo.setToolTip(f"Range of {what} dates; Custom uses the From and To dates as set")
        self.from_edit = self._date_edit(f"First {what} day (local time)")
        self.from_edit.setSpecialValueText("Any")  # shown when at the minimum date: no lower bound
        self.to_edit = self._date_edit(f"Last {what} day (local time), included")
        self.symbol_combo = QComboBox(self)
        self.symbol_combo.addItem("All", None)
        self.symbol_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.account_label = QLabel("Account", self)
        self.account_combo = QComboBox(self)
        self.account_combo.addItem("All", None)
        self.account_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.account_combo.setToolTip("One account's rows, or every account's")
        self.source_combo = QComboBox(self)
        self.source_combo.addItem("All", None)
        for source in TradeSource:
            self.source_combo.addItem(source.value, source)

        self.period_combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.from_edit.dateChanged.connect(self._on_date_edited)
        self.to_edit.dateChanged.connect(self._on_date_edited)
        self.symbol_combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.account_combo.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.source_combo.currentIndexChanged.connect(lambda _: self.changed.emit())

        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.account_label)  # shown only while the desk has several accounts
        self.row.addWidget(self.account_combo)
        self.row.addSpacing(6)
        self.account_label.hide()
        self.account_combo.hide()
        parts: list[tuple[str, QWidget]] = [
            ("Period", self.period_combo),
            ("From", self.from_edit),
            ("To", self.to_edit),
        ]
        parts.append(("Symbol", self.symbol_combo))
        if with_source:
            parts.append(("Source", self.source_combo))
        else:
            self.source_combo.hide()
        for label, widget in parts:
            self.row.addWidget(QLabel(label, self))
            self.row.addWidget(widget)
            self.row.addSpacing(6)
        self.row.addStretch(1)

    def _date_edit(self, tooltip: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(EARLIEST)
        edit.setKeyboardTracking(False)  # one query when the trader finishes typing, not one per digit
        edit.setToolTip(tooltip)
        return edit

    def add_trailing(self, widget: QWidget) -> None:
        """A button at the right end of the bar (Refresh, Export…)."""
        self.row.addWidget(widget)

    # --- what is chosen ----------------------------------------------------------------------------

    def period(self) -> HistoryPeriod:
        return HistoryPeriod(self.period_combo.currentData())

    def account(self) -> str | None:
        """The account chosen (None: every account)."""
        data = self.account_combo.currentData()
        return None if data is None else str(data)

    def offer_accounts(self, listed: Sequence[tuple[str, str]]) -> None:
        """The desk's accounts as (id, name); the choice shows only while there are several. A chosen
        account that left the desk falls back to All (and `changed` reloads)."""
        combo = self.account_combo
        chosen = self.account()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All", None)
        for account_id, label in listed:
            combo.addItem(label, account_id)
        index = combo.findData(chosen) if chosen is not None else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)
        self.account_label.setVisible(len(listed) > 1)
        combo.setVisible(len(listed) > 1)
        if chosen is not None and index < 0:
            self.changed.emit()

    def symbol(self) -> str | None:
        data = self.symbol_combo.currentData()
        return None if data is None else str(data)

    def source(self) -> TradeSource | None:
        data = self.source_combo.currentData()  # Qt may hand a StrEnum back as a plain str
        return None if data is None or self.source_combo.isHidden() else TradeSource(data)

    def selection(self) -> Selection:
        """Everything chosen, as one journal query asks it."""
        since, until = self.bounds()
        return Selection(since, until, self.symbol(), self.source(), self.account())

    def bounds(self, today: date | None = None) -> tuple[datetime | None, datetime | None]:
        """The UTC [since, until) chosen; a preset's dates are shown anew ("Today" moves on at midnight)."""
        period, today = self.period(), today or date.today()
        if period is not HistoryPeriod.CUSTOM:
            self._set_dates(preset_first_day(period, today), today)
        first = None if self.from_edit.date() == EARLIEST else self.from_edit.date().toPyDate()
        return period_bounds(period, today, first, self.to_edit.date().toPyDate())

    # --- changing it -------------------------------------------------------------------------------

    def set_period(self, period: HistoryPeriod) -> None:
        """Choose a preset (or CUSTOM); `changed` follows once."""
        index = self.period_combo.findData(period)
        if index == self.period_combo.currentIndex():
            self.changed.emit()
        else:
            self.period_combo.setCurrentIndex(index)

    def set_custom_range(self, first: date | None, last: date) -> None:
        """From `first` (None: any day) to `last`, local days included; `changed` follows once."""
        self._set_dates(first, last)
        self._mark_custom()
        self.changed.emit()

    def offer_symbols(self, symbols: Iterable[str]) -> None:
        """The symbols to choose from (after a load over all symbols); the choice made stays."""
        chosen = self.symbol()
        self.symbol_combo.blockSignals(True)
        self.symbol_combo.clear()
        self.symbol_combo.addItem("All", None)
        for symbol in sorted(set(symbols)):
            self.symbol_combo.addItem(symbol, symbol)
        if chosen is not None:
            self.symbol_combo.setCurrentIndex(max(self.symbol_combo.findData(chosen), 0))
        self.symbol_combo.blockSignals(False)

    def _set_dates(self, first: date | None, last: date) -> None:
        self._setting_dates = True
        try:
            self.from_edit.setDate(EARLIEST if first is None else QDate(first.year, first.month, first.day))
            self.to_edit.setDate(QDate(last.year, last.month, last.day))
        finally:
            self._setting_dates = False

    def _mark_custom(self) -> None:
        self.period_combo.blockSignals(True)  # the caller reloads once, with the new dates
        self.period_combo.setCurrentIndex(self.period_combo.findData(HistoryPeriod.CUSTOM))
        self.period_combo.blockSignals(False)

    def _on_date_edited(self, _date: QDate) -> None:
        if not self._setting_dates:
            self._mark_custom()
            self.changed.emit()
