"""A real RemoteServer on loopback, real websockets clients, and a desk state folded from a real EventHub.

Tests drive the hub from the asyncio loop's own thread, so Qt delivers its signals directly and no Qt
event loop is needed (the cross-thread path, through qasync, has its own test). Each test runs its
scenario with `run()`: a fresh event loop and a hard time limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PyQt6.QtCore import QObject, pyqtSlot
from websockets.asyncio.client import ClientConnection, connect

from app.core.enums import ConnectionState, Side
from app.core.events import Event, PositionsUpdate, Snapshot, decode_envelope
from app.core.models import Account, Position, TerminalStatus
from app.core.settings import RemoteSettings
from app.core.state import DeskState
from app.engine.hub import EventHub
from app.remote.server import RemoteServer

# Distinctive, so a scan of every frame and log line for it cannot match by accident.
TOKEN = "viewer-token-Zq7Xw3Lk9Vb2Mn5Pr8Ts"
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
LOGIN = 50_123_456

Result = TypeVar("Result")


def run(scenario: Coroutine[Any, Any, Result], timeout: float = 15.0) -> Result:
    """Run one async scenario on a fresh loop; fails instead of hanging."""

    async def bounded() -> Result:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(bounded())


class CountingHub(EventHub):
    """An EventHub that counts what is published on it: anything a viewer causes would show here."""

    def __init__(self) -> None:
        super().__init__()
        self.published = 0

    def publish(self, event: Event) -> None:
        self.published += 1
        super().publish(event)


class FoldedState(QObject):
    """The desk's DeskState, folded from the hub before the server sees each event (as Desk does)."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.state = DeskState()
        hub.stream.connect(self.fold)

    @pyqtSlot(object)
    def fold(self, event: Event) -> None:
        self.state.apply(event)

    def snapshot(self) -> Snapshot:
        return self.state.snapshot()


@dataclass
class Desk:
    """What the server is given: the hub and the snapshot of the folded state."""

    hub: CountingHub
    folded: FoldedState = field(init=False)

    def __post_init__(self) -> None:
        self.folded = FoldedState(self.hub)

    @property
    def state(self) -> DeskState:
        return self.folded.state


@pytest.fixture
def desk(qapp: Any) -> Desk:
    return Desk(CountingHub())


@asynccontextmanager
async def serving(
    desk: Desk, *, page_dir: Path | None = None, queue_limit: int = 256, **settings: Any
) -> AsyncIterator[tuple[RemoteServer, int]]:
    """A started server on 127.0.0.1 and a free port; stopped when the block ends."""
    server = RemoteServer(
        desk.hub,
        desk.folded.snapshot,
        replace(RemoteSettings(port=0), **settings),
        TOKEN,
        page_dir=page_dir,
        server_version="test",
        queue_limit=queue_limit,
    )
    _, port = await server.start()
    try:
        yield server, port
    finally:
        await server.stop()


def viewer(port: int, token: str | None = TOKEN, *, scheme: str = "ws", **options: Any) -> connect:
    """A websockets client for the server on `port`, sending `token` as a Bearer header."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return connect(f"{scheme}://127.0.0.1:{port}/", additional_headers=headers, **options)


async def receive(connection: ClientConnection, timeout: float = 5.0) -> tuple[Event, int | None]:
    """The next message, decoded, with its seq."""
    return decode_envelope(await asyncio.wait_for(connection.recv(), timeout))


async def skip_greeting(connection: ClientConnection) -> Snapshot:
    """Read HELLO and the first SNAPSHOT; returns the snapshot."""
    await receive(connection)
    snapshot, _ = await receive(connection)
    assert isinstance(snapshot, Snapshot)
    return snapshot


def position(ticket: int, *, profit: float = 0.0, volume: float = 0.1, sl: float | None = None) -> Position:
    """A plausible EURUSD position."""
    return Position(
        ticket=ticket,
        symbol="EURUSD",
        side=Side.BUY,
        volume=volume,
        price_open=1.1,
        price_current=1.1 + profit / 10_000,
        sl=sl,
        tp=None,
        swap=0.0,
        profit=profit,
        time=T0,
        comment=f"desk:{ticket}",
        identifier=ticket,
    )


def opened(*positions: Position) -> PositionsUpdate:
    return PositionsUpdate(
        positions=positions, added=tuple(p.ticket for p in positions), removed=(), modified=()
    )


def account(login: int = LOGIN) -> Account:
    return Account(
        login=login,
        name="Demo Trader",
        server="MT5Desk-Demo",
        company="MT5 Desk",
        currency="USD",
        leverage=100,
        balance=10_000.0,
        equity=10_000.0,
        margin=0.0,
        margin_free=10_000.0,
        margin_level=0.0,
        profit=0.0,
    )


def status(login: int = LOGIN) -> TerminalStatus:
    return TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True, account_number=login)
