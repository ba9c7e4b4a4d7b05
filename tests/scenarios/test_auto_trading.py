"""Auto-trading from the window: train and register a model, its settings, master and kill switches."""

from __future__ import annotations

from PyQt6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel

from app.storage.model_registry import ModelRegistry
from app.ui.models.models_table import MODEL_COLUMN_INDEX
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    button,
    click,
    click_button,
    double_click,
    field,
    row_as_dict,
    row_point,
    toolbar_button,
    type_into,
    wait_for_window,
)
from tests.scenarios.steps import train_model


def test_a_model_trained_in_the_window_is_saved_and_registered_switched_off(desktop: Desktop) -> None:
    name = train_model(desktop)  # EURUSD H1, logistic regression, 2,000 bars from the terminal

    dock = desktop.window.model_dock
    row = row_as_dict(dock.table, 0)
    assert (row["Model"], row["Symbol / TF"], row["Status"]) == ("EURUSD H1 logreg", "EURUSD H1", "disabled")
    (registered,) = ModelRegistry(desktop.journal.database).all()
    assert (registered.name, registered.enabled) == (name, False)
    assert (desktop.paths.models_dir / f"{registered.model_id}.skops").is_file()


def test_the_master_switch_turns_auto_trading_on_and_off(desktop: Desktop) -> None:
    window = desktop.window
    click(toolbar_button(window, "Auto-trading OFF"))

    assert (
        desktop.wait_for_log("Auto-trading on")["Text"] == "Enabled models trade from their next closed bar."
    )
    assert window.model_dock.master_button.isChecked() and window.model_dock.master_button.text() == (
        "Auto-trading ON"
    )

    click(toolbar_button(window, "Auto-trading ON"))

    off = desktop.wait_for_log("Auto-trading off")
    assert off["Text"] == "No new automatic orders; open positions stay as they are."
    assert toolbar_button(window, "Auto-trading OFF").isEnabled()


def test_the_kill_switch_stops_every_model_and_closes_their_positions_when_asked(desktop: Desktop) -> None:
    train_model(desktop)
    (model,) = ModelRegistry(desktop.journal.database).all()
    held = desktop.open_in_terminal("EURUSD", "buy", 0.02, magic=model.magic)  # the model's position
    keep = desktop.open_in_terminal("EURUSD", "sell", 0.10)  # the trader's own: not the models'
    dock = desktop.window.model_dock
    desktop.qtbot.waitUntil(lambda: row_as_dict(dock.table, 0)["Open"] == "1", timeout=10_000)
    click(toolbar_button(desktop.window, "Auto-trading OFF"))

    click(toolbar_button(desktop.window, "Kill switch"))
    dialog = wait_for_window(desktop.qtbot, "Kill switch")
    click(button(dialog, "Also close the models' open positions (1 open)"))
    assert isinstance(button(dialog, "Also close"), QCheckBox) and button(dialog, "Also close").isChecked()
    click_button(dialog, "Stop all models")

    desktop.qtbot.waitUntil(lambda: held not in desktop.terminal_positions(), timeout=10_000)
    assert keep in desktop.terminal_positions()
    said = desktop.wait_for_log("Kill switch")
    assert said["Level"] == "Warning" and said["Text"].startswith(
        "Auto-trading is off and every model is disabled."
    )
    assert toolbar_button(desktop.window, "Auto-trading OFF").isEnabled()
    assert ModelRegistry(desktop.journal.database).all()[0].enabled is False


def test_a_models_settings_are_changed_from_the_dock(desktop: Desktop) -> None:
    name = train_model(desktop)
    dock = desktop.window.model_dock
    double_click(dock.table.viewport(), row_point(dock.table, 0, column=0))
    dialog = wait_for_window(desktop.qtbot, f"Settings of {name}")
    type_into(field(dialog, "Lot size", QDoubleSpinBox), "0.05")

    click_button(dialog, "Save")

    desktop.qtbot.waitUntil(lambda: row_as_dict(dock.table, 0)["Lot"] == "0.05", timeout=10_000)
    (model,) = ModelRegistry(desktop.journal.database).all()
    assert model.settings.lot_size == 0.05


def test_ticking_a_models_on_box_enables_it(desktop: Desktop) -> None:
    train_model(desktop)
    dock = desktop.window.model_dock
    click(dock.table.viewport(), row_point(dock.table, 0, column=MODEL_COLUMN_INDEX["enabled"]))

    desktop.qtbot.waitUntil(lambda: ModelRegistry(desktop.journal.database).all()[0].enabled, timeout=10_000)
    desktop.qtbot.waitUntil(lambda: row_as_dict(dock.table, 0)["Status"] != "disabled", timeout=10_000)


def test_remove_takes_a_model_off_the_desk_after_asking(desktop: Desktop) -> None:
    name = train_model(desktop)
    dock = desktop.window.model_dock
    click(dock.table.viewport(), row_point(dock.table, 0, column=0))

    click_button(dock, "Remove")
    question = wait_for_window(desktop.qtbot, "Remove model")
    assert name in question.findChild(QLabel, "qt_msgbox_label").text()
    click_button(question, "Yes")

    desktop.qtbot.waitUntil(lambda: dock.model.rowCount() == 0, timeout=10_000)
    assert ModelRegistry(desktop.journal.database).all() == []
