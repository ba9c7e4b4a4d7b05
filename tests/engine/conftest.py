"""A real desk on the simulator: its terminal host process, engine threads, a journal on tmp_path, and a
frozen market clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PyQt6.QtCore import QObject, pyqtSlot
from PyQt6.QtWidgets import QApplication

from app.core.enums import Backend, ConnectionState
from app.core.events import Event, StatusUpdate
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.hub import EventHub
from app.engine.intervals import Intervals
from app.engine.sim_controls import SimulatorControls
from app.storage.database import open_database
from app.storage.journal import Journal
from app.terminal.simulator import ClockSpec, ManualClock, SimulatedTerminal

_Event = TypeVar("_Event", bound=Event)

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
# Short loop periods so tests run fast; the positions loop is 10x the P&L loop (3x in production) so a
# change caught within one positions interval proves the fast loop caught it, even on a loaded machine.
FAST = Intervals(pnl_s=0.1, positions_s=1.0, account_s=0.3, heartbeat_s=1.0)
QUICK_RECONNECT = (0.05, 0.2)


class EventRecorder(QObject):
    """Collects hub events in the test's (GUI) thread, in publication order."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.events: list[Event] = []
        hub.stream.connect(self.record)

    @pyqtSlot(object)
    def record(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[_Event]) -> list[_Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def clear(self) -> None:
        self.events.clear()


def connected(event: Event) -> bool:
    return isinstance(event, StatusUpdate) and event.status.state is ConnectionState.CONNECTED


def simulator_of(desk: Desk) -> SimulatorControls:
    controls = desk.simulator
    assert controls is not None, "the desk does not run on the simulator"
    return controls


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    database = open_database(tmp_path / "journal.sqlite3")
    yield Journal(database)
    database.close()


@pytest.fixture
def hub(qapp: QApplication) -> EventHub:
    return EventHub()


@pytest.fixture
def seed_terminal(tmp_path: Path) -> Callable[[], SimulatedTerminal]:
    """The simulated account the desk will open, reachable in this process before the desk starts (only)."""

    def make() -> SimulatedTerminal:
        return SimulatedTerminal(clock=ManualClock(WEDNESDAY), state_path=tmp_path / "sim.json")

    return make


@pytest.fixture
def make_desk(qapp: QApplication, tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    """Builds (does not start) desks on tmp_path's journal and simulated account; all stopped afterwards."""
    desks: list[Desk] = []

    def make(
        intervals: Intervals = FAST, *, start: datetime = WEDNESDAY, timeout_ms: int = 10_000, **options: Any
    ) -> Desk:
        chosen: dict[str, Any] = {
            "sim_clock": ClockSpec.manual(start),
            "reconnect_backoff_s": QUICK_RECONNECT,
            "models_dir": tmp_path / "models",
            **options,
        }
        config = DeskConfig(
            target=TerminalTarget(
                Backend.SIM, timeout_ms=timeout_ms, sim_state_file=str(tmp_path / "sim.json")
            ),
            database_file=tmp_path / "journal.sqlite3",
            intervals=intervals,
            **chosen,
        )
        desk = Desk(config)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        assert desk.stop(15), "the desk did not stop"
