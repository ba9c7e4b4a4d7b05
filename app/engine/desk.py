"""Desk: the engine assembled once per process — journal, hub, terminal host, engine threads, folded state.

The GUI, headless mode, the self-test and the remote server are all clients of one Desk. The terminal
itself lives in a child process (the terminal host) that only the HostSupervisor talks to; the journal
stays here, written by the DeskEngine thread; the AutoTrader runs in a thread of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSlot

from app.core.enums import Backend
from app.core.events import Event, utc_now
from app.core.settings import RiskSettings, Settings
from app.core.state import DeskState
from app.core.target import TerminalTarget, target_from_settings
from app.engine.auto_runner import AutoTraderRunner
from app.engine.commands import AUTO_COMMANDS, DeskCommand, TradeCommand
from app.engine.desk_engine import MAX_ORDERS_WAITING, DeskEngine
from app.engine.host.process import HostSpec
from app.engine.hub import EventHub
from app.engine.inflight import InFlightOrders
from app.engine.intervals import Intervals
from app.engine.remote_terminal import RemoteTerminal
from app.engine.sim_controls import SimulatorControls
from app.engine.supervisor import HostLimits, HostMode, HostSupervisor
from app.storage.database import open_database
from app.storage.journal import Journal
from app.storage.paths import AppPaths
from app.terminal.simulator.clock import ClockKind, ClockSpec

log = logging.getLogger(__name__)

# Blocking reads of the auto-trader wait at most this long beyond the link's stale threshold.
QUERY_GRACE_S = 10.0


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """Everything needed to build a desk; the password is fetched only when a terminal host starts."""

    target: TerminalTarget
    database_file: Path
    intervals: Intervals = field(default_factory=Intervals)
    password: Callable[[], str | None] = lambda: None
    sim_clock: ClockSpec = field(default_factory=ClockSpec)
    models_dir: Path | None = None  # None: "models" beside the database file
    risk: RiskSettings = field(default_factory=RiskSettings)
    order_deadline_s: float = 5.0
    host_silent_limit_s: float = 30.0
    host_mode: HostMode = HostMode.PROCESS
    reconnect_backoff_s: tuple[float, float] = (1.0, 60.0)  # first and longest wait between attempts
    max_orders_waiting: int = MAX_ORDERS_WAITING  # more orders waiting for the terminal are refused


def config_from_settings(
    settings: Settings,
    paths: AppPaths,
    *,
    backend: Backend,
    bridge: tuple[str, int] | None,
    password: Callable[[], str | None],
) -> DeskConfig:
    """The engine's configuration from the settings file and this run's choices."""
    terminal, intervals = settings.terminal, settings.intervals
    return DeskConfig(
        target=target_from_settings(
            terminal, backend=backend, bridge=bridge, sim_state_file=str(paths.sim_state_file)
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
        order_deadline_s=terminal.order_deadline_s,
        host_silent_limit_s=terminal.host_silent_limit_s,
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
        intervals = config.intervals
        limits = HostLimits(
            stale_call_s=intervals.stale_after_s,
            silent_limit_s=config.host_silent_limit_s,
            connect_timeout_s=config.target.timeout_ms / 1000,
        )
        self.host = HostSupervisor(
            HostSpec(config.target, intervals, config.sim_clock, config.reconnect_backoff_s),
            self.hub,
            password=lambda: config.password() if config.target.login is not None else None,
            positions=lambda: tuple(self.state.positions.values()),
            limits=limits,
            mode=config.host_mode,
            parent=self,
        )
        self.engine = DeskEngine(
            self.journal,
            self.hub,
            self.host,
            deadline_s=config.order_deadline_s,
            max_orders_waiting=config.max_orders_waiting,
        )
        self.autotrader = AutoTraderRunner(
            self.journal,
            self.hub,
            RemoteTerminal(self.host, limits.stale_call_s + QUERY_GRACE_S),
            self.engine,
            self._market_now,
            tick_s=intervals.pnl_s,
            models_dir=config.models_dir,
            risk=config.risk,
        )
        self._simulator = SimulatorControls(self.host)
        self.inflight = InFlightOrders(self.hub.publish, self)
        self.engine.trade_finished.connect(self.inflight.finished)

    def start(self) -> None:
        """Start the engine threads and the terminal host, which connects by itself."""
        self.engine.start()
        self.autotrader.start()
        self.host.start()

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the host and the threads, then checkpoint and close the journal; False if anything hung.

        After a clean stop `journal.sqlite3` alone holds everything (the WAL is folded back into it).
        """
        stopped = self.autotrader.stop(timeout_s / 2)
        stopped = self.host.stop(timeout_s) and stopped
        stopped = self.engine.stop(timeout_s / 2) and stopped
        if not stopped:
            log.error("the terminal host or an engine thread did not stop within %.0f s", timeout_s)
        self.journal.database.close()
        return stopped

    @property
    def simulator(self) -> SimulatorControls | None:
        """The simulated terminal's test controls (open/close/modify_external, disconnect/restore,
        set_latency, hang/release, force_next_retcode, the clock...), or None when the desk does not run
        on the simulator. Tests, demos and screenshots drive the simulator through this accessor only.
        """
        return self._simulator if self.host.simulated else None

    def submit(self, command: DeskCommand) -> bool:
        """Queue a command: orders, refresh and link go to the engine, models and auto-trading to the
        auto-trader. Results come back as events.

        False when refused: a close or modify of a position that already has one in flight is never sent
        (a NOTICE says why).
        """
        if isinstance(command, AUTO_COMMANDS):
            self.autotrader.submit(command)
            return True
        if isinstance(command, TradeCommand) and not self.inflight.claim(command):
            return False
        self.engine.submit(command)
        return True

    @pyqtSlot(object)
    def _fold(self, event: Event) -> None:
        self.state.apply(event)

    def _market_now(self) -> datetime:
        """The auto-trader's clock: the simulated market's own when the simulator has one (its day, its
        trading hours), else UTC now."""
        spec = self.host.clock_spec
        if spec.kind is ClockKind.WALL:
            return utc_now()
        return datetime.fromtimestamp(
            spec.start if spec.kind is ClockKind.MANUAL else spec.build().now(), UTC
        )
