"""Property: a viewer that joins at any moment ends up holding exactly the desk's positions and account.

The desk side is the simulator driven like a trader at the terminal (external opens, closes, SL/TP
changes, time passing so prices and P&L move), polled and diffed into the same events the worker
publishes. The viewer side is the real ViewerClient over loopback, connecting after a random number of
steps, so the SNAPSHOT and the deltas that follow it must add up.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.changes import diff_positions, pnl_update_from_diff, positions_update_from_diff
from app.core.enums import Backend, ConnectionState
from app.core.events import AccountUpdate
from app.core.models import Account, Position
from app.remote.client import ViewerClient
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.remote.conftest import TOKEN, CountingHub, Desk, run, serving
from tests.remote.test_client import eventually

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("open"),
            st.sampled_from(SYMBOLS),
            st.sampled_from(("buy", "sell")),
            st.sampled_from((0.01, 0.1, 1.0)),
        ),
        st.tuples(st.just("close"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("partial"), st.integers(min_value=0, max_value=50)),
        st.tuples(
            st.just("modify"),
            st.integers(min_value=0, max_value=50),
            st.floats(min_value=0.002, max_value=0.05),
        ),
        st.tuples(st.just("wait"), st.integers(min_value=1, max_value=120)),
    ),
    max_size=30,
)


@dataclass
class TradedDesk:
    """The simulator, polled and diffed into hub events as the terminal worker does."""

    desk: Desk
    sim: SimulatedTerminal
    clock: ManualClock
    terminal: Terminal = field(init=False)
    positions: dict[int, Position] = field(default_factory=dict)
    account: Account | None = None

    def __post_init__(self) -> None:
        self.terminal = Terminal(self.sim, Backend.SIM)
        self.terminal.connect()

    def poll(self) -> None:
        current = self.terminal.positions()
        account = self.terminal.account()
        diff = diff_positions(self.positions, current)
        hub = self.desk.hub
        if diff.structural:
            hub.publish(positions_update_from_diff(diff, current))
        if diff.pnl_moved:
            floating = sum(p.profit + p.swap for p in current.values())
            hub.publish(pnl_update_from_diff(diff, current, floating_total=floating, equity=account.equity))
        if account != self.account:
            hub.publish(AccountUpdate(account=account))
        self.positions, self.account = current, account

    def act(self, step: tuple[Any, ...]) -> None:
        tickets = sorted(self.positions)
        kind = step[0]
        try:
            if kind == "open":
                self.sim.open_external(step[1], step[2], step[3])
            elif kind == "wait":
                self.clock.advance(step[1])
            elif tickets and kind == "close":
                self.sim.close_external(tickets[step[1] % len(tickets)])
            elif tickets and kind == "partial":
                ticket = tickets[step[1] % len(tickets)]
                self.sim.close_external(ticket, volume=0.01)
            elif tickets and kind == "modify":
                self._modify(tickets[step[1] % len(tickets)], step[2])
        except ValueError:
            pass  # the simulated server refused it (too small a remainder, stops too close): nothing changed
        self.poll()

    def _modify(self, ticket: int, distance: float) -> None:
        position = self.positions[ticket]
        below, above = position.price_current * (1 - distance), position.price_current * (1 + distance)
        buy = position.side.value == "buy"
        self.sim.modify_external(ticket, sl=below if buy else above, tp=above if buy else below)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, join_after=st.integers(min_value=0, max_value=30))
def test_a_viewer_joining_at_any_step_holds_exactly_the_desks_positions_and_account(
    qapp: Any, steps: list[tuple[Any, ...]], join_after: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(WEDNESDAY)
        traded = TradedDesk(
            Desk(CountingHub()), SimulatedTerminal(clock=clock, state_path=Path(folder) / "s.json"), clock
        )
        traded.poll()

        async def scenario() -> ViewerClient:
            async with serving(traded.desk, mask_account=False) as (_, port):
                for step in steps[:join_after]:
                    traded.act(step)
                client = ViewerClient(f"ws://127.0.0.1:{port}/", TOKEN)
                task = asyncio.create_task(client.run())
                for step in steps[join_after:]:
                    traded.act(step)
                    await asyncio.sleep(0)
                state = traded.desk.state
                await eventually(
                    lambda: (
                        client.connection_state is ConnectionState.CONNECTED
                        and client.state.of("").positions == state.of("").positions
                        and client.state.of("").account == state.of("").account
                    )
                )
                await client.stop()
                await task
                return client

        client = run(scenario())
        assert client.state.of("").positions == traded.positions, "the desk's fold matches the terminal, too"
        assert client.resyncs == 0, "a healthy link never needs a resync"
