"""ModelDock: the engine's models as rows, every switch an engine command; a viewer gets the table only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, Side, Timeframe
from app.core.events import ModelsUpdate
from app.core.models import ModelSettings, TerminalStatus
from app.engine.commands import (
    AutoTradingCommand,
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    RemoveModelCommand,
)
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.ml.pipelines import Algorithm
from app.ml.store import save_model
from app.ml.training import TrainingOptions, train_model
from app.storage.database import open_database
from app.storage.journal import Journal
from app.ui.models.model_dock import ModelDock
from app.ui.models.models_table import MODEL_COLUMN_INDEX
from tests.ml.frames import synthetic_frame
from tests.one_account import MAIN, single_snapshot
from tests.ui.model_fixtures import make_manifest, register, summary

ALPHA, BETA = "a1a1a1a1a1a1", "b2b2b2b2b2b2"
SIGNAL_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        journal = Journal(database)
        register(journal, make_manifest(ALPHA, "Alpha"), lot_size=0.05, sl_pips=15.0, trading_hours=(7, 17))
        yield journal


@pytest.fixture
def queries(journal: Journal) -> Iterator[JournalQueries]:
    queries = JournalQueries(journal)
    yield queries
    queries.wait()


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


@pytest.fixture
def dock(qtbot: QtBot, hub: EventHub, queries: JournalQueries, tmp_path: Path) -> ModelDock:
    dock = ModelDock(journal_queries=queries, models_dir=tmp_path / "models")
    dock.account_for_new_models = lambda: MAIN  # as the main window tells it: the account it trades on
    qtbot.addWidget(dock)
    dock.subscribe(hub)
    dock.show()
    return dock


@pytest.fixture
def commands(dock: ModelDock) -> list[object]:
    sent: list[object] = []
    dock.command.connect(sent.append)
    return sent


def two_models(hub: EventHub, **alpha: object) -> None:
    hub.publish(
        ModelsUpdate(
            models=(
                summary(
                    ALPHA, "Alpha", **{
                        "enabled": True, "lot_size": 0.05, "last_signal": Side.BUY, "last_confidence": 0.67,
                        "last_signal_at": SIGNAL_AT, "open_positions": 1, "today_profit": -12.5,
                        "status": "waiting for next bar", **alpha,
                    },
                ),
                summary(BETA, "Beta", symbol="GBPUSD", timeframe="M5"),
            )
        )
    )  # fmt: skip


def cell(dock: ModelDock, row: int, key: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> object:
    return dock.model.data(dock.model.index(row, MODEL_COLUMN_INDEX[key]), role)


def test_models_update_lists_each_model_with_its_state(dock: ModelDock, hub: EventHub) -> None:
    two_models(hub)
    assert dock.model.rowCount() == 2 and not dock.empty_label.isVisible()
    assert [cell(dock, 0, key) for key in ("name", "market", "lot", "signal", "confidence", "open")] == [
        "Alpha", "EURUSD M1", "0.05", "BUY", "67%", "1",
    ]  # fmt: skip
    assert cell(dock, 0, "today") == "-12.50" and cell(dock, 0, "status") == "waiting for next bar"
    assert cell(dock, 0, "enabled", Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert cell(dock, 1, "enabled", Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert cell(dock, 1, "signal") == "" and cell(dock, 1, "market") == "GBPUSD M5"


def test_a_snapshot_fills_the_table_too(dock: ModelDock, hub: EventHub) -> None:
    status = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)
    hub.publish(single_snapshot(account=None, positions=(), status=status, models=(summary(BETA, "Beta"),)))
    assert dock.model.models()[0].name == "Beta"


def test_a_refusal_stays_in_last_refusal_after_the_status_moves_on(dock: ModelDock, hub: EventHub) -> None:
    two_models(hub, status="blocked: daily loss limit 200.00 reached")
    assert cell(dock, 0, "status") == "blocked: daily loss limit 200.00 reached"
    two_models(hub, status="waiting for next bar")
    assert str(cell(dock, 0, "refusal")).endswith("blocked: daily loss limit 200.00 reached")
    assert cell(dock, 1, "refusal") == ""


def test_ticking_enabled_asks_the_engine_and_shows_the_wish_until_it_answers(
    dock: ModelDock, hub: EventHub, commands: list[object]
) -> None:
    two_models(hub)
    index = dock.model.index(1, MODEL_COLUMN_INDEX["enabled"])
    assert dock.model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert dock.model.setData(index, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert commands == [ModelCommand(model_id=BETA, enabled=True)]
    assert dock.model.is_enabled_shown(1)
    font = dock.model.data(index, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.italic()
    two_models(hub)  # the engine still reports it off (say it refused): the table follows the engine
    assert not dock.model.is_enabled_shown(1)


def test_the_settings_editor_opens_on_the_registered_settings_and_sends_the_edit(
    qtbot: QtBot, dock: ModelDock, hub: EventHub, commands: list[object]
) -> None:
    two_models(hub)
    dock.select_model(ALPHA)
    dock.settings_button.click()
    qtbot.waitUntil(lambda: dock.settings_dialog is not None, timeout=5000)
    dialog = dock.settings_dialog
    assert dialog.lot_spin.value() == 0.05 and dialog.sl_spin.value() == 15.0
    assert dialog.tp_spin.text() == "none" and dialog.hours_check.isChecked()
    dialog.lot_spin.setValue(0.2)
    dialog.threshold_spin.setValue(0.65)
    dialog.holding_spin.setValue(30)
    dialog.save_button.click()
    settings = ModelSettings(
        symbol="EURUSD", timeframe=Timeframe.M1, lot_size=0.2, confidence_threshold=0.65, sl_pips=15.0,
        max_holding_bars=30, trading_hours=(7, 17),
    )  # fmt: skip
    assert commands == [ModelCommand(model_id=ALPHA, settings=settings)]


def test_trading_another_symbol_than_the_trained_one_is_flagged(
    qtbot: QtBot, dock: ModelDock, hub: EventHub
) -> None:
    two_models(hub)
    dock.edit_settings(ALPHA)
    qtbot.waitUntil(lambda: dock.settings_dialog is not None, timeout=5000)
    dialog = dock.settings_dialog
    assert not dialog.note_label.isVisibleTo(dialog)
    dialog.symbol_edit.setText("GBPUSD")
    assert dialog.note_label.isVisibleTo(dialog) and "trained on EURUSD M1" in dialog.note_label.text()


def test_settings_the_engine_would_refuse_cannot_be_saved(
    qtbot: QtBot, dock: ModelDock, hub: EventHub
) -> None:
    two_models(hub)
    dock.edit_settings(ALPHA)
    qtbot.waitUntil(lambda: dock.settings_dialog is not None, timeout=5000)
    dialog = dock.settings_dialog
    dialog.symbol_edit.setText(" ")
    assert not dialog.save_button.isEnabled() and "Symbol must be set." in dialog.note_label.text()


def test_the_master_switch_sends_on_and_off(dock: ModelDock, commands: list[object], qtbot: QtBot) -> None:
    with qtbot.waitSignal(dock.auto_trading_changed) as changed:
        dock.master_button.click()
    assert changed.args == [True] and dock.master_button.text() == "Auto-trading ON"
    dock.master_button.click()
    assert commands == [AutoTradingCommand(enabled=True), AutoTradingCommand(enabled=False)]
    assert dock.master_button.text() == "Auto-trading OFF" and not dock.master_button.isChecked()


def test_showing_the_master_state_sends_nothing(dock: ModelDock, commands: list[object]) -> None:
    dock.set_auto_trading(True)
    assert dock.master_button.isChecked() and commands == []


def test_the_kill_switch_asks_first_and_cancel_sends_nothing(
    dock: ModelDock, hub: EventHub, commands: list[object]
) -> None:
    two_models(hub)
    dialog = dock.kill_switch()
    assert "(1 open)" in dialog.close_positions_box.text()
    dialog.reject()
    assert commands == []


def test_the_confirmed_kill_switch_stops_everything_and_closes_when_ticked(
    dock: ModelDock, commands: list[object]
) -> None:
    dock.request_auto_trading(True)
    dialog = dock.kill_switch()
    dialog.close_positions_box.setChecked(True)
    dialog.stop_button.click()
    assert commands[-1] == KillSwitchCommand(close_positions=True)
    assert not dock.master_button.isChecked()


def test_the_kill_switch_keeps_positions_unless_ticked(dock: ModelDock, commands: list[object]) -> None:
    dock.kill_switch().stop_button.click()
    assert commands == [KillSwitchCommand(close_positions=False)]


def test_remove_asks_then_sends(dock: ModelDock, hub: EventHub, commands: list[object]) -> None:
    two_models(hub)
    dock.select_model(BETA)
    box = dock.remove_selected()
    assert box is not None and "Beta" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert commands == [RemoveModelCommand(model_id=BETA)]


def test_a_model_with_open_positions_is_not_offered_for_removal(
    dock: ModelDock, hub: EventHub, commands: list[object]
) -> None:
    two_models(hub)
    dock.select_model(ALPHA)
    box = dock.remove_selected()
    assert "1 open position" in box.text() and commands == []


def test_import_checks_the_file_and_registers_it_switched_off(
    dock: ModelDock, commands: list[object], tmp_path: Path
) -> None:
    trained = train_model(
        synthetic_frame(1_500, seed=2), symbol="EURUSD", timeframe=Timeframe.M1,
        algorithm=Algorithm.LOGREG, options=TrainingOptions(folds=2),
    )  # fmt: skip
    elsewhere = tmp_path / "other-desk"
    manifest = save_model(trained, elsewhere, name="Shared")
    imported = dock.import_file(elsewhere / manifest.file_name)
    assert imported is not None and imported.model_id == manifest.model_id
    model_file = tmp_path / "models" / manifest.file_name
    settings = ModelSettings(symbol="EURUSD", timeframe=Timeframe.M1)
    assert commands == [
        RegisterModelCommand(model_file=model_file, manifest=imported, settings=settings, account_id=MAIN)
    ]
    assert model_file.is_file()
    exported = dock.export_to(manifest.model_id, tmp_path / "out")
    assert exported is not None and exported.is_file() and exported.with_suffix(".json").is_file()
    # Removed from the desk later, its file kept in the store: importing it again registers that copy.
    assert dock.import_file(exported) == imported
    assert commands[-1] == RegisterModelCommand(
        model_file=model_file, manifest=imported, settings=settings, account_id=MAIN
    )


def test_a_file_that_is_not_a_model_is_refused_with_a_message(
    dock: ModelDock, commands: list[object], tmp_path: Path
) -> None:
    bogus = tmp_path / "bogus.skops"
    bogus.write_bytes(b"not a model")
    assert dock.import_file(bogus) is None
    assert commands == [] and dock.message_box is not None
    assert "manifest" in dock.message_box.text()


def test_read_only_shows_the_table_without_any_control(qtbot: QtBot, hub: EventHub) -> None:
    dock = ModelDock(read_only=True)
    qtbot.addWidget(dock)
    dock.subscribe(hub)
    two_models(hub)
    assert dock.controls is None and dock.findChildren(QPushButton) == []
    index = dock.model.index(0, MODEL_COLUMN_INDEX["enabled"])
    assert not dock.model.flags(index) & Qt.ItemFlag.ItemIsUserCheckable
    assert cell(dock, 0, "enabled") == "on" and cell(dock, 1, "enabled") == "off"
    assert not dock.model.setData(index, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert dock.kill_switch() is None and dock.edit_settings(ALPHA) is None
