"""Kill -9 of the terminal host, again and again, while the desk trades: every time the desk restarts it,
reconciles, and goes on. At the end the two sets of books agree: no journal row lost, no order executed
twice, none left pending, and the desk shows exactly the terminal's positions."""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from PyQt6.QtCore import QObject, QTimer, pyqtSlot
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, OrderAction, Side
from app.core.events import Event
from app.core.models import OrderRequest
from app.engine.commands import TradeCommand, trade_id_in
from app.engine.desk import Desk
from app.terminal.simulator import ClockSpec
from tests.engine.books import assert_the_books_agree, integrity
from tests.one_account import MAIN

from .conftest import simulator_of

pytestmark = pytest.mark.slow

CYCLES = 20
SYMBOL = "BTCUSD"  # quoted every day of the week, so the wall clock works on any date
MAX_OPEN = 3
MAX_WAITING = 2


class Trader(QObject):
    """Opens and closes from what the desk shows, a command every few tens of milliseconds."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.submitted: list[str] = []
        self.finished: set[str] = set()
        self.closing: set[int] = set()
        desk.engine.trade_finished.connect(self.finished.add)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.step)

    def submitted_at_least(self, count: int) -> bool:
        return len(self.submitted) >= count

    @pyqtSlot()
    def step(self) -> None:
        if self.desk.state.of(MAIN).status.state is not ConnectionState.CONNECTED:
            return
        if len(self.submitted) - len(self.finished) >= MAX_WAITING:
            return
        mine = sorted(
            ticket
            for ticket, position in self.desk.state.of(MAIN).positions.items()
            if trade_id_in(position.comment) and ticket not in self.closing
        )
        if len(mine) >= MAX_OPEN:
            self.closing.add(mine[0])
            request = OrderRequest(action=OrderAction.CLOSE, symbol=SYMBOL, ticket=mine[0])
        else:
            request = OrderRequest(action=OrderAction.OPEN, symbol=SYMBOL, side=Side.BUY, volume=0.01)
        command = TradeCommand.manual(request, MAIN)
        self.submitted.append(command.trade_id)
        self.desk.submit(command)


def restarted(desk: Desk, incarnation: int) -> bool:
    return desk.host.incarnation == incarnation


def test_twenty_kills_of_the_host_while_trading_lose_nothing_and_send_nothing_twice(
    qtbot: QtBot, make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    desk = make_desk(sim_clock=ClockSpec())
    sim = simulator_of(desk)
    sim.set_latency(0.01)
    sim.set_reply_latency(0.05)  # orders stand a while before their answer: kills land mid-order too
    errors: list[Event] = []
    desk.hub.trade_error.connect(errors.append)
    trader = Trader(desk)
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=15_000)
    trader.timer.start(30)
    rng = random.Random(11)
    for cycle in range(1, CYCLES + 1):
        qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=20_000)
        qtbot.waitUntil(partial(trader.submitted_at_least, len(trader.submitted) + 2), timeout=10_000)
        qtbot.wait(rng.randint(0, 150))
        pid = desk.host.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        qtbot.waitUntil(partial(restarted, desk, cycle + 1), timeout=10_000)
    trader.timer.stop()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=20_000)
    qtbot.waitUntil(lambda: set(trader.submitted) <= trader.finished, timeout=20_000)
    qtbot.waitUntil(lambda: desk.journal.pending_trades() == [], timeout=20_000)
    qtbot.waitUntil(lambda: set(desk.state.of(MAIN).positions) == set(sim.positions()), timeout=10_000)
    assert desk.state.of(MAIN).positions.keys() == sim.positions().keys()
    sim.set_reply_latency(0.0)
    assert desk.stop(15)

    assert integrity(tmp_path) == ["ok"]
    rows = assert_the_books_agree(tmp_path)
    lost = [trade_id for trade_id in trader.submitted if trade_id not in rows]
    assert lost == [], f"{len(lost)} submitted orders have no journal row"
    assert len(trader.submitted) >= 2 * CYCLES
    assert errors  # some kills hit an order on its way, and the trader was told
    print(f"\n{CYCLES} kills, {len(trader.submitted)} orders, {len(errors)} trade errors")
