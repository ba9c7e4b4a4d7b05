"""Desk: the engine assembled once per process — journal, hub, worker, watchdog and the folded state.

The GUI, headless mode, the self-test and the remote server are all clients of one Desk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtSlot

from app.core.enums import Backend
from app.core.events import Event
from app.core.settings import RiskSettings, Settings
from app.core.state import DeskState
from app.core.target import TerminalTarget, target_from_settings
from app.engine.commands import TradeCommand, WorkerCommand
from app.engine.hub import EventHub
from app.engine.inflight import InFlightOrders
from app.engine.watchdog import Watchdog
from app.engine.worker import Intervals, TerminalWorker
from app.storage.database import open_database
from app.storage.journal import Journal
from app.storage.paths import AppPaths
from app.terminal.adapter import Terminal
from app.terminal.backend import BackendSelection, open_terminal, reconnect_terminal

if TYPE_CHECKING:
    from app.terminal.simulator.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """Everything needed to build a desk; the password is fetched only when connecting."""

    target: TerminalTarget
    database_file: Path
    intervals: Intervals = field(default_factory=Intervals)
    password: Callable[[], str | None] = lambda: None
    sim_clock: Clock | None = None  # the simulator's clock (tests, demos, self-test); None: wall time
    models_dir: Path | None = None  # None: "models" beside the database file
    risk: RiskSettings = field(default_factory=RiskSettings)


def config_from_settings(
    settings: Settings,
    paths: AppPaths,
    *,
    backend: Backend,
    bridge: tuple[str, int] | None,
    password: Callable[[], str | None],
) -> DeskConfig:
    """The engine's configuration from the settings file and this run's choices."""
    intervals = settings.intervals
    return DeskConfig(
        target=target_from_settings(
            settings.terminal, backend=backend, bridge=bridge, sim_state_file=str(paths.sim_state_file)
        ),
        database_file=paths.database_file,
        intervals=Intervals(
            pnl_s=intervals.pnl_s,
            positions_s=intervals.positions_s,
            account_s=intervals.account_s,
            heartbeat_s=intervals.heartbeat_s,
        ),
        password=password,
        models_dir=paths.models_dir,
        risk=settings.risk,
    )


class Desk(QObject):
    """Owns the engine objects and keeps `state` folded from the hub in the owner's thread."""

    def __init__(self, config: DeskConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.journal = Journal(open_database(config.database_file))
        self.hub = EventHub(self)
        self.state = DeskState()
        self.hub.event.connect(self._fold)
        self.worker = TerminalWorker(
            opener=self._open,
            reconnect=self._reconnect,
            hub=self.hub,
            journal=self.journal,
            intervals=config.intervals,
            models_dir=config.models_dir,
            risk=config.risk,
        )
        self.watchdog = Watchdog(self.worker, self.hub, config.intervals.stale_after_s, self)
        self.inflight = InFlightOrders(self.hub.publish, self)
        self.worker.trade_finished.connect(self.inflight.finished)

    def start(self) -> None:
        """Start the worker; it selects the backend and connects in its own thread."""
        self.worker.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the worker and close the terminal link; False if the worker did not stop in time."""
        stopped = self.worker.stop(timeout_s)
        if not stopped:
            log.error("terminal worker did not stop within %.0f s", timeout_s)
        return stopped

    @property
    def simulator(self) -> Any:
        """The simulated terminal's test controls (open/close/modify_external, disconnect/restore,
        set_latency, force_retcode...), or None when the desk does not run on the simulator.

        Tests, demos and screenshots drive the simulator through this one accessor only, so they keep
        working wherever the simulator runs (today in the worker thread's Terminal).
        """
        terminal = self.worker._terminal
        if terminal is None or not terminal.simulated:
            return None
        return terminal.api

    def submit(self, command: WorkerCommand) -> bool:
        """Queue a command for the worker (orders, refresh, link, queries, models and auto-trading).

        False when refused: a close or modify of a position that already has one in flight is never sent
        (a NOTICE says why).
        """
        if isinstance(command, TradeCommand) and not self.inflight.claim(command):
            return False
        self.worker.submit(command)
        return True

    @pyqtSlot(object)
    def _fold(self, event: Event) -> None:
        self.state.apply(event)

    def _open(self) -> BackendSelection:
        c = self.config
        return open_terminal(c.target, password=self._password(), sim_clock=c.sim_clock)

    def _reconnect(self, terminal: Terminal) -> None:
        reconnect_terminal(terminal, self.config.target, self._password())

    def _password(self) -> str | None:
        return self.config.password() if self.config.target.login is not None else None
