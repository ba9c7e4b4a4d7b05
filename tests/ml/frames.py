"""Synthetic bar histories for the ML tests and benchmarks: seeded, realistic in shape, fast to make."""

from __future__ import annotations

import numpy as np

from app.ml.bars import BarFrame

START = 1_704_067_200  # 2024-01-01 00:00 UTC, a Monday


def synthetic_frame(
    count: int, *, seed: int = 1, step_s: int = 60, start: int = START, momentum: float = 0.1
) -> BarFrame:
    """`count` EURUSD-like bars `step_s` apart; one-bar returns follow an AR(1) with `momentum`, so a model
    has a little to find. Spread 10 points of 0.00001."""
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, 2e-4, count)
    returns = np.empty(count)
    previous = 0.0
    for i, shock in enumerate(shocks):
        previous = momentum * previous + shock
        returns[i] = previous
    close = 1.1 * np.exp(np.cumsum(returns))
    open_ = np.concatenate(([1.1], close[:-1]))
    wick = np.abs(rng.normal(0.0, 1e-4, (2, count)))
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    time = start + step_s * np.arange(count, dtype=np.int64)
    spread = np.full(count, 10.0)
    return BarFrame(time, open_, high, low, close, spread, point=1e-5)
