"""run_gui: the desktop app — engine, main window, tray — on one Qt event loop shared with asyncio."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import qasync
from PyQt6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from app.alerts.channel_secrets import ChannelSecrets
from app.alerts.service import AlertService, AlertSetup
from app.core.enums import Backend
from app.core.settings import AccountSettings, RemoteSettings, Settings, Theme
from app.core.state import DeskState
from app.engine.commands import LinkCommand, RiskLimitsCommand, TradeCommand
from app.engine.desk import AccountConfig, Desk, config_from_settings
from app.engine.error_report import ErrorReporter, settings_problem_notices
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries, TerminalQueries
from app.remote.server import RemoteConfigError
from app.remote.tokens import TokenError, read_token_file
from app.startup.account_changes import apply_account_changes
from app.startup.connection_test import try_connection
from app.startup.heap import settle_startup_heap
from app.startup.instance_lock import InstanceLock, InstanceLockedError
from app.startup.remote_wiring import RemoteService, ViewerLink, print_to_stderr
from app.storage.errors import JournalError
from app.storage.leftovers import remove_leftover_temp_files
from app.storage.paths import AppPaths
from app.storage.settings_store import save_settings
from app.ui.settings.credentials import CredentialStore, SessionPasswords, find_password
from app.ui.settings.first_run import offer_first_run
from app.ui.settings.settings_dialog import SettingsDialog
from app.ui.shell.icons import app_icon
from app.ui.shell.main_window import MainWindow
from app.ui.shell.theme import apply_theme

if TYPE_CHECKING:
    from app.terminal.simulator.clock import ClockSpec

log = logging.getLogger(__name__)


class DeskApp:
    """Owns the desk and its window for one run; every exit path goes through `shutdown`."""

    def __init__(
        self,
        qt_app: QApplication,
        args: argparse.Namespace,
        paths: AppPaths,
        settings: Settings,
        *,
        sim_clock: ClockSpec | None = None,
        log_file: Path | None = None,
        settings_problems: Sequence[str] = (),
        settings_notes: Sequence[str] = (),
    ) -> None:
        self.qt_app = qt_app
        self.paths = paths
        self.settings = settings
        self.credentials = CredentialStore()
        self.session = SessionPasswords()
        self.remote: RemoteService | None = None  # set once the event loop runs
        self.alert_secrets = ChannelSecrets()
        self.alerts: AlertService | None = None  # started with the desk, after the window listens
        self._alert_channels = tuple(getattr(args, "alert_channels", ()))
        config = config_from_settings(
            settings, paths, backend=args.terminal, bridge=args.bridge, password=self._password
        )
        trading = settings.primary.id
        # The simulator's clock: wall time for a trader; tests and demos pass one they move by hand.
        self.desk = Desk(replace(config, sim_clock=sim_clock) if sim_clock is not None else config)
        self.errors = ErrorReporter(self.desk.hub.publish, log_file)
        self._settings_problems = list(settings_problems)
        self._settings_notes = list(settings_notes)
        self._queries: dict[str, TerminalQueries] = {}
        self.window = MainWindow(
            self.desk.hub,
            self.desk.state,
            settings,
            terminal_queries=self.terminal_queries(trading),
            journal_queries=JournalQueries(self.desk.journal),
            window_state_file=paths.config_dir / "window.ini",
            models_dir=paths.models_dir,
            inflight=self.desk.inflight,
            trading_account=trading,
            terminal_queries_for=self.terminal_queries,
        )
        self.window.order_requested.connect(
            lambda account_id, request: self.desk.submit(TradeCommand.manual(request, account_id))
        )
        # Models, auto-trading and kill switch commands, incl. RegisterModelCommand of a trained model.
        self.window.command_requested.connect(self.desk.submit)
        self.window.link_requested.connect(lambda connect: self.desk.submit(LinkCommand(connect=connect)))
        self.window.settings_requested.connect(self.edit_settings)
        self.window.theme_chosen.connect(self._save_theme)

    def start(self) -> None:
        self.errors.install()
        self._ask_password_if_needed()
        self.window.show()
        setup = AlertSetup(
            self.settings.alerts, self.paths.data_dir, self._alert_channels, self.alert_secrets
        )
        self.alerts = setup.start(self.desk.hub, self.desk)
        # In the Event log, where they stay (a set-aside file says where the old one went).
        notices = settings_problem_notices(
            self._settings_problems, self.paths.settings_file, self._settings_notes
        )
        for notice in notices:
            self.desk.hub.publish(notice)
        self.desk.start()
        settle_startup_heap()

    def shutdown(self) -> None:
        self.window.save_window_state()
        if not self.desk.stop():
            log.error("the terminal host or an engine thread did not stop in time")
        if self.alerts is not None:
            self.alerts.stop()
        self.errors.uninstall()

    def edit_settings(self) -> None:
        dialog = SettingsDialog(
            self.settings,
            self.credentials,
            self.session,
            self.window,
            viewer_access=self.remote,
            alert_secrets=self.alert_secrets,
            account_currency=self._currency(),
        )
        if dialog.exec():
            before = self.settings
            self._save(dialog.result_settings())
            self._apply_accounts(before)
            if self.settings.risk != before.risk:
                # At once, through each auto-trader's own command path: the next automatic order obeys them.
                for account in self.settings.accounts:
                    if account.id in self.desk.account_ids:
                        limits = account.limits(self.settings.risk)
                        self.desk.submit(RiskLimitsCommand(limits, account.id, self._currency(account.id)))
            QMessageBox.information(
                self.window,
                "Settings saved",
                "Saved. Account, notification, alert, appearance and risk changes apply now; interval and "
                "remote viewing changes apply the next time MT5 Desk starts.",
            )

    def _apply_accounts(self, before: Settings) -> None:
        """Start, stop, rename or re-home the accounts the trader changed, without restarting the desk."""
        after = self.settings

        def config_of(account: AccountSettings) -> AccountConfig:
            configs = config_from_settings(
                after, self.paths, backend=None, bridge=None, password=self._password
            )
            return next(config for config in configs.accounts if config.account_id == account.id)

        changes = apply_account_changes(self.desk, before.accounts, after.accounts, config_of)
        for account_id in changes.new_hosts:
            queries = self._queries.get(account_id)
            if queries is not None:  # a window's read path to that account now asks its new host
                queries.follow(self.desk.host_of(account_id))
        if changes:
            log.info("accounts changed at run time: %s", changes)

    def _currency(self, account_id: str | None = None) -> str:
        """The account's currency (None: the first account's), "" while unknown."""
        state = self.desk.state.first if account_id is None else self.desk.state.get(account_id)
        account = state.account if state is not None else None
        return account.currency if account is not None else ""

    def _save_theme(self, theme: Theme) -> None:
        if theme is not self.settings.ui.theme:
            self._save(replace(self.settings, ui=replace(self.settings.ui, theme=theme)))

    def _save(self, settings: Settings) -> None:
        try:
            save_settings(self.paths.settings_file, settings)
        except OSError as error:
            QMessageBox.warning(
                self.window,
                "Settings not saved",
                f"The settings file could not be written ({error}). Check that {self.paths.config_dir} is "
                "writable; your changes apply to this session only.",
            )
        self.settings = settings
        self.window.apply_settings(settings)
        if self.alerts is not None:
            self.alerts.apply(settings.alerts)

    def terminal_queries(self, account_id: str) -> TerminalQueries:
        """The read path to one account's terminal (made once per account)."""
        queries = self._queries.get(account_id)
        if queries is None:
            queries = self._queries[account_id] = TerminalQueries(self.desk.host_of(account_id))
        return queries

    def _password(self, login: int, server: str) -> str | None:
        return find_password(self.credentials, self.session, login, server)

    def _ask_password_if_needed(self) -> None:
        """Ask for the password of each switched-on account with a login that has none saved."""
        for account in self.settings.accounts:
            terminal = account.terminal
            login, server = terminal.login, terminal.server
            if not account.enabled or login is None or terminal.backend is Backend.SIM:
                continue
            if self._password(login, server) is not None:
                continue
            text, ok = QInputDialog.getText(
                None,
                "MetaTrader 5 password",
                f"Password of {account.label}, account {login} on {server or 'the terminal'} (kept in "
                "memory for this session):",
                QLineEdit.EchoMode.Password,
            )
            if ok and text:
                self.session.set(login, server, text)


def run_gui(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
    """Show the desk (or, with --viewer, a read-only view of a remote desk) until the trader quits."""
    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    apply_theme(qt_app, settings.ui.theme)
    qt_app.setWindowIcon(app_icon())
    qt_app.setQuitOnLastWindowClosed(False)  # closing to the tray must not end the program
    if getattr(args, "viewer", None):
        return run_viewer(qt_app, args, settings)
    lock = InstanceLock(paths.lock_file)
    try:
        lock.acquire()
    except InstanceLockedError as error:
        QMessageBox.warning(None, "MT5 Desk is already running", str(error))
        return 3
    remove_leftover_temp_files((paths.config_dir, paths.data_dir, paths.models_dir))
    try:
        # First start (no settings file): the welcome dialog picks the terminal; Cancel keeps the defaults.
        first_run = (
            offer_first_run(paths.settings_file, test_connection=try_connection, write_settings=save_settings)
            if not paths.settings_file.exists()
            else None
        )
        if first_run is not None:
            settings, args.terminal = first_run.settings, first_run.settings.primary.terminal.backend
        try:
            desk_app = DeskApp(
                qt_app,
                args,
                paths,
                settings,
                log_file=getattr(args, "log_file", None),
                settings_problems=getattr(args, "settings_problems", ()),
                settings_notes=getattr(args, "settings_notes", ()),
            )
        except JournalError as error:
            QMessageBox.critical(None, "The trade journal cannot be opened", str(error))
            return 1
        if first_run is not None:
            desk_app.session = first_run.session  # a password typed there when there is no keyring
        status_bar = desk_app.window.statusBar()
        assert status_bar is not None  # the main window made it
        for problem in getattr(args, "settings_problems", []):
            status_bar.showMessage(f"Settings: {problem}", 15_000)
        return _run_event_loop(qt_app, desk_app, getattr(args, "remote", settings.remote), args.token_file)
    finally:
        lock.release()


def _run_event_loop(
    qt_app: QApplication, desk_app: DeskApp, remote: RemoteSettings, token_file: Path | None
) -> int:
    loop = qasync.QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    stopping = asyncio.Event()
    desk_app.window.quit_requested.connect(stopping.set)
    qt_app.aboutToQuit.connect(stopping.set)
    service = desk_app.remote = RemoteService(desk_app.desk, remote, token_file, announce=print_to_stderr)

    async def run() -> None:
        # One uninterrupted run of the loop (stopping and restarting qasync's loop between steps left a
        # viewer's first handshake unanswered now and then).
        try:
            await service.start()
        except (RemoteConfigError, OSError, ValueError) as error:
            QMessageBox.warning(desk_app.window, "Remote viewing not started", str(error))
        try:
            await stopping.wait()
        finally:
            await service.stop()

    with loop:
        desk_app.start()
        try:
            loop.run_until_complete(run())
        finally:
            desk_app.shutdown()
    return 0


def run_viewer(qt_app: QApplication, args: argparse.Namespace, settings: Settings) -> int:
    """A read-only window fed by a remote desk's events: the same widgets, no trading controls."""
    try:
        token = args.token or (read_token_file(args.token_file) if args.token_file else "")
    except TokenError as error:
        QMessageBox.warning(None, "Viewer token not usable", f"{error}.")
        return 2
    if not token:
        QMessageBox.warning(
            None, "Viewer token needed", "Start the viewer with --token TOKEN or --token-file PATH."
        )
        return 2
    hub = EventHub()
    state = DeskState()
    hub.stream.connect(lambda event: state.apply(event))  # DeskState has slots: no weakref for PyQt
    host = urlsplit(args.viewer).netloc or args.viewer
    window = MainWindow(hub, state, settings, read_only=True, viewer_host=host)
    loop = qasync.QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    stopping = asyncio.Event()
    window.quit_requested.connect(stopping.set)
    qt_app.aboutToQuit.connect(stopping.set)
    with loop:
        try:
            link = ViewerLink(args.viewer, token, hub)
        except ValueError as error:
            QMessageBox.warning(None, "Viewer address", str(error))
            return 2
        window.show()

        async def run() -> None:  # one uninterrupted loop run, as in the desk
            link.start()
            try:
                await stopping.wait()
            finally:
                await link.stop()

        loop.run_until_complete(run())
        window.save_window_state()
    return 0
