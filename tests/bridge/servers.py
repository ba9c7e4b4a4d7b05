"""Bridge servers for the tests: rpyc's classic server in a thread of the test, or mt5linux's own server
process, both with a stand-in MetaTrader5 module (tests/bridge/standin.py) that the simulator drives."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.terminal.simulator import ManualClock, SimulatedTerminal
from tests.bridge.standin import OFFSET_VARIABLE, STATE_VARIABLE, standin_module

WEDNESDAY_10H = datetime(2026, 11, 18, 10, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
STANDIN_PATH = Path(__file__).resolve().parent / "standin_path"
_DAY = 86_400


def free_port() -> int:
    """A loopback port nothing listens on (just released by the OS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class InProcessBridge:
    """rpyc's classic server (what mt5linux's server runs) in a thread, in front of `sim`."""

    sim: SimulatedTerminal
    clock: ManualClock
    port: int
    server: Any

    def target(self, **changes: Any) -> TerminalTarget:
        return replace(TerminalTarget(Backend.BRIDGE, bridge_port=self.port, timeout_ms=3_000), **changes)


@contextmanager
def in_process_bridge(monkeypatch: pytest.MonkeyPatch, *, module: bool = True, **sim: Any) -> Iterator[Any]:
    """A bridge server in this process; with `module=False` its Python has no MetaTrader5 module."""
    from rpyc.core.service import SlaveService
    from rpyc.utils.server import ThreadedServer

    clock = ManualClock(WEDNESDAY_10H)
    terminal = SimulatedTerminal(clock=clock, **sim)
    monkeypatch.setitem(sys.modules, "MetaTrader5", standin_module(terminal) if module else None)
    server = ThreadedServer(SlaveService, hostname="127.0.0.1", port=0)
    server._listen()  # listening before the first client tries, and the port known
    thread = threading.Thread(target=server.start, name="bridge-server", daemon=True)
    thread.start()
    try:
        yield InProcessBridge(terminal, clock, int(server.port), server)
    finally:
        server.close()
        thread.join(5)


def weekday_offset_s(now: float | None = None) -> float:
    """Whole days back from now to a Tuesday-Thursday, so the simulated market is open."""
    day = int((time.time() if now is None else now) // _DAY)
    back = next(k for k in range(7) if (day - k + 3) % 7 in (1, 2, 3))  # epoch day 0 is a Thursday
    return float(back * _DAY)


class Mt5linuxServer:
    """mt5linux's own server process (`python -m mt5linux`, an rpyc classic server) with the stand-in
    MetaTrader5 module on its path; its simulated account lives in `state_file` across restarts."""

    def __init__(self, port: int, state_file: Path, log_file: Path) -> None:
        self.port = port
        self.state_file = state_file
        self.log_file = log_file
        self.offset_s = weekday_offset_s()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 20.0) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(STANDIN_PATH), str(REPO), env.get("PYTHONPATH", "")])
        env[STATE_VARIABLE] = str(self.state_file)
        env[OFFSET_VARIABLE] = str(self.offset_s)
        command = [sys.executable, "-m", "mt5linux", "--host", "127.0.0.1", "-p", str(self.port)]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=REPO)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mt5linux's server exited: {self.log_file.read_text(errors='replace')}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"mt5linux's server did not listen within {timeout_s} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def target(self, **changes: Any) -> TerminalTarget:
        return replace(TerminalTarget(Backend.BRIDGE, bridge_port=self.port, timeout_ms=3_000), **changes)

    @contextmanager
    def controls(self) -> Iterator[Any]:
        """The simulator inside the server, through a classic rpyc connection of the test's own."""
        import rpyc

        connection = rpyc.classic.connect("127.0.0.1", self.port)
        try:
            yield connection.modules["MetaTrader5"]._sim
        finally:
            connection.close()
