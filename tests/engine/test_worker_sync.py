"""TerminalWorker: what happens in MetaTrader 5 reaches the bus within one P&L interval, nothing redundant."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, NoticeLevel, TradeSource, TradeStatus
from app.core.events import AccountUpdate, Event, Notice, PnlUpdate, PositionsUpdate, StatusUpdate
from app.engine.hub import EventHub
from app.engine.worker import TerminalWorker
from app.storage.journal import Journal
from app.storage.records import TradeRecord
from app.terminal.simulator import ManualClock, SimulatedTerminal

from .conftest import FAST, EventRecorder, MakeWorker


def wait_for(
    qtbot: QtBot, recorder: EventRecorder, match: Callable[[Event], bool], timeout_s: float = 5.0
) -> tuple[Any, float]:
    """The first recorded event that matches, and the seconds it took to arrive.

    Any: the matcher is a plain predicate, so only the test knows which event type it matched.
    """
    started = time.monotonic()
    found: list[Event] = []

    def seen() -> bool:
        found[:] = [e for e in recorder.events if match(e)]
        return bool(found)

    qtbot.waitUntil(seen, timeout=int(timeout_s * 1000))
    return found[0], time.monotonic() - started


def connected(event: Event) -> bool:
    return isinstance(event, StatusUpdate) and event.status.state is ConnectionState.CONNECTED


def update_with(kind: str, ticket: int) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, PositionsUpdate) and ticket in getattr(e, kind)


@pytest.fixture
def running(qtbot: QtBot, make_worker: MakeWorker, recorder: EventRecorder) -> TerminalWorker:
    worker = make_worker()
    wait_for(qtbot, recorder, connected)
    return worker


def test_connect_publishes_account_then_positions_then_connected_status(
    qtbot: QtBot, sim: SimulatedTerminal, make_worker: MakeWorker, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    make_worker()
    wait_for(qtbot, recorder, connected)
    kinds = [type(e) for e in recorder.events if not isinstance(e, Notice)]
    assert kinds[:3] == [AccountUpdate, PositionsUpdate, StatusUpdate]
    assert recorder.of(PositionsUpdate)[0].added == (ticket,)
    status = recorder.of(StatusUpdate)[-1].status
    assert status.account_number == 5_012_345 and status.positions_count == 1 and status.simulated


def test_external_open_appears_within_one_pnl_interval(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("GBPUSD", "sell", 0.2, comment="by hand")
    event, elapsed = wait_for(qtbot, recorder, update_with("added", ticket))
    assert elapsed < FAST.positions_s  # the 1 s loop caught it, not the 3 s one
    (position,) = event.positions
    assert (position.symbol, position.volume, position.comment) == ("GBPUSD", 0.2, "by hand")


def test_external_sl_change_is_reported_as_modified_with_the_full_record(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    bid = sim.symbol_info_tick("EURUSD").bid
    sim.modify_external(ticket, sl=round(bid - 0.005, 5))
    event, elapsed = wait_for(qtbot, recorder, update_with("modified", ticket))
    assert elapsed < FAST.positions_s
    assert event.positions[0].sl == pytest.approx(round(bid - 0.005, 5))


def test_partial_close_is_a_modification_and_its_deal_is_journaled(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder, journal: Journal
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.3)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.close_external(ticket, 0.1)
    event, _ = wait_for(qtbot, recorder, update_with("modified", ticket))
    assert event.positions[0].volume == pytest.approx(0.2)
    qtbot.waitUntil(lambda: _trade_for(journal, ticket).closed_volume == pytest.approx(0.1), timeout=3000)
    assert _trade_for(journal, ticket).status is TradeStatus.OPEN


def test_external_close_is_reported_removed_and_the_trade_closed_in_the_journal(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder, journal: Journal
) -> None:
    ticket = sim.open_external("USDJPY", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.close_external(ticket)
    _, elapsed = wait_for(qtbot, recorder, update_with("removed", ticket))
    assert elapsed < FAST.positions_s
    qtbot.waitUntil(lambda: _trade_for(journal, ticket).status is TradeStatus.CLOSED, timeout=3000)
    trade = _trade_for(journal, ticket)
    assert trade.source is TradeSource.EXTERNAL and trade.price_close is not None


def test_price_move_publishes_pnl_update_for_the_moved_positions_only(
    qtbot: QtBot, sim: SimulatedTerminal, clock: ManualClock, running: TerminalWorker, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    recorder.clear()
    clock.advance(90)
    event, elapsed = wait_for(qtbot, recorder, lambda e: isinstance(e, PnlUpdate))
    assert elapsed < FAST.positions_s
    assert set(event.pnl) == {ticket}
    price, profit = event.pnl[ticket]
    assert price == sim.positions_get(ticket=ticket)[0].price_current
    assert event.floating_total == pytest.approx(profit, abs=0.01)


def test_idle_terminal_publishes_no_position_pnl_or_account_events(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    sim.open_external("EURUSD", "buy", 0.1)
    qtbot.wait(int(FAST.positions_s * 1000))  # let the open settle
    recorder.clear()
    qtbot.wait(int(FAST.positions_s * 3 * 1000))  # several rounds of every loop, market clock frozen
    assert [e for e in recorder.events if isinstance(e, PositionsUpdate | PnlUpdate | AccountUpdate)] == []


def test_heartbeat_publishes_status_with_ping_and_trade_allowed(
    qtbot: QtBot, running: TerminalWorker, recorder: EventRecorder
) -> None:
    recorder.clear()
    event, _ = wait_for(
        qtbot, recorder, lambda e: isinstance(e, StatusUpdate), timeout_s=FAST.heartbeat_s * 3
    )
    status = event.status
    assert status.state is ConnectionState.CONNECTED
    assert status.trade_allowed and status.ping_ms is not None and status.last_heartbeat is not None


def test_algo_trading_off_shows_in_the_next_heartbeat(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    sim.set_algo_trading(False)
    wait_for(
        qtbot,
        recorder,
        lambda e: isinstance(e, StatusUpdate) and not e.status.trade_allowed,
        timeout_s=FAST.heartbeat_s * 3,
    )


def test_disconnect_is_noticed_within_two_positions_intervals(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    sim.disconnect()
    _, elapsed = wait_for(
        qtbot,
        recorder,
        lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.DISCONNECTED,
    )
    assert elapsed < 2 * FAST.positions_s
    notice, _ = wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and e.level is NoticeLevel.ERROR)
    assert "MetaTrader 5" in notice.text


def test_reconnects_with_backoff_after_the_terminal_returns(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    sim.disconnect()
    wait_for(
        qtbot,
        recorder,
        lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.RECONNECTING,
    )
    qtbot.wait(300)  # several failed attempts while the terminal is away
    assert not [e for e in recorder.of(StatusUpdate)[-1:] if e.status.state is ConnectionState.CONNECTED]
    recorder.clear()
    sim.restore()
    wait_for(qtbot, recorder, connected)


def test_position_closed_during_outage_is_removed_and_journaled_after_reconnect(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder, journal: Journal
) -> None:
    ticket = sim.open_external("EURUSD", "sell", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.disconnect()
    wait_for(
        qtbot,
        recorder,
        lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.RECONNECTING,
    )
    sim.close_external(ticket)
    sim.restore()
    wait_for(qtbot, recorder, update_with("removed", ticket))
    qtbot.waitUntil(lambda: _trade_for(journal, ticket).status is TradeStatus.CLOSED, timeout=3000)


def test_an_unanswered_read_is_never_taken_as_no_positions(
    qtbot: QtBot, sim: SimulatedTerminal, running: TerminalWorker, recorder: EventRecorder
) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    wait_for(qtbot, recorder, update_with("added", ticket))
    sim.disconnect()
    qtbot.wait(int(FAST.positions_s * 2 * 1000))
    assert not [e for e in recorder.of(PositionsUpdate) if ticket in e.removed]


class FlakyAccountTerminal(SimulatedTerminal):
    """A terminal whose account read raises a bug-like error a few times, then recovers."""

    failures = 3

    def account_info(self) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("account decoder blew up")
        return super().account_info()


def test_an_exception_in_a_loop_is_reported_once_and_the_loop_goes_on(
    qtbot: QtBot, clock: ManualClock, tmp_path: Path, hub: EventHub, journal: Journal
) -> None:
    from .conftest import EventRecorder as Recorder

    flaky = FlakyAccountTerminal(clock=clock, state_path=tmp_path / "flaky.json")
    flaky.failures = 0  # connect cleanly first
    recorder = Recorder(hub)
    from app.core.enums import Backend
    from app.engine.worker import TerminalWorker
    from app.terminal.adapter import Terminal
    from app.terminal.backend import BackendSelection

    def opener() -> BackendSelection:
        terminal = Terminal(flaky, Backend.SIM)
        terminal.connect()
        return BackendSelection(terminal, Backend.SIM, True, "")

    worker = TerminalWorker(opener, lambda t: t.connect(), hub, journal, FAST)
    worker.start()
    try:
        wait_for(qtbot, recorder, connected)
        flaky.failures = 3
        wait_for(qtbot, recorder, lambda e: isinstance(e, Notice) and "account decoder" in e.text)
        flaky.deposit(250.0)
        wait_for(qtbot, recorder, lambda e: isinstance(e, AccountUpdate) and e.account.balance == 10_250.0)
        assert len([e for e in recorder.of(Notice) if "account decoder" in e.text]) == 1
    finally:
        assert worker.stop(10)


def _trade_for(journal: Journal, ticket: int) -> TradeRecord:
    trades = [t for t in journal.open_trades() if t.position_ticket == ticket]
    trades += [t for t in journal.closed_trades() if t.position_ticket == ticket]
    assert trades, f"no journal row for position {ticket}"
    return trades[0]


def test_watchdog_declares_stale_when_the_worker_is_stuck_in_slow_calls(
    qtbot: QtBot, sim: SimulatedTerminal, hub: EventHub, make_worker: MakeWorker, recorder: EventRecorder
) -> None:
    from app.engine.watchdog import Watchdog

    worker = make_worker()
    watchdog = Watchdog(worker, hub, stale_after_s=FAST.stale_after_s)  # before any status is delivered
    wait_for(qtbot, recorder, connected)
    sim.set_latency(FAST.stale_after_s * 1.5)  # every call now blocks the worker longer than the limit
    try:
        _, elapsed = wait_for(
            qtbot,
            recorder,
            lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.STALE,
            timeout_s=4 * FAST.stale_after_s,
        )
        assert elapsed < 3 * FAST.stale_after_s
    finally:
        sim.set_latency(0.0)
        watchdog.deleteLater()


def test_disconnect_on_request_stays_disconnected_until_asked_to_connect(
    qtbot: QtBot, running: TerminalWorker, recorder: EventRecorder
) -> None:
    from app.engine.commands import LinkCommand

    running.submit(LinkCommand(connect=False))
    wait_for(
        qtbot,
        recorder,
        lambda e: isinstance(e, StatusUpdate) and e.status.state is ConnectionState.DISCONNECTED,
    )
    recorder.clear()
    qtbot.wait(500)  # no reconnect attempts on its own
    assert not [e for e in recorder.of(StatusUpdate) if e.status.state is not ConnectionState.DISCONNECTED]
    running.submit(LinkCommand(connect=True))
    wait_for(qtbot, recorder, connected)


def test_only_the_heartbeat_publishes_status_while_nothing_changes(
    qtbot: QtBot, make_worker: MakeWorker, recorder: EventRecorder
) -> None:
    from app.engine.worker import Intervals

    # A long heartbeat and short positions loop: a status every positions interval would show at once.
    make_worker(Intervals(pnl_s=0.1, positions_s=0.3, account_s=0.3, heartbeat_s=60.0))
    wait_for(qtbot, recorder, connected)
    recorder.clear()
    qtbot.wait(1500)
    assert recorder.of(StatusUpdate) == []
