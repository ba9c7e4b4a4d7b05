"""TrainingInputs: the training dialog's questions — which bars (terminal or CSV file), which model.

A problem with the inputs or the bars (a CSV line that cannot be read, too short a history) is shown
right under them, where the trader fixes it.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QStandardPaths, pyqtSlot
from PyQt6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from app.core.enums import Timeframe
from app.core.models import DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_LOT_SIZE
from app.ml.algorithms import Algorithm
from app.ml.money import DEFAULT_DEPOSIT
from app.ml.options import MIN_TRAINING_BARS
from app.ui.models.training_job import guess_from_file_name

DEFAULT_BARS = 20_000
MAX_BARS = 500_000
_PROBLEM_STYLE = "QLabel { color: #cf222e; }"


class TrainingInputs(QWidget):
    """Bars (source, symbol, timeframe, count or file) beside the model (algorithm, seed, name) and the
    backtest (lots, confidence threshold, deposit), which the saved model then trades live with."""

    def __init__(
        self, symbol: str, timeframe: Timeframe, parent: QWidget | None = None, *, currency: str = ""
    ) -> None:
        super().__init__(parent)
        self._csv_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self._idle = True
        self._terminal = True
        data = self._build_bars(symbol, timeframe)
        model = QGroupBox("Model", self)
        self.algorithm_combo = QComboBox(model)
        for algorithm in Algorithm:
            self.algorithm_combo.addItem(algorithm.title, algorithm)
        self.seed_spin = QSpinBox(model)
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("The same bars, algorithm and seed always give the same model")
        self.name_edit = QLineEdit(model)
        self.name_edit.setPlaceholderText("Symbol, timeframe and algorithm")
        model_form = QFormLayout(model)
        model_form.addRow("Algorithm", self.algorithm_combo)
        model_form.addRow("Seed", self.seed_spin)
        model_form.addRow("Name", self.name_edit)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(data, 3)
        row.addWidget(model, 2)
        row.addWidget(self._build_backtest(currency), 2)
        self._update_enabled()

    def _build_backtest(self, currency: str) -> QGroupBox:
        box = QGroupBox("Backtest and live trading", self)
        box.setToolTip(
            "The backtest trades these; the saved model starts trading live with the same lots and threshold"
        )
        self.lots_spin = QDoubleSpinBox(box)
        self.lots_spin.setRange(0.01, 100.0)
        self.lots_spin.setDecimals(2)
        self.lots_spin.setSingleStep(0.01)
        self.lots_spin.setValue(DEFAULT_LOT_SIZE)
        self.lots_spin.setSuffix(" lots")
        self.threshold_spin = QDoubleSpinBox(box)
        self.threshold_spin.setRange(0.5, 1.0)
        self.threshold_spin.setDecimals(2)
        self.threshold_spin.setSingleStep(0.01)
        self.threshold_spin.setValue(DEFAULT_CONFIDENCE_THRESHOLD)
        self.threshold_spin.setToolTip("Trade only when the model is at least this confident (0.50 to 1.00)")
        self.deposit_spin = QDoubleSpinBox(box)
        self.deposit_spin.setRange(1.0, 1e9)
        self.deposit_spin.setDecimals(2)
        self.deposit_spin.setSingleStep(1000.0)
        self.deposit_spin.setGroupSeparatorShown(True)
        self.deposit_spin.setValue(DEFAULT_DEPOSIT)
        self.deposit_spin.setToolTip("The backtest's starting balance (drawdown % and Sharpe are against it)")
        self.set_currency(currency)
        form = QFormLayout(box)
        form.addRow("Lot size", self.lots_spin)
        form.addRow("Threshold", self.threshold_spin)
        form.addRow("Deposit", self.deposit_spin)
        return box

    def set_currency(self, currency: str) -> None:
        """The account currency the deposit is in ("" when not known: a CSV states its own)."""
        self.deposit_spin.setSuffix(f" {currency}" if currency else "")

    def _build_bars(self, symbol: str, timeframe: Timeframe) -> QGroupBox:
        data = QGroupBox("Bars", self)
        self.terminal_radio = QRadioButton("From the terminal", data)
        self.csv_radio = QRadioButton("From a CSV file", data)
        self.terminal_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.terminal_radio)
        group.addButton(self.csv_radio)
        group.buttonToggled.connect(lambda *_: self._update_enabled())
        self.symbol_combo = QComboBox(data)
        self.symbol_combo.setEditable(True)
        self.symbol_combo.setEditText(symbol)
        self.symbol_combo.setToolTip("The symbol the model will trade (for a CSV file: the one it holds)")
        self.timeframe_combo = QComboBox(data)
        for frame in Timeframe:
            self.timeframe_combo.addItem(frame.value, frame)
        self.timeframe_combo.setCurrentIndex(self.timeframe_combo.findData(timeframe))
        self.bars_spin = QSpinBox(data)
        self.bars_spin.setRange(MIN_TRAINING_BARS, MAX_BARS)
        self.bars_spin.setSingleStep(1000)
        self.bars_spin.setValue(DEFAULT_BARS)
        self.bars_spin.setGroupSeparatorShown(True)
        self.bars_spin.setToolTip("Closed bars to train on, newest last; more is better")
        self.csv_edit = QLineEdit(data)
        self.csv_edit.setPlaceholderText("MetaTrader 5 export or a CSV with Time, Open, High, Low, Close")
        self.browse_button = QPushButton("Browse…", data)
        self.browse_button.clicked.connect(self.browse_csv)
        csv_row = QHBoxLayout()
        csv_row.addWidget(self.csv_edit, 1)
        csv_row.addWidget(self.browse_button)
        source_row = QHBoxLayout()
        source_row.addWidget(self.terminal_radio)
        source_row.addWidget(self.csv_radio)
        source_row.addStretch(1)
        self.problem_label = QLabel(data)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(_PROBLEM_STYLE)
        self.problem_label.hide()
        form = QFormLayout(data)
        form.addRow(source_row)
        form.addRow("Symbol", self.symbol_combo)
        form.addRow("Timeframe", self.timeframe_combo)
        form.addRow("Bars", self.bars_spin)
        form.addRow("CSV file", csv_row)
        form.addRow(self.problem_label)
        return data

    # ---- answers ----------------------------------------------------------------------------------
    def symbol(self) -> str:
        return self.symbol_combo.currentText().strip()

    def timeframe(self) -> Timeframe:
        return Timeframe(self.timeframe_combo.currentData())

    def algorithm(self) -> Algorithm:
        return Algorithm(self.algorithm_combo.currentData())

    def from_csv(self) -> bool:
        return self.csv_radio.isChecked()

    def csv_path(self) -> Path | None:
        text = self.csv_edit.text().strip()
        return Path(text) if text else None

    # ---- state ------------------------------------------------------------------------------------
    def offer_csv_only(self) -> None:
        """No terminal to ask: CSV files only."""
        self._terminal = False
        self.terminal_radio.setToolTip("Not connected to a terminal: train on a CSV file")
        self.csv_radio.setChecked(True)
        self._update_enabled()

    def set_idle(self, idle: bool, *, terminal: bool) -> None:
        """Editable when idle; nothing changes under a running training."""
        self._idle, self._terminal = idle, terminal
        self._update_enabled()

    def _update_enabled(self) -> None:
        idle, from_csv = self._idle, self.from_csv()
        for widget in (self.csv_radio, self.symbol_combo, self.timeframe_combo, self.algorithm_combo):
            widget.setEnabled(idle)
        for spin in (self.seed_spin, self.lots_spin, self.threshold_spin, self.deposit_spin):
            spin.setEnabled(idle)
        self.terminal_radio.setEnabled(idle and self._terminal)
        self.bars_spin.setEnabled(idle and not from_csv)
        self.csv_edit.setEnabled(idle and from_csv)
        self.browse_button.setEnabled(idle and from_csv)

    def show_problem(self, text: str) -> None:
        """A problem with the bars or the inputs, with what to do; "" hides it."""
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def set_symbols(self, symbols: list[str]) -> None:
        """Offer the broker's symbols, keeping what the trader typed."""
        typed = self.symbol_combo.currentText()
        self.symbol_combo.clear()
        self.symbol_combo.addItems(sorted(symbols))
        self.symbol_combo.setEditText(typed)

    # ---- files ------------------------------------------------------------------------------------
    @pyqtSlot()
    def browse_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Bars to train on", self._csv_dir, "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.set_csv_file(Path(path))

    def set_csv_file(self, path: Path) -> None:
        """Use `path`; a MetaTrader-style name (EURUSD_M1_….csv) also fills symbol and timeframe."""
        self.csv_radio.setChecked(True)
        self.csv_edit.setText(str(path))
        self._csv_dir = str(Path(path).parent)
        symbol, timeframe = guess_from_file_name(path)
        if symbol and not self.symbol():
            self.symbol_combo.setEditText(symbol)
        if timeframe is not None:
            self.timeframe_combo.setCurrentIndex(self.timeframe_combo.findData(timeframe))
        self.show_problem("")
