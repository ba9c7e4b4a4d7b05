"""Workloads for the core benchmarks, and `python -m tests.bench.bench_core` to print the figures we report.

diff_positions is measured against a bare loop comparing each ticket's record with `!=` over the same
maps, in the same run, in two cases: "shared" (unchanged records are the very objects of the previous
poll, as when the adapter reuses them) and "fresh" (every record rebuilt, equal but distinct, as when
each poll builds new Position objects). The ratio diff / baseline is the reported figure. Times are CPU
time (process_time), best of interleaved rounds, so other busy processes distort them less.
"""

from __future__ import annotations

import random
import time
import timeit
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from app.core.changes import diff_positions
from app.core.enums import ConnectionState, Side
from app.core.events import Snapshot, decode, encode
from app.core.models import Account, Position, TerminalStatus
from tests.one_account import single_snapshot

POSITIONS = 10_000
CHANGED = 100  # 1 %: half price moves, half trader-visible modifications
SNAPSHOT_POSITIONS = 1_000
_SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30.cash")
_T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def build_positions(count: int, seed: int = 7) -> dict[int, Position]:
    """`count` realistic positions keyed by ticket, the same for a given seed."""
    rng = random.Random(seed)
    positions = {}
    for index in range(count):
        ticket = 50_000_000 + index * 3
        price = round(rng.uniform(0.8, 2000.0), 5)
        positions[ticket] = Position(
            ticket=ticket,
            symbol=_SYMBOLS[index % len(_SYMBOLS)],
            side=Side.BUY if index % 2 else Side.SELL,
            volume=round(rng.choice((0.01, 0.1, 0.5, 1.0, 2.0)), 2),
            price_open=price,
            price_current=round(price * rng.uniform(0.99, 1.01), 5),
            sl=round(price * 0.98, 5) if index % 3 else None,
            tp=round(price * 1.02, 5) if index % 4 else None,
            swap=round(rng.uniform(-5, 1), 2),
            profit=round(rng.uniform(-500, 500), 2),
            time=_T0 - timedelta(minutes=index),
            magic=index % 7,
            comment=f"desk:{index:06x}",
            identifier=ticket,
        )
    return positions


def next_poll(previous: Mapping[int, Position], *, fresh: bool, seed: int = 11) -> dict[int, Position]:
    """The following poll: CHANGED records changed; the rest shared with `previous` or rebuilt equal."""
    current = {ticket: replace(p) if fresh else p for ticket, p in previous.items()}
    rng = random.Random(seed)
    edits = (
        lambda p: replace(p, sl=round(p.price_open * 0.97, 5)),
        lambda p: replace(p, tp=round(p.price_open * 1.03, 5)),
        lambda p: replace(p, volume=round(p.volume + 0.01, 2)),
        lambda p: replace(p, swap=round(p.swap - 0.35, 2)),
        lambda p: replace(p, comment=p.comment + "/b"),
    )
    for index, ticket in enumerate(rng.sample(sorted(previous), CHANGED)):
        old = previous[ticket]
        if index % 2:
            current[ticket] = replace(old, price_current=old.price_current + 0.0001, profit=old.profit + 1.0)
        else:
            current[ticket] = edits[index // 2 % len(edits)](old)
    return current


def compare_records(previous: Mapping[int, Position], current: Mapping[int, Position]) -> list[int]:
    """The baseline: a bare loop comparing each ticket's record with `!=`."""
    changed = []
    for ticket, old in previous.items():
        if current.get(ticket) != old:
            changed.append(ticket)
    return changed


def snapshot_of(positions: Mapping[int, Position]) -> Snapshot:
    """A SNAPSHOT holding these positions, a demo account and a connected status."""
    account = Account(
        login=5_001_234,
        name="Demo",
        server="Sim-Demo",
        company="Sim",
        currency="USD",
        leverage=100,
        balance=100_000.0,
        equity=101_234.5,
        margin=5_432.1,
        margin_free=95_802.4,
        margin_level=1863.6,
        profit=1_234.5,
    )
    status = TerminalStatus(
        ConnectionState.CONNECTED, True, 5_001_234, 100_000.0, len(positions), 3.2, True, _T0
    )
    return single_snapshot(account=account, positions=tuple(positions.values()), status=status, models=())


def best_seconds(*calls: Callable[[], object], number: int, repeat: int = 7) -> list[float]:
    """Fastest CPU time of one call of each; rounds interleave so outside load hits all alike."""
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for index, call in enumerate(calls):
            best[index] = min(
                best[index], timeit.timeit(call, number=number, timer=time.process_time) / number
            )
    return best


def main() -> None:
    previous = build_positions(POSITIONS)
    print(f"diff_positions on {POSITIONS:,} positions, {CHANGED} changed (price moves and modifications)")
    for fresh, label in ((False, "shared records"), (True, "fresh records")):
        current = next_poll(previous, fresh=fresh)
        diff_s, base_s = best_seconds(
            partial(diff_positions, previous, current),
            partial(compare_records, previous, current),
            number=20,
        )
        print(
            f"  {label:15} diff {diff_s * 1e6:8.0f} µs   baseline (!= loop) {base_s * 1e6:8.0f} µs"
            f"   ratio {diff_s / base_s:.2f}"
        )
    snapshot = snapshot_of(build_positions(SNAPSHOT_POSITIONS))
    text = encode(snapshot, seq=1)
    encode_s, decode_s = best_seconds(lambda: encode(snapshot, seq=1), lambda: decode(text), number=10)
    print(f"SNAPSHOT of {SNAPSHOT_POSITIONS:,} positions: {len(text.encode()):,} bytes")
    print(f"  encode {encode_s * 1e6:8.0f} µs   decode {decode_s * 1e6:8.0f} µs")


if __name__ == "__main__":
    main()
