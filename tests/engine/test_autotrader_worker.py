"""The AutoTrader inside the TerminalWorker: commands through `submit`, bars noticed by the P&L loop, the
order and its announcement on the hub, and the models in the desk's folded state."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState, NoticeLevel, Timeframe
from app.core.events import AutoTradeExecuted, Event, ModelsUpdate, Notice, PositionsUpdate, StatusUpdate
from app.core.models import ModelSettings
from app.core.state import DeskState
from app.engine.backoff import Backoff
from app.engine.commands import (
    AutoTradingCommand,
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    auto_trade_id,
    trade_id_in,
)
from app.engine.hub import EventHub
from app.engine.worker import TerminalWorker
from app.ml.manifest import ModelManifest
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.backend import BackendSelection
from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.engine.fixtures_models import constant_model

from .conftest import FAST, EventRecorder

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
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def worker(
    qtbot: QtBot, sim: SimulatedTerminal, hub: EventHub, journal: Journal, clock: ManualClock, tmp_path: Path
) -> Iterator[TerminalWorker]:
    def opener() -> BackendSelection:
        terminal = Terminal(sim, Backend.SIM)
        terminal.connect()
        return BackendSelection(terminal=terminal, kind=Backend.SIM, simulated=True, reason="")

    built = TerminalWorker(
        opener=opener,
        reconnect=lambda terminal: terminal.connect(),
        hub=hub,
        journal=journal,
        intervals=FAST,
        now=lambda: datetime.fromtimestamp(clock.now(), UTC),
        backoff=Backoff(initial=0.05, maximum=0.2, rng=random.Random(7)),
        models_dir=tmp_path / "models",
    )
    built.start()
    yield built
    assert built.stop(10), "worker did not stop"


@pytest.fixture
def running(qtbot: QtBot, worker: TerminalWorker, recorder: EventRecorder) -> Iterator[TerminalWorker]:
    wait_for(
        qtbot, recorder, lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.CONNECTED
    )
    yield worker


def enabled_model(
    qtbot: QtBot, worker: TerminalWorker, recorder: EventRecorder, tmp_path: Path, p_up: float = 0.8
) -> ModelManifest:
    manifest, path = constant_model(tmp_path / "models", p_up, name="Worker model")
    worker.submit(
        RegisterModelCommand(path, manifest, ModelSettings("EURUSD", Timeframe.M1, confidence_threshold=0.6))
    )
    worker.submit(ModelCommand(manifest.model_id, enabled=True))
    worker.submit(AutoTradingCommand(True))
    wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and e.title == "Auto-trading on")
    return manifest


def test_the_models_are_announced_on_connect(
    qtbot: QtBot, running: TerminalWorker, recorder: EventRecorder
) -> None:
    assert isinstance(wait_for(qtbot, recorder, lambda e: isinstance(e, ModelsUpdate)), ModelsUpdate)


def test_a_model_switched_on_trades_the_next_bar_and_the_fill_reaches_the_hub(
    qtbot: QtBot, running: TerminalWorker, recorder: EventRecorder, clock: ManualClock, tmp_path: Path
) -> None:
    manifest = enabled_model(qtbot, running, recorder, tmp_path)
    started = time.monotonic()
    clock.set(datetime(2026, 11, 18, 10, 1, 0, tzinfo=UTC))

    executed = wait_for(qtbot, recorder, lambda e: isinstance(e, AutoTradeExecuted))
    assert time.monotonic() - started < 2.0  # noticed by the P&L loop, not a slower one
    assert isinstance(executed, AutoTradeExecuted)
    trade_id = auto_trade_id(manifest.model_id, datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    assert (executed.model_id, executed.trade_id, executed.confidence) == (manifest.model_id, trade_id, 0.8)
    added = wait_for(qtbot, recorder, lambda e: isinstance(e, PositionsUpdate) and bool(e.added))
    assert isinstance(added, PositionsUpdate) and trade_id_in(added.positions[0].comment) == trade_id

    state = DeskState()
    for event in recorder.events:
        state.apply(event)
    [summary] = state.models
    assert summary.enabled and summary.open_positions == 1 and summary.last_confidence == 0.8


def test_the_kill_switch_through_the_worker_closes_the_models_position(
    qtbot: QtBot,
    running: TerminalWorker,
    recorder: EventRecorder,
    clock: ManualClock,
    sim: SimulatedTerminal,
    tmp_path: Path,
) -> None:
    enabled_model(qtbot, running, recorder, tmp_path)
    clock.set(datetime(2026, 11, 18, 10, 1, 0, tzinfo=UTC))
    wait_for(qtbot, recorder, lambda e: isinstance(e, AutoTradeExecuted))

    running.submit(KillSwitchCommand(close_positions=True))

    notice = wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and e.title == "Kill switch")
    assert isinstance(notice, Notice) and notice.level is NoticeLevel.WARNING
    assert "1 model position(s) closed" in notice.text
    assert sim.positions_get() == ()
