"""Benchmarks of the core (run with `--benchmark-only -p no:randomly`; skipped in the normal suite).

diff_positions and its baseline share a group per case, so pytest-benchmark prints them side by side;
`python -m tests.bench.bench_core` prints the ratio measured in one run. Nothing here asserts on time.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.core.changes import diff_positions
from app.core.events import decode, encode
from app.core.models import Position
from tests.bench.bench_core import (
    CHANGED,
    POSITIONS,
    SNAPSHOT_POSITIONS,
    build_positions,
    compare_records,
    next_poll,
    snapshot_of,
)


@pytest.fixture(scope="module")
def previous() -> dict[int, Position]:
    return build_positions(POSITIONS)


@pytest.fixture(scope="module", params=[False, True], ids=["shared", "fresh"])
def polls(
    request: pytest.FixtureRequest, previous: dict[int, Position]
) -> tuple[dict[int, Position], dict[int, Position]]:
    return previous, next_poll(previous, fresh=request.param)


def test_the_workload_changes_one_percent_half_moves_half_modifications(
    polls: tuple[dict[int, Position], dict[int, Position]],
) -> None:
    diff = diff_positions(*polls)
    assert (len(diff.pnl_moved), len(diff.modified), diff.added, diff.removed) == (
        CHANGED // 2,
        CHANGED // 2,
        (),
        (),
    )


def test_the_baseline_finds_the_same_changed_records(
    polls: tuple[dict[int, Position], dict[int, Position]],
) -> None:
    diff = diff_positions(*polls)
    assert sorted(compare_records(*polls)) == sorted(diff.pnl_moved + diff.modified)


def test_bench_diff_positions(
    benchmark: Any, polls: tuple[dict[int, Position], dict[int, Position]], request: pytest.FixtureRequest
) -> None:
    benchmark.group = f"diff 10k, 1% changed, {request.node.callspec.id}"
    diff = benchmark(diff_positions, *polls)
    assert len(diff.pnl_moved) + len(diff.modified) == CHANGED


def test_bench_baseline_record_compare(
    benchmark: Any, polls: tuple[dict[int, Position], dict[int, Position]], request: pytest.FixtureRequest
) -> None:
    benchmark.group = f"diff 10k, 1% changed, {request.node.callspec.id}"
    assert len(benchmark(compare_records, *polls)) == CHANGED


def test_bench_encode_snapshot_of_1000_positions(benchmark: Any) -> None:
    benchmark.group = "snapshot 1k"
    snapshot = snapshot_of(build_positions(SNAPSHOT_POSITIONS))
    text = benchmark(encode, snapshot, seq=1)
    benchmark.extra_info["bytes"] = len(text.encode())
    assert decode(text) == snapshot


def test_bench_decode_snapshot_of_1000_positions(benchmark: Any) -> None:
    benchmark.group = "snapshot 1k"
    snapshot = snapshot_of(build_positions(SNAPSHOT_POSITIONS))
    assert benchmark(decode, encode(snapshot)) == snapshot
