"""ViewerClient: mirrors the desk, resyncs on a seq gap, reconnects, and stops on a refused token."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from app.core.backoff import Backoff
from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import (
    PROTOCOL_VERSION,
    ErrorMessage,
    Event,
    Hello,
    Notice,
    PnlUpdate,
    PositionsUpdate,
    Resync,
    Snapshot,
    decode,
    encode,
)
from app.core.settings import RemoteSettings
from app.remote.client import ViewerClient, ViewerRefused
from app.remote.server import RemoteServer
from app.remote.wire_log import VIEWER_WIRE_LOGGER_NAME
from tests.one_account import single_snapshot
from tests.remote.conftest import TOKEN, Desk, opened, position, run, serving, status


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds; fails with TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


class Recorder:
    """What a viewer window would receive: events and connection states, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.states: list[ConnectionState] = []

    def client(self, url: str, token: str = TOKEN) -> ViewerClient:
        fast = Backoff(initial=0.02, maximum=0.1, rng=random.Random(1))
        return ViewerClient(
            url, token, on_event=self.events.append, on_state=self.states.append, backoff=fast
        )


def test_the_client_mirrors_the_desk_and_hands_every_event_on(desk: Desk) -> None:
    recorder = Recorder()
    desk.hub.publish(opened(position(1), position(2)))
    later = [
        opened(position(3)),
        PnlUpdate(pnl={1: (1.25, 15.0)}, floating_total=15.0, equity=10_015.0),
        PositionsUpdate(positions=(), added=(), removed=(2,), modified=()),
    ]

    async def scenario() -> ViewerClient:
        async with serving(desk) as (_, port):
            client = recorder.client(f"ws://127.0.0.1:{port}/")
            task = asyncio.create_task(client.run())
            await eventually(lambda: client.connection_state is ConnectionState.CONNECTED)
            for event in later:
                desk.hub.publish(event)
            await eventually(lambda: len(recorder.events) == 1 + len(later))
            await client.stop()
            await task
            return client

    client = run(scenario())
    assert client.state.of("").positions == desk.state.of("").positions
    assert isinstance(recorder.events[0], Snapshot) and recorder.events[1:] == later
    assert client.hello is not None and client.hello.read_only
    assert recorder.states == [
        ConnectionState.RECONNECTING,
        ConnectionState.CONNECTED,
        ConnectionState.DISCONNECTED,
    ]


async def scripted_desk(script: Callable[[ServerConnection], Awaitable[None]]) -> tuple[Server, str]:
    """A stand-in desk that plays `script` to the viewer, to produce what a real one never sends."""
    server = await serve(script, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/"


def stamped(event: Event, seq: int) -> str:
    return encode(event, seq=seq)


def test_a_seq_gap_makes_the_client_ignore_deltas_until_the_fresh_snapshot_it_asks_for() -> None:
    recorder = Recorder()
    asked: list[Event] = []
    hello = Hello(protocol_version=PROTOCOL_VERSION, server_version="script")

    async def script(ws: ServerConnection) -> None:
        await ws.send(stamped(hello, 1))
        await ws.send(
            stamped(single_snapshot(account=None, positions=(position(1),), status=status(), models=()), 2)
        )
        await ws.send(stamped(opened(position(2)), 3))
        await ws.send(stamped(opened(position(4)), 5))  # seq 4 never came
        await ws.send(stamped(opened(position(5)), 6))
        asked.append(decode(await ws.recv()))
        fresh = tuple(position(t) for t in (1, 2, 3, 4, 5))
        await ws.send(stamped(single_snapshot(account=None, positions=fresh, status=status(), models=()), 7))
        await ws.wait_closed()

    async def scenario() -> ViewerClient:
        server, url = await scripted_desk(script)
        async with server:
            client = recorder.client(url)
            task = asyncio.create_task(client.run())
            await eventually(lambda: len(client.state.of("").positions) == 5)
            await client.stop()
            await task
            return client

    client = run(scenario())
    assert [type(event) for event in asked] == [Resync]
    assert client.resyncs == 1
    assert [type(e).__name__ for e in recorder.events] == ["Snapshot", "PositionsUpdate", "Snapshot"]
    assert ConnectionState.STALE in recorder.states, "between the gap and the snapshot the view is stale"


def test_an_error_from_the_desk_reaches_the_window_as_a_notice() -> None:
    recorder = Recorder()

    async def script(ws: ServerConnection) -> None:
        await ws.send(stamped(Hello(protocol_version=PROTOCOL_VERSION, server_version="script"), 1))
        await ws.send(
            stamped(ErrorMessage(code="read_only", text="viewers may send only PING and RESYNC"), 2)
        )
        await ws.wait_closed()

    async def scenario() -> None:
        server, url = await scripted_desk(script)
        async with server:
            client = recorder.client(url)
            task = asyncio.create_task(client.run())
            await eventually(lambda: bool(recorder.events))
            await client.stop()
            await task

    run(scenario())
    [notice] = recorder.events
    assert isinstance(notice, Notice) and notice.level is NoticeLevel.WARNING
    assert "read_only" in notice.text


def test_the_client_reconnects_after_the_server_restarts_and_picks_up_the_new_state(desk: Desk) -> None:
    recorder = Recorder()
    desk.hub.publish(opened(position(1)))

    async def scenario() -> ViewerClient:
        async with serving(desk) as (first, port):
            client = recorder.client(f"ws://127.0.0.1:{port}/")
            task = asyncio.create_task(client.run())
            await eventually(lambda: client.connection_state is ConnectionState.CONNECTED)
            await first.stop()
            await eventually(lambda: client.connection_state is ConnectionState.RECONNECTING)
            desk.hub.publish(opened(position(2)))  # happens while the viewer is away
            settings = replace(RemoteSettings(), port=port)
            second = RemoteServer(desk.hub, desk.folded.snapshot, settings, TOKEN, server_version="test")
            await second.start()
            try:
                await eventually(lambda: sorted(client.state.of("").positions) == [1, 2])
            finally:
                await client.stop()
                await task
                await second.stop()
            return client

    client = run(scenario())
    assert client.state.of("").positions == desk.state.of("").positions
    assert recorder.states.count(ConnectionState.CONNECTED) == 2


def test_a_refused_token_stops_the_client_with_a_notice_instead_of_retrying(desk: Desk) -> None:
    recorder = Recorder()

    async def scenario() -> None:
        async with serving(desk) as (server, port):
            client = recorder.client(f"ws://127.0.0.1:{port}/", token="wrong-token-wrong-token")
            with pytest.raises(ViewerRefused, match="token"):
                await client.run()
            assert client.connection_state is ConnectionState.DISCONNECTED
            assert server.viewer_count == 0

    run(scenario())
    [notice] = recorder.events
    assert isinstance(notice, Notice) and "HTTP 401" in notice.text


def test_the_client_logs_no_token_even_at_debug_level(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with serving(desk) as (_, port):
            client = Recorder().client(f"ws://127.0.0.1:{port}/")
            task = asyncio.create_task(client.run())
            await eventually(lambda: client.connection_state is ConnectionState.CONNECTED)
            await client.stop()
            await task

    with caplog.at_level(logging.DEBUG):
        logging.getLogger(VIEWER_WIRE_LOGGER_NAME).setLevel(logging.DEBUG)
        try:
            run(scenario())
        finally:
            logging.getLogger(VIEWER_WIRE_LOGGER_NAME).setLevel(logging.NOTSET)
    assert any(
        r.name == VIEWER_WIRE_LOGGER_NAME and "Authorization" in r.getMessage() for r in caplog.records
    )
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/", "127.0.0.1:8765", "wss//desk"])
def test_an_address_that_is_not_a_websocket_address_is_refused_at_once(url: str) -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        ViewerClient(url, TOKEN)
