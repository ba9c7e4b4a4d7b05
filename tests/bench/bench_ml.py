"""Workloads for the ML benchmarks, and `python -m tests.bench.bench_ml` to print the figures we report.

Per new bar: what the auto-trader does when a bar closes: compute the features of the last closed bar
from the last LOOKBACK_BARS bars and ask the model for (side, confidence). It is measured against a
baseline taken in the same run: a bare numpy mean over the same window of closes, so the ratio says how
many "trivial numpy calls" a prediction costs whatever the machine. Times are wall-clock, best of
interleaved rounds (latency is what a trader waits for; the best round is the least disturbed one).

Training: `train_model` on 50,000 M1 bars per algorithm (5 walk-forward folds, then the final fit), one
run each, wall-clock and process CPU seconds (CPU above wall means the fit used several cores).
"""

from __future__ import annotations

import sys
import time
import timeit
from collections.abc import Callable
from functools import partial

import numpy as np

from app.core.enums import Timeframe
from app.ml.bars import BarFrame
from app.ml.features import LOOKBACK_BARS, last_features
from app.ml.model import Model
from app.ml.pipelines import Algorithm
from app.ml.training import TrainingOptions, TrainingResult, train_model
from tests.ml.frames import synthetic_frame

TRAINING_BARS = 50_000
PREDICTION_MODEL_BARS = 10_000
TARGET_MS = 5.0


def history(bars: int = TRAINING_BARS) -> BarFrame:
    """The benchmark's bar history: seeded EURUSD-like M1 bars with a little momentum."""
    return synthetic_frame(bars, seed=11)


def window(frame: BarFrame) -> BarFrame:
    """What the auto-trader holds when a bar closes: the last LOOKBACK_BARS closed bars."""
    return frame.tail(LOOKBACK_BARS)


def baseline(frame: BarFrame) -> float:
    """The yardstick: one bare numpy reduction over the same window."""
    return float(np.mean(frame.close[-LOOKBACK_BARS:]))


def train(algorithm: Algorithm, frame: BarFrame, options: TrainingOptions | None = None) -> TrainingResult:
    return train_model(
        frame, symbol="EURUSD", timeframe=Timeframe.M1, algorithm=algorithm, seed=1, options=options
    )


def prediction_models() -> dict[Algorithm, Model]:
    """One fitted model per algorithm (trained on fewer bars: the per-bar cost does not depend on it)."""
    frame = history(PREDICTION_MODEL_BARS)
    return {
        algorithm: Model(train(algorithm, frame, TrainingOptions(folds=2)).pipeline)
        for algorithm in Algorithm
    }


def pipeline_proba(model: Model, bars: BarFrame) -> object:
    """The model's pipeline asked the scikit-learn way, on the same one-row features."""
    return model.pipeline.predict_proba(last_features(bars).reshape(1, -1))


def best_seconds(*calls: Callable[[], object], number: int, repeat: int = 7) -> list[float]:
    """Fastest wall time of one call of each; rounds interleave so outside load hits all alike."""
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for index, call in enumerate(calls):
            best[index] = min(best[index], timeit.timeit(call, number=number) / number)
    return best


def main() -> None:
    frame = history()
    bars = window(frame)
    models = prediction_models()
    print(f"Per new bar: features of the last closed bar from {LOOKBACK_BARS} bars, then the model")
    calls: list[Callable[[], object]] = [lambda: baseline(bars), lambda: last_features(bars)]
    for model in models.values():
        calls.append(partial(model.predict_proba_last, bars))
        calls.append(partial(pipeline_proba, model, bars))
    seconds = best_seconds(*calls, number=50)
    base = seconds[0]
    print(f"  baseline np.mean of {LOOKBACK_BARS} closes {base * 1e6:9.1f} µs   ratio     1")
    print(f"  features only                {seconds[1] * 1e6:9.1f} µs   ratio {seconds[1] / base:5.0f}")
    for index, algorithm in enumerate(models):
        fast, plain = seconds[2 + 2 * index], seconds[3 + 2 * index]
        verdict = "under" if fast * 1e3 < TARGET_MS else "OVER"
        print(
            f"  {algorithm.value:6} + prediction {fast * 1e6:9.1f} µs   ratio {fast / base:5.0f}"
            f"   ({verdict} the {TARGET_MS:g} ms target; pipeline.predict_proba path {plain * 1e6:.0f} µs)"
        )
    print(f"Training on {len(frame):,} M1 bars (5 walk-forward folds + final fit), one run each")
    for algorithm in Algorithm:
        wall, cpu = time.perf_counter(), time.process_time()
        result = train(algorithm, frame)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"  {algorithm.value:6} {wall:7.1f} s wall  {cpu:7.1f} s CPU   {result.samples:,} labelled bars, "
            f"OOS accuracy {result.oos_accuracy:.3f} vs baseline {result.baseline_accuracy:.3f}"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
