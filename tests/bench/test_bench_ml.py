"""Benchmarks of the ML path (run with `--benchmark-only -p no:randomly`; skipped in the normal suite).

The per-bar prediction and its numpy baseline share a group, so pytest-benchmark prints them side by side;
`python -m tests.bench.bench_ml` prints the ratios and the training seconds measured in one run. Nothing
here asserts on time.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.ml.bars import BarFrame
from app.ml.features import LOOKBACK_BARS, last_features
from app.ml.model import Model
from app.ml.pipelines import Algorithm
from tests.bench.bench_ml import TRAINING_BARS, baseline, history, prediction_models, train, window


@pytest.fixture(scope="module")
def frame() -> BarFrame:
    return history()


@pytest.fixture(scope="module")
def models() -> dict[Algorithm, Model]:
    return prediction_models()


def test_the_workload_is_50000_bars_and_the_window_what_a_model_reads(frame: BarFrame) -> None:
    assert len(frame) == TRAINING_BARS
    assert len(window(frame)) == LOOKBACK_BARS == Model.bars_needed


def test_bench_per_bar_baseline_numpy_mean(benchmark: Any, frame: BarFrame) -> None:
    benchmark.group = "per new bar"
    assert benchmark(baseline, window(frame)) > 0


def test_bench_per_bar_features(benchmark: Any, frame: BarFrame) -> None:
    benchmark.group = "per new bar"
    assert benchmark(last_features, window(frame)).shape == (18,)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_bench_per_bar_features_and_prediction(
    benchmark: Any, frame: BarFrame, models: dict[Algorithm, Model], algorithm: Algorithm
) -> None:
    benchmark.group = "per new bar"
    _, confidence = benchmark(models[algorithm].predict_proba_last, window(frame))
    assert 0.5 <= confidence <= 1.0


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_bench_training_on_50000_bars(benchmark: Any, frame: BarFrame, algorithm: Algorithm) -> None:
    benchmark.group = "training 50k bars"
    result = benchmark.pedantic(train, args=(algorithm, frame), rounds=1, iterations=1)
    benchmark.extra_info["samples"] = result.samples
    assert result.samples > 0
