"""One repaint timer per window (Electrum's timer_actions): the status bar's and the account strip's ages
advance each second from it, and no widget of the window keeps a repeating timer of its own."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.events import AccountsUpdate, StatusUpdate
from app.core.models import DeskAccount, TerminalStatus
from app.core.settings import Settings
from app.core.state import DeskState
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.hub import EventHub
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.terminal.simulator import ClockSpec
from app.ui.account.account_panel import TODAY_REFRESH_MS, TODAY_TIMER_NAME
from app.ui.shell.main_window import MainWindow
from app.ui.widgets.window_timer import REPAINT_INTERVAL_MS, TIMER_NAME
from tests.one_account import MAIN

DOWN = TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)
UP = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)


def age(text: str) -> int:
    """The seconds of the "N s ago" a text ends with (-1 when it has none)."""
    found = re.search(r"(\d+) s ago$", text)
    return int(found.group(1)) if found else -1


def repeating_timers(window: MainWindow) -> dict[str, int]:
    """The window's running repeating timers, by name, with their intervals."""
    return {
        timer.objectName(): timer.interval()
        for timer in window.findChildren(QTimer)
        if timer.isActive() and not timer.isSingleShot()
    }


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0),
            sim_clock=ClockSpec.manual(datetime(2026, 11, 18, 10, 0, tzinfo=UTC)),
        )
    )
    yield desk
    assert desk.stop(15)


def test_the_desk_window_runs_one_repeating_repaint_timer(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    window = MainWindow(
        desk.hub,
        desk.state,
        Settings(),
        terminal_queries=TerminalQueries(desk.host),
        journal_queries=JournalQueries(desk.journal),
        window_state_file=tmp_path / "window.ini",
    )
    qtbot.addWidget(window)
    window.show()
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
    qtbot.waitUntil(lambda: window.indicator.text().startswith("Connected"), timeout=5000)

    # The other one asks the journal for today's closed P&L once a minute: a query, not a repaint.
    assert repeating_timers(window) == {TIMER_NAME: REPAINT_INTERVAL_MS, TODAY_TIMER_NAME: TODAY_REFRESH_MS}
    assert window.indicator.findChildren(QTimer) == []


def test_a_viewer_window_runs_only_the_repaint_timer(qtbot: QtBot) -> None:
    window = MainWindow(EventHub(), DeskState(), Settings(), read_only=True, viewer_host="desk.example:8765")
    qtbot.addWidget(window)
    window.show()

    assert repeating_timers(window) == {TIMER_NAME: REPAINT_INTERVAL_MS}


def test_the_heartbeat_age_in_the_status_bar_advances_each_second(qtbot: QtBot) -> None:
    hub = EventHub()
    window = MainWindow(hub, DeskState(), Settings())
    qtbot.addWidget(window)
    window.show()
    hub.publish(StatusUpdate(status=UP, account_id=MAIN))  # the desk's one account
    beat = datetime.now(UTC) - timedelta(seconds=12, milliseconds=500)
    hub.publish(StatusUpdate(status=replace(UP, last_heartbeat=beat), account_id=MAIN))
    indicator = window.indicator

    def at_least(seconds: int) -> Callable[[], bool]:
        return lambda: age(indicator.text()) >= seconds

    qtbot.waitUntil(at_least(12), timeout=3000)
    assert indicator.text().startswith("Connected · heartbeat ")
    qtbot.waitUntil(at_least(age(indicator.text()) + 1), timeout=3000)
    qtbot.waitUntil(at_least(age(indicator.text()) + 1), timeout=3000)

    window.repaint_timer.stop()  # the window's timer is what renews it: stopped, the age stands still
    shown = indicator.text()
    qtbot.wait(1500)
    assert indicator.text() == shown


def test_a_lost_accounts_age_advances_in_the_status_bar_and_the_strip(qtbot: QtBot) -> None:
    hub = EventHub()
    window = MainWindow(hub, DeskState(), Settings())
    qtbot.addWidget(window)
    window.show()
    lost = datetime.now(UTC) - timedelta(seconds=20, milliseconds=500)
    hub.publish(AccountsUpdate(accounts=(DeskAccount("a", "Alpha"), DeskAccount("b", "Bravo"))))
    hub.publish(StatusUpdate(status=UP, account_id="a"))
    hub.publish(StatusUpdate(status=UP, account_id="b", timestamp=lost))
    hub.publish(StatusUpdate(status=DOWN, account_id="b", timestamp=lost))
    strip, indicator = window.account.strip, window.indicator

    def both_at_least(seconds: int) -> Callable[[], bool]:
        return lambda: age(indicator.text()) >= seconds and age(strip.row_texts(1)[2]) >= seconds

    qtbot.waitUntil(both_at_least(20), timeout=3000)
    assert indicator.text().startswith("1 of 2 accounts connected · Bravo: Disconnected ")
    assert strip.row_texts(1)[2].startswith("Disconnected ")
    # Read a moment apart, as the trader reads them: each has moved on by the next second, and the next.
    qtbot.waitUntil(both_at_least(age(indicator.text()) + 1), timeout=3000)
    qtbot.waitUntil(both_at_least(age(indicator.text()) + 1), timeout=3000)
