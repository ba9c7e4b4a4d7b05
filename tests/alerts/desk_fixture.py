"""A real engine on the simulator (worker thread, hub, journal) with an AlertService sending through
Apprise to the loopback inbox: what a desk with one alert channel does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest
from pytestqt.qtbot import QtBot

from app.alerts.channel_secrets import ChannelSecrets
from app.alerts.service import AlertOptions, AlertService
from app.core.enums import Backend, ConnectionState, Timeframe
from app.core.events import Event, StatusUpdate
from app.core.models import ModelSettings
from app.core.settings import AlertChannel, AlertSettings, RiskSettings
from app.engine.backoff import Backoff
from app.engine.commands import AutoTradingCommand, ModelCommand, RegisterModelCommand
from app.engine.hub import EventHub
from app.engine.worker import Intervals, TerminalWorker
from app.storage.database import Database, open_database
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.backend import BackendSelection
from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.alerts.inbox import Inbox
from tests.engine.fixtures_models import constant_model
from tests.ui.test_settings_dialog import MemoryKeyring

START = datetime(2026, 11, 18, 10, 0, 30, tzinfo=UTC)  # a Wednesday, half a minute into a bar
FAST = Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0)
PHONE = AlertChannel("phone1", "Phone")


@dataclass
class AlertDesk:
    """The pieces a spec drives: the simulator and its clock, the worker, the hub, the service."""

    folder: Path
    clock: ManualClock
    sim: SimulatedTerminal
    hub: EventHub
    worker: TerminalWorker
    service: AlertService
    database: Database
    events: list[Event]

    def connected(self) -> bool:
        return any(
            isinstance(e, StatusUpdate) and e.status.state is ConnectionState.CONNECTED for e in self.events
        )

    def enable_model(self, qtbot: QtBot, p_up: float = 0.8, name: str = "Trend M1") -> None:
        manifest, path = constant_model(self.folder / "models", p_up, name=name)
        settings = ModelSettings("EURUSD", Timeframe.M1, confidence_threshold=0.6)
        self.worker.submit(RegisterModelCommand(path, manifest, settings))
        self.worker.submit(ModelCommand(manifest.model_id, enabled=True))
        self.worker.submit(AutoTradingCommand(True))
        qtbot.waitUntil(
            lambda: any(getattr(e, "title", "") == "Auto-trading on" for e in self.events), timeout=5000
        )

    def account(self) -> str:
        info = self.sim.account_info()
        return f"Account ••••{str(info.login)[-4:]} (simulated demo terminal)"


class MakeAlertDesk(Protocol):
    """Builds a desk with one alert channel, connected, and stops it after the test."""

    def __call__(
        self, settings: AlertSettings | None = None, limits: RiskSettings | None = None
    ) -> AlertDesk: ...


@pytest.fixture
def make_alert_desk(
    qtbot: QtBot, tmp_path: Path, inbox: Inbox, memory_keyring: MemoryKeyring
) -> Iterator[MakeAlertDesk]:
    built: list[AlertDesk] = []

    def make(settings: AlertSettings | None = None, limits: RiskSettings | None = None) -> AlertDesk:
        clock = ManualClock(START)
        sim = SimulatedTerminal(clock=clock, state_path=tmp_path / "sim.json")
        hub = EventHub()
        events: list[Event] = []
        hub.event.connect(events.append)
        database = open_database(tmp_path / "journal.sqlite3")

        def opener() -> BackendSelection:
            terminal = Terminal(sim, Backend.SIM)
            terminal.connect()
            return BackendSelection(terminal=terminal, kind=Backend.SIM, simulated=True, reason="")

        worker = TerminalWorker(
            opener=opener,
            reconnect=lambda terminal: terminal.connect(),
            hub=hub,
            journal=Journal(database),
            intervals=FAST,
            now=lambda: datetime.fromtimestamp(clock.now(), UTC),
            backoff=Backoff(initial=0.05, maximum=0.2, rng=random.Random(7)),
            models_dir=tmp_path / "models",
            risk=limits or RiskSettings(),
        )
        secrets = ChannelSecrets()
        secrets.put(PHONE.id, inbox.json_url())
        chosen = replace(settings or AlertSettings(), channels=(PHONE,))
        service = AlertService(
            hub,
            chosen,
            secrets,
            marker_file=tmp_path / "running.json",
            options=AlertOptions(min_interval_s=0.05),
        )
        service.start()
        worker.start()
        desk = AlertDesk(tmp_path, clock, sim, hub, worker, service, database, events)
        built.append(desk)
        qtbot.waitUntil(desk.connected, timeout=10_000)
        return desk

    yield make
    for desk in built:
        assert desk.worker.stop(10), "worker did not stop"
        desk.service.stop()
        desk.database.close()
