"""The seed protocol: a client written the way SEED_WIRE.md describes the earlier web system's React client
watches a real desk on the simulator; its position map equals the terminal's after every step.

The client does exactly what that client did: on POSITIONS_UPDATE it deletes every ticket in
`changes.removed`, then sets `map[pos.ticket] = {...pos}` for every element of `positions`; it never asks
for a snapshot. Connection state comes from STATUS_HEARTBEAT.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import qasync
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from app.core.enums import Backend, ConnectionState, OrderAction, Side
from app.core.events import AutoTradeExecuted
from app.core.models import OrderRequest
from app.core.settings import RemoteSettings
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.remote import seed_feed
from app.remote.server import RemoteServer
from app.terminal.simulator import ClockSpec
from tests.one_account import MAIN

TOKEN = "seed-viewer-token-Qw8Er5Ty2Ui9"
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
RETCODE_NO_MONEY = 10019


class SeedClient:
    """The earlier web system's React client, reduced to what it did with each message."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.positions: dict[int, dict[str, Any]] = {}
        self.heartbeats: list[dict[str, Any]] = []
        self.trade_errors: list[dict[str, Any]] = []
        self.auto_trades: list[dict[str, Any]] = []
        self.update_times: list[float] = []
        self.types: list[str] = []

    async def run(self) -> None:
        async for text in self.socket:
            message = json.loads(text)
            self.types.append(message["type"])
            if message["type"] in ("POSITIONS_UPDATE", "POSITION_UPDATE"):
                self.update_times.append(asyncio.get_running_loop().time())
                for ticket in message["changes"]["removed"]:
                    self.positions.pop(ticket, None)
                for position in message["positions"]:
                    self.positions[position["ticket"]] = dict(position)
            elif message["type"] == "STATUS_HEARTBEAT":
                self.heartbeats.append(message)
            elif message["type"] == "TRADE_ERROR":
                self.trade_errors.append(message)
            elif message["type"] == "AUTO_TRADE_EXECUTED":
                self.auto_trades.append(message)


@pytest.fixture
def desk(qapp: Any, tmp_path: Path) -> Iterator[Desk]:
    config = DeskConfig(
        target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
        database_file=tmp_path / "journal.sqlite3",
        intervals=Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0),
        sim_clock=ClockSpec.manual(WEDNESDAY),
    )
    desk = Desk(config)
    yield desk
    assert desk.stop(15)


def run_on_qt(qapp: Any, scenario: Callable[[], Any], timeout: float = 60.0) -> Any:
    """The scenario on a qasync loop: the host's events reach the server through Qt's event loop."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(asyncio.wait_for(scenario(), timeout))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


@asynccontextmanager
async def serving(desk: Desk) -> AsyncIterator[int]:
    server = RemoteServer(desk.hub, desk.state.snapshot, RemoteSettings(port=0), TOKEN, server_version="test")
    _, port = await server.start()
    try:
        yield port
    finally:
        await server.stop()


@asynccontextmanager
async def seed_client(port: int) -> AsyncIterator[SeedClient]:
    async with connect(f"ws://127.0.0.1:{port}/?protocol=seed&token={TOKEN}") as socket:
        client = SeedClient(socket)
        task = asyncio.ensure_future(client.run())
        try:
            yield client
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def terminal_view(desk: Desk) -> dict[int, tuple[float, float, float, float | None, float | None]]:
    """What the terminal itself holds: ticket -> (volume, price_current, profit, sl, tp)."""
    return {
        p.ticket: (p.volume, p.price_current, p.profit, p.sl or None, p.tp or None)
        for p in desk.simulator.positions().values()
    }


def client_view(client: SeedClient) -> dict[int, tuple[float, float, float, float | None, float | None]]:
    return {
        ticket: (p["volume"], p["price_current"], p["profit"], p["sl"], p["tp"])
        for ticket, p in client.positions.items()
    }


def same_as_terminal(client: SeedClient, desk: Desk) -> Callable[[], bool]:
    return lambda: client_view(client) == terminal_view(desk)


async def until(condition: Callable[[], bool], what: str, timeout: float = 8.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def connected(desk: Desk) -> None:
    await until(
        lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, "the desk is connected"
    )


def test_a_seed_clients_map_equals_the_terminal_after_every_step(qapp: Any, desk: Desk) -> None:
    async def scenario() -> None:
        desk.start()
        await connected(desk)
        async with serving(desk) as port, seed_client(port) as early:  # joins before any position
            await until(lambda: "POSITIONS_UPDATE" in early.types, "the first update arrives")
            assert early.positions == {}
            sim = desk.simulator
            first = sim.open_external("EURUSD", "buy", 0.4)
            second = sim.open_external("GBPUSD", "sell", 0.2)
            await until(lambda: client_view(early) == terminal_view(desk), "two positions shown")
            async with seed_client(port) as late:  # joins after positions exist
                clients = (early, late)

                async def all_equal(step: str) -> None:
                    for client in clients:
                        await until(same_as_terminal(client, desk), step)

                await all_equal("the late client sees the positions opened before it joined")
                before = terminal_view(desk)[first]
                sim.clock.advance(120)  # the market moves: price and profit
                await until(lambda: terminal_view(desk)[first] != before, "the terminal's price moves")
                await all_equal("prices and profit follow the terminal")
                price = terminal_view(desk)[second][1]
                sim.modify_external(second, sl=round(price + 0.0100, 5))
                await all_equal("the stop loss follows")
                sim.close_external(first)
                await all_equal("the closed position is gone")
                third = sim.open_external("USDJPY", "buy", 0.1)
                await all_equal("a new position appears")
                assert set(late.positions) == {second, third}

    run_on_qt(qapp, scenario)


def test_positions_updates_come_at_most_once_a_second_while_prices_move(qapp: Any, desk: Desk) -> None:
    async def scenario() -> list[float]:
        desk.start()
        await connected(desk)
        desk.simulator.open_external("EURUSD", "buy", 0.1)
        async with serving(desk) as port, seed_client(port) as client:
            for _ in range(40):  # a new price every 0.1 s, four seconds long
                desk.simulator.clock.advance(5)
                await asyncio.sleep(0.1)
            return client.update_times

    times = run_on_qt(qapp, scenario)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) >= 3, times  # the prices did move: updates kept coming
    assert min(gaps) >= 0.95, gaps


def test_the_heartbeat_carries_the_seed_fields_at_join_and_every_interval(
    qapp: Any, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seed_feed, "HEARTBEAT_INTERVAL_S", 0.5)  # 30 s in the product

    async def scenario() -> list[dict[str, Any]]:
        desk.start()
        await connected(desk)
        desk.simulator.open_external("EURUSD", "buy", 0.1)
        await until(lambda: len(desk.state.of(MAIN).positions) == 1, "the desk knows the position")
        async with serving(desk) as port, seed_client(port) as client:
            await until(lambda: len(client.heartbeats) >= 3, "three heartbeats")
            return client.heartbeats

    heartbeats = run_on_qt(qapp, scenario)
    first = heartbeats[0]
    assert first["mt5_connected"] is True and first["positions_count"] == 1
    assert first["account_balance"] == first["account_info"]["balance"] > 0
    assert first["account_info"]["login"] < 10_000  # masked to its last four digits, as on the wire
    assert first["connection_id"] == MAIN and first["timestamp"].endswith("Z")


def test_a_refused_order_reaches_the_seed_client_as_trade_error(qapp: Any, desk: Desk) -> None:
    async def scenario() -> dict[str, Any]:
        desk.start()
        await connected(desk)
        async with serving(desk) as port, seed_client(port) as client:
            await until(lambda: "STATUS_HEARTBEAT" in client.types, "the client is greeted")
            desk.simulator.force_next_retcode(RETCODE_NO_MONEY)
            request = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1)
            desk.submit(TradeCommand.manual(request, MAIN))
            await until(lambda: bool(client.trade_errors), "a TRADE_ERROR arrives")
            return client.trade_errors[0]

    error = run_on_qt(qapp, scenario)
    assert set(error) >= {"trade_id", "symbol", "order_type", "error", "code", "timestamp"}
    assert (error["symbol"], error["order_type"], error["code"]) == ("EURUSD", "BUY", RETCODE_NO_MONEY)
    assert error["error"] and "v" not in error


def test_an_auto_trade_reaches_the_seed_client_with_its_fields(qapp: Any, desk: Desk) -> None:
    executed = AutoTradeExecuted(
        model_id="m1", model_name="Alpha", trade_id="t1", direction=Side.SELL, symbol="EURUSD",
        confidence=0.71, entry_price=1.08512, stop_loss=1.09, take_profit=None, lot_size=0.1,
    )  # fmt: skip

    async def scenario() -> dict[str, Any]:
        async with serving(desk) as port, seed_client(port) as client:
            await until(lambda: "STATUS_HEARTBEAT" in client.types, "the client is greeted")
            desk.hub.publish(executed)
            await until(lambda: bool(client.auto_trades), "AUTO_TRADE_EXECUTED arrives")
            return client.auto_trades[0]

    trade = run_on_qt(qapp, scenario)
    assert {k: trade[k] for k in ("model_id", "model_name", "trade_id", "direction", "symbol")} == {
        "model_id": "m1", "model_name": "Alpha", "trade_id": "t1", "direction": "SELL", "symbol": "EURUSD",
    }  # fmt: skip
    assert (trade["confidence"], trade["entry_price"], trade["stop_loss"], trade["take_profit"]) == (
        0.71, 1.08512, 1.09, None,
    )  # fmt: skip
    assert trade["lot_size"] == 0.1 and trade["timestamp"].endswith("Z")


def test_without_a_protocol_the_compact_one_is_spoken_and_an_unknown_one_is_refused(
    qapp: Any, desk: Desk
) -> None:
    async def scenario() -> tuple[str, int, str]:
        async with serving(desk) as port:
            async with connect(f"ws://127.0.0.1:{port}/?token={TOKEN}") as socket:
                first = json.loads(await socket.recv())["type"]
            try:
                async with connect(f"ws://127.0.0.1:{port}/?protocol=rest&token={TOKEN}"):
                    pass
            except InvalidStatus as refused:
                return first, refused.response.status_code, refused.response.body.decode()
            raise AssertionError("an unknown protocol was accepted")

    first, status, text = run_on_qt(qapp, scenario)
    assert first == "HELLO"
    assert status == 400 and "use ?protocol=seed" in text


def test_a_lost_terminal_is_told_at_once_by_a_heartbeat_with_mt5_connected_false(
    qapp: Any, desk: Desk
) -> None:
    async def scenario() -> tuple[list[bool], float]:
        desk.start()
        await connected(desk)
        async with serving(desk) as port, seed_client(port) as client:
            await until(lambda: bool(client.heartbeats), "the heartbeat at join")
            lost_at = asyncio.get_running_loop().time()
            desk.simulator.disconnect()
            await until(lambda: not client.heartbeats[-1]["mt5_connected"], "a heartbeat says down")
            took = asyncio.get_running_loop().time() - lost_at
            desk.simulator.restore()
            await until(lambda: client.heartbeats[-1]["mt5_connected"], "a heartbeat says up again", 20)
            return [beat["mt5_connected"] for beat in client.heartbeats], took

    told, took = run_on_qt(qapp, scenario)
    assert told[0] is True and False in told and told[-1] is True
    assert took < seed_feed.HEARTBEAT_INTERVAL_S / 3  # not left to the next 30 s heartbeat
