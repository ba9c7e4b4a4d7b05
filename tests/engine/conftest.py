"""A real engine on the simulator: worker thread, hub, journal on tmp_path, a frozen market clock."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from PyQt6.QtCore import QObject, pyqtSlot
from PyQt6.QtWidgets import QApplication

from app.core.enums import Backend
from app.core.events import Event
from app.engine.backoff import Backoff
from app.engine.hub import EventHub
from app.engine.worker import Intervals, TerminalWorker
from app.storage.database import open_database
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.backend import BackendSelection
from app.terminal.simulator import ManualClock, SimulatedTerminal

_Event = TypeVar("_Event", bound=Event)
MakeWorker = Callable[..., TerminalWorker]
"""The make_worker fixture: make_worker(intervals=FAST) starts a worker on the test's simulator."""

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
# Short loop periods so tests run fast; the positions loop is 10x the P&L loop (3x in production) so a
# change caught within one positions interval proves the fast loop caught it, even on a loaded machine.
FAST = Intervals(pnl_s=0.1, positions_s=1.0, account_s=0.3, heartbeat_s=1.0)


class EventRecorder(QObject):
    """Collects hub events in the test's (GUI) thread, in publication order."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.events: list[Event] = []
        hub.event.connect(self.record)

    @pyqtSlot(object)
    def record(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[_Event]) -> list[_Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def clear(self) -> None:
        self.events.clear()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEDNESDAY)


@pytest.fixture
def sim(clock: ManualClock, tmp_path: Path) -> SimulatedTerminal:
    return SimulatedTerminal(clock=clock, state_path=tmp_path / "sim.json")


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    database = open_database(tmp_path / "journal.sqlite3")
    yield Journal(database)
    database.close()


@pytest.fixture
def hub(qapp: QApplication) -> EventHub:
    return EventHub()


@pytest.fixture
def recorder(hub: EventHub) -> EventRecorder:
    return EventRecorder(hub)


@pytest.fixture
def make_worker(sim: SimulatedTerminal, hub: EventHub, journal: Journal) -> Iterator[MakeWorker]:
    """Builds and starts a worker on `sim`; every worker is stopped after the test."""
    workers: list[TerminalWorker] = []

    def make(intervals: Intervals = FAST) -> TerminalWorker:
        def opener() -> BackendSelection:
            terminal = Terminal(sim, Backend.SIM)
            terminal.connect()
            return BackendSelection(terminal=terminal, kind=Backend.SIM, simulated=True, reason="")

        worker = TerminalWorker(
            opener=opener,
            reconnect=lambda terminal: terminal.connect(),
            hub=hub,
            journal=journal,
            intervals=intervals,
            backoff=Backoff(initial=0.05, maximum=0.2, rng=random.Random(7)),
        )
        workers.append(worker)
        worker.start()
        return worker

    yield make
    for worker in workers:
        assert worker.stop(10), "worker did not stop"
