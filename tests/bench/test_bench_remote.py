"""Remote fan-out benchmark (full run: `--benchmark-only -p no:randomly`; skipped in the normal suite).

`python -m tests.bench.bench_remote` prints the same figures. The small run below is part of the normal
suite: it checks the workload itself (every update reaches every viewer, updates stay far below a
snapshot's size) so the benchmark cannot quietly measure something else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bench.bench_remote import CLIENTS, POSITIONS, RATE, SECONDS, RemoteFigures, measure

TARGET_RATIO = 0.05  # an update costs a viewer at most 5 % of a full snapshot


def test_a_small_run_delivers_every_update_to_every_viewer_at_a_fraction_of_a_snapshot(qapp: Any) -> None:
    figures = asyncio.run(measure(clients=5, positions=200, rate=50.0, seconds=0.6))
    assert figures.delivered == figures.clients * figures.updates == 5 * 30
    assert figures.ratio <= TARGET_RATIO


def test_bench_remote_fanout_100_viewers_1000_positions_10_changes_a_second(
    benchmark: Any, qapp: Any
) -> None:
    benchmark.group = "remote fan-out"

    def one_run() -> RemoteFigures:
        return asyncio.run(measure(CLIENTS, POSITIONS, RATE, SECONDS))

    figures = benchmark.pedantic(one_run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        snapshot_bytes=figures.snapshot_bytes,
        mean_update_bytes=round(figures.mean_update_bytes, 1),
        ratio=round(figures.ratio, 5),
        p50_ms=round(figures.p50_ms, 2),
        p99_ms=round(figures.p99_ms, 2),
    )
    print("\n" + "\n".join(figures.lines()))
    assert figures.delivered == CLIENTS * figures.updates
    assert figures.ratio <= TARGET_RATIO
