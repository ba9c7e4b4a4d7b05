"""The training dialog as the trader drives it: the backtest in pips and the account currency for the lots
and threshold typed in, a short history said out loud, and a window that never grows past the screen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt, QThreadPool
from PyQt6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox
from pytestqt.qtbot import QtBot

from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import TerminalQueries
from app.ml.manifest import ModelManifest
from app.ml.options import TrainingOptions
from app.terminal.simulator.clock import ClockSpec
from app.ui.models.training_dialog import TrainingDialog

OPTIONS = TrainingOptions(folds=2)
TRAIN_TIMEOUT_MS = 30_000


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    yield pool
    pool.waitForDone(TRAIN_TIMEOUT_MS)


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


@pytest.fixture
def dialog(qtbot: QtBot, desk: Desk, tmp_path: Path, pool: QThreadPool) -> TrainingDialog:
    dialog = TrainingDialog(
        TerminalQueries(desk.host), tmp_path / "models", options=OPTIONS, pool=pool, account_currency="USD"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(
        lambda: dialog.ready and dialog.inputs.symbol_combo.findText("EURUSD") >= 0, timeout=10_000
    )
    return dialog


def type_into(qtbot: QtBot, widget: QAbstractSpinBox | QComboBox, text: str) -> None:
    """Select what the field holds and type over it, as a trader does."""
    editor = widget.lineEdit()
    assert editor is not None
    widget.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)


def pick(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Step through the list with the arrow keys to the entry, as a trader does."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentText() != text:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{text} is not in the list"


def train(dialog: TrainingDialog, qtbot: QtBot, *, symbol: str, timeframe: str, bars: str) -> None:
    inputs = dialog.inputs
    type_into(qtbot, inputs.symbol_combo, symbol)
    pick(qtbot, inputs.timeframe_combo, timeframe)
    type_into(qtbot, inputs.bars_spin, bars)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.result is not None, timeout=TRAIN_TIMEOUT_MS)


def test_the_backtest_reads_in_pips_and_account_money_for_the_lots_and_threshold_typed_in(
    dialog: TrainingDialog, qtbot: QtBot
) -> None:
    type_into(qtbot, dialog.inputs.lots_spin, "0.5")
    type_into(qtbot, dialog.inputs.threshold_spin, "0.55")
    type_into(qtbot, dialog.inputs.deposit_spin, "2500")
    train(dialog, qtbot, symbol="EURUSD", timeframe="H1", bars="3000")
    result = dialog.result
    assert result is not None and result.money.currency == "USD"
    assert (result.money.lots, result.money.threshold, result.money.deposit) == (0.5, 0.55, 2500.0)
    labels = dialog.results.metric_labels
    assert labels["net_profit"].text() == f"{result.backtest.net_profit:+,.2f} USD".replace("+0.00", "0.00")
    assert f"Net {result.money.pips.net:+,.1f} pips" in dialog.results.pips_label.text()
    note = dialog.results.backtest_note.text()
    assert "0.50 lots of EURUSD from a 2,500.00 USD deposit, trading at confidence ≥ 0.55" in note
    assert "trades live with this lot size and threshold" in note
    assert "No terminal described" not in note  # the terminal's own contract: nothing assumed


def test_the_saved_model_carries_the_lots_and_threshold_it_was_backtested_with(
    dialog: TrainingDialog, qtbot: QtBot
) -> None:
    type_into(qtbot, dialog.inputs.lots_spin, "0.2")
    train(dialog, qtbot, symbol="USDJPY", timeframe="H1", bars="3000")
    with qtbot.waitSignal(dialog.model_saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    manifest: ModelManifest = saved.args[0]
    assert manifest.backtest_money is not None
    assert (manifest.backtest_money.lots, manifest.backtest_money.threshold) == (0.2, 0.6)
    assert manifest.backtest_money.terms.conversion.value == "by_exit_price"  # JPY profit, USD account


def test_asking_for_more_bars_than_the_terminal_has_says_how_many_were_used(
    dialog: TrainingDialog, qtbot: QtBot
) -> None:
    train(dialog, qtbot, symbol="EURUSD", timeframe="H2", bars="20000")
    result = dialog.result
    assert result is not None and result.bars < 20_000
    said = (
        f"Asked for 20,000 bars; the terminal has {result.bars:,} closed H2 bars of EURUSD: trained on those."
    )
    assert said in dialog.status_label.text()


def test_with_results_the_dialog_never_grows_past_the_bottom_of_the_screen(
    dialog: TrainingDialog, qtbot: QtBot
) -> None:
    # The offscreen test screen is 800 px tall: shorter than the 1366×768 and 1000 px screens asked for.
    train(dialog, qtbot, symbol="EURUSD", timeframe="H1", bars="3000")
    screen = dialog.screen()
    assert screen is not None
    room = screen.availableGeometry()
    assert room.height() <= 1000
    assert room.top() <= dialog.frameGeometry().top() and dialog.frameGeometry().bottom() <= room.bottom()
    for button in (dialog.save_button, dialog.close_button):
        assert button.isVisible() and button.mapToGlobal(button.rect().bottomLeft()).y() <= room.bottom()
    assert dialog.results_box.isVisible()
    assert dialog.minimumSizeHint().width() <= 1366 - 40  # and it fits a 1366 px wide screen
