"""The AutoTrader in a real desk: commands through `Desk.submit`, bars read from the terminal host, the
order through the desk engine, its announcement on the hub, and the models in the desk's folded state."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import NoticeLevel, Timeframe
from app.core.events import AutoTradeExecuted, Event, ModelsUpdate, Notice, PositionsUpdate
from app.core.models import ModelSettings
from app.engine.commands import (
    AutoTradingCommand,
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    auto_trade_id,
    trade_id_in,
)
from app.engine.desk import Desk
from app.ml.manifest import ModelManifest
from tests.engine.fixtures_models import constant_model
from tests.one_account import MAIN

from .conftest import EventRecorder, connected, simulator_of

START = datetime(2026, 11, 18, 10, 0, 30, tzinfo=UTC)


def wait_for(
    qtbot: QtBot, recorder: EventRecorder, match: Callable[[Event], bool], timeout_s: float = 5.0
) -> Event:
    found: list[Event] = []

    def seen() -> bool:
        found[:] = [e for e in recorder.events if match(e)]
        return bool(found)

    qtbot.waitUntil(seen, timeout=int(timeout_s * 1000))
    return found[0]


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk(start=START)


@pytest.fixture
def recorder(desk: Desk) -> EventRecorder:
    return EventRecorder(desk.hub)


@pytest.fixture
def running(qtbot: QtBot, desk: Desk, recorder: EventRecorder) -> Desk:
    desk.start()
    wait_for(qtbot, recorder, connected, timeout_s=15)
    return desk


def enabled_model(
    qtbot: QtBot, desk: Desk, recorder: EventRecorder, tmp_path: Path, p_up: float = 0.8
) -> ModelManifest:
    manifest, path = constant_model(tmp_path / "models", p_up, name="Desk model")
    desk.submit(
        RegisterModelCommand(
            path, manifest, ModelSettings("EURUSD", Timeframe.M1, confidence_threshold=0.6), account_id=MAIN
        )
    )
    desk.submit(ModelCommand(manifest.model_id, enabled=True))
    desk.submit(AutoTradingCommand(True))
    wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and e.title == "Auto-trading on")
    return manifest


def test_the_models_are_announced_on_connect(qtbot: QtBot, running: Desk, recorder: EventRecorder) -> None:
    assert isinstance(wait_for(qtbot, recorder, lambda e: isinstance(e, ModelsUpdate)), ModelsUpdate)


def test_a_model_switched_on_trades_the_next_bar_and_the_fill_reaches_the_hub(
    qtbot: QtBot, running: Desk, recorder: EventRecorder, tmp_path: Path
) -> None:
    manifest = enabled_model(qtbot, running, recorder, tmp_path)
    started = time.monotonic()
    simulator_of(running).clock.set(datetime(2026, 11, 18, 10, 1, 0, tzinfo=UTC))

    executed = wait_for(qtbot, recorder, lambda e: isinstance(e, AutoTradeExecuted))
    assert time.monotonic() - started < 2.0  # noticed within a P&L interval or two, not a slower loop
    assert isinstance(executed, AutoTradeExecuted)
    trade_id = auto_trade_id(manifest.model_id, datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    assert (executed.model_id, executed.trade_id, executed.confidence) == (manifest.model_id, trade_id, 0.8)
    added = wait_for(qtbot, recorder, lambda e: isinstance(e, PositionsUpdate) and bool(e.added))
    assert isinstance(added, PositionsUpdate) and trade_id_in(added.positions[0].comment) == trade_id

    qtbot.waitUntil(lambda: bool(running.state.models) and running.state.models[0].open_positions == 1)
    [summary] = running.state.models
    assert summary.enabled and summary.open_positions == 1 and summary.last_confidence == 0.8


def test_the_kill_switch_through_the_desk_closes_the_models_position(
    qtbot: QtBot, running: Desk, recorder: EventRecorder, tmp_path: Path
) -> None:
    enabled_model(qtbot, running, recorder, tmp_path)
    sim = simulator_of(running)
    sim.clock.set(datetime(2026, 11, 18, 10, 1, 0, tzinfo=UTC))
    wait_for(qtbot, recorder, lambda e: isinstance(e, AutoTradeExecuted))

    running.submit(KillSwitchCommand(close_positions=True))

    notice = wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and e.title == "Kill switch")
    assert isinstance(notice, Notice) and notice.level is NoticeLevel.WARNING
    assert "1 model position(s) closed" in notice.text
    assert sim.positions() == {}
