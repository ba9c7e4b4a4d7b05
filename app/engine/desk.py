"""Desk: the engine assembled once per process — journal, hub, one terminal host per account, engine
threads, folded state.

The GUI, headless mode, the self-test and the remote server are all clients of one Desk. Each account's
terminal lives in a child process of its own (its terminal host) that only its HostSupervisor talks to,
started, stopped and restarted independently of the others; the journal stays here, written for every
account by the DeskEngine thread; each account's AutoTrader runs in a thread of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSlot

from app.core.enums import Backend, NoticeLevel
from app.core.events import AccountsUpdate, Event, Notice, utc_now
from app.core.models import DeskAccount
from app.core.settings import FIRST_ACCOUNT_ID, RiskSettings, Settings
from app.core.state import DeskState
from app.core.target import TerminalTarget, target_from_settings
from app.engine.auto_runner import AutoTraderRunner
from app.engine.commands import (
    AUTO_COMMANDS,
    AutoCommand,
    AutoTradingCommand,
    DeskCommand,
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    RemoveModelCommand,
    RiskLimitsCommand,
    TradeCommand,
)
from app.engine.desk_engine import MAX_ORDERS_WAITING, DeskEngine
from app.engine.host.process import HostSpec
from app.engine.hub import EventHub
from app.engine.inflight import InFlightOrders
from app.engine.intervals import Intervals
from app.engine.model_commands import master_notice
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
Password = Callable[[], str | None]


def _no_password() -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One account of the desk: its terminal, its risk limits (None: the desk's), the password provider
    (asked only when its host starts, and only for a login), and its order and silence limits."""

    account_id: str
    target: TerminalTarget
    name: str = ""
    enabled: bool = True
    password: Password = _no_password
    risk: RiskSettings | None = None
    order_deadline_s: float = 5.0
    host_silent_limit_s: float = 30.0

    @property
    def label(self) -> str:
        return self.name or self.account_id


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """Everything needed to build a desk. `accounts` lists its accounts; `target` alone is the usual
    desk of one account ('main') on that terminal, with the desk-wide password and limits below."""

    database_file: Path
    target: TerminalTarget | None = None
    accounts: tuple[AccountConfig, ...] = ()
    intervals: Intervals = field(default_factory=Intervals)
    password: Password = _no_password
    sim_clock: ClockSpec = field(default_factory=ClockSpec)
    models_dir: Path | None = None  # None: "models" beside the database file
    risk: RiskSettings = field(default_factory=RiskSettings)
    order_deadline_s: float = 5.0
    host_silent_limit_s: float = 30.0
    host_mode: HostMode = HostMode.PROCESS
    reconnect_backoff_s: tuple[float, float] = (1.0, 60.0)  # first and longest wait between attempts
    max_orders_waiting: int = MAX_ORDERS_WAITING  # more orders waiting for one account are refused

    def account_configs(self) -> tuple[AccountConfig, ...]:
        """The desk's accounts, in the trader's order."""
        if self.accounts or self.target is None:
            return self.accounts
        single = AccountConfig(
            FIRST_ACCOUNT_ID,
            self.target,
            password=self.password,
            order_deadline_s=self.order_deadline_s,
            host_silent_limit_s=self.host_silent_limit_s,
        )
        return (single,)


def config_from_settings(
    settings: Settings,
    paths: AppPaths,
    *,
    backend: Backend | None,
    bridge: tuple[str, int] | None,
    password: Callable[[int, str], str | None],
) -> DeskConfig:
    """The engine's configuration from the settings file and this run's choices.

    `backend` and `bridge` (the command line's, for this run) apply to the first switched-on account;
    `password(login, server)` is asked when an account with a login starts its host.
    """
    intervals = settings.intervals
    first_enabled = next((account.id for account in settings.accounts if account.enabled), None)
    accounts = []
    for account in settings.accounts:
        terminal = account.terminal
        overridden = account.id == first_enabled
        target = target_from_settings(
            terminal,
            backend=backend if overridden else None,
            bridge=bridge if overridden else None,
            sim_state_file=str(paths.sim_state_file_for(account.id)),
        )
        accounts.append(
            AccountConfig(
                account.id,
                target,
                name=account.name,
                enabled=account.enabled,
                password=_password_of(password, target),
                risk=account.limits(settings.risk),
                order_deadline_s=terminal.order_deadline_s,
                host_silent_limit_s=terminal.host_silent_limit_s,
            )
        )
    return DeskConfig(
        database_file=paths.database_file,
        accounts=tuple(accounts),
        intervals=Intervals(
            pnl_s=intervals.pnl_s,
            positions_s=intervals.positions_s,
            account_s=intervals.account_s,
            heartbeat_s=intervals.heartbeat_s,
        ),
        models_dir=paths.models_dir,
        risk=settings.risk,
    )


def _password_of(password: Callable[[int, str], str | None], target: TerminalTarget) -> Password:
    login, server = target.login, target.server
    if login is None or target.backend is Backend.SIM:
        return _no_password  # the simulated terminal has no password, and a terminal's own account none
    return lambda: password(login, server)


class _Account:
    """One account's parts: its config, terminal host, simulator controls and auto-trader thread."""

    def __init__(self, config: AccountConfig, host: HostSupervisor, runner: AutoTraderRunner) -> None:
        self.config = config
        self.host = host
        self.simulator = SimulatorControls(host)
        self.runner = runner
        self.running = False

    @property
    def entry(self) -> DeskAccount:
        return DeskAccount(self.config.account_id, self.config.name, self.config.enabled)


class Desk(QObject):
    """Owns the engine objects and keeps `state` folded from the hub in the owner's thread.

    Accounts are added, switched on and off, and restarted while the desk runs (the Settings dialog's
    account editor); each change is announced on the hub as ACCOUNTS_UPDATE.
    """

    def __init__(self, config: DeskConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        accounts = config.account_configs()
        first = accounts[0].account_id if accounts else FIRST_ACCOUNT_ID
        self.journal = Journal(open_database(config.database_file, first_account=first))
        self.hub = EventHub(self)
        self.state = DeskState()
        self.hub.stream.connect(self._fold)
        self.engine = DeskEngine(
            self.journal,
            self.hub,
            deadline_s=config.order_deadline_s,
            max_orders_waiting=config.max_orders_waiting,
        )
        self.inflight = InFlightOrders(self.hub.publish, self)
        self.engine.trade_finished.connect(self.inflight.finished)
        self._accounts: dict[str, _Account] = {}
        self._master = False
        self._started = False
        for account in accounts:
            self._build(account)
        self._announce_accounts()

    # ---- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine threads and every switched-on account's terminal host (each connects itself)."""
        self._started = True
        self._announce_accounts()  # again, for whoever subscribed since the desk was built
        self.engine.start()
        for account in self._accounts.values():
            account.runner.start()
            if account.config.enabled:
                self._run(account)

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop the hosts and the threads, then checkpoint and close the journal; False if anything hung.

        After a clean stop `journal.sqlite3` alone holds everything (the WAL is folded back into it).
        """
        self._started = False
        stopped = True
        for account in self._accounts.values():
            stopped = account.runner.stop(timeout_s / 2) and stopped
        for account in self._accounts.values():
            stopped = account.host.stop(timeout_s) and stopped
        stopped = self.engine.stop(timeout_s / 2) and stopped
        if not stopped:
            log.error("a terminal host or an engine thread did not stop within %.0f s", timeout_s)
        self.journal.database.close()
        return stopped

    # ---- accounts at run time ---------------------------------------------------------------------
    @property
    def account_ids(self) -> tuple[str, ...]:
        """Every account of the desk, switched on or off, in the trader's order."""
        return tuple(self._accounts)

    def add_account(self, config: AccountConfig) -> None:
        """Add an account; its host starts at once when it is switched on (and the desk runs).

        ValueError when the desk already has an account with that id.
        """
        if config.account_id in self._accounts:
            raise ValueError(f"the desk already has an account {config.account_id!r}")
        account = self._build(config)
        if self._started:
            account.runner.start()
            if config.enabled:
                self._run(account)
        self._announce_accounts()

    def enable_account(self, account_id: str) -> None:
        """Switch an account on: its terminal host starts and connects."""
        account = self._account(account_id)
        if not account.config.enabled:
            account.config = replace(account.config, enabled=True)
            self._announce_accounts()
        if self._started and not account.running:
            self._run(account)

    def disable_account(self, account_id: str) -> None:
        """Switch an account off: its host disconnects and ends (without the GUI waiting for it), its
        orders are refused from now on; the other accounts carry on untouched."""
        account = self._account(account_id)
        if account.config.enabled:
            account.config = replace(account.config, enabled=False)
            self._announce_accounts()
        self._halt(account, f"Not sent: the account {account.config.label} is switched off.")

    def restart_account(self, account_id: str) -> None:
        """Stop the account's terminal host and start a new one (after its settings changed, or to
        recover a terminal); orders on their way are reconciled as after any restart."""
        account = self._account(account_id)
        if not account.config.enabled or not self._started:
            return
        self.engine.detach(account_id, f"Not sent: the account {account.config.label} is restarting.")
        account.running = False
        account.host.stop_later(on_stopped=lambda: self._rerun(account))

    def remove_account(self, account_id: str) -> None:
        """Take an account off the desk: its host ends, its auto-trader stops; its journal rows stay."""
        account = self._account(account_id)
        self._halt(account, f"Not sent: the account {account.config.label} was removed from the desk.")
        account.runner.stop(5.0)
        del self._accounts[account_id]
        self._announce_accounts()

    def host_of(self, account_id: str) -> HostSupervisor:
        """The account's host supervisor (KeyError when the desk has no such account)."""
        return self._account(account_id).host

    def simulator_of(self, account_id: str) -> SimulatorControls | None:
        """The account's simulated terminal's test controls, or None when it is not on the simulator."""
        account = self._account(account_id)
        return account.simulator if account.host.simulated else None

    @property
    def host(self) -> HostSupervisor:
        """The first account's host: the terminal a single-account screen (order ticket, training) asks."""
        return next(iter(self._accounts.values())).host

    @property
    def simulator(self) -> SimulatorControls | None:
        """The first account's simulated terminal's test controls (open/close/modify_external,
        disconnect/restore, set_latency, hang/release, force_next_retcode, the clock...), or None when it
        does not run on the simulator. Tests, demos and screenshots drive the simulator through this
        accessor (or `simulator_of`) only.
        """
        account = next(iter(self._accounts.values()), None)
        return account.simulator if account is not None and account.host.simulated else None

    # ---- commands ---------------------------------------------------------------------------------
    def submit(self, command: DeskCommand) -> bool:
        """Queue a command: orders, refresh and link go to the engine, models and auto-trading to the
        account's auto-trader. Results come back as events.

        False when refused: a close or modify of a position that already has one in flight is never sent
        (a NOTICE says why).
        """
        if isinstance(command, AUTO_COMMANDS):
            return self._auto(command)
        if isinstance(command, TradeCommand) and not self.inflight.claim(command):
            return False
        self.engine.submit(command)
        return True

    def _auto(self, command: AutoCommand) -> bool:
        runners = [account.runner for account in self._accounts.values()]
        if isinstance(command, AutoTradingCommand):
            self._master = command.enabled
            for runner in runners:
                runner.submit(command)
            title, text = master_notice(command.enabled)
            self.hub.publish(Notice(level=NoticeLevel.INFO, title=title, text=text))
            return True
        if isinstance(command, KillSwitchCommand):
            if command.account_id is None:  # each account says what became of its models and positions
                self._master = False
                for runner in runners:
                    runner.submit(command)
                return True
            return self._to_account(command.account_id, command, "Kill switch not used")
        if isinstance(command, RegisterModelCommand):
            return self._to_account(
                command.account_id, command, f"Model {command.manifest.name} not registered"
            )
        if isinstance(command, RiskLimitsCommand):
            return self._to_account(command.account_id, command, "Risk limits not changed")
        return self._to_model_owner(command)

    def _to_model_owner(self, command: ModelCommand | RemoveModelCommand) -> bool:
        """To the auto-trader of the account the model trades on (an unknown model: the first one's, which
        says it is not registered)."""
        owner = next((m.account_id for m in self.state.models if m.model_id == command.model_id), None)
        target = owner if owner in self._accounts else next(iter(self._accounts), None)
        if target is None:
            return False
        self._accounts[target].runner.submit(command)
        return True

    def _to_account(self, account_id: str, command: AutoCommand, refused: str) -> bool:
        account = self._accounts.get(account_id)
        if account is None:
            self.hub.publish(
                Notice(
                    level=NoticeLevel.ERROR,
                    title=refused,
                    text=f"{account_id!r} is not an account of this desk.",
                )
            )
            return False
        account.runner.submit(command)
        return True

    # ---- the parts --------------------------------------------------------------------------------
    def _build(self, config: AccountConfig) -> _Account:
        intervals = self.config.intervals
        limits = HostLimits(
            stale_call_s=intervals.stale_after_s,
            silent_limit_s=config.host_silent_limit_s,
            connect_timeout_s=config.target.timeout_ms / 1000,
        )
        account_id = config.account_id
        spec = HostSpec(
            config.target, intervals, self.config.sim_clock, self.config.reconnect_backoff_s, account_id
        )
        host = HostSupervisor(
            spec,
            self.hub,
            password=config.password,
            positions=lambda: tuple(self.state.of(account_id).positions.values()),
            limits=limits,
            mode=self.config.host_mode,
            parent=self,
        )
        runner = AutoTraderRunner(
            self.journal,
            self.hub,
            RemoteTerminal(host, limits.stale_call_s + QUERY_GRACE_S),
            self.engine,
            lambda: self._market_now(host),
            tick_s=intervals.pnl_s,
            models_dir=self.config.models_dir,
            risk=config.risk if config.risk is not None else self.config.risk,
            account_id=account_id,
            announce_master=False,
        )
        account = self._accounts[account_id] = _Account(config, host, runner)
        return account

    def _run(self, account: _Account) -> None:
        self.engine.attach(account.config.account_id, account.host, account.config.order_deadline_s)
        account.host.start()
        account.running = True

    def _rerun(self, account: _Account) -> None:
        if (
            self._started
            and account.config.enabled
            and self._accounts.get(account.config.account_id) is account
        ):
            self._run(account)

    def _halt(self, account: _Account, why: str) -> None:
        self.engine.detach(account.config.account_id, why)
        if account.running:
            account.running = False
            account.host.stop_later()

    def _account(self, account_id: str) -> _Account:
        account = self._accounts.get(account_id)
        if account is None:
            raise KeyError(f"the desk has no account {account_id!r}")
        return account

    def _announce_accounts(self) -> None:
        self.hub.publish(AccountsUpdate(accounts=tuple(a.entry for a in self._accounts.values())))

    @pyqtSlot(object)
    def _fold(self, event: Event) -> None:
        self.state.apply(event)

    def _market_now(self, host: HostSupervisor) -> datetime:
        """An auto-trader's clock: the simulated market's own when the simulator has one (its day, its
        trading hours), else UTC now."""
        spec = host.clock_spec
        if spec.kind is ClockKind.WALL:
            return utc_now()
        return datetime.fromtimestamp(
            spec.start if spec.kind is ClockKind.MANUAL else spec.build().now(), UTC
        )
