"""The simulator waits the way the MetaTrader5 module waits: holding the GIL, so no other thread of the
process runs meanwhile; it can hang until released, from this process or another; and an executed
order's answer can be slow to come back."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.terminal.simulator import SimulatedTerminal
from app.terminal.simulator.conditions import Conditions

from .conftest import Trader

LATENCY_S = 0.3


class Counter:
    """A thread that counts as fast as it can: it only counts while it holds the GIL."""

    def __init__(self) -> None:
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.count += 1

    def __enter__(self) -> Counter:
        self._thread.start()
        time.sleep(0.05)  # running
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def counted_during(self, action: Any) -> int:
        before = self.count
        action()
        return self.count - before


@pytest.fixture
def counter() -> Iterator[Counter]:
    with Counter() as running:
        yield running


def test_no_other_thread_runs_while_a_call_waits_out_its_latency(
    mt5: SimulatedTerminal, counter: Counter
) -> None:
    freely = counter.counted_during(lambda: time.sleep(LATENCY_S))  # time.sleep lets the counter run
    mt5.set_latency(LATENCY_S)
    started = time.monotonic()
    blocked = counter.counted_during(mt5.account_info)
    assert time.monotonic() - started >= LATENCY_S
    # At most a switch interval or two before the call reaches its wait (5 ms each), against all of it.
    assert freely > 10_000
    assert blocked < freely / 10, f"the counter ran {blocked} times during the call ({freely} freely)"


def test_initialize_waits_its_latency_holding_the_gil_too(sim: SimulatedTerminal, counter: Counter) -> None:
    sim.set_latency(LATENCY_S)
    freely = counter.counted_during(lambda: time.sleep(LATENCY_S))
    blocked = counter.counted_during(lambda: sim.initialize())
    assert blocked < freely / 10


def test_a_hung_terminal_blocks_calls_until_released(mt5: SimulatedTerminal) -> None:
    mt5.hang()
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(mt5.positions_total()), daemon=True)
    caller.start()
    time.sleep(LATENCY_S)
    assert caller.is_alive() and answers == []
    mt5.release()
    caller.join(2)
    assert answers == [0]


def test_initialize_on_a_hung_terminal_gives_up_after_its_timeout_with_an_ipc_timeout(
    sim: SimulatedTerminal,
) -> None:
    sim.hang()
    started = time.monotonic()
    assert sim.initialize(timeout=300) is False
    assert 0.3 <= time.monotonic() - started < 2.0
    assert sim.last_error() == (-10005, "IPC timeout")
    sim.release()
    assert sim.initialize(timeout=300) is True


def _release_later(conditions: Conditions, after_s: float) -> None:
    time.sleep(after_s)
    conditions.release()


def test_another_process_can_release_a_hung_call_through_shared_conditions(
    clock: Any, state_path: Any
) -> None:
    conditions = Conditions.shared()
    sim = SimulatedTerminal(clock=clock, state_path=state_path, conditions=conditions)
    assert sim.initialize()
    sim.hang()
    releaser = multiprocessing.get_context("spawn").Process(target=_release_later, args=(conditions, 0.5))
    releaser.start()
    try:
        started = time.monotonic()
        assert sim.account_info() is not None
        assert time.monotonic() - started >= 0.5
    finally:
        releaser.join(10)
    assert releaser.exitcode == 0


def test_an_executed_orders_answer_can_come_back_late(trader: Trader, mt5: SimulatedTerminal) -> None:
    mt5.set_reply_latency(LATENCY_S)
    started = time.monotonic()
    result = trader.send("EURUSD", "buy", 0.1)
    assert time.monotonic() - started >= LATENCY_S
    assert result.retcode == 10009 and len(mt5.positions_get()) == 1


def test_the_server_notes_when_each_order_reached_it(trader: Trader, mt5: SimulatedTerminal) -> None:
    before = time.monotonic()
    trader.send("EURUSD", "buy", 0.1, comment="first")
    trader.send("EURUSD", "sell", 0.1, comment="second")
    sent = mt5.sent_orders()
    assert [comment for _, comment in sent] == ["first", "second"]
    assert before <= sent[0][0] <= sent[1][0] <= time.monotonic()


@pytest.mark.parametrize("seconds", [-1.0, float("nan")])
def test_a_latency_that_is_not_a_duration_is_refused(mt5: SimulatedTerminal, seconds: float) -> None:
    with pytest.raises(ValueError, match="latency must be >= 0 seconds"):
        mt5.set_latency(seconds)
