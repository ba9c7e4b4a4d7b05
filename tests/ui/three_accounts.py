"""A desk of three simulated demo accounts (USD, EUR, USD), each in its own terminal host process, and the
trader's window on it, for the specs of what the trader sees of several accounts.

The desk and its window are built once per test module (three host processes are slow to start on a
loaded machine); the window subscribes before the desk starts, as in the product. Specs that share them
act on figures they read first, never on totals of the whole session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from PyQt6.QtCore import QCoreApplication, QEvent
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.settings import Settings
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import AccountConfig, Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.engine.sim_controls import SimulatorControls
from app.terminal.simulator import ClockSpec
from app.ui.shell.main_window import MainWindow

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
USD_1, EUR, USD_2 = "usd-1", "eur", "usd-2"
NAMES = {USD_1: "Demo USD", EUR: "Prop EUR", USD_2: "Swing USD"}
CURRENCIES = {USD_1: "USD", EUR: "EUR", USD_2: "USD"}
BALANCES = {USD_1: 10_000.0, EUR: 25_000.0, USD_2: 5_000.0}
LOGINS = {USD_1: 7_100_001, EUR: 7_100_002, USD_2: 7_100_003}
ACCOUNT_IDS = (USD_1, EUR, USD_2)
FAST = Intervals(pnl_s=0.1, positions_s=0.3, account_s=0.3, heartbeat_s=1.0)


def account_config(folder: Path, account_id: str) -> AccountConfig:
    target = TerminalTarget(
        Backend.SIM,
        login=LOGINS[account_id],
        sim_state_file=str(folder / f"{account_id}.json"),
        sim_currency=CURRENCIES[account_id],
        sim_balance=BALANCES[account_id],
    )
    return AccountConfig(account_id, target, name=NAMES[account_id])


def three_account_desk(folder: Path) -> Desk:
    """The desk (not started): three demo accounts on a frozen market clock."""
    return Desk(
        DeskConfig(
            database_file=folder / "journal.sqlite3",
            accounts=tuple(account_config(folder, account_id) for account_id in ACCOUNT_IDS),
            intervals=FAST,
            sim_clock=ClockSpec.manual(WEDNESDAY),
            reconnect_backoff_s=(0.05, 0.2),
            models_dir=folder / "models",
        )
    )


@dataclass
class Desktop:
    """The desk, its window and each account's read path, as DeskApp wires them."""

    desk: Desk
    window: MainWindow
    queries: dict[str, TerminalQueries]

    def sim(self, account_id: str) -> SimulatorControls:
        controls = self.desk.simulator_of(account_id)
        assert controls is not None
        return controls


def open_desktop(folder: Path) -> Desktop:
    """Build the desk and its window, wire orders as the app does, start the desk and show the window."""
    desk = three_account_desk(folder)
    queries = {account_id: TerminalQueries(desk.host_of(account_id)) for account_id in ACCOUNT_IDS}
    window = MainWindow(
        desk.hub,
        desk.state,
        Settings(),
        terminal_queries=queries[USD_1],
        journal_queries=JournalQueries(desk.journal),
        window_state_file=folder / "window.ini",
        models_dir=folder / "models",
        inflight=desk.inflight,
        terminal_queries_for=queries.__getitem__,
    )
    window.order_requested.connect(
        lambda account_id, request: desk.submit(TradeCommand.manual(request, account_id))
    )
    window.command_requested.connect(desk.submit)
    desk.start()
    window.show()
    return Desktop(desk, window, queries)


def connected(desk: Desk, account_id: str) -> bool:
    return desk.state.of(account_id).status.state is ConnectionState.CONNECTED


def has_figures(desk: Desk, account_id: str) -> bool:
    return desk.state.of(account_id).account is not None


def wait_all_connected(qtbot: QtBot, desk: Desk) -> None:
    for account_id in ACCOUNT_IDS:
        qtbot.waitUntil(partial(connected, desk, account_id), timeout=30_000)
        qtbot.waitUntil(partial(has_figures, desk, account_id), timeout=10_000)


def close_desktop(desktop: Desktop) -> None:
    """Quit the window as the trader does, stop the desk, and delete the window now (its tray icon with it)
    rather than whenever the module's objects are collected."""
    window = desktop.window
    window.quit()
    window.close()
    assert desktop.desk.stop(20), "the desk did not stop"
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def module_desktop(folder_name: str):  # type: ignore[no-untyped-def]  # a pytest fixture, typed by pytest
    """A test module's `desktop` fixture: a three-account desk and its window, opened once for the module."""

    @pytest.fixture(scope="module")
    def desktop(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
        opened = open_desktop(tmp_path_factory.mktemp(folder_name))
        yield opened
        close_desktop(opened)

    return desktop
