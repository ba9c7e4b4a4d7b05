"""Remote fan-out benchmark, and `python -m tests.bench.bench_remote` to print the figures we report.

A real EventHub, DeskState fold and RemoteServer on loopback; N real websockets viewers (default 100)
that each read and parse every message. The desk holds P positions (default 1,000) and publishes R
changes a second (default 10), each one event as the engine would send it: 8 in 10 move one position's
price and profit (PNL_UPDATE), 1 in 10 changes one position's SL (POSITIONS_UPDATE, full record), 1 in
10 opens or closes one (POSITIONS_UPDATE).

Figures: bytes a viewer receives per update (the JSON text, before the per-message deflate the link
negotiates, so the wire carries less) against one full SNAPSHOT; latency from `hub.publish` to a
viewer's `recv()`, over every (viewer, update) pair. Server and viewers share one process and one event
loop, so the latency includes the whole fan-out to every viewer and their parsing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, replace

from websockets.asyncio.client import ClientConnection, connect

from app.core.events import Event, PnlUpdate, PositionsUpdate, encode
from app.core.models import Position
from app.core.settings import RemoteSettings
from app.engine.hub import EventHub
from app.remote.server import RemoteServer
from tests.bench.bench_core import build_positions, snapshot_of
from tests.remote.conftest import TOKEN, FoldedState

CLIENTS = 100
POSITIONS = 1_000
RATE = 10.0
SECONDS = 10.0
_FIRST_UPDATE_SEQ = 3  # HELLO is 1, SNAPSHOT 2


@dataclass(frozen=True, slots=True)
class RemoteFigures:
    """What one run measured."""

    clients: int
    positions: int
    updates: int
    delivered: int
    snapshot_bytes: int
    mean_update_bytes: float
    max_update_bytes: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def ratio(self) -> float:
        """Mean bytes per update as a fraction of one full SNAPSHOT."""
        return self.mean_update_bytes / self.snapshot_bytes

    def lines(self) -> list[str]:
        return [
            f"{self.clients} viewers, {self.positions:,} positions, {self.updates} updates "
            f"({self.delivered:,} of {self.clients * self.updates:,} deliveries arrived)",
            f"  full SNAPSHOT            {self.snapshot_bytes:>10,} bytes",
            f"  per update, mean         {self.mean_update_bytes:>10,.0f} bytes"
            f"  ({self.ratio:.3%} of a snapshot; max {self.max_update_bytes:,} bytes)",
            f"  latency p50 / p99 / max  {self.p50_ms:.2f} / {self.p99_ms:.2f} / {self.max_ms:.2f} ms",
        ]


class ChangeMaker:
    """The desk's next change, as the engine would publish it."""

    def __init__(self, positions: dict[int, Position]) -> None:
        self.positions = dict(positions)
        self._count = 0
        self._next_ticket = max(positions) + 1_000

    def next_event(self) -> Event:
        index, self._count = self._count, self._count + 1
        tickets = sorted(self.positions)
        ticket = tickets[(index * 7919) % len(tickets)]
        old = self.positions[ticket]
        if index % 10 < 8:
            moved = replace(old, price_current=round(old.price_current * 1.0001, 5), profit=old.profit + 1.5)
            self.positions[ticket] = moved
            floating = sum(p.profit + p.swap for p in self.positions.values())
            return PnlUpdate(
                pnl={ticket: (moved.price_current, moved.profit)}, floating_total=floating, equity=1e5
            )
        if index % 10 == 8:
            modified = replace(old, sl=round(old.price_open * 0.97, 5))
            self.positions[ticket] = modified
            return PositionsUpdate(positions=(modified,), added=(), removed=(), modified=(ticket,))
        if index % 20 == 9:
            del self.positions[ticket]
            return PositionsUpdate(positions=(), added=(), removed=(ticket,), modified=())
        new = replace(old, ticket=self._next_ticket, identifier=self._next_ticket)
        self._next_ticket += 1
        self.positions[new.ticket] = new
        return PositionsUpdate(positions=(new,), added=(new.ticket,), removed=(), modified=())


async def _read(connection: ClientConnection, arrivals: list[tuple[int, float, int]]) -> None:
    async for message in connection:
        received = time.perf_counter()
        seq = json.loads(message)["seq"]  # a viewer parses every message
        arrivals.append((seq, received, len(message)))


async def measure(
    clients: int = CLIENTS, positions: int = POSITIONS, rate: float = RATE, seconds: float = SECONDS
) -> RemoteFigures:
    """Run the workload once and return its figures."""
    hub = EventHub()
    folded = FoldedState(hub)
    start = snapshot_of(build_positions(positions))
    hub.publish(start)
    settings = RemoteSettings(port=0, max_clients=clients)
    server = RemoteServer(hub, folded.snapshot, settings, TOKEN, server_version="bench")
    _, port = await server.start()
    arrivals: list[list[tuple[int, float, int]]] = [[] for _ in range(clients)]
    connections: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    try:
        for record in arrivals:
            connection = await connect(
                f"ws://127.0.0.1:{port}/",
                additional_headers={"Authorization": f"Bearer {TOKEN}"},
                max_size=None,
            )
            connections.append(connection)
            readers.append(asyncio.create_task(_read(connection, record)))
        while any(len(record) < 2 for record in arrivals):  # everyone holds HELLO and the SNAPSHOT
            await asyncio.sleep(0.05)
        maker = ChangeMaker({p.ticket: p for view in start.accounts for p in view.positions})
        updates = max(1, round(rate * seconds))
        published: list[float] = []
        began = time.perf_counter()
        for index in range(updates):
            await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
            event = maker.next_event()
            published.append(time.perf_counter())
            hub.publish(event)
        last_seq = _FIRST_UPDATE_SEQ + updates - 1
        deadline = time.perf_counter() + 10.0
        while time.perf_counter() < deadline and any(r[-1][0] < last_seq for r in arrivals):
            await asyncio.sleep(0.01)
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for connection in connections:
            connection.transport.abort()
        await server.stop()
    latencies, sizes = [], []
    for record in arrivals:
        for seq, received, size in record[2:]:
            sent_at = published[seq - _FIRST_UPDATE_SEQ]
            latencies.append((received - sent_at) * 1000)
            sizes.append(size)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return RemoteFigures(
        clients=clients,
        positions=positions,
        updates=updates,
        delivered=len(latencies),
        snapshot_bytes=len(encode(start, seq=2)),
        mean_update_bytes=statistics.fmean(sizes),
        max_update_bytes=max(sizes),
        p50_ms=statistics.median(latencies),
        p99_ms=quantiles[98],
        max_ms=max(latencies),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--positions", type=int, default=POSITIONS)
    parser.add_argument("--rate", type=float, default=RATE, help="changes per second")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args(argv)
    from PyQt6.QtCore import QCoreApplication

    _app = QCoreApplication.instance() or QCoreApplication([])
    figures = asyncio.run(measure(args.clients, args.positions, args.rate, args.seconds))
    print("\n".join(figures.lines()))


if __name__ == "__main__":
    main()
