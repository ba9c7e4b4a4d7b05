"""Orders expire instead of being sent late: during a 40 s hang of the terminal, 20 orders are placed; the
first ones wait in the host's pipe and are dropped there once past their deadline, the others are refused
at once because the link is stale. None reaches the trade server, then or after the terminal recovers."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, OrderAction, Side, TradeStatus
from app.core.events import TradeError
from app.core.models import OrderRequest
from app.engine.commands import TradeCommand, trade_id_in
from app.engine.desk import Desk
from app.engine.intervals import Intervals
from tests.one_account import MAIN

from .conftest import simulator_of

pytestmark = pytest.mark.slow

HANG_S = 40.0
ORDERS = 20
DEADLINE_S = 5.0
# Production loop periods: a call running 6 s makes the link STALE.
INTERVALS = Intervals(pnl_s=1.0, positions_s=3.0, account_s=5.0, heartbeat_s=30.0)


def test_twenty_orders_placed_during_a_40_s_hang_are_never_sent_late(
    qtbot: QtBot, make_desk: Callable[..., Desk]
) -> None:
    # The silent limit is beyond the hang, so the queued orders really wait in the live host's pipe.
    desk = make_desk(INTERVALS, order_deadline_s=DEADLINE_S, host_silent_limit_s=HANG_S + 30)
    errors: list[TradeError] = []
    desk.hub.trade_error.connect(errors.append)
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=15_000)
    sim = simulator_of(desk)
    request = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1)
    commands = [TradeCommand.manual(request, MAIN) for _ in range(ORDERS)]
    placed: dict[str, float] = {}
    sim.hang()
    started = time.monotonic()
    try:
        for index, command in enumerate(commands):
            qtbot.wait(max(0, int((started + index * HANG_S / ORDERS - time.monotonic()) * 1000)))
            placed[command.trade_id] = command.created_at
            desk.submit(command)
        qtbot.wait(max(0, int((started + HANG_S - time.monotonic()) * 1000)))
    finally:
        sim.release()
    qtbot.waitUntil(lambda: len(errors) >= ORDERS, timeout=30_000)

    deadlines = {trade_id: created + DEADLINE_S for trade_id, created in placed.items()}
    sent_late = [
        (c, t)
        for t, c in sim.sent_orders()
        if trade_id_in(c) in deadlines and t > deadlines[trade_id_in(c) or ""]
    ]
    assert sent_late == []
    assert [c for _, c in sim.sent_orders() if trade_id_in(c) in placed] == []  # not even in time: hung
    assert sim.positions() == {}
    by_id = {error.trade_id: error for error in errors}
    assert set(by_id) == set(placed)
    expired = [e for e in by_id.values() if "behind a busy terminal" in e.error]
    refused = [e for e in by_id.values() if "not answering" in e.error]
    assert len(expired) + len(refused) == ORDERS
    assert expired and refused  # some waited in the pipe, the rest were refused while STALE
    for error in expired:
        waited = int(re.search(r"waited (\d+) s", error.error).group(1))
        assert waited > DEADLINE_S
    for trade_id in placed:
        record = desk.journal.find_trade(trade_id)
        assert record is not None and record.status is TradeStatus.FAILED
