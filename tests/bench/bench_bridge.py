"""Benchmark: positions_get of 1,000 positions over the bridge on loopback, against the in-process simulator.

The bridge server is mt5linux's own server process (`python -m mt5linux`) with the stand-in MetaTrader5
module (the simulator behind records that refuse pickle) holding the positions; the client is the desk's
BridgeApi. The baseline, measured in the same run, is the same call on an in-process simulator holding
as many positions. Figures: messages sent per call (one message, one round trip), median time of the raw
`positions_get()` and of the adapter's `Terminal.positions()` both ways, and their ratio. For scale, the
way mt5linux 1.0.x's client reads records (remote references, one round trip per field read) is timed on
a few positions and its round trips counted.

Run `python -m tests.bench.bench_bridge [--positions N] [--repeats N]`. Nothing here fails on time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.enums import Backend
from app.terminal.adapter import Terminal
from app.terminal.backend import open_terminal
from app.terminal.bridge_client import BridgeApi, CountingStream
from app.terminal.simulator import SimulatedTerminal
from tests.bridge.servers import Mt5linuxServer, free_port
from tests.bridge.standin import ShiftedClock

POSITIONS = 1_000
REPEATS = 30
NETREF_POSITIONS = 20  # mt5linux 1.0.x's way is slow enough that a few positions tell the story
BALANCE = 10_000_000.0
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "AUDUSD")


@dataclass(frozen=True, slots=True)
class BridgeFigures:
    """What one run measured (times in milliseconds, medians over `repeats` calls)."""

    positions: int
    repeats: int
    messages_per_call: float
    bridge_raw_ms: float
    local_raw_ms: float
    bridge_adapter_ms: float
    local_adapter_ms: float
    netref_positions: int
    netref_messages: int
    netref_ms: float

    @property
    def raw_ratio(self) -> float:
        return self.bridge_raw_ms / self.local_raw_ms

    @property
    def adapter_ratio(self) -> float:
        return self.bridge_adapter_ms / self.local_adapter_ms

    def lines(self) -> list[str]:
        per_position = self.netref_messages / max(1, self.netref_positions)
        return [
            f"positions_get of {self.positions} positions, median of {self.repeats} calls:",
            f"  round trips per call over the bridge: {self.messages_per_call:g}",
            f"  raw positions_get(): bridge {self.bridge_raw_ms:.1f} ms, in-process simulator "
            f"{self.local_raw_ms:.1f} ms, ratio {self.raw_ratio:.2f}",
            f"  Terminal.positions(): bridge {self.bridge_adapter_ms:.1f} ms, in-process simulator "
            f"{self.local_adapter_ms:.1f} ms, ratio {self.adapter_ratio:.2f}",
            f"  for scale, mt5linux 1.0.x's remote references: {self.netref_messages} round trips and "
            f"{self.netref_ms:.0f} ms to read {self.netref_positions} positions "
            f"({per_position:.0f} a position)",
        ]


def _median_ms(call: Callable[[], Any], repeats: int) -> float:
    call()  # warm: caches, first-use imports
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _fill(sim: Any, positions: int) -> None:
    sim.deposit(BALANCE)
    for index in range(positions):
        sim.open_external(SYMBOLS[index % len(SYMBOLS)], "buy" if index % 2 else "sell", 0.01)


def _netref_read(port: int, positions: int) -> tuple[int, float]:
    """Round trips and time to read every field of `positions` records the way mt5linux 1.0.x does."""
    import rpyc
    from rpyc.core.stream import SocketStream

    stream = CountingStream(SocketStream.connect("127.0.0.1", port))
    connection = rpyc.connect_stream(stream, rpyc.core.service.ClassicService, {"sync_request_timeout": 60})
    try:
        connection.execute("import MetaTrader5 as mt5")
        connection.eval("mt5.initialize()")
        before, started = stream.writes, time.perf_counter()
        records = connection.eval("mt5.positions_get()")
        for index in range(positions):
            record = records[index]
            for name in ("ticket", "time", "type", "magic", "identifier", "volume", "price_open", "sl", "tp"):
                getattr(record, name)
            for name in ("price_current", "swap", "profit", "symbol", "comment", "time_update", "reason"):
                getattr(record, name)
        return stream.writes - before, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


def measure(
    positions: int = POSITIONS, repeats: int = REPEATS, netref_positions: int = NETREF_POSITIONS
) -> BridgeFigures:
    """Start mt5linux's server with `positions` open, time both ways, stop it."""
    with tempfile.TemporaryDirectory(prefix="mt5desk-bench-bridge-") as folder:
        server = Mt5linuxServer(free_port(), Path(folder) / "standin.json", Path(folder) / "server.log")
        server.start()
        try:
            with server.controls() as remote_sim:
                _fill(remote_sim, positions)
            bridge = open_terminal(server.target(timeout_ms=30_000)).terminal
            api = bridge.api
            assert isinstance(api, BridgeApi)
            # The same moving market as the server's: prices change every second on both sides.
            local_sim = SimulatedTerminal(clock=ShiftedClock(server.offset_s))
            _fill(local_sim, positions)
            local = Terminal(local_sim, Backend.SIM)
            local.connect()
            assert len(bridge.positions()) == len(local.positions()) == positions

            sent_before = api.messages_sent
            api.positions_get()
            messages = api.messages_sent - sent_before
            figures = BridgeFigures(
                positions=positions,
                repeats=repeats,
                messages_per_call=float(messages),
                bridge_raw_ms=_median_ms(api.positions_get, repeats),
                local_raw_ms=_median_ms(local_sim.positions_get, repeats),
                bridge_adapter_ms=_median_ms(bridge.positions, repeats),
                local_adapter_ms=_median_ms(local.positions, repeats),
                netref_positions=min(netref_positions, positions),
                netref_messages=0,
                netref_ms=0.0,
            )
            bridge.disconnect()
            if netref_positions:
                netref_messages, netref_ms = _netref_read(server.port, min(netref_positions, positions))
                figures = _with_netref(figures, netref_messages, netref_ms)
            return figures
        finally:
            server.kill()


def _with_netref(figures: BridgeFigures, messages: int, ms: float) -> BridgeFigures:
    from dataclasses import replace

    return replace(figures, netref_messages=messages, netref_ms=ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=POSITIONS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    print("\n".join(measure(args.positions, args.repeats).lines()))


if __name__ == "__main__":
    main()
