"""Bridge benchmark (full run: `--benchmark-only -p no:randomly`; skipped in the normal suite).

`python -m tests.bench.bench_bridge` prints the same figures. The small run below is part of the normal
suite: it checks the workload itself (every position arrives, one round trip a call, and the remote
references of mt5linux 1.0.x cost a round trip per field) so the benchmark cannot measure something else.
"""

from __future__ import annotations

from typing import Any

from tests.bench.bench_bridge import POSITIONS, REPEATS, measure


def test_a_small_run_reads_every_position_in_one_round_trip() -> None:
    figures = measure(positions=100, repeats=3, netref_positions=3)
    assert figures.messages_per_call == 1
    assert figures.netref_messages >= 3 * 16  # at least one round trip per field read
    assert figures.bridge_raw_ms > 0 and figures.local_raw_ms > 0


def test_bench_bridge_positions_get_of_1000_positions_against_the_in_process_simulator(
    benchmark: Any,
) -> None:
    benchmark.group = "bridge"
    figures = benchmark.pedantic(lambda: measure(POSITIONS, REPEATS), rounds=1, iterations=1)
    benchmark.extra_info.update(
        messages_per_call=figures.messages_per_call,
        bridge_raw_ms=round(figures.bridge_raw_ms, 2),
        local_raw_ms=round(figures.local_raw_ms, 2),
        raw_ratio=round(figures.raw_ratio, 2),
        adapter_ratio=round(figures.adapter_ratio, 2),
    )
    print("\n" + "\n".join(figures.lines()))
    assert figures.messages_per_call == 1
