"""TrainingResultsView: what a training run found — data used, out-of-sample accuracy beside the
majority baseline (overall and per walk-forward fold), and the backtest of the out-of-sample signals."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import Side
from app.core.number_format import format_pips
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.metrics_rows import METRIC_ROWS, metric_texts, money_in

if TYPE_CHECKING:  # scikit-learn is behind TrainingResult; results exist only once it has loaded
    from app.ml.training import FoldReport, TrainingResult

FOLD_HEADERS = ("Fold", "Train samples", "Test samples", "Tested on", "Accuracy", "Baseline", "Majority")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def edge_colour(accuracy: float, baseline: float) -> QColor:
    """Green when the model beats always guessing the majority, red when it does not."""
    colours = trade_colours()
    return colours.gain if accuracy > baseline else colours.loss


class TrainingResultsView(QWidget):
    """Read-only results of one `TrainingResult`; empty until `show_result`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.accuracy_label = QLabel(self)
        self.accuracy_label.setWordWrap(True)
        self.accuracy_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.folds_table = QTableWidget(0, len(FOLD_HEADERS), self)
        self.folds_table.setHorizontalHeaderLabels(FOLD_HEADERS)
        vertical = self.folds_table.verticalHeader()
        header = self.folds_table.horizontalHeader()
        assert vertical is not None and header is not None  # a table view always has both headers
        vertical.setVisible(False)
        self.folds_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.folds_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FOLD_HEADERS.index("Tested on"), QHeaderView.ResizeMode.Stretch)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)

        self.backtest_box = QGroupBox("Backtest of the out-of-sample signals", self)
        grid = QGridLayout(self.backtest_box)
        self.pips_label = QLabel(self.backtest_box)
        self.pips_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.pips_label, 0, 0, 1, 5)
        self.metric_labels: dict[str, QLabel] = {}
        half = (len(METRIC_ROWS) + 1) // 2
        for index, row in enumerate(METRIC_ROWS):
            name = QLabel(row.label, self.backtest_box)
            name.setToolTip(row.tooltip)
            value = QLabel("—", self.backtest_box)
            value.setAlignment(_RIGHT)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            column = 0 if index < half else 3
            grid.addWidget(name, 1 + index % half, column)
            grid.addWidget(value, 1 + index % half, column + 1)
            self.metric_labels[row.key] = value
        grid.setColumnMinimumWidth(2, 24)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(4, 1)
        self.backtest_note = QLabel(self.backtest_box)
        self.backtest_note.setWordWrap(True)
        note_font = self.backtest_note.font()
        note_font.setItalic(True)
        self.backtest_note.setFont(note_font)
        grid.addWidget(self.backtest_note, 1 + half, 0, 1, 5)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self.folds_table)
        layout.addWidget(self.backtest_box)
        layout.addStretch(1)  # spare height goes below the figures, not between them

    def clear(self) -> None:
        self.summary_label.clear()
        self.accuracy_label.clear()
        self.folds_table.setRowCount(0)
        for label in self.metric_labels.values():
            label.setText("—")
        self.pips_label.clear()
        self.backtest_note.clear()

    def show_result(self, result: TrainingResult) -> None:
        self.summary_label.setText(
            f"{result.symbol} {result.timeframe} · {result.algorithm.title} (seed {result.seed}) · "
            f"{result.bars:,} bars from {_day(result.data_from)} to {_day(result.data_until)} · "
            f"{result.samples:,} labelled samples · {len(result.folds)} walk-forward folds"
        )
        edge = (result.oos_accuracy - result.baseline_accuracy) * 100
        verdict = "beats" if edge > 0 else "does not beat"
        self.accuracy_label.setText(
            f"<b>Out-of-sample accuracy {result.oos_accuracy:.1%}</b> vs {result.baseline_accuracy:.1%} "
            f"for always guessing the majority direction ({edge:+.1f} points): the model {verdict} the "
            "baseline."
        )
        colour = edge_colour(result.oos_accuracy, result.baseline_accuracy).name()
        self.accuracy_label.setStyleSheet(f"QLabel {{ color: {colour}; }}")
        self._show_folds(result.folds)
        money = result.money
        texts = metric_texts(result.backtest, money_in(money.currency))
        for key, label in self.metric_labels.items():
            label.setText(texts[key])
        pips, amount = money.pips, money_in(money.currency)(result.backtest.net_profit)
        per_trade = "" if pips.per_trade is None else f", {format_pips(pips.per_trade)} a trade"
        self.pips_label.setText(
            f"<b>Net {format_pips(pips.net)} = {amount}</b>{per_trade}; deepest drawdown "
            f"{pips.max_drawdown:,.1f} pips"
        )
        notes = [
            f"{money.sizing_text()}, one bar held, paying the spread. The saved model trades live with "
            "this lot size and threshold until you change them in the Models dock.",
            *(f"{text}." for text in money.terms.assumptions()),
        ]
        self.backtest_note.setText(" ".join(notes))

    def fold_cells(self, row: int) -> list[str]:
        """The texts of one fold row, left to right (for tests and copy)."""
        items = [self.folds_table.item(row, column) for column in range(len(FOLD_HEADERS))]
        return [item.text() if item is not None else "" for item in items]

    def _show_folds(self, folds: tuple[FoldReport, ...]) -> None:
        self.folds_table.setRowCount(len(folds))
        for row, fold in enumerate(folds):
            cells = (
                str(fold.index + 1),
                f"{fold.train_samples:,}",
                f"{fold.test_samples:,}",
                f"{_day(fold.test_from)} – {_day(fold.test_until)}",
                f"{fold.accuracy:.1%}",
                f"{fold.baseline_accuracy:.1%}",
                "up" if fold.majority is Side.BUY else "down",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != 3:
                    item.setTextAlignment(_RIGHT)
                if column == 4:
                    item.setForeground(edge_colour(fold.accuracy, fold.baseline_accuracy))
                self.folds_table.setItem(row, column, item)
        table = self.folds_table  # as tall as its rows (up to ten), so no empty band under them
        vertical, header = table.verticalHeader(), table.horizontalHeader()
        assert vertical is not None and header is not None
        rows = vertical.defaultSectionSize() * min(len(folds), 10)
        table.setFixedHeight(header.sizeHint().height() + rows + 2 * table.frameWidth())
