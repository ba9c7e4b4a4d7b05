"""An AutoTrader wired as the worker wires it, on a real simulator with a manual clock and a real journal.

Specs drive it as the worker does: attach on connect, on_tick after each positions poll, commands in
between. Import the fixtures `make_desk_fixture`, `desk_fixture` and `auto_clock_fixture` (they
come as `make_desk`, `desk` and `auto_clock`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend, Timeframe
from app.core.events import AutoTradeExecuted, Event, ModelsUpdate, Notice
from app.core.models import ModelSettings, ModelSummary
from app.core.settings import RiskSettings
from app.engine.autotrader import AutoTrader
from app.engine.commands import (
    AutoTradingCommand,
    ModelCommand,
    RegisterModelCommand,
    trade_id_in,
)
from app.engine.trading import LocalOrders, TradingService
from app.ml.manifest import ModelManifest
from app.storage.database import Database, open_database
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock, SimulatedTerminal
from app.terminal.simulator.records import AccountInfo, make
from tests.engine.fixtures_models import constant_model
from tests.one_account import MAIN

DAY = datetime(2026, 11, 18, tzinfo=UTC)  # a Wednesday
FAR_FUTURE = datetime(2030, 1, 1, tzinfo=UTC)
DEFAULT_LIMITS = RiskSettings()


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second)


class RealAccountTerminal(SimulatedTerminal):
    """The simulator reporting a real-money account (trade mode 2)."""

    def account_info(self) -> Any:
        info = super().account_info()
        return make(AccountInfo, **{**info._asdict(), "trade_mode": 2}) if info is not None else None


@dataclass
class Desk:
    """An AutoTrader wired as the worker wires it, with the facts a spec needs close at hand."""

    folder: Path
    clock: ManualClock
    sim: SimulatedTerminal
    terminal: Terminal
    database: Database
    journal: Journal
    trader: AutoTrader
    events: list[Event] = field(default_factory=list)

    @property
    def models_dir(self) -> Path:
        return self.folder / "models"

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def tick(self) -> bool:
        return self.trader.on_tick(self.terminal.positions())

    def go(self, moment: datetime) -> bool:
        """Move the clock to `moment` and let the P&L loop run once."""
        self.clock.set(moment)
        return self.tick()

    def add(
        self, p_up: float, *, name: str = "Constant", enable: bool = True, **settings: Any
    ) -> ModelManifest:
        manifest, path = constant_model(self.models_dir, p_up, name=name)
        values: dict[str, Any] = {"confidence_threshold": 0.6, **settings}
        self.trader.handle(
            RegisterModelCommand(
                path, manifest, ModelSettings("EURUSD", Timeframe.M1, **values), account_id=MAIN
            )
        )
        if enable:
            self.trader.handle(ModelCommand(manifest.model_id, enabled=True))
        return manifest

    def master(self, on: bool = True) -> None:
        self.trader.handle(AutoTradingCommand(on))

    def magic(self, manifest: ModelManifest) -> int:
        record = self.trader.registry.get(manifest.model_id)
        assert record is not None
        return record.magic

    def positions_of(self, manifest: ModelManifest) -> list[Any]:
        return [p for p in self.sim.positions_get() if p.magic == self.magic(manifest)]

    def summary(self, manifest: ModelManifest) -> ModelSummary:
        latest = [e for e in self.events if isinstance(e, ModelsUpdate)][-1]
        [found] = [s for s in latest.models if s.model_id == manifest.model_id]
        return found

    def notices(self, title: str) -> list[Notice]:
        return [e for e in self.events if isinstance(e, Notice) and e.title == title]

    def executed(self) -> list[AutoTradeExecuted]:
        return [e for e in self.events if isinstance(e, AutoTradeExecuted)]

    def deals_with(self, trade_id: str) -> list[Any]:
        deals = self.sim.history_deals_get(datetime(2020, 1, 1, tzinfo=UTC), FAR_FUTURE)
        return [d for d in deals if trade_id_in(d.comment) == trade_id]

    def sync_deals(self) -> None:
        self.journal.record_deals(self.terminal.deals(datetime(2020, 1, 1, tzinfo=UTC), FAR_FUTURE))


def build_desk(
    folder: Path, clock: ManualClock, limits: RiskSettings, sim_type: type[SimulatedTerminal]
) -> Desk:
    """What a start of the app builds: a terminal link, the journal, a TradingService and an AutoTrader."""
    sim = sim_type(clock=clock, state_path=folder / "sim.json")
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    database = open_database(folder / "journal.sqlite3")
    journal = Journal(database)
    events: list[Event] = []

    def now() -> datetime:
        return datetime.fromtimestamp(clock.now(), UTC)

    trader = AutoTrader(journal, events.append, now, models_dir=folder / "models", limits=limits)
    trading = TradingService(journal, events.append, now, orders=LocalOrders(terminal))
    trader.attach(terminal, trading, terminal.positions())
    return Desk(folder, clock, sim, terminal, database, journal, trader, events)


MakeDesk = Callable[..., Desk]
"""The make_desk fixture: make_desk(limits=DEFAULT_LIMITS, sim_type=SimulatedTerminal) builds a desk."""


@pytest.fixture(name="auto_clock")
def auto_clock_fixture() -> ManualClock:
    # Half a minute into the 10:00 bar: the 09:59 bar closed too long ago to be traded.
    return ManualClock(at(10, 0, 30))


@pytest.fixture(name="make_desk")
def make_desk_fixture(tmp_path: Path, auto_clock: ManualClock) -> Iterator[MakeDesk]:
    built: list[Desk] = []

    def make(
        limits: RiskSettings = DEFAULT_LIMITS, sim_type: type[SimulatedTerminal] = SimulatedTerminal
    ) -> Desk:
        desk = build_desk(tmp_path, auto_clock, limits, sim_type)
        built.append(desk)
        return desk

    yield make
    for desk in built:
        desk.database.close()


@pytest.fixture(name="desk")
def desk_fixture(make_desk: MakeDesk) -> Desk:
    return make_desk()


def open_for(desk: Desk, magic: int, side: str = "buy", volume: float = 0.01) -> int:
    """A position opened at the terminal by hand, carrying `magic` (0: a manual trade)."""
    return desk.sim.open_external("EURUSD", side, volume, magic=magic)
