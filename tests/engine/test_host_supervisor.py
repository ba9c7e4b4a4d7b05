"""The desk watches its terminal host from outside: a call that hangs makes the link STALE and says what
MetaTrader 5 is doing; a host that stays silent is killed; a host that dies (kill -9) is restarted and
reconciled; orders are refused while the link is stale, and an order a dead host had taken is decided from
the terminal's records, never sent twice."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, DealEntry, NoticeLevel, OrderAction, Side, TradeStatus
from app.core.events import Event, Notice, StatusUpdate, TradeError
from app.core.models import Deal, OrderRequest
from app.engine.commands import LinkCommand, TradeCommand, trade_id_in
from app.engine.desk import Desk
from app.engine.desk_engine import NOT_HANDED_OVER
from app.engine.reconcile import NOT_EXECUTED
from app.engine.sim_controls import SimulatorControls
from tests.one_account import MAIN

from .conftest import FAST, EventRecorder, simulator_of

THRESHOLD_S = FAST.stale_after_s  # a call running this long makes the link STALE
EURUSD_BUY = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1)


def status_of(desk: Desk) -> ConnectionState:
    return desk.state.of(MAIN).status.state


def first(recorder: EventRecorder, match: Callable[[Event], bool]) -> Event | None:
    return next((e for e in recorder.events if match(e)), None)


def wait_state(qtbot: QtBot, desk: Desk, state: ConnectionState, timeout_s: float = 15.0) -> None:
    qtbot.waitUntil(lambda: status_of(desk) is state, timeout=int(timeout_s * 1000))


@pytest.fixture
def make_running(qtbot: QtBot, make_desk: Callable[..., Desk]) -> Callable[..., tuple[Desk, EventRecorder]]:
    def make(**options: Any) -> tuple[Desk, EventRecorder]:
        desk = make_desk(**{"timeout_ms": 2_000, **options})
        recorder = EventRecorder(desk.hub)
        desk.start()
        wait_state(qtbot, desk, ConnectionState.CONNECTED)
        return desk, recorder

    return make


def test_a_hung_call_makes_the_link_stale_within_two_seconds_of_the_threshold_saying_what_mt5_does(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, _ = make_running(host_silent_limit_s=60.0)
    sim = simulator_of(desk)
    hung_at = time.monotonic()
    sim.hang()
    try:
        wait_state(qtbot, desk, ConnectionState.STALE, timeout_s=THRESHOLD_S + 5)
        late = time.monotonic() - hung_at - THRESHOLD_S
        assert late <= 2.0, f"STALE came {late:.1f} s after the threshold"
        assert re.fullmatch(r"MetaTrader 5 is busy: \w+ for \d+ s", desk.state.of(MAIN).status.message)
    finally:
        sim.release()
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
    assert desk.host.incarnation == 1  # a busy terminal is waited for, not restarted


def test_an_order_while_the_link_is_stale_is_refused_at_once_and_never_sent(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, recorder = make_running(host_silent_limit_s=60.0)
    sim = simulator_of(desk)
    sim.hang()
    try:
        wait_state(qtbot, desk, ConnectionState.STALE, timeout_s=THRESHOLD_S + 5)
        command = TradeCommand.manual(EURUSD_BUY, MAIN)
        desk.submit(command)
        qtbot.waitUntil(
            lambda: first(recorder, lambda e: isinstance(e, TradeError)) is not None, timeout=2000
        )
    finally:
        sim.release()
    error = first(recorder, lambda e: isinstance(e, TradeError))
    assert isinstance(error, TradeError) and error.trade_id == command.trade_id
    assert "not answering" in error.error
    record = desk.journal.find_trade(command.trade_id)
    assert record is not None and record.status is TradeStatus.FAILED
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
    assert [c for _, c in sim.sent_orders() if trade_id_in(c) == command.trade_id] == []


def test_a_host_silent_past_its_limit_is_killed_restarted_and_the_trader_told(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, recorder = make_running(host_silent_limit_s=3.0)
    sim = simulator_of(desk)
    first_pid = desk.host.pid
    sim.hang()
    try:
        qtbot.waitUntil(lambda: desk.host.incarnation == 2, timeout=15_000)
        reconnecting = first(
            recorder,
            lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.RECONNECTING,
        )
        assert isinstance(reconnecting, StatusUpdate)
        assert re.match(r"MetaTrader 5 \w+ did not return for \d+ s", reconnecting.status.message)
        notice = first(recorder, lambda e: isinstance(e, Notice) and e.title == "Terminal host restarted")
        assert isinstance(notice, Notice) and notice.level is NoticeLevel.WARNING
        assert "none is sent twice" in notice.text
    finally:
        sim.release()
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
    assert desk.host.pid not in (None, first_pid)


def test_a_host_killed_with_sigkill_is_restarted_and_the_desk_shows_the_terminals_positions(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, recorder = make_running()
    sim = simulator_of(desk)
    kept = sim.open_external("EURUSD", "buy", 0.1)
    gone = sim.open_external("GBPUSD", "sell", 0.2)
    qtbot.waitUntil(lambda: {kept, gone} <= set(desk.state.of(MAIN).positions), timeout=5000)
    pid = desk.host.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: desk.host.incarnation == 2, timeout=10_000)
    sim.close_external(gone)  # while the first host is dead
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
    qtbot.waitUntil(lambda: set(desk.state.of(MAIN).positions) == set(sim.positions()), timeout=5000)
    assert set(desk.state.of(MAIN).positions) == {kept}
    lost = first(recorder, lambda e: isinstance(e, StatusUpdate) and "signal 9" in e.status.message)
    assert lost is not None


def test_an_order_a_killed_host_had_sent_is_found_executed_after_the_restart_and_not_sent_again(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]], tmp_path: Path
) -> None:
    desk, recorder = make_running()
    sim = simulator_of(desk)
    sim.set_reply_latency(5.0)  # the order fills, then its answer takes 5 s to come back
    command = TradeCommand.manual(EURUSD_BUY, MAIN)
    desk.submit(command)
    # Filled and saved by the simulated server, while the answer is still on its way.
    qtbot.waitUntil(lambda: command.trade_id in _saved_deal_ids(tmp_path / "sim.json"), timeout=10_000)
    assert desk.host.board.read().call == "order_send"
    pid = desk.host.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    sim.set_reply_latency(0.0)
    qtbot.waitUntil(lambda: desk.host.incarnation == 2, timeout=10_000)
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
    qtbot.waitUntil(lambda: _status(desk, command.trade_id) is TradeStatus.OPEN, timeout=10_000)
    error = first(recorder, lambda e: isinstance(e, TradeError) and e.trade_id == command.trade_id)
    assert isinstance(error, TradeError) and "may or may not have been executed" in error.error
    assert [d.entry for d in _deals_of(sim, command.trade_id)] == [DealEntry.IN]  # executed once

    def checked() -> Event | None:
        return first(recorder, lambda e: isinstance(e, Notice) and e.title == "Pending orders checked")

    qtbot.waitUntil(lambda: checked() is not None, timeout=5000)
    notice = checked()
    assert isinstance(notice, Notice) and "1 order(s) had executed" in notice.text


def test_an_order_a_killed_host_never_sent_is_marked_failed_after_the_restart_and_not_sent(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, _ = make_running(host_silent_limit_s=60.0)
    sim = simulator_of(desk)
    sim.hang()
    command = TradeCommand.manual(EURUSD_BUY, MAIN)
    desk.submit(command)  # before the link is STALE: it reaches the hung host's pipe
    qtbot.waitUntil(lambda: _status(desk, command.trade_id) is TradeStatus.PENDING, timeout=2000)
    pid = desk.host.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    sim.release()
    qtbot.waitUntil(lambda: desk.host.incarnation == 2, timeout=10_000)
    qtbot.waitUntil(lambda: _status(desk, command.trade_id) is TradeStatus.FAILED, timeout=15_000)
    record = desk.journal.find_trade(command.trade_id)
    # Either it was still in the desk's send queue (certainly not sent) or in the dead host's pipe (the
    # terminal's records, after the restart, show it never executed): failed either way, never sent.
    assert record is not None and record.error in (NOT_EXECUTED, NOT_HANDED_OVER)
    assert _deals_of(sim, command.trade_id) == []


def test_more_orders_than_may_wait_for_the_terminal_are_refused_with_a_message(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, recorder = make_running(host_silent_limit_s=60.0, max_orders_waiting=2)
    sim = simulator_of(desk)
    sim.hang()
    try:
        commands = [TradeCommand.manual(EURUSD_BUY, MAIN) for _ in range(3)]
        for command in commands:
            desk.submit(command)
        qtbot.waitUntil(
            lambda: first(recorder, lambda e: isinstance(e, TradeError)) is not None, timeout=2000
        )
    finally:
        sim.release()
    error = first(recorder, lambda e: isinstance(e, TradeError))
    assert isinstance(error, TradeError) and error.trade_id == commands[2].trade_id
    assert "2 orders are already waiting for MetaTrader 5" in error.error


def test_the_simulators_switches_and_clock_outlive_a_restarted_host(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, _ = make_running()
    sim = simulator_of(desk)
    sim.set_algo_trading(False)
    sim.clock.advance(3600)
    moved_to = sim.clock.now()
    pid = desk.host.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: desk.host.incarnation == 2, timeout=10_000)
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
    qtbot.waitUntil(lambda: not desk.state.of(MAIN).status.trade_allowed, timeout=5000)
    assert sim.tick("EURUSD").time.timestamp() <= moved_to
    assert sim.clock.now() == moved_to


def _deals_of(sim: SimulatorControls, trade_id: str) -> list[Deal]:
    """The terminal's deals (kept across host restarts, unlike a host's memory) carrying this trade id."""
    deals = sim.deals(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    return [deal for deal in deals if trade_id_in(deal.comment) == trade_id]


def _saved_deal_ids(state_file: Path) -> set[str]:
    """Trade ids of the deals the simulated server has saved (its state file is replaced atomically)."""
    if not state_file.exists():
        return set()
    deals = json.loads(state_file.read_text(encoding="utf-8"))["deals"]
    return {i for i in (trade_id_in(d["comment"]) for d in deals) if i}


def _status(desk: Desk, trade_id: str) -> TradeStatus | None:
    record = desk.journal.find_trade(trade_id)
    return None if record is None else record.status


def test_a_host_restarted_after_the_trader_disconnected_stays_disconnected(
    qtbot: QtBot, make_running: Callable[..., tuple[Desk, EventRecorder]]
) -> None:
    desk, _ = make_running()
    desk.submit(LinkCommand(connect=False))
    wait_state(qtbot, desk, ConnectionState.DISCONNECTED)
    pid = desk.host.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: desk.host.incarnation == 2, timeout=10_000)
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.message == "Disconnected on request", timeout=10_000)
    qtbot.wait(500)
    assert status_of(desk) is ConnectionState.DISCONNECTED
    desk.submit(LinkCommand(connect=True))
    wait_state(qtbot, desk, ConnectionState.CONNECTED)
