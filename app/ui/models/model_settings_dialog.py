"""ModelSettingsDialog: how one model trades — symbol, timeframe, lot, threshold, SL/TP, limits, hours.

Zero in an optional field means "none" (no stop loss, no holding limit), shown as such in the box. The
desk's RiskGuard still applies its own limits (max lot, daily loss...) on top of these.
"""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import Timeframe
from app.core.models import ModelSettings

_NOTE_STYLE = "QLabel { color: #b45309; }"


def _optional_spin(parent: QWidget, maximum: float, none_text: str, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(0.0, maximum)
    spin.setDecimals(1)
    spin.setSingleStep(1.0)
    spin.setSpecialValueText(none_text)  # shown at 0
    spin.setSuffix(suffix)
    return spin


class ModelSettingsDialog(QDialog):
    """Edits a copy of `settings` (`result_settings()`); `trained_on` is the model's (symbol, timeframe)."""

    def __init__(
        self,
        name: str,
        settings: ModelSettings,
        trained_on: tuple[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Settings of {name}")
        self._trained_on = (trained_on[0], str(trained_on[1]))
        self.symbol_edit = QLineEdit(settings.symbol, self)
        self.timeframe_combo = QComboBox(self)
        for frame in Timeframe:
            self.timeframe_combo.addItem(frame.value, frame)
        self.timeframe_combo.setCurrentIndex(self.timeframe_combo.findData(Timeframe(settings.timeframe)))
        self.lot_spin = QDoubleSpinBox(self)
        self.lot_spin.setRange(0.01, 100.0)
        self.lot_spin.setDecimals(2)
        self.lot_spin.setSingleStep(0.01)
        self.lot_spin.setValue(settings.lot_size)
        self.lot_spin.setSuffix(" lot")
        self.threshold_spin = QDoubleSpinBox(self)
        self.threshold_spin.setRange(0.5, 1.0)
        self.threshold_spin.setDecimals(2)
        self.threshold_spin.setSingleStep(0.01)
        self.threshold_spin.setValue(settings.confidence_threshold)
        self.threshold_spin.setToolTip("Trade only when the model is at least this sure of the direction")
        self.sl_spin = _optional_spin(self, 100_000.0, "none", " pips")
        self.sl_spin.setValue(settings.sl_pips or 0.0)
        self.tp_spin = _optional_spin(self, 100_000.0, "none", " pips")
        self.tp_spin.setValue(settings.tp_pips or 0.0)
        self.max_open_spin = QSpinBox(self)
        self.max_open_spin.setRange(1, 100)
        self.max_open_spin.setValue(settings.max_open_positions)
        self.holding_spin = QSpinBox(self)
        self.holding_spin.setRange(0, 100_000)
        self.holding_spin.setSpecialValueText("no limit")
        self.holding_spin.setSuffix(" bars")
        self.holding_spin.setValue(settings.max_holding_bars or 0)
        self.holding_spin.setToolTip("Close a position after this many bars, whatever the signal")

        self.hours_check = QCheckBox("Only from", self)
        self.start_spin = QSpinBox(self)
        self.end_spin = QSpinBox(self)
        for spin in (self.start_spin, self.end_spin):
            spin.setRange(0, 23)
            spin.setSuffix(":00")
        start, end = settings.trading_hours or (7, 17)
        self.hours_check.setChecked(settings.trading_hours is not None)
        self.start_spin.setValue(start)
        self.end_spin.setValue(end)
        self.hours_check.toggled.connect(self._on_hours_toggled)
        hours = QHBoxLayout()
        hours.addWidget(self.hours_check)
        hours.addWidget(self.start_spin)
        hours.addWidget(QLabel("to", self))
        hours.addWidget(self.end_spin)
        hours.addWidget(QLabel("UTC", self))
        hours.addStretch(1)
        self._on_hours_toggled(self.hours_check.isChecked())

        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(_NOTE_STYLE)
        self.symbol_edit.textChanged.connect(self._update_note)
        self.timeframe_combo.currentIndexChanged.connect(self._update_note)

        form = QFormLayout()
        form.addRow("Symbol", self.symbol_edit)
        form.addRow("Timeframe", self.timeframe_combo)
        form.addRow("Lot size", self.lot_spin)
        form.addRow("Confidence threshold", self.threshold_spin)
        form.addRow("Stop loss", self.sl_spin)
        form.addRow("Take profit", self.tp_spin)
        form.addRow("Max open positions", self.max_open_spin)
        form.addRow("Max holding", self.holding_spin)
        form.addRow("Trading hours", hours)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save_button is not None  # a standard button asked for in the constructor
        self.save_button = save_button
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(buttons)
        self._update_note()

    def result_settings(self) -> ModelSettings:
        """The settings as the fields stand."""
        return ModelSettings(
            symbol=self.symbol_edit.text().strip(),
            timeframe=Timeframe(self.timeframe_combo.currentData()),
            lot_size=round(self.lot_spin.value(), 2),
            confidence_threshold=round(self.threshold_spin.value(), 2),
            sl_pips=self.sl_spin.value() or None,
            tp_pips=self.tp_spin.value() or None,
            max_open_positions=self.max_open_spin.value(),
            max_holding_bars=self.holding_spin.value() or None,
            trading_hours=(self.start_spin.value(), self.end_spin.value())
            if self.hours_check.isChecked()
            else None,
        )

    def _on_hours_toggled(self, checked: bool) -> None:
        self.start_spin.setEnabled(checked)
        self.end_spin.setEnabled(checked)

    def _update_note(self) -> None:
        settings = self.result_settings()
        notes = settings.problems()  # the engine's own check: what it would refuse is never sent
        self.save_button.setEnabled(not notes)
        if not notes and (settings.symbol, settings.timeframe.value) != self._trained_on:
            notes.append(
                f"The model was trained on {self._trained_on[0]} {self._trained_on[1]}; on other bars its "
                "predictions may be worth less than its training results suggest."
            )
        self.note_label.setText(" ".join(notes))
        self.note_label.setVisible(bool(notes))

    def _accept_if_valid(self) -> None:
        if not self.result_settings().problems():
            self.accept()
