"""Limits: how many viewers, what a viewer that never reads costs, and what stopping the server does."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.core.enums import NoticeLevel
from app.core.events import Hello, Notice, Snapshot
from app.core.settings import RemoteSettings
from app.core.state import DeskState
from app.remote.server import CLOSE_INTERNAL_ERROR, CLOSE_TRY_AGAIN_LATER, RemoteConfigError, RemoteServer
from tests.remote.conftest import TOKEN, Desk, opened, position, receive, run, serving, skip_greeting, viewer

QUEUE_LIMIT = 16
ROUNDS = 100


def test_the_viewer_over_max_clients_is_closed_with_1013(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk, max_clients=2) as (_, port), viewer(port) as first, viewer(port) as second:
            await skip_greeting(first)
            await skip_greeting(second)
            async with viewer(port) as third:
                with pytest.raises(ConnectionClosed) as closed:
                    await receive(third)
                return closed.value.rcvd.code

    assert run(scenario()) == CLOSE_TRY_AGAIN_LATER


def test_a_place_freed_by_a_leaving_viewer_can_be_taken(desk: Desk) -> None:
    async def scenario() -> object:
        async with serving(desk, max_clients=1) as (server, port):
            async with viewer(port) as first:
                await skip_greeting(first)
            while server.viewer_count:
                await asyncio.sleep(0.01)
            async with viewer(port) as second:
                return (await receive(second))[0]

    assert isinstance(run(scenario()), Hello)


def bulky(round_: int) -> Notice:
    """A 200 KB event that costs almost nothing to encode: socket buffers fill after a few dozen."""
    return Notice(level=NoticeLevel.INFO, title=f"bulk {round_}", text="x" * 200_000)


def sleeper(port: int) -> connect:
    """A viewer whose library stops reading at once (one queued frame), without compression.

    The kernel then buffers only its default window for it (it grows the window only for readers).
    """
    return viewer(port, max_queue=1, compression=None)


def test_a_viewer_that_never_reads_stays_bounded_and_does_not_delay_another(desk: Desk) -> None:
    async def scenario() -> tuple[list[int], float, int]:
        async with (
            serving(desk, queue_limit=QUEUE_LIMIT) as (server, port),
            sleeper(port) as idle,
            viewer(port) as reader,
        ):
            await skip_greeting(reader)
            worst: list[int] = []
            slowest = 0.0
            for round_ in range(ROUNDS):
                sent = time.perf_counter()
                desk.hub.publish(bulky(round_))
                await receive(reader)
                slowest = max(slowest, time.perf_counter() - sent)
                worst.append(max(server.queued_messages()))
            assert idle.state.name == "OPEN"
            overflows = server.overflows
            idle.transport.abort()  # a vanished phone: no closing handshake to wait for
            return worst, slowest, overflows

    worst, slowest, overflows = run(scenario(), timeout=60)
    assert overflows > 0, "the idle viewer never fell behind: the test proves nothing"
    assert max(worst) <= QUEUE_LIMIT, "a queue grew past its bound"
    assert slowest < 1.0, f"the reading viewer waited {slowest:.2f} s for an event"


def test_a_viewer_that_falls_behind_then_catches_up_gets_the_latest_state_in_one_snapshot(desk: Desk) -> None:
    async def scenario() -> tuple[int, list[str]]:
        async with serving(desk, queue_limit=QUEUE_LIMIT) as (server, port), sleeper(port) as slow:
            for round_ in range(ROUNDS):
                desk.hub.publish(bulky(round_))
                desk.hub.publish(opened(position(round_ + 1)))
                await asyncio.sleep(0)
            overflows = server.overflows
            mirror = DeskState()
            received: list[str] = []
            while mirror.of("").positions != desk.state.of("").positions:
                event, _ = await receive(slow)
                received.append(event.type)
                mirror.apply(event)
            return overflows, received

    overflows, received = run(scenario(), timeout=30)
    assert overflows > 0
    assert len(received) < 2 * ROUNDS, (
        "the backlog should have been replaced by a snapshot, not delivered whole"
    )
    assert received.count(Snapshot.type) >= 2, "the greeting's snapshot, then the coalesced one"


def test_stopping_the_server_closes_viewers_with_going_away(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (server, port), viewer(port) as ws:
            await skip_greeting(ws)
            await server.stop()
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
            return closed.value.rcvd.code

    assert run(scenario()) == 1001


def test_a_port_already_in_use_is_reported_with_what_to_do(desk: Desk) -> None:
    async def scenario() -> None:
        async with serving(desk) as (_, port), serving(desk, port=port):
            pass

    with pytest.raises(
        RemoteConfigError, match=r"cannot listen on 127\.0\.0\.1:.*choose another address or port"
    ):
        run(scenario())


def test_a_snapshot_that_cannot_be_built_closes_the_viewer_with_1011(desk: Desk) -> None:
    def broken() -> Snapshot:
        raise RuntimeError("state unavailable")

    async def scenario() -> int:
        server = RemoteServer(desk.hub, broken, RemoteSettings(port=0), TOKEN, server_version="test")
        _, port = await server.start()
        try:
            async with viewer(port) as ws:
                await receive(ws)  # HELLO
                with pytest.raises(ConnectionClosed) as closed:
                    await receive(ws)
                return closed.value.rcvd.code
        finally:
            await server.stop()

    assert run(scenario()) == CLOSE_INTERNAL_ERROR


def test_a_short_viewer_token_is_refused_before_anything_listens(desk: Desk) -> None:
    with pytest.raises(RemoteConfigError, match="too short"):
        RemoteServer(desk.hub, desk.folded.snapshot, RemoteSettings(port=0), "short", server_version="test")
