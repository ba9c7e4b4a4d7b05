"""HostLoop on its own, in a thread with a channel of objects (no process, no Qt): what the terminal host
does with each request, and what it refuses. The desk-level tests run the same loop in its process."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend, ConnectionState, OrderAction, Side
from app.core.events import AccountUpdate, Notice, PositionsUpdate, StatusUpdate
from app.core.models import OrderRequest
from app.engine.host.channel import QueueChannel
from app.engine.host.controls import OpenExternal
from app.engine.host.loop import HostLoop
from app.engine.host.messages import (
    ControlDone,
    DealsFound,
    Linked,
    OrderCommand,
    OrderOutcome,
    Outcome,
    QueryFailed,
    SimSettings,
    Start,
    Stop,
)
from app.engine.host.protocol import Message
from app.engine.host.queries import SpecQuery
from app.terminal.adapter import Terminal
from app.terminal.backend import BackendSelection
from app.terminal.simulator import ManualClock, SimulatedTerminal

from .conftest import FAST, WEDNESDAY

TRADE_ID = "0123456789"


@dataclass
class LoopRig:
    """A HostLoop serving in a thread; the test holds the desk's end of its channel."""

    sim: SimulatedTerminal
    desk_end: QueueChannel
    thread: threading.Thread
    received: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.desk_end.send(message)

    def wait_for(self, match: Callable[[Message], bool], timeout_s: float = 5.0) -> Message:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [m for m in self.received if match(m)]
            if found:
                return found[0]
            if self.desk_end.poll(0.05):
                self.received.append(self.desk_end.receive())
        raise AssertionError(
            f"nothing matched within {timeout_s} s; got {[type(m).__name__ for m in self.received]}"
        )


def order(trade_id: str = TRADE_ID, *, waited_s: float = 0.0, deadline_s: float = 5.0) -> OrderCommand:
    request = OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, 0.1, comment=f"MD-{trade_id}")
    created = time.monotonic() - waited_s
    return OrderCommand(trade_id, request, created, created + deadline_s)


@pytest.fixture
def make_loop(tmp_path: Path) -> Iterator[Callable[..., LoopRig]]:
    rigs: list[LoopRig] = []

    def make(sim_type: type[SimulatedTerminal] = SimulatedTerminal, start: Start | None = None) -> LoopRig:
        sim = sim_type(clock=ManualClock(WEDNESDAY), state_path=tmp_path / "sim.json")

        def opener(password: str | None) -> BackendSelection:
            terminal = Terminal(sim, Backend.SIM)
            terminal.connect()
            return BackendSelection(terminal, Backend.SIM, True, "")

        desk_end, host_end = QueueChannel.pair()
        loop = HostLoop(host_end, opener, lambda terminal, _: terminal.connect(), FAST, simulator=sim)
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        rig = LoopRig(sim, desk_end, thread)
        rig.send(start or Start(None, (), SimSettings()))
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        with contextlib.suppress(OSError):  # a test may have closed the desk's end already
            rig.send(Stop())
        rig.thread.join(5)
        assert not rig.thread.is_alive(), "the host loop did not stop"


def connected(message: Message) -> bool:
    return isinstance(message, StatusUpdate) and message.status.state is ConnectionState.CONNECTED


class FlakyAccountTerminal(SimulatedTerminal):
    """A terminal whose account read raises a bug-like error a few times, then recovers."""

    failures = 0

    def account_info(self) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("account decoder blew up")
        return super().account_info()


def test_an_exception_in_a_loop_is_reported_once_and_the_loop_goes_on(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop(FlakyAccountTerminal)
    rig.wait_for(connected)
    sim = rig.sim
    assert isinstance(sim, FlakyAccountTerminal)
    sim.failures = 3
    rig.wait_for(lambda m: isinstance(m, Notice) and "account decoder" in m.text)
    sim.deposit(250.0)
    rig.wait_for(lambda m: isinstance(m, AccountUpdate) and m.account.balance == 10_250.0)
    assert len([m for m in rig.received if isinstance(m, Notice) and "account decoder" in m.text]) == 1


def test_linked_comes_after_the_snapshot_and_before_the_connected_status(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop()
    rig.wait_for(connected)
    kinds = [type(m) for m in rig.received if not isinstance(m, Notice)]
    assert kinds.index(AccountUpdate) < kinds.index(Linked) < kinds.index(StatusUpdate)


def test_an_order_that_waited_past_its_deadline_is_not_sent_and_says_how_long_it_waited(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop()
    rig.wait_for(connected)
    rig.send(order(waited_s=12.0, deadline_s=5.0))
    outcome = rig.wait_for(lambda m: isinstance(m, OrderOutcome))
    assert isinstance(outcome, OrderOutcome) and outcome.outcome is Outcome.FAILED
    assert "waited 12 s behind a busy terminal" in outcome.message
    assert rig.sim.sent_orders() == ()


def test_an_order_held_up_by_a_hung_terminal_past_its_deadline_is_not_sent(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop()
    rig.wait_for(connected)
    rig.sim.hang()  # whichever call then waits (a loop read or the order's own price read)
    rig.send(order(deadline_s=0.5))
    time.sleep(1.0)
    rig.sim.release()
    outcome = rig.wait_for(lambda m: isinstance(m, OrderOutcome))
    assert isinstance(outcome, OrderOutcome) and outcome.outcome is Outcome.FAILED
    assert "behind a busy terminal" in outcome.message
    assert rig.sim.sent_orders() == ()


def test_an_order_in_time_is_sent_and_its_position_ticket_comes_back(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop()
    rig.wait_for(connected)
    rig.send(order())
    outcome = rig.wait_for(lambda m: isinstance(m, OrderOutcome))
    assert isinstance(outcome, OrderOutcome) and outcome.outcome is Outcome.FILLED
    [position] = rig.sim.positions_get()
    assert outcome.position_ticket == position.ticket and position.comment == f"MD-{TRADE_ID}"


def test_an_order_while_the_terminal_is_away_is_refused_without_sending(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop(start=Start(None, (), SimSettings(terminal_up=False)))
    rig.wait_for(lambda m: isinstance(m, StatusUpdate) and m.status.state is ConnectionState.RECONNECTING)
    rig.send(order())
    outcome = rig.wait_for(lambda m: isinstance(m, OrderOutcome))
    assert isinstance(outcome, OrderOutcome) and outcome.outcome is Outcome.FAILED
    assert outcome.message == "MetaTrader 5 is not connected, so the order was not sent."
    assert rig.sim.sent_orders() == ()


def test_controls_work_while_the_simulated_terminal_is_away(make_loop: Callable[..., LoopRig]) -> None:
    rig = make_loop(start=Start(None, (), SimSettings(terminal_up=False)))
    rig.send(OpenExternal(1, "EURUSD", "buy", 0.1))
    done = rig.wait_for(lambda m: isinstance(m, ControlDone))
    assert isinstance(done, ControlDone) and done.error == "" and done.ticket is not None


def test_a_refused_control_comes_back_with_the_simulators_reason(make_loop: Callable[..., LoopRig]) -> None:
    rig = make_loop()
    rig.send(OpenExternal(1, "EURUSD", "sideways", 0.1))
    done = rig.wait_for(lambda m: isinstance(m, ControlDone))
    assert isinstance(done, ControlDone) and "side must be" in done.error


def test_a_query_the_terminal_cannot_answer_fails_with_its_sentence(
    make_loop: Callable[..., LoopRig],
) -> None:
    rig = make_loop()
    rig.wait_for(connected)
    rig.send(SpecQuery(5, "NOPE"))
    failed = rig.wait_for(lambda m: isinstance(m, QueryFailed))
    assert isinstance(failed, QueryFailed) and failed.request_id == 5
    assert failed.message == "Symbol NOPE is not available in MetaTrader 5"


def test_a_position_closed_while_no_host_watched_is_reported_removed_with_its_deals(
    tmp_path: Path, make_loop: Callable[..., LoopRig]
) -> None:
    before = SimulatedTerminal(clock=ManualClock(WEDNESDAY), state_path=tmp_path / "sim.json")
    ticket = before.open_external("EURUSD", "buy", 0.1)
    terminal = Terminal(before, Backend.SIM)
    terminal.connect()
    shown = terminal.positions()  # what the desk showed when its host died
    before.close_external(ticket)
    rig = make_loop(start=Start(None, tuple(shown.values()), SimSettings()))
    rig.wait_for(lambda m: isinstance(m, PositionsUpdate) and ticket in m.removed)
    deals = rig.wait_for(
        lambda m: isinstance(m, DealsFound) and any(d.position_id == ticket for d in m.deals)
    )
    assert isinstance(deals, DealsFound) and len([d for d in deals.deals if d.position_id == ticket]) == 2


def test_the_host_stops_when_the_desk_closes_its_end(make_loop: Callable[..., LoopRig]) -> None:
    rig = make_loop()
    rig.wait_for(connected)
    rig.desk_end.close()
    rig.thread.join(5)
    assert not rig.thread.is_alive()


def test_the_hosts_warnings_travel_to_the_desk_as_messages() -> None:
    import logging

    from app.engine.host.messages import HostLog
    from app.engine.host.process import ToDesk

    desk_end, host_end = QueueChannel.pair()
    logger = logging.getLogger("tests.host_log")
    handler = ToDesk(host_end)
    logger.addHandler(handler)
    try:
        logger.info("not worth a line")
        logger.warning("order %s expired", "0123456789")
    finally:
        logger.removeHandler(handler)
    assert desk_end.poll(1)
    assert desk_end.receive() == HostLog(logging.WARNING, "tests.host_log", "order 0123456789 expired")
    assert not desk_end.poll(0.05)
