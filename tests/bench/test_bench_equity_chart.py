"""pytest-benchmark: one live point appended to a week of 1 s equity samples and redrawn, vs 1,000 points.

Skipped by the normal run (`--benchmark-skip` in the project's addopts, which `--benchmark-enable` does not
override); run with `pytest tests/bench/test_bench_equity_chart.py -o addopts=""`. pytest-benchmark
reports wall time; `python -m tests.bench.bench_equity_chart` reports CPU time, steadier on a busy box.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PyQt6.QtCore import QEvent, QObject
from PyQt6.QtWidgets import QApplication
from pytest_benchmark.fixture import BenchmarkFixture

from tests.bench.bench_equity_chart import (
    BASELINE_POINTS,
    FRAME_BUDGET_S,
    WEEK_POINTS,
    Scenario,
    compare,
    frame_scenario,
)

pytestmark = pytest.mark.benchmark(group="equity chart: append one point and redraw")


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


@pytest.fixture
def week(qapp: QApplication) -> Iterator[Scenario]:
    scenario = frame_scenario(qapp, WEEK_POINTS)
    yield scenario
    scenario.close()


@pytest.fixture
def baseline(qapp: QApplication) -> Iterator[Scenario]:
    scenario = frame_scenario(qapp, BASELINE_POINTS)
    yield scenario
    scenario.close()


def test_frame_with_a_week_of_samples(benchmark: BenchmarkFixture, week: Scenario) -> None:
    counter = _PaintCounter()
    week.chart.view.viewport().installEventFilter(counter)

    benchmark.pedantic(week.step, rounds=30, warmup_rounds=2)

    assert len(week.chart.series) == WEEK_POINTS + 1 + 32  # the account read, then one per step
    assert counter.paints >= 30  # every frame really repainted


def test_frame_with_1000_samples(benchmark: BenchmarkFixture, baseline: Scenario) -> None:
    benchmark.pedantic(baseline.step, rounds=30, warmup_rounds=2)

    assert len(baseline.chart.series) == BASELINE_POINTS + 1 + 32


def test_a_week_of_samples_redraws_within_one_16_ms_frame(
    benchmark: BenchmarkFixture, qapp: QApplication
) -> None:
    week_s, baseline_s = benchmark.pedantic(compare, args=(qapp,), rounds=1, iterations=1)

    assert week_s <= FRAME_BUDGET_S, (
        f"{week_s * 1e3:.1f} ms per frame ({week_s / baseline_s:.2f}x the 1,000-point frame)"
    )
