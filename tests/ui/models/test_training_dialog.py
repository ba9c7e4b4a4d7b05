"""TrainingDialog: trains off the GUI thread from a CSV file, shows progress and results, cancels, saves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import QEvent, QObject, QThreadPool, QTimer
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, Timeframe
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import TerminalQueries
from app.ml.bars import BarFrame
from app.ml.manifest import ModelManifest, read_manifest
from app.ml.metrics import PerformanceMetrics
from app.ml.pipelines import Algorithm
from app.ml.training import TrainingOptions
from app.terminal.simulator.clock import ClockSpec
from app.ui.models.training_dialog import PROGRESS_STEPS, TrainingDialog
from app.ui.models.training_job import guess_from_file_name
from app.ui.widgets.metrics_rows import metric_texts, money_in, price_units
from tests.ml.frames import synthetic_frame

OPTIONS = TrainingOptions(folds=2)
TRAIN_TIMEOUT_MS = 20_000


def write_csv(path: Path, frame: BarFrame) -> Path:
    times = frame.time.astype("datetime64[s]").astype(str)
    lines = ["Time,Open,High,Low,Close,Spread"]
    for i in range(len(frame)):
        lines.append(
            f"{times[i].replace('T', ' ')},{frame.open[i]:.5f},{frame.high[i]:.5f},"
            f"{frame.low[i]:.5f},{frame.close[i]:.5f},{int(frame.spread[i])}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bars_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("bars") / "EURUSD_M5_export.csv", synthetic_frame(1_500, seed=2))


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    yield pool
    pool.waitForDone(TRAIN_TIMEOUT_MS)


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path, pool: QThreadPool) -> TrainingDialog:
    dialog = TrainingDialog(None, tmp_path / "models", options=OPTIONS, pool=pool)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def train_from(dialog: TrainingDialog, qtbot: QtBot, csv: Path) -> None:
    dialog.inputs.set_csv_file(csv)
    assert dialog.start_training()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TRAIN_TIMEOUT_MS)


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_a_file_named_like_a_terminal_export_fills_symbol_and_timeframe(
    dialog: TrainingDialog, bars_csv: Path
) -> None:
    dialog.inputs.set_csv_file(bars_csv)
    assert dialog.inputs.csv_radio.isChecked()
    assert dialog.inputs.symbol_combo.currentText() == "EURUSD"
    assert dialog.inputs.timeframe_combo.currentData() == Timeframe.M5
    assert guess_from_file_name(Path("prices.csv")) == (None, None)


def test_without_a_terminal_only_csv_files_are_offered(dialog: TrainingDialog) -> None:
    assert not dialog.inputs.terminal_radio.isEnabled()
    assert dialog.inputs.csv_radio.isChecked()


def test_training_on_a_csv_file_shows_accuracy_folds_and_backtest(
    dialog: TrainingDialog, qtbot: QtBot, bars_csv: Path
) -> None:
    dialog.inputs.algorithm_combo.setCurrentIndex(dialog.inputs.algorithm_combo.findData(Algorithm.LOGREG))
    train_from(dialog, qtbot, bars_csv)
    result = dialog.result
    assert result is not None and result.symbol == "EURUSD" and result.timeframe is Timeframe.M5
    assert dialog.results_box.isVisible()
    assert dialog.progress_bar.value() == PROGRESS_STEPS
    assert f"{result.oos_accuracy:.1%}" in dialog.results.accuracy_label.text()
    assert f"{result.baseline_accuracy:.1%}" in dialog.results.accuracy_label.text()
    assert dialog.results.folds_table.rowCount() == len(result.folds) == 2
    fold = result.folds[0]
    cells = dialog.results.fold_cells(0)
    assert cells[4] == f"{fold.accuracy:.1%}" and cells[5] == f"{fold.baseline_accuracy:.1%}"
    expected = metric_texts(result.backtest, money_in("USD"))  # a CSV of EURUSD: its quote currency
    assert {key: label.text() for key, label in dialog.results.metric_labels.items()} == expected
    assert dialog.save_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_the_dialog_keeps_repainting_while_it_trains(
    dialog: TrainingDialog, qtbot: QtBot, bars_csv: Path
) -> None:
    counter = PaintCounter()
    dialog.progress_bar.installEventFilter(counter)
    seen: set[int] = set()
    dialog.progress_bar.valueChanged.connect(seen.add)
    ticks_while_training: list[float] = []
    timer = QTimer(dialog)
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks_while_training.append(time.monotonic()) if dialog.busy else None)
    timer.start()
    train_from(dialog, qtbot, bars_csv)
    # The GUI thread ran its timers while the model was fitted: a blocked one fires at most once, after the
    # fit. Not more than two: a fast machine fits in a few tens of ms, and a count would measure the machine.
    assert len(ticks_while_training) >= 2
    assert len(seen) >= 3  # 0, each fold, the final fit, done: every step reached the GUI thread
    assert counter.paints >= 2


def test_saving_writes_the_model_and_announces_its_manifest(
    dialog: TrainingDialog, qtbot: QtBot, bars_csv: Path, tmp_path: Path
) -> None:
    train_from(dialog, qtbot, bars_csv)
    dialog.inputs.name_edit.setText("Momentum M5")
    with qtbot.waitSignal(dialog.model_saved) as saved:
        manifest = dialog.save()
    announced, model_file = saved.args
    assert isinstance(announced, ModelManifest) and announced == manifest
    assert announced.name == "Momentum M5" and announced.symbol == "EURUSD"
    assert model_file == tmp_path / "models" / manifest.file_name and model_file.is_file()
    assert read_manifest(model_file) == manifest
    assert not dialog.save_button.isEnabled()  # one model per training run
    assert dialog.save() is None


def test_cancel_returns_the_dialog_to_idle_without_a_result(
    dialog: TrainingDialog, qtbot: QtBot, bars_csv: Path
) -> None:
    dialog.inputs.set_csv_file(bars_csv)
    dialog.start_training()
    assert dialog.busy and dialog.cancel_button.isEnabled() and not dialog.train_button.isEnabled()
    dialog.cancel_training()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TRAIN_TIMEOUT_MS)
    assert dialog.result is None
    assert "Cancelled" in dialog.status_label.text()
    assert dialog.train_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert not dialog.save_button.isEnabled() and not dialog.results_box.isVisible()
    assert dialog.progress_bar.value() == 0


def test_a_bad_csv_line_is_shown_beside_the_file_with_what_to_fix(
    dialog: TrainingDialog, qtbot: QtBot, tmp_path: Path
) -> None:
    lines = write_csv(tmp_path / "EURUSD_M1.csv", synthetic_frame(700)).read_text().splitlines()
    lines[41] = lines[41].replace(",", ",abc,", 1).rsplit(",", 1)[0]  # an Open that is not a number
    bad = tmp_path / "EURUSD_M1.csv"
    bad.write_text("\n".join(lines) + "\n")
    train_from(dialog, qtbot, bad)
    problem = dialog.inputs.problem_label.text()
    assert dialog.inputs.problem_label.isVisible()
    assert "line 42" in problem and "'abc' is not a number" in problem
    assert dialog.result is None and dialog.train_button.isEnabled()


def test_too_short_a_history_says_how_many_bars_are_needed(
    dialog: TrainingDialog, qtbot: QtBot, tmp_path: Path
) -> None:
    short = write_csv(tmp_path / "EURUSD_M1.csv", synthetic_frame(100))
    train_from(dialog, qtbot, short)
    assert "100 bars are too few" in dialog.inputs.problem_label.text()
    assert "at least" in dialog.inputs.problem_label.text()


def test_train_asks_for_a_symbol_and_an_existing_file(dialog: TrainingDialog, tmp_path: Path) -> None:
    dialog.inputs.csv_edit.setText(str(tmp_path / "missing.csv"))
    dialog.inputs.symbol_combo.setEditText("")
    assert not dialog.start_training()
    assert "symbol" in dialog.inputs.problem_label.text()
    dialog.inputs.symbol_combo.setEditText("EURUSD")
    assert not dialog.start_training()
    assert "CSV file" in dialog.inputs.problem_label.text()
    assert not dialog.busy


def test_backtest_money_keeps_its_small_price_unit_digits() -> None:
    metrics = PerformanceMetrics(
        trades=2, wins=1, losses=1, win_rate=0.5, profit_factor=2.0, expectancy=0.00005,
        net_profit=0.0001, gross_profit=0.0002, gross_loss=0.0001, max_drawdown=0.0001,
        max_drawdown_pct=0.01, sharpe=None, sortino=None, average_confidence=0.61, days=1,
        starting_balance=1.1, final_balance=1.1001,
    )  # fmt: skip
    texts = metric_texts(metrics, price_units)
    assert texts["net_profit"] == "+0.00010" and texts["max_drawdown"] == "-0.00010"
    assert texts["win_rate"] == "50.0%" and texts["sharpe"] == "—" and texts["profit_factor"] == "2.00"
    assert texts["expectancy"] == "+0.00005"
    assert price_units(-1234.5) == "-1,234.50" and price_units(1.5) == "+1.5000" and price_units(0) == "0"


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(0.1, 0.3, 0.3, 1.0),
            sim_clock=ClockSpec.manual(datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
        )
    )
    desk.start()
    yield desk
    assert desk.stop(10), "worker did not stop"


def test_training_on_the_terminals_history_uses_closed_bars_of_the_chosen_symbol(
    qtbot: QtBot, desk: Desk, tmp_path: Path, pool: QThreadPool
) -> None:
    queries = TerminalQueries(desk.host)
    dialog = TrainingDialog(queries, tmp_path / "models", options=OPTIONS, pool=pool)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.inputs.symbol_combo.findText("EURUSD") >= 0, timeout=5000)
    dialog.inputs.symbol_combo.setEditText("EURUSD")
    dialog.inputs.timeframe_combo.setCurrentIndex(dialog.inputs.timeframe_combo.findData(Timeframe.M1))
    dialog.inputs.bars_spin.setValue(5_000)
    assert dialog.inputs.terminal_radio.isChecked() and dialog.start_training()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TRAIN_TIMEOUT_MS)
    assert dialog.inputs.problem_label.text() == ""
    result = dialog.result
    assert result is not None and result.bars == 5_000 and result.symbol == "EURUSD"
    assert result.data_until < datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # the forming bar is left out


def test_an_unknown_terminal_symbol_is_reported_and_nothing_trains(
    qtbot: QtBot, desk: Desk, tmp_path: Path, pool: QThreadPool
) -> None:
    dialog = TrainingDialog(TerminalQueries(desk.host), tmp_path / "models", options=OPTIONS, pool=pool)
    qtbot.addWidget(dialog)
    dialog.inputs.symbol_combo.setEditText("NOSUCH")
    dialog.start_training()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)
    assert "could not give the bars" in dialog.inputs.problem_label.text()
    assert dialog.result is None and dialog.train_button.isEnabled()
