"""End to end over mt5linux's own server process (`python -m mt5linux`, the rpyc classic server its Wine build
runs) with the stand-in MetaTrader5 module on its path: the desk trades through it, survives it being
killed and restarted, headless waits for it with a clear message, and `train --terminal bridge` reads
its bars. stdout of the headless desk and of `train --json` stays clean JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import ConnectionState, OrderAction, Side, TradeStatus
from app.core.events import Event, PnlUpdate, StatusUpdate
from app.core.models import OrderRequest
from app.engine.commands import TradeCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.terminal.backend import open_terminal
from app.terminal.errors import TerminalError
from tests.bridge.servers import REPO, Mt5linuxServer, free_port
from tests.one_account import MAIN

pytestmark = pytest.mark.slow

FAST = Intervals(pnl_s=0.2, positions_s=0.5, account_s=0.3, heartbeat_s=1.0)
SETTINGS = """
[terminal]
timeout_ms = 2000

[intervals]
pnl_s = 0.5
positions_s = 1.0
account_s = 1.0
heartbeat_s = 5.0
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mt5linuxServer]:
    folder = tmp_path_factory.mktemp("mt5linux")
    running = Mt5linuxServer(free_port(), folder / "standin.json", folder / "server.log")
    running.start()
    yield running
    running.kill()


@pytest.fixture
def desk(qtbot: Any, server: Mt5linuxServer, tmp_path: Path) -> Iterator[Desk]:
    config = DeskConfig(target=server.target(), database_file=tmp_path / "journal.sqlite3", intervals=FAST)
    desk = Desk(config)
    seen: list[Event] = []
    desk.hub.stream.connect(seen.append)
    desk.seen = seen  # type: ignore[attr-defined]
    desk.start()
    qtbot.waitUntil(lambda: connected(desk) and desk.state.of(MAIN).account is not None, timeout=15_000)
    yield desk
    assert desk.stop(10)
    desk.journal.database.close()


def connected(desk: Desk) -> bool:
    return desk.state.of(MAIN).status.state is ConnectionState.CONNECTED


def mt5_connected(desk: Desk) -> bool:
    return desk.state.of(MAIN).status.mt5_connected


def trade(qtbot: Any, desk: Desk, request: OrderRequest, status: TradeStatus) -> str:
    command = TradeCommand.manual(request, MAIN)
    assert desk.submit(command), "the desk refused the order (another is in flight for the position)"

    def reached() -> bool:
        record = desk.journal.find_trade(command.trade_id)
        return record is not None and record.status is status

    qtbot.waitUntil(reached, timeout=10_000)
    # One order per position at a time: the next may go once the worker has finished with this one.
    ticket = request.ticket
    if ticket is not None:
        qtbot.waitUntil(lambda: desk.inflight.holder((MAIN, ticket)) is None, timeout=10_000)
    return command.trade_id


def test_the_desk_sees_the_account_positions_and_pnl_through_the_bridge(
    qtbot: Any, desk: Desk, server: Mt5linuxServer
) -> None:
    assert desk.state.of(MAIN).account is not None and desk.state.of(MAIN).account.server == "MT5Desk-Demo"
    assert desk.state.of(MAIN).status.mt5_connected and not desk.state.of(MAIN).status.simulated
    with server.controls() as sim:
        ticket = sim.open_external("EURUSD", "buy", 0.4, comment="at the terminal")
    qtbot.waitUntil(lambda: ticket in desk.state.of(MAIN).positions, timeout=10_000)
    position = desk.state.of(MAIN).positions[ticket]
    assert (position.symbol, position.volume, position.comment) == ("EURUSD", 0.4, "at the terminal")
    seen: list[Event] = desk.seen  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: any(isinstance(e, PnlUpdate) and ticket in e.pnl for e in seen), timeout=10_000)


def test_the_desk_opens_modifies_and_closes_through_the_bridge(
    qtbot: Any, desk: Desk, server: Mt5linuxServer
) -> None:
    opened = trade(
        qtbot, desk, OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, volume=0.1), TradeStatus.OPEN
    )
    record = desk.journal.find_trade(opened)
    assert record is not None and record.position_ticket is not None
    ticket = record.position_ticket
    qtbot.waitUntil(lambda: ticket in desk.state.of(MAIN).positions, timeout=10_000)
    stop = round(desk.state.of(MAIN).positions[ticket].price_open - 0.0100, 5)
    trade(qtbot, desk, OrderRequest(OrderAction.MODIFY, "EURUSD", sl=stop, ticket=ticket), TradeStatus.CLOSED)
    with server.controls() as sim:
        (at_terminal,) = sim.positions_get(ticket=ticket)
        assert at_terminal.sl == stop
    trade(qtbot, desk, OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket), TradeStatus.CLOSED)
    qtbot.waitUntil(lambda: ticket not in desk.state.of(MAIN).positions, timeout=10_000)
    # The closed trade's profit comes from the terminal's deal history, read through the bridge.
    qtbot.waitUntil(
        lambda: any(
            t.trade_id == opened and t.status is TradeStatus.CLOSED for t in desk.journal.closed_trades()
        ),
        timeout=10_000,
    )


def test_a_killed_bridge_server_is_reconnected_by_itself(
    qtbot: Any, desk: Desk, server: Mt5linuxServer
) -> None:
    statuses: list[StatusUpdate] = []
    desk.hub.stream.connect(lambda e: statuses.append(e) if isinstance(e, StatusUpdate) else None)
    server.kill()
    try:
        qtbot.waitUntil(
            lambda: desk.state.of(MAIN).status.state is ConnectionState.RECONNECTING, timeout=10_000
        )
        assert not mt5_connected(desk)
        assert "bridge" in desk.state.of(MAIN).status.message
    finally:
        server.start()
    qtbot.waitUntil(lambda: connected(desk), timeout=20_000)
    assert mt5_connected(desk)
    lost = [s.status for s in statuses if s.status.state is not ConnectionState.CONNECTED]
    assert lost and not any(s.mt5_connected for s in lost)


def test_a_call_slower_than_the_timeout_is_given_up_and_the_link_reopened(server: Mt5linuxServer) -> None:
    terminal = open_terminal(server.target(timeout_ms=1_000)).terminal
    with server.controls() as sim:
        sim.set_latency(3.0)
        try:
            started = time.monotonic()
            with pytest.raises(TerminalError) as caught:
                terminal.account()
            waited = time.monotonic() - started
        finally:
            sim.set_latency(0.0)
    assert caught.value.code == -10005 and waited < 3.0  # gave up before the 3 s answer came
    assert "did not answer account_info within 1 s" in caught.value.message
    terminal.connect(timeout_ms=1_000)  # what the worker's reconnect does: a fresh connection
    assert terminal.account().server == "MT5Desk-Demo"
    terminal.disconnect()


def mt5desk(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "app", "--data-dir", str(data), *args]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


class Lines:
    """Reads a child's stdout line by line in a thread, so the test can wait for a given line."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for raw in stream:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_for(self, what: str, found: Callable[[dict[str, Any]], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(found(json.loads(line)) for line in list(self.lines)):
                return
            time.sleep(0.1)
        raise AssertionError(f"no {what} within {timeout_s} s; stdout was:\n" + "\n".join(self.lines))

    def join(self) -> None:
        self._thread.join(10)


def test_headless_without_a_server_says_so_retries_and_connects_once_it_starts(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    port = free_port()
    command = mt5desk(tmp_path, "--headless", "--bridge", f"127.0.0.1:{port}", "--events-jsonl", "-")
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    stdout = Lines(child.stdout)
    late = Mt5linuxServer(port, tmp_path / "standin.json", tmp_path / "server.log")
    try:
        stdout.wait_for(
            "status saying no server listens",
            lambda e: (
                e["type"] == "STATUS_UPDATE"
                and f"No mt5linux bridge server is listening at 127.0.0.1:{port}" in e["message"]
                and "wine mt5server.exe" in e["message"]
            ),
            timeout_s=20,
        )
        late.start()
        stdout.wait_for(
            "connected status",
            lambda e: e["type"] == "STATUS_UPDATE" and e["state"] == "connected" and e["mt5_connected"],
            timeout_s=30,
        )
        stdout.wait_for("account", lambda e: e["type"] == "ACCOUNT_UPDATE", timeout_s=10)
    finally:
        child.send_signal(signal.SIGTERM)
        code = child.wait(20)
        late.kill()
    stdout.join()
    assert code == 0
    assert stdout.lines and all(isinstance(json.loads(line), dict) for line in stdout.lines)


def test_train_reads_its_bars_through_the_bridge_and_prints_one_json_object(
    server: Mt5linuxServer, tmp_path: Path
) -> None:
    command = mt5desk(
        tmp_path,
        "train",
        "--terminal",
        "bridge",
        "--bridge",
        f"127.0.0.1:{server.port}",
        "--symbol",
        "EURUSD",
        "--timeframe",
        "H1",
        "--bars",
        "2000",
        "--json",
    )
    done = subprocess.run(command, capture_output=True, env=child_env(), timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert (summary["symbol"], summary["timeframe"], summary["bars"]) == ("EURUSD", "H1", 2000)
    assert Path(summary["model_file"]).is_file()
