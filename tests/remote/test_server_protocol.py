"""The protocol: HELLO, SNAPSHOT, events in order; PING and RESYNC; all else refused, nothing changed."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from app.core.enums import NoticeLevel
from app.core.events import (
    PROTOCOL_VERSION,
    AccountUpdate,
    ErrorMessage,
    Event,
    Hello,
    Notice,
    Ping,
    PnlUpdate,
    Resync,
    Snapshot,
    StatusUpdate,
    encode,
)
from app.remote.server import CLOSE_POLICY_VIOLATION, MAX_BAD_MESSAGES
from app.remote.wire_log import REDACTED, WIRE_LOGGER_NAME
from tests.one_account import MAIN, only_view, single_snapshot
from tests.remote.conftest import (
    LOGIN,
    TOKEN,
    Desk,
    account,
    opened,
    position,
    receive,
    run,
    serving,
    skip_greeting,
    status,
    viewer,
)


def test_a_viewer_first_gets_hello_then_the_snapshot_of_the_desk(desk: Desk) -> None:
    desk.hub.publish(opened(position(7), position(9)))

    async def scenario() -> list[tuple[Event, int | None]]:
        async with serving(desk) as (_, port), viewer(port) as ws:
            return [await receive(ws), await receive(ws)]

    (hello, hello_seq), (snapshot, snapshot_seq) = run(scenario())
    assert hello == Hello(protocol_version=PROTOCOL_VERSION, server_version="test", timestamp=hello.timestamp)
    assert hello.read_only is True
    assert isinstance(snapshot, Snapshot)
    assert [p.ticket for p in only_view(snapshot).positions] == [7, 9]
    assert (hello_seq, snapshot_seq) == (1, 2)


def test_events_published_after_connecting_arrive_in_order_with_increasing_seq(desk: Desk) -> None:
    notices = [Notice(level=NoticeLevel.INFO, title=f"n{i}", text="") for i in range(20)]

    async def scenario() -> list[tuple[Event, int | None]]:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            for notice in notices:
                desk.hub.publish(notice)
            return [await receive(ws) for _ in notices]

    received = run(scenario())
    assert [event for event, _ in received] == notices
    assert [seq for _, seq in received] == list(range(3, 3 + len(notices)))


def test_resync_is_answered_with_a_fresh_snapshot(desk: Desk) -> None:
    async def scenario() -> Event:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            desk.hub.publish(opened(position(42)))
            await receive(ws)
            await ws.send(encode(Resync()))
            snapshot, _ = await receive(ws)
            return snapshot

    snapshot = run(scenario())
    assert isinstance(snapshot, Snapshot)
    assert [p.ticket for p in only_view(snapshot).positions] == [42]


def test_a_snapshot_published_on_the_hub_reaches_viewers_as_a_fresh_snapshot(desk: Desk) -> None:
    async def scenario() -> Event:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            desk.hub.publish(
                single_snapshot(account=account(), positions=(position(5),), status=status(), models=())
            )
            return (await receive(ws))[0]

    snapshot = run(scenario())
    assert isinstance(snapshot, Snapshot)
    assert [p.ticket for p in only_view(snapshot).positions] == [5]
    assert only_view(snapshot).account.login == LOGIN % 10_000, "masked like every other account number"


def test_ping_is_answered_with_a_ping(desk: Desk) -> None:
    async def scenario() -> tuple[Event, int | None]:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            await ws.send(encode(Ping()))
            return await receive(ws)

    reply, seq = run(scenario())
    assert isinstance(reply, Ping) and seq == 3


REFUSED: dict[str, tuple[str | bytes, str]] = {
    "an order": (json.dumps({"type": "ORDER", "v": 1, "symbol": "EURUSD", "volume": 1.0}), "unknown_type"),
    "a close": (json.dumps({"type": "CLOSE_POSITION", "ticket": 7}), "unknown_type"),
    "a server-only event": (encode(opened(position(99))), "read_only"),
    "a snapshot": (
        encode(single_snapshot(account=None, positions=(), status=status(), models=())),
        "read_only",
    ),
    "malformed JSON": ("{not json", "malformed"),
    "a JSON array": ("[1, 2, 3]", "malformed"),
    "a ping of another protocol version": (
        json.dumps({"type": "PING", "v": 99, "timestamp": "x"}),
        "malformed",
    ),
    "binary": (b"\x00\x01binary", "binary"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_every_message_but_ping_and_resync_gets_an_error_and_changes_nothing(desk: Desk, name: str) -> None:
    message, code = REFUSED[name]
    desk.hub.publish(opened(position(7)))
    before = (desk.hub.published, desk.state.snapshot().accounts)

    async def scenario() -> tuple[Event, int | None]:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            await ws.send(message)
            return await receive(ws)

    reply, _ = run(scenario())
    assert isinstance(reply, ErrorMessage)
    assert reply.code == code
    assert (desk.hub.published, desk.state.snapshot().accounts) == before


def test_the_error_says_the_server_is_read_only(desk: Desk) -> None:
    async def scenario() -> Event:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            await ws.send(json.dumps({"type": "ORDER"}))
            return (await receive(ws))[0]

    reply = run(scenario())
    assert isinstance(reply, ErrorMessage) and "read-only" in reply.text


def test_the_fifth_refused_message_closes_the_connection_with_1008(desk: Desk) -> None:
    async def scenario() -> tuple[list[Event], int]:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            replies: list[Event] = []
            for _ in range(MAX_BAD_MESSAGES - 1):
                await ws.send('{"type":"ORDER"}')
                replies.append((await receive(ws))[0])
            await ws.send('{"type":"ORDER"}')
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
            return replies, closed.value.rcvd.code

    replies, code = run(scenario())
    assert [type(reply) for reply in replies] == [ErrorMessage] * (MAX_BAD_MESSAGES - 1)
    assert code == CLOSE_POLICY_VIOLATION


def test_a_frame_over_4_kib_closes_the_connection_with_1009(desk: Desk) -> None:
    async def scenario() -> int:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            await ws.send(json.dumps({"type": "PING", "pad": "x" * 5000}))
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
            return closed.value.rcvd.code

    assert run(scenario()) == 1009


def test_account_numbers_are_masked_to_their_last_four_digits(desk: Desk) -> None:
    desk.hub.publish(AccountUpdate(account=account(), account_id=MAIN))
    desk.hub.publish(StatusUpdate(status=status(), account_id=MAIN))

    async def scenario() -> list[Any]:  # a snapshot, then an account and a status update
        async with serving(desk, mask_account=True) as (_, port), viewer(port) as ws:
            snapshot = await skip_greeting(ws)
            desk.hub.publish(AccountUpdate(account=account(), account_id=MAIN))
            desk.hub.publish(StatusUpdate(status=status(), account_id=MAIN))
            return [snapshot, (await receive(ws))[0], (await receive(ws))[0]]

    snapshot, account_update, status_update = run(scenario())
    masked = LOGIN % 10_000
    assert (only_view(snapshot).account.login, only_view(snapshot).status.account_number) == (masked, masked)
    assert account_update.account.login == masked
    assert status_update.status.account_number == masked
    assert desk.state.of(MAIN).account.login == LOGIN, "masking must not touch the desk's own state"


def test_account_numbers_travel_whole_when_masking_is_off(desk: Desk) -> None:
    desk.hub.publish(AccountUpdate(account=account()))

    async def scenario() -> Snapshot:
        async with serving(desk, mask_account=False) as (_, port), viewer(port) as ws:
            return await skip_greeting(ws)

    assert only_view(run(scenario())).account.login == LOGIN


def test_the_token_appears_in_no_frame_and_no_log_line(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    frames: list[str | bytes] = []

    async def scenario() -> None:
        async with serving(desk) as (_, port):
            async with viewer(port) as ws:
                desk.hub.publish(opened(position(1)))
                desk.hub.publish(PnlUpdate(pnl={1: (1.2, 5.0)}, floating_total=5.0, equity=10_005.0))
                await ws.send(json.dumps({"type": "ORDER"}))
                await ws.send(encode(Resync()))
                frames.extend([await ws.recv() for _ in range(6)])
            from websockets.asyncio.client import connect

            async with connect(f"ws://127.0.0.1:{port}/?token={TOKEN}") as ws:
                frames.extend([await ws.recv() for _ in range(2)])

    with caplog.at_level(logging.DEBUG):
        logging.getLogger(WIRE_LOGGER_NAME).setLevel(logging.DEBUG)
        try:
            run(scenario())
        finally:
            logging.getLogger(WIRE_LOGGER_NAME).setLevel(logging.NOTSET)
    assert len(frames) == 8
    assert not [frame for frame in frames if TOKEN in str(frame)]
    server_lines = [r.getMessage() for r in caplog.records if r.name == WIRE_LOGGER_NAME]
    assert f"< GET /?token={REDACTED} HTTP/1.1" in server_lines, "the request line was logged, redacted"
    assert f"< Authorization: Bearer {REDACTED}" in server_lines
    # The test's own client ("websockets.client") logs what it sends; everything the desk logs must not.
    assert not [r for r in caplog.records if r.name != "websockets.client" and TOKEN in r.getMessage()]
