"""pytest-benchmark: 10 changed rows into a 1,000-row positions model vs a full reset, view attached.

Skipped by the normal run (`--benchmark-skip`); run with
`pytest tests/bench/test_bench_positions_model.py --benchmark-enable`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PyQt6.QtWidgets import QApplication
from pytest_benchmark.fixture import BenchmarkFixture

from tests.bench.bench_positions_model import (
    TARGET_RATIO,
    Scenario,
    compare,
    incremental_scenario,
    reset_scenario,
)

pytestmark = pytest.mark.benchmark(group="positions-model: 10 of 1,000 rows changed")


@pytest.fixture
def incremental(qapp: QApplication) -> Iterator[Scenario]:
    scenario = incremental_scenario(qapp)
    yield scenario
    scenario.close()


@pytest.fixture
def reset(qapp: QApplication) -> Iterator[Scenario]:
    scenario = reset_scenario(qapp)
    yield scenario
    scenario.close()


def test_incremental_update_with_flush(benchmark: BenchmarkFixture, incremental: Scenario) -> None:
    benchmark(incremental.step)

    assert not incremental.model.dirty


def test_full_model_reset(benchmark: BenchmarkFixture, reset: Scenario) -> None:
    benchmark.pedantic(reset.step, rounds=20, warmup_rounds=1)

    assert reset.model.rowCount() == 1_000


def test_incremental_update_is_at_least_20x_cheaper_than_a_reset(
    benchmark: BenchmarkFixture, qapp: QApplication
) -> None:
    incremental, full = benchmark.pedantic(compare, args=(qapp,), rounds=1, iterations=1)

    assert full / incremental >= TARGET_RATIO, f"only {full / incremental:.1f}x cheaper"
