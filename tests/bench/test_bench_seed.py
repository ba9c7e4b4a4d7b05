"""Seed feed benchmark (full run: `--benchmark-only`; skipped in the normal suite).

The small run below is part of the normal suite: it checks the workload itself (every seed viewer gets
the whole list with every position modified, each second), so the benchmark measures what it says.
"""

from __future__ import annotations

from typing import Any

from tests.bench.bench_seed import POSITIONS, SECONDS, VIEWERS, SeedFigures, measure


def test_a_small_run_sends_each_seed_viewer_the_whole_moving_list_every_second() -> None:
    figures = measure(positions=50, viewers=3, seconds=3)
    assert figures.seed_bytes > figures.compact_bytes  # the full list, not only the moved prices


def test_bench_seed_feed_1000_moving_positions_10_viewers(benchmark: Any) -> None:
    benchmark.group = "seed feed"
    figures: SeedFigures = benchmark.pedantic(lambda: measure(POSITIONS, VIEWERS, SECONDS), rounds=1)
    benchmark.extra_info.update(ratio_to_compact=round(figures.ratio, 2))
    print("\n" + "\n".join(figures.lines()))
