"""pytest-benchmark: every figure of 1,000 positions through the one formatter per quantity, against the
formatters it replaced in the same run.

Skipped by the normal run (`--benchmark-skip`); run with
`pytest tests/bench/test_bench_formats.py --benchmark-enable`.
"""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from tests.bench.bench_formats import TARGET_RATIO, compare, one_formatter, positions, replaced_formatters

pytestmark = pytest.mark.benchmark(group="formats: 7 figures of 1,000 positions")


def test_one_formatter(benchmark: BenchmarkFixture) -> None:
    benchmark(one_formatter, positions())


def test_replaced_formatters(benchmark: BenchmarkFixture) -> None:
    benchmark(replaced_formatters, positions())


def test_the_one_formatter_costs_no_more_than_the_guessing_one(benchmark: BenchmarkFixture) -> None:
    new, old = benchmark.pedantic(compare, rounds=1, iterations=1)

    assert new / old <= TARGET_RATIO, f"{new / old:.2f}x the replaced formatters' time"
