"""The terminal host's loops, seen from the desk: what happens in MetaTrader 5 reaches the bus within one
P&L interval, nothing redundant, and the link recovers by itself. A real desk with its host process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, NoticeLevel, TradeSource, TradeStatus
from app.core.events import (
    AccountsUpdate,
    AccountUpdate,
    Event,
    Notice,
    PnlUpdate,
    PositionsUpdate,
    StatusUpdate,
)
from app.engine.commands import LinkCommand
from app.engine.desk import Desk
from app.engine.intervals import Intervals
from app.engine.sim_controls import SimulatorControls
from app.storage.journal import Journal, TradeRecord

from .conftest import FAST, EventRecorder, connected, simulator_of


def wait_for(
    qtbot: QtBot, recorder: EventRecorder, match: Callable[[Event], bool], timeout_s: float = 5.0
) -> tuple[Event, float]:
    """The first recorded event that matches, and the seconds it took to arrive."""
    started = time.monotonic()
    found: list[Event] = []

    def seen() -> bool:
        found[:] = [e for e in recorder.events if match(e)]
        return bool(found)

    qtbot.waitUntil(seen, timeout=int(timeout_s * 1000))
    return found[0], time.monotonic() - started


def update_with(kind: str, ticket: int) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, PositionsUpdate) and ticket in getattr(e, kind)


def state_is(state: ConnectionState) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, StatusUpdate) and e.status.state is state


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    return make_desk()


@pytest.fixture
def recorder(desk: Desk) -> EventRecorder:
    return EventRecorder(desk.hub)


@pytest.fixture
def running(qtbot: QtBot, desk: Desk, recorder: EventRecorder) -> Desk:
    desk.start()
    wait_for(qtbot, recorder, connected, timeout_s=15)
    return desk


@pytest.fixture
def sim(running: Desk) -> SimulatorControls:
    return simulator_of(running)


def test_connect_publishes_account_then_positions_then_connected_status(
    qtbot: QtBot, seed_terminal: Callable[..., Any], desk: Desk, recorder: EventRecorder
) -> None:
    ticket = seed_terminal().open_external("EURUSD", "buy", 0.1)
    desk.start()
    wait_for(qtbot, recorder, connected, timeout_s=15)
    kinds = [type(e) for e in recorder.events if not isinstance(e, Notice | AccountsUpdate)]
    assert kinds[:3] == [AccountUpdate, PositionsUpdate, StatusUpdate]
    assert recorder.of(PositionsUpdate)[0].added == (ticket,)
    status = recorder.of(StatusUpdate)[-1].status
    assert status.account_number == 5_012_345 and status.positions_count == 1 and status.simulated


def test_the_terminal_runs_in_a_host_process_of_its_own(running: Desk) -> None:
    import os

    assert running.host.pid is not None and running.host.pid != os.getpid()


def test_external_open_appears_within_one_pnl_interval(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("GBPUSD", "sell", 0.2, comment="by hand")
    event, elapsed = wait_for(qtbot, recorder, update_with("added", ticket))
    assert elapsed < FAST.positions_s  # the 1 s loop caught it, not the 3 s one
    assert isinstance(event, PositionsUpdate)
    (position,) = event.positions
    assert (position.symbol, position.volume, position.comment) == ("GBPUSD", 0.2, "by hand")


def test_external_sl_change_is_reported_as_modified_with_the_full_record(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    bid = sim.tick("EURUSD").bid
    sim.modify_external(ticket, sl=round(bid - 0.005, 5))
    event, elapsed = wait_for(qtbot, recorder, update_with("modified", ticket))
    assert elapsed < FAST.positions_s
    assert isinstance(event, PositionsUpdate)
    assert event.positions[0].sl == pytest.approx(round(bid - 0.005, 5))


def test_partial_close_is_a_modification_and_its_deal_is_journaled(
    qtbot: QtBot, sim: SimulatorControls, running: Desk, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.3)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.close_external(ticket, 0.1)
    event, _ = wait_for(qtbot, recorder, update_with("modified", ticket))
    assert isinstance(event, PositionsUpdate)
    assert event.positions[0].volume == pytest.approx(0.2)
    journal = running.journal
    qtbot.waitUntil(lambda: _trade_for(journal, ticket).closed_volume == pytest.approx(0.1), timeout=3000)
    assert _trade_for(journal, ticket).status is TradeStatus.OPEN


def test_external_close_is_reported_removed_and_the_trade_closed_in_the_journal(
    qtbot: QtBot, sim: SimulatorControls, running: Desk, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("USDJPY", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.close_external(ticket)
    _, elapsed = wait_for(qtbot, recorder, update_with("removed", ticket))
    assert elapsed < FAST.positions_s
    journal = running.journal
    qtbot.waitUntil(lambda: _trade_for(journal, ticket).status is TradeStatus.CLOSED, timeout=3000)
    trade = _trade_for(journal, ticket)
    assert trade.source is TradeSource.EXTERNAL and trade.price_close is not None


def test_price_move_publishes_pnl_update_for_the_moved_positions_only(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    recorder.clear()
    sim.clock.advance(90)
    event, elapsed = wait_for(qtbot, recorder, lambda e: isinstance(e, PnlUpdate))
    assert elapsed < FAST.positions_s
    assert isinstance(event, PnlUpdate)
    assert set(event.pnl) == {ticket}
    price, profit = event.pnl[ticket]
    assert price == sim.positions()[ticket].price_current
    assert event.floating_total == pytest.approx(profit, abs=0.01)


def test_idle_terminal_publishes_no_position_pnl_or_account_events(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    sim.open_external("EURUSD", "buy", 0.1)
    qtbot.wait(int(FAST.positions_s * 1000))  # let the open settle
    recorder.clear()
    qtbot.wait(int(FAST.positions_s * 3 * 1000))  # several rounds of every loop, market clock frozen
    assert [e for e in recorder.events if isinstance(e, PositionsUpdate | PnlUpdate | AccountUpdate)] == []


def test_heartbeat_publishes_status_with_ping_and_trade_allowed(
    qtbot: QtBot, running: Desk, recorder: EventRecorder
) -> None:
    recorder.clear()
    event, _ = wait_for(
        qtbot, recorder, lambda e: isinstance(e, StatusUpdate), timeout_s=FAST.heartbeat_s * 3
    )
    assert isinstance(event, StatusUpdate)
    status = event.status
    assert status.state is ConnectionState.CONNECTED
    assert status.trade_allowed and status.ping_ms is not None and status.last_heartbeat is not None


def test_algo_trading_off_shows_in_the_next_heartbeat(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    sim.set_algo_trading(False)
    wait_for(
        qtbot,
        recorder,
        lambda e: isinstance(e, StatusUpdate) and not e.status.trade_allowed,
        timeout_s=FAST.heartbeat_s * 3,
    )


def test_disconnect_is_noticed_within_two_positions_intervals(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    sim.disconnect()
    _, elapsed = wait_for(qtbot, recorder, state_is(ConnectionState.DISCONNECTED))
    assert elapsed < 2 * FAST.positions_s
    notice, _ = wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and e.level is NoticeLevel.ERROR)
    assert isinstance(notice, Notice) and "MetaTrader 5" in notice.text


def test_reconnects_with_backoff_after_the_terminal_returns(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    sim.disconnect()
    wait_for(qtbot, recorder, state_is(ConnectionState.RECONNECTING))
    qtbot.wait(300)  # several failed attempts while the terminal is away
    assert not [e for e in recorder.of(StatusUpdate)[-1:] if e.status.state is ConnectionState.CONNECTED]
    recorder.clear()
    sim.restore()
    wait_for(qtbot, recorder, connected)


def test_position_closed_during_outage_is_removed_and_journaled_after_reconnect(
    qtbot: QtBot, sim: SimulatorControls, running: Desk, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "sell", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.disconnect()
    wait_for(qtbot, recorder, state_is(ConnectionState.RECONNECTING))
    sim.close_external(ticket)
    sim.restore()
    wait_for(qtbot, recorder, update_with("removed", ticket))
    journal = running.journal
    qtbot.waitUntil(lambda: _trade_for(journal, ticket).status is TradeStatus.CLOSED, timeout=3000)


def test_an_unanswered_read_is_never_taken_as_no_positions(
    qtbot: QtBot, sim: SimulatorControls, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.disconnect()
    qtbot.wait(int(FAST.positions_s * 2 * 1000))
    assert not [e for e in recorder.of(PositionsUpdate) if ticket in e.removed]


def test_disconnect_on_request_stays_disconnected_until_asked_to_connect(
    qtbot: QtBot, running: Desk, recorder: EventRecorder
) -> None:
    running.submit(LinkCommand(connect=False))
    wait_for(qtbot, recorder, state_is(ConnectionState.DISCONNECTED))
    recorder.clear()
    qtbot.wait(500)  # no reconnect attempts on its own
    assert not [e for e in recorder.of(StatusUpdate) if e.status.state is not ConnectionState.DISCONNECTED]
    running.submit(LinkCommand(connect=True))
    wait_for(qtbot, recorder, connected)


def test_only_the_heartbeat_publishes_status_while_nothing_changes(
    qtbot: QtBot, make_desk: Callable[..., Desk]
) -> None:
    # A long heartbeat and short positions loop: a status every positions interval would show at once.
    desk = make_desk(Intervals(pnl_s=0.1, positions_s=0.3, account_s=0.3, heartbeat_s=60.0))
    recorder = EventRecorder(desk.hub)
    desk.start()
    wait_for(qtbot, recorder, connected, timeout_s=15)
    recorder.clear()
    qtbot.wait(1500)
    assert recorder.of(StatusUpdate) == []


def _trade_for(journal: Journal, ticket: int) -> TradeRecord:
    trades = [t for t in journal.open_trades() if t.position_ticket == ticket]
    trades += [t for t in journal.closed_trades() if t.position_ticket == ticket]
    assert trades, f"no journal row for position {ticket}"
    return trades[0]
