"""Three simulated accounts on one desk, each in its own terminal host process: one disconnected, one hung
in a call that holds its host's GIL, and the third keeps updating at full speed with its orders going
through; kill -9 of one host leaves the others untouched (the acceptance test of issue 15)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PyQt6.QtCore import QObject, pyqtSlot
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState, OrderAction, Side
from app.core.events import Event, PnlUpdate
from app.core.models import OrderRequest
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import AccountConfig, Desk, DeskConfig
from app.engine.sim_controls import SimulatorControls
from app.terminal.simulator import ClockSpec
from tests.engine.conftest import FAST, QUICK_RECONNECT

pytestmark = pytest.mark.slow

SYMBOL = "BTCUSD"  # quoted every day of the week, so the wall clock works on any date
DOWN, HUNG, LIVE = "down", "hung", "live"


class PnlCounter(QObject):
    """Counts each account's PNL_UPDATEs as the GUI thread receives them."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        desk.hub.stream.connect(self.record)

    @pyqtSlot(object)
    def record(self, event: Event) -> None:
        if isinstance(event, PnlUpdate):
            self.counts[event.account_id] = self.counts.get(event.account_id, 0) + 1

    def of(self, account_id: str) -> int:
        return self.counts.get(account_id, 0)


def account(
    tmp_path: Path, account_id: str, login: int, currency: str, host_silent_limit_s: float = 30.0
) -> AccountConfig:
    target = TerminalTarget(
        Backend.SIM,
        login=login,
        timeout_ms=10_000,
        sim_state_file=str(tmp_path / f"{account_id}.json"),
        sim_currency=currency,
        sim_balance=50_000.0,
    )
    return AccountConfig(
        account_id, target, name=f"Demo {account_id}", host_silent_limit_s=host_silent_limit_s
    )


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    accounts = (
        account(tmp_path, DOWN, 7_000_001, "USD"),
        # The watchdog would kill a host silent this long; here the hang outlasts the test.
        account(tmp_path, HUNG, 7_000_002, "EUR", host_silent_limit_s=120.0),
        account(tmp_path, LIVE, 7_000_003, "USD"),
    )
    config = DeskConfig(
        database_file=tmp_path / "journal.sqlite3",
        accounts=accounts,
        intervals=FAST,
        sim_clock=ClockSpec(),
        reconnect_backoff_s=QUICK_RECONNECT,
        models_dir=tmp_path / "models",
    )
    desk = Desk(config)
    yield desk
    for account_id in (HUNG,):
        sim = desk.simulator_of(account_id)
        if sim is not None:
            sim.release()
    assert desk.stop(20), "the desk did not stop"


def controls(desk: Desk, account_id: str) -> SimulatorControls:
    sim = desk.simulator_of(account_id)
    assert sim is not None
    return sim


def state_of(desk: Desk, account_id: str) -> ConnectionState:
    return desk.state.of(account_id).status.state


def connected(desk: Desk, account_id: str) -> bool:
    return state_of(desk, account_id) is ConnectionState.CONNECTED


def open_order(account_id: str) -> TradeCommand:
    request = OrderRequest(action=OrderAction.OPEN, symbol=SYMBOL, side=Side.BUY, volume=0.01)
    return TradeCommand.manual(request, account_id)


def test_one_account_down_one_hung_and_the_third_trades_on_and_survives_a_kill_of_another_host(
    desk: Desk, qtbot: QtBot
) -> None:
    pnl = PnlCounter(desk)
    desk.start()
    for account_id in (DOWN, HUNG, LIVE):
        qtbot.waitUntil(partial(connected, desk, account_id), timeout=20_000)
    live = controls(desk, LIVE)
    for _ in range(3):
        live.open_external(SYMBOL, "buy", 0.01)
    qtbot.waitUntil(lambda: len(desk.state.of(LIVE).positions) == 3, timeout=10_000)
    # Each demo account is its own: its login, its currency, its positions.
    figures = {a: desk.state.of(a).account for a in (DOWN, HUNG, LIVE)}
    assert {a: (f.login, f.currency) for a, f in figures.items() if f is not None} == {
        DOWN: (7_000_001, "USD"),
        HUNG: (7_000_002, "EUR"),
        LIVE: (7_000_003, "USD"),
    }
    assert desk.state.of(DOWN).positions == {} and desk.state.of(HUNG).positions == {}

    before = pnl.of(LIVE)
    qtbot.wait(2000)
    calm_rate = pnl.of(LIVE) - before
    assert calm_rate > 0, "the live account's P&L did not move at all"

    controls(desk, DOWN).disconnect()
    controls(desk, HUNG).hang()  # every call of that host blocks, holding its GIL
    qtbot.waitUntil(lambda: state_of(desk, DOWN) is not ConnectionState.CONNECTED, timeout=15_000)
    qtbot.waitUntil(lambda: state_of(desk, HUNG) is ConnectionState.STALE, timeout=15_000)

    before = pnl.of(LIVE)
    qtbot.wait(2000)
    troubled_rate = pnl.of(LIVE) - before
    # Noisy on a loaded machine, so compared with the same account's own rate before the trouble.
    assert troubled_rate >= calm_rate / 3, (calm_rate, troubled_rate)
    assert state_of(desk, LIVE) is ConnectionState.CONNECTED

    finished: set[str] = set()
    desk.engine.trade_finished.connect(finished.add)
    command = open_order(LIVE)
    assert desk.submit(command)
    qtbot.waitUntil(lambda: command.trade_id in finished, timeout=10_000)
    qtbot.waitUntil(lambda: len(desk.state.of(LIVE).positions) == 4, timeout=10_000)
    assert len(live.positions()) == 4
    row = desk.journal.find_trade(command.trade_id)
    assert row is not None and row.account_id == LIVE and row.position_ticket in live.positions()

    # kill -9 of the live account's host: it restarts and reconnects; the other two hosts are untouched.
    pids = {a: desk.host_of(a).pid for a in (DOWN, HUNG, LIVE)}
    incarnations = {a: desk.host_of(a).incarnation for a in (DOWN, HUNG, LIVE)}
    live_pid = pids[LIVE]
    assert live_pid is not None
    os.kill(live_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: desk.host_of(LIVE).incarnation == incarnations[LIVE] + 1, timeout=15_000)
    qtbot.waitUntil(lambda: state_of(desk, LIVE) is ConnectionState.CONNECTED, timeout=20_000)
    for other in (DOWN, HUNG):
        assert desk.host_of(other).pid == pids[other]
        assert desk.host_of(other).incarnation == incarnations[other]
    assert state_of(desk, HUNG) is ConnectionState.STALE
    assert state_of(desk, DOWN) is not ConnectionState.CONNECTED

    after_kill = open_order(LIVE)
    assert desk.submit(after_kill)
    qtbot.waitUntil(lambda: after_kill.trade_id in finished, timeout=10_000)
    qtbot.waitUntil(lambda: len(desk.state.of(LIVE).positions) == 5, timeout=10_000)
    assert desk.state.of(LIVE).positions.keys() == live.positions().keys()

    # The troubled accounts come back on their own once their terminals do, with nothing of the others.
    controls(desk, HUNG).release()
    controls(desk, DOWN).restore()
    for account_id in (DOWN, HUNG):
        qtbot.waitUntil(partial(connected, desk, account_id), timeout=30_000)
        assert desk.state.of(account_id).positions == {}
        assert controls(desk, account_id).positions() == {}
