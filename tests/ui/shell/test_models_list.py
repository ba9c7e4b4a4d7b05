"""The Models dock's list is the desk's shared list: its header's menu hides and shows columns and exports
CSV, the layout survives a restart, and a click on a header sorts, as in Positions, History and Deals."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Side
from app.core.events import ModelsUpdate
from app.core.settings import Settings
from app.core.state import DeskState
from app.engine.hub import EventHub
from app.ui.models.models_table import MODEL_COLUMN_INDEX
from app.ui.shell.main_window import MainWindow
from tests.scenarios.driver import (
    answer_modal,
    answer_popup,
    choose,
    click,
    pick_from_menu,
    right_click,
    save_as,
)
from tests.ui.model_fixtures import summary

SIGNAL_TIME = MODEL_COLUMN_INDEX["signal_at"]


def open_window(qtbot: QtBot, hub: EventHub, layout: Path) -> MainWindow:
    window = MainWindow(hub, DeskState(), Settings(), window_state_file=layout)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture(autouse=True)
def menus_open_on_release(qapp: QApplication) -> Iterator[None]:
    """Context menus open on the right button's release, as on Windows (and in the scenarios): the click is
    complete before the menu's own event loop starts."""
    hints = QGuiApplication.styleHints()
    assert hints is not None
    trigger = hints.contextMenuTrigger()
    hints.setContextMenuTrigger(Qt.ContextMenuTrigger.Release)
    yield
    hints.setContextMenuTrigger(trigger)


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


@pytest.fixture
def window(qtbot: QtBot, hub: EventHub, tmp_path: Path) -> MainWindow:
    return open_window(qtbot, hub, tmp_path / "window.ini")


def publish_models(hub: EventHub, beta_lots: float = 0.20) -> None:
    """Two models in the engine's order: Beta first, then Alpha."""
    hub.publish(
        ModelsUpdate(
            models=(
                summary("b2b2b2b2b2b2", "Beta", symbol="GBPUSD", timeframe="M5", lot_size=beta_lots),
                summary("a1a1a1a1a1a1", "Alpha", enabled=True, lot_size=0.05, last_signal=Side.BUY),
            )
        )
    )


def header_point(window: MainWindow, column: int) -> QPoint:
    header = window.model_dock.table.header()
    return QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2)


def names(window: MainWindow) -> list[str]:
    return [model.name for model in window.model_dock.model.models()]


def hide_signal_time(qtbot: QtBot, window: MainWindow) -> None:
    menu = answer_popup(pick_from_menu("Signal time"))
    right_click(window.model_dock.table.header(), header_point(window, MODEL_COLUMN_INDEX["name"]))
    menu.wait(qtbot)


def test_the_models_header_menu_hides_a_column(qtbot: QtBot, hub: EventHub, window: MainWindow) -> None:
    publish_models(hub)
    header = window.model_dock.table.header()
    assert not header.isSectionHidden(SIGNAL_TIME)

    hide_signal_time(qtbot, window)

    assert header.isSectionHidden(SIGNAL_TIME)


def test_a_models_column_hidden_from_the_menu_stays_hidden_after_a_restart(
    qtbot: QtBot, hub: EventHub, tmp_path: Path
) -> None:
    first = open_window(qtbot, hub, tmp_path / "window.ini")
    publish_models(hub)
    hide_signal_time(qtbot, first)
    with qtbot.waitSignal(first.quit_requested, timeout=5000):
        choose(qtbot, first, "Desk", "Quit")

    second = open_window(qtbot, EventHub(), tmp_path / "window.ini")

    assert second.model_dock.table.header().isSectionHidden(SIGNAL_TIME)
    assert not second.model_dock.table.header().isSectionHidden(MODEL_COLUMN_INDEX["lot"])


def test_clicking_the_model_header_sorts_the_models_and_updates_keep_the_sort(
    qtbot: QtBot, hub: EventHub, window: MainWindow
) -> None:
    publish_models(hub)
    assert names(window) == ["Beta", "Alpha"]  # the engine's order until the trader sorts

    click(window.model_dock.table.header(), header_point(window, MODEL_COLUMN_INDEX["name"]))
    assert names(window) == ["Alpha", "Beta"]
    click(window.model_dock.table.header(), header_point(window, MODEL_COLUMN_INDEX["name"]))
    assert names(window) == ["Beta", "Alpha"]
    click(window.model_dock.table.header(), header_point(window, MODEL_COLUMN_INDEX["lot"]))
    assert names(window) == ["Alpha", "Beta"]  # 0.05 lots before 0.20

    publish_models(hub, beta_lots=0.01)  # the engine's next word: Beta now trades the smaller lot

    assert names(window) == ["Beta", "Alpha"]
    lot = window.model_dock.model.index(0, MODEL_COLUMN_INDEX["lot"])
    assert lot.data() == "0.01"


def test_a_selected_model_stays_selected_when_the_list_is_sorted(
    qtbot: QtBot, hub: EventHub, window: MainWindow
) -> None:
    publish_models(hub)
    table = window.model_dock.table
    alpha = table.visualRect(window.model_dock.model.index(1, MODEL_COLUMN_INDEX["name"])).center()
    click(table.viewport(), alpha)
    assert window.model_dock.selected_model_id() == "a1a1a1a1a1a1"

    click(table.header(), header_point(window, MODEL_COLUMN_INDEX["lot"]))
    publish_models(hub, beta_lots=0.01)

    assert window.model_dock.selected_model_id() == "a1a1a1a1a1a1"
    assert window.model_dock.settings_button.isEnabled()


def test_export_csv_from_the_models_header_menu_saves_the_models_as_shown(
    qtbot: QtBot, hub: EventHub, window: MainWindow, tmp_path: Path
) -> None:
    publish_models(hub)
    target = tmp_path / "exports" / "models.csv"
    target.parent.mkdir()

    menu = answer_popup(pick_from_menu("Export CSV…"))
    saving = answer_modal(save_as(target))
    right_click(window.model_dock.table.header(), header_point(window, MODEL_COLUMN_INDEX["lot"]))
    menu.wait(qtbot)
    saving.wait(qtbot)

    assert saving.title == "Export models"
    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["Model"], r["Symbol / TF"], r["On"], r["Lot"], r["Signal"]) for r in rows] == [
        ("Beta", "GBPUSD M5", "off", "0.20", ""),
        ("Alpha", "EURUSD M1", "on", "0.05", "BUY"),
    ]
    status = window.statusBar()
    assert status is not None and status.currentMessage() == f"Exported 2 rows to {target}"
