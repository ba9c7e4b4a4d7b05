"""The browser viewer page in headless Chromium, fed by a real desk on the simulator through the RemoteServer.

Chromium is driven over its DevTools protocol with the `websockets` client (no browser-driver download):
one browser for the module, one tab per test. Each test runs a real Desk on the simulator inside a
qasync loop, as the GUI does, so the terminal worker's events reach the server across threads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import shutil
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import qasync
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from app.core.enums import Backend, ConnectionState, NoticeLevel
from app.core.events import (
    PROTOCOL_VERSION,
    AccountUpdate,
    Event,
    Hello,
    Notice,
    PnlUpdate,
    PositionsUpdate,
    Resync,
    Snapshot,
    TradeError,
    decode,
    encode,
)
from app.core.models import Position
from app.core.settings import RemoteSettings
from app.core.state import DeskState
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.sim_controls import SimulatorControls
from app.remote.server import RemoteServer
from app.remote.static_page import StaticPage
from app.terminal.simulator import ClockSpec
from tests.one_account import MAIN, single_snapshot
from tests.remote.conftest import account, opened, position, run, status

CHROMIUM = Path("/usr/bin/chromium")
PAGE_DIR = Path(__file__).resolve().parents[2] / "resources" / "viewer"
TOKEN = "browser-viewer-token-Hq4Vn8Rt2Ky6"
# A weekday in trading hours: the simulated market is open whatever day the tests run.
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
FAST = Intervals(pnl_s=0.2, positions_s=0.25, account_s=0.5, heartbeat_s=1.0)
CHROMIUM_FLAGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"),
    *("--disable-background-networking", "--disable-component-update", "--remote-debugging-port=0"),
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; .ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def devtools_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One headless Chromium for the module; yields the port of its DevTools endpoint."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    browser = subprocess.Popen(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active_port = profile / "DevToolsActivePort"  # Chromium writes its chosen port here
        deadline = time.monotonic() + 20
        while not active_port.exists() or not active_port.read_text().strip():
            if browser.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not start its DevTools endpoint (exit code {browser.poll()})")
            time.sleep(0.05)
        yield int(active_port.read_text().split()[0])
    finally:
        browser.kill()  # a throwaway profile: nothing to save
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


class Tab:
    """One browser tab driven over the DevTools protocol: evaluate JavaScript, wait for the DOM."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self._ids = itertools.count(1)

    @classmethod
    @asynccontextmanager
    async def opened(cls, devtools_port: int, url: str) -> AsyncIterator[Tab]:
        target = json.loads(await _devtools_http(devtools_port, "PUT", "/json/new?about:blank"))
        async with connect(target["webSocketDebuggerUrl"], max_size=None) as connection:
            try:
                tab = cls(connection)
                # Navigated rather than opened with the URL: /json/new would drop a #fragment.
                await tab.call("Page.navigate", url=url)
                yield tab
            finally:
                await _devtools_http(devtools_port, "GET", f"/json/close/{target['id']}")

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events in between are skipped)."""
        call_id = next(self._ids)
        await self._connection.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self._connection.recv())
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 10.0) -> Any:
        """Poll `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        problem = ""
        while time.monotonic() < deadline:
            try:
                value = await self.evaluate(expression)
            except RuntimeError as error:  # e.g. the page is still loading
                problem = str(error)
            else:
                if value:
                    return value
            await asyncio.sleep(0.05)
        shown = await self.evaluate("document.body ? document.body.innerText : ''")
        pytest.fail(f"timed out waiting for {expression!r} {problem}\npage text:\n{shown}")


async def _devtools_http(port: int, method: str, path: str) -> str:
    def fetch() -> str:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            text: str = answer.read().decode()
            return text

    return await asyncio.to_thread(fetch)


@dataclass
class Served:
    """A running desk on the simulator and the RemoteServer that serves it and the page."""

    desk: Desk
    server: RemoteServer
    port: int

    @property
    def sim(self) -> SimulatorControls:
        controls = self.desk.simulator
        assert controls is not None
        return controls

    def page_url(self, suffix: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{suffix}"


def remote_server(desk: Desk, *, port: int) -> RemoteServer:
    """The server as the desk runs it, serving the page from resources/viewer."""
    settings = RemoteSettings(port=port)
    return RemoteServer(
        desk.hub, desk.state.snapshot, settings, TOKEN, page_dir=PAGE_DIR, server_version="test"
    )


def run_served(
    qapp: Any, tmp_path: Path, scenario: Callable[[Served], Coroutine[Any, Any, None]], timeout: float = 30.0
) -> None:
    """Start a desk and its server in a qasync loop, run `scenario`, and stop both whatever happens."""

    async def main() -> None:
        desk = Desk(
            DeskConfig(
                target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
                database_file=tmp_path / "journal.sqlite3",
                intervals=FAST,
                sim_clock=ClockSpec.manual(WEDNESDAY),
            )
        )
        server = remote_server(desk, port=0)
        _, port = await server.start()
        desk.start()
        try:
            while desk.state.of(MAIN).status.state is not ConnectionState.CONNECTED:
                await asyncio.sleep(0.02)
            await scenario(Served(desk, server, port))
        finally:
            await server.stop()
            desk.stop()

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(asyncio.wait_for(main(), timeout))
    finally:
        asyncio.set_event_loop(None)


def number(shown: str) -> float | None:
    """A figure as the page shows it ("+1,234.50", "-3.20", "—" for none) as a number."""
    return None if shown == "—" else float(shown.replace(",", "").replace("+", ""))


ROW = "document.querySelector('#positions-body tr[data-ticket=\"{ticket}\"]')"
LIVE = "document.getElementById('link').dataset.state === 'connected'"


def test_page_shows_a_position_opened_in_the_simulator_and_drops_it_when_closed(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url(f"?token={TOKEN}")) as tab:
            await tab.wait_for(LIVE)
            ticket = served.sim.open_external("EURUSD", "buy", 0.1)
            row = ROW.format(ticket=ticket)
            shown = await tab.wait_for(f"{row} && {row}.innerText")
            assert str(ticket) in shown and "EURUSD" in shown and "BUY" in shown
            served.sim.close_external(ticket)
            await tab.wait_for(f"{row} === null")

    run_served(qapp, tmp_path, scenario)


def test_profit_cells_and_total_follow_the_desks_pnl_updates(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url(f"?token={TOKEN}")) as tab:
            await tab.wait_for(LIVE)
            ticket = served.sim.open_external("EURUSD", "buy", 1.0)
            profit_cell = f"{ROW.format(ticket=ticket)}.cells[8].textContent"
            before = await tab.wait_for(f"{ROW.format(ticket=ticket)} && {profit_cell}")
            served.sim.clock.advance(600)  # the simulated market moves; only PNL_UPDATE reports it
            after = await tab.wait_for(f"{profit_cell} !== {json.dumps(before)} && {profit_cell}")
            assert number(after) == pytest.approx(
                served.desk.state.of(MAIN).positions[ticket].profit, abs=0.005
            )
            total = await tab.evaluate("document.getElementById('total-profit').textContent")
            assert number(total) == pytest.approx(served.desk.state.of(MAIN).floating_total, abs=0.005)

    run_served(qapp, tmp_path, scenario)


def test_token_leaves_the_address_bar_and_is_kept_for_this_tab_only(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url(f"#token={TOKEN}")) as tab:
            await tab.wait_for(LIVE)
            assert TOKEN not in await tab.evaluate("location.href")
            assert await tab.evaluate("Object.values(sessionStorage)") == [TOKEN]
            assert await tab.evaluate("localStorage.length") == 0

    run_served(qapp, tmp_path, scenario)


def test_page_without_a_token_asks_for_it_and_connects_once_it_is_typed(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url()) as tab:
            await tab.wait_for("!document.getElementById('token-form').hidden")
            await tab.evaluate(
                f"document.getElementById('token-input').value = {json.dumps(TOKEN)};"
                "document.getElementById('token-form').requestSubmit()"
            )
            await tab.wait_for(LIVE)

    run_served(qapp, tmp_path, scenario)


def test_wrong_token_is_refused_and_the_page_asks_for_the_token_again(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url("?token=not-the-token")) as tab:
            problem = await tab.wait_for(
                "!document.getElementById('token-problem').hidden"
                " && document.getElementById('token-problem').textContent"
            )
            assert "refused this token" in problem
            assert await tab.evaluate("sessionStorage.length") == 0

    run_served(qapp, tmp_path, scenario)


def test_trade_errors_appear_in_the_feed_as_plain_text_never_as_markup(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url(f"?token={TOKEN}")) as tab:
            await tab.wait_for(LIVE)
            markup = '<img id="injected" src="x">Not enough money'
            served.desk.hub.publish(
                TradeError(trade_id="t1", symbol="EURUSD", order_type="BUY", error=markup, code=10019)
            )
            shown = await tab.wait_for("document.getElementById('feed').innerText")
            assert markup in shown and "10019" in shown
            assert await tab.evaluate("document.getElementById('injected') === null")

    run_served(qapp, tmp_path, scenario)


def test_page_reconnects_by_itself_when_the_server_comes_back(
    qapp: Any, tmp_path: Path, devtools_port: int
) -> None:
    async def scenario(served: Served) -> None:
        async with Tab.opened(devtools_port, served.page_url(f"?token={TOKEN}")) as tab:
            await tab.wait_for(LIVE)
            await served.server.stop()
            link = await tab.wait_for(f"!({LIVE}) && document.getElementById('link-text').textContent")
            assert "reconnecting" in link
            ticket = served.sim.open_external("EURUSD", "sell", 0.2)
            restarted = remote_server(served.desk, port=served.port)
            await restarted.start()
            try:
                await tab.wait_for(f"{LIVE} && {ROW.format(ticket=ticket)} !== null")
            finally:
                await restarted.stop()

    run_served(qapp, tmp_path, scenario)


# ---- the page against a scripted server: exact folding and seq gaps, without a desk ------------------


@asynccontextmanager
async def scripted_page(devtools_port: int) -> AsyncIterator[tuple[Tab, ServerConnection]]:
    """The page served by a bare websockets server whose messages the test writes itself."""
    page = StaticPage(PAGE_DIR)
    connections: asyncio.Queue[ServerConnection] = asyncio.Queue()

    def answer_page(connection: ServerConnection, request: Request) -> Response | None:
        upgrade = "websocket" in request.headers.get("Upgrade", "").lower()
        return None if upgrade else page.respond("GET", request.path)

    async def hold(connection: ServerConnection) -> None:
        await connections.put(connection)
        await connection.wait_closed()

    async with serve(hold, "127.0.0.1", 0, process_request=answer_page) as server:
        port = server.sockets[0].getsockname()[1]
        async with Tab.opened(devtools_port, f"http://127.0.0.1:{port}/?token={TOKEN}") as tab:
            connection = await asyncio.wait_for(connections.get(), 10)
            await connection.send(encode(Hello(protocol_version=PROTOCOL_VERSION, server_version="t"), seq=1))
            yield tab, connection


def snapshot_of(*positions: Position) -> Snapshot:
    return single_snapshot(account=account(), positions=positions, status=status(), models=())


def scripted_events(rng: random.Random, count: int) -> list[Event]:
    """SNAPSHOTs, opens, modifications, closes, P&L moves (some for unknown tickets) and account updates."""
    tickets = itertools.count(1000)
    held: dict[int, Position] = {}
    events: list[Event] = []
    for step in range(count):
        roll = rng.random()
        if step in (0, count // 2):
            held = {t: position(t, profit=rng.uniform(-50, 50)) for t in itertools.islice(tickets, 3)}
            events.append(snapshot_of(*held.values()))
        elif step == count - 1 or (roll < 0.4 and held):  # ends with P&L: the floating total is the event's
            moved = {t: (rng.uniform(1.09, 1.11), rng.uniform(-200, 200)) for t in held} | {7: (1.0, 5.0)}
            events.append(
                PnlUpdate(pnl=moved, floating_total=rng.uniform(-300, 300), equity=rng.uniform(9e3, 11e3))
            )
        elif roll < 0.9 or not held:
            added = [position(next(tickets), volume=rng.choice((0.01, 0.5, 2.0)))]
            removed = rng.sample(sorted(held), 1) if roll < 0.6 and held else []
            modified = [replace(p, volume=0.3, sl=1.05) for t, p in held.items() if t not in removed][:1]
            for ticket in removed:
                del held[ticket]
            held.update({p.ticket: p for p in (*added, *modified)})
            # Ticket 99 was never open: removing it changes nothing.
            events.append(
                PositionsUpdate(
                    (*added, *modified), (added[0].ticket,), (*removed, 99), (*[p.ticket for p in modified],)
                )
            )
        else:
            events.append(AccountUpdate(account=replace(account(), balance=rng.uniform(9e3, 11e3))))
    return events


ROWS = (
    "[...document.querySelectorAll('#positions-body tr')].map(row => [...row.cells].map(c => c.textContent))"
)


def test_page_folds_the_events_exactly_as_desk_state_does(devtools_port: int) -> None:
    events = scripted_events(random.Random(7), 60)
    state = DeskState()
    for event in events:
        state.apply(event)

    async def scenario() -> None:
        async with scripted_page(devtools_port) as (tab, connection):
            for seq, event in enumerate([*events, Notice(level=NoticeLevel.INFO, title="end", text="")], 2):
                await connection.send(encode(event, seq=seq))
            # The feed and the table are painted in the same frame: once "end" shows, so do the rows.
            await tab.wait_for("document.getElementById('feed').textContent.includes('end')")
            rows = await tab.evaluate(ROWS)
            held_positions = state.of("").positions
            assert [int(row[0]) for row in rows] == sorted(held_positions)
            for row in rows:
                held = held_positions[int(row[0])]
                assert number(row[3]) == pytest.approx(held.volume)
                assert number(row[5]) == pytest.approx(held.price_current, abs=5e-6)
                assert number(row[6]) == (None if held.sl is None else pytest.approx(held.sl))
                assert number(row[8]) == pytest.approx(held.profit, abs=0.005)
            figures = await tab.evaluate(
                "['total-profit', 'acc-floating', 'acc-equity', 'acc-balance']"
                ".map(id => document.getElementById(id).textContent)"
            )
            held_account = state.of("").account
            assert held_account is not None
            floating = state.of("").floating_total
            expected = (floating, held_account.profit, held_account.equity, held_account.balance)
            assert [number(text) for text in figures] == pytest.approx(expected, abs=0.005)

    run(scenario())


def test_page_asks_for_a_resync_when_it_sees_a_seq_gap(devtools_port: int) -> None:
    async def scenario() -> None:
        async with scripted_page(devtools_port) as (tab, connection):
            await connection.send(encode(snapshot_of(), seq=2))
            await tab.wait_for(LIVE)
            await connection.send(encode(opened(position(501)), seq=4))  # seq 3 never arrived
            assert isinstance(decode(await asyncio.wait_for(connection.recv(), 5)), Resync)
            await connection.send(encode(snapshot_of(position(502)), seq=5))
            await tab.wait_for(f"{ROW.format(ticket=502)} !== null && {ROW.format(ticket=501)} === null")

    run(scenario())
