"""A real desk on the simulator (its terminal host process, engine threads, hub, journal) with an
AlertService sending through Apprise to the loopback inbox: what a desk with one alert channel does."""

from __future__ import annotations

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
from app.core.target import TerminalTarget
from app.engine.commands import AutoTradingCommand, ModelCommand, RegisterModelCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.sim_controls import SimulatorClock, SimulatorControls
from app.terminal.simulator import ClockSpec
from tests.alerts.inbox import Inbox
from tests.engine.fixtures_models import constant_model
from tests.one_account import MAIN
from tests.ui.settings.test_settings_dialog import MemoryKeyring

START = datetime(2026, 11, 18, 10, 0, 30, tzinfo=UTC)  # a Wednesday, half a minute into a bar
FAST = Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0)
PHONE = AlertChannel("phone1", "Phone")


@dataclass
class AlertDesk:
    """The pieces a spec drives: the desk, its simulator and that simulator's clock, the service."""

    folder: Path
    desk: Desk
    sim: SimulatorControls
    service: AlertService
    events: list[Event]

    @property
    def clock(self) -> SimulatorClock:
        return self.sim.clock

    def connected(self) -> bool:
        return any(
            isinstance(e, StatusUpdate) and e.status.state is ConnectionState.CONNECTED for e in self.events
        )

    def enable_model(self, qtbot: QtBot, p_up: float = 0.8, name: str = "Trend M1") -> None:
        manifest, path = constant_model(self.folder / "models", p_up, name=name)
        settings = ModelSettings("EURUSD", Timeframe.M1, confidence_threshold=0.6)
        self.desk.submit(RegisterModelCommand(path, manifest, settings, account_id=MAIN))
        self.desk.submit(ModelCommand(manifest.model_id, enabled=True))
        self.desk.submit(AutoTradingCommand(True))
        qtbot.waitUntil(
            lambda: any(getattr(e, "title", "") == "Auto-trading on" for e in self.events), timeout=5000
        )

    def account(self) -> str:
        login = self.sim.account().login
        return f"Account ••••{str(login)[-4:]} (simulated demo terminal)"


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
        desk = Desk(
            DeskConfig(
                target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
                database_file=tmp_path / "journal.sqlite3",
                intervals=FAST,
                sim_clock=ClockSpec.manual(START),
                models_dir=tmp_path / "models",
                risk=limits or RiskSettings(),
                reconnect_backoff_s=(0.05, 0.2),
            )
        )
        events: list[Event] = []
        desk.hub.stream.connect(events.append)
        secrets = ChannelSecrets()
        secrets.put(PHONE.id, inbox.json_url())
        chosen = replace(settings or AlertSettings(), channels=(PHONE,))
        service = AlertService(
            desk.hub,
            chosen,
            secrets,
            marker_file=tmp_path / "running.json",
            options=AlertOptions(min_interval_s=0.05),
        )
        service.start()
        desk.start()
        sim = desk.simulator
        assert sim is not None
        alert_desk = AlertDesk(tmp_path, desk, sim, service, events)
        built.append(alert_desk)
        qtbot.waitUntil(alert_desk.connected, timeout=15_000)
        return alert_desk

    yield make
    for alert_desk in built:
        assert alert_desk.desk.stop(10), "the desk did not stop"
        alert_desk.service.stop()
