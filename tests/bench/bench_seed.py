"""Seed feed cost: one second of 1,000 moving positions for 10 seed viewers vs the compact fan-out.

Both are measured in the same run on the same state, as CPU time of the server's own work (building
and encoding the messages, no sockets): the seed protocol sends the full list to each seed viewer at
most once a second, the compact one a PNL_UPDATE of the moved prices to every viewer.
`python -m tests.bench.bench_seed` prints the figures.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.enums import ConnectionState, Side
from app.core.events import PnlUpdate, PositionsUpdate, StatusUpdate
from app.core.models import Position, TerminalStatus
from app.core.state import DeskState
from app.remote.outgoing import prepare
from app.remote.seed_feed import SeedPositions, SeedViewer

POSITIONS = 1_000
VIEWERS = 10
SECONDS = 20
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SeedFigures:
    seed_s: float
    compact_s: float
    seed_bytes: int
    compact_bytes: int

    @property
    def ratio(self) -> float:
        return self.seed_s / self.compact_s

    def lines(self) -> list[str]:
        return [
            f"{POSITIONS} positions moving every second, {VIEWERS} viewers, {SECONDS} s",
            f"compact (PNL_UPDATE, encoded once): {self.compact_s * 1000 / SECONDS:.2f} ms CPU a second, "
            f"{self.compact_bytes / SECONDS / 1024:.0f} KiB a second per viewer",
            f"seed (full list, diff per viewer): {self.seed_s * 1000 / SECONDS:.2f} ms CPU a second, "
            f"{self.seed_bytes / SECONDS / 1024:.0f} KiB a second per viewer",
            f"seed / compact CPU (both for all viewers): {self.ratio:.2f}",
        ]


def _position(ticket: int) -> Position:
    return Position(
        ticket=ticket, symbol="EURUSD", side=Side.BUY, volume=0.1, price_open=1.1, price_current=1.1,
        sl=None, tp=None, swap=0.0, profit=0.0, time=T0, identifier=ticket,
    )  # fmt: skip


def measure(positions: int = POSITIONS, viewers: int = VIEWERS, seconds: int = SECONDS) -> SeedFigures:
    state = DeskState()
    state.apply(StatusUpdate(status=TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)))
    opened = tuple(_position(ticket) for ticket in range(1, positions + 1))
    state.apply(
        PositionsUpdate(positions=opened, added=tuple(p.ticket for p in opened), removed=(), modified=())
    )
    shared = SeedPositions(state.snapshot)
    seeds = [SeedViewer(shared, state.snapshot, True) for _ in range(viewers)]
    for seed in seeds:
        seed.take_due(0.0, 1)  # the heartbeat at join
        seed.take_due(0.0, 2)  # the full list at join
    seed_s = compact_s = 0.0
    seed_bytes = compact_bytes = 0
    for second in range(1, seconds + 1):
        moved = {t: (1.1 + second * 1e-5, second * 0.1) for t in range(1, positions + 1)}
        event = PnlUpdate(pnl=moved, floating_total=0.0, equity=10_000.0)
        state.apply(event)
        started = time.process_time()
        prepared = prepare(event)  # once for every viewer; each sender only splices in its seq
        compact = [prepared.stamped(second) for _ in range(viewers)]
        compact_s += time.process_time() - started
        compact_bytes += len(compact[0])
        started = time.process_time()
        shared.touch()
        for seed in seeds:
            seed.note(event)
            text = seed.take_due(float(second) + 0.5, second)
            assert text is not None and '"modified":[1,' in text
            seed_bytes += len(text) if seed is seeds[0] else 0
        seed_s += time.process_time() - started
    return SeedFigures(seed_s, max(compact_s, math.ulp(1.0)), seed_bytes, compact_bytes)


if __name__ == "__main__":
    print("\n".join(measure().lines()))
