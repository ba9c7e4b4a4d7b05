"""ChartAccountBox: the account selector the equity and P&L-by-symbol charts share."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QComboBox, QWidget

from app.core.account_lines import AccountLines
from app.ui.charts.chart_accounts import ChartChoice, chart_choices


class ChartAccountBox(QComboBox):
    """Each switched-on account, then each currency's accounts added up (chart_accounts.py); hidden while
    there is only one thing to choose. `chosen` carries the ChartChoice the trader picked."""

    chosen = pyqtSignal(object)  # ChartChoice

    def __init__(self, name: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setToolTip(tooltip)
        self._choices: list[ChartChoice] = []
        self.activated.connect(self._on_activated)
        self.hide()  # a desk of one account has nothing to choose

    def offer(self, lines: AccountLines, shown: str) -> None:
        """List the choices the accounts make now, with the one keyed `shown` current (else the first);
        an unchanged list is left as it is, so the trader's pick stays."""
        choices = chart_choices(lines)
        if choices == self._choices:
            return
        self._choices = choices
        self.blockSignals(True)
        self.clear()
        for choice in choices:
            self.addItem(choice.label, choice.key)
        self.setCurrentIndex(max(0, self.findData(shown)))
        self.blockSignals(False)
        self.setVisible(len(choices) > 1)

    def _on_activated(self, index: int) -> None:
        if 0 <= index < len(self._choices):
            self.chosen.emit(self._choices[index])
