"""Walk-forward folds: expanding training windows, each followed (after a gap of bars) by its test block.

With n labelled samples and k folds, the last k·⌊n/(k+1)⌋ samples are cut into k consecutive test blocks
of ⌊n/(k+1)⌋ samples (the last block also takes the remainder). Fold f trains on every sample whose bar
lies more than `gap` bars before the first bar of its test block, so a training label (which reads the
next bar) never sees a test bar. Nothing is shuffled: each fold trains on the past and tests on the future.

Each fold also owns a contiguous range of BARS, from its first test bar up to the next fold's first test
bar (the last fold: to the end of the data). The backtest predicts on every bar of these ranges, not only
on labelled ones, because which bars get a label is only known after the next bar closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.ml.errors import DataError


@dataclass(frozen=True, slots=True, eq=False)
class Fold:
    """One walk-forward step: sample positions to train and test on, and the bar range it predicts."""

    index: int
    train: np.ndarray  # positions into the sample arrays, increasing
    test: np.ndarray  # positions into the sample arrays, increasing, all after `train` (plus the gap)
    bars_start: int  # first bar this fold predicts (its first test sample's bar)
    bars_stop: int  # one past the last bar it predicts


def walk_forward_folds(
    sample_bars: np.ndarray, n_bars: int, *, folds: int, gap: int, min_train: int, min_test: int = 20
) -> list[Fold]:
    """Folds over samples whose bar indices are `sample_bars` (strictly increasing); DataError if too few."""
    if folds < 1:
        raise ValueError(f"folds must be 1 or more, got {folds}")
    if gap < 0:
        raise ValueError(f"gap must be 0 or more bars, got {gap}")
    sample_bars = np.asarray(sample_bars, dtype=np.int64)
    n = sample_bars.size
    test_size = n // (folds + 1)
    if test_size < min_test:
        raise DataError(
            f"{n} labelled bars are too few for {folds} walk-forward folds of at least {min_test} "
            f"test bars each; load more history or use fewer folds"
        )
    starts = [n - (folds - f) * test_size for f in range(folds)]
    result = []
    for f, start in enumerate(starts):
        stop = starts[f + 1] if f + 1 < folds else n
        first_test_bar = int(sample_bars[start])
        train_end = int(np.searchsorted(sample_bars, first_test_bar - gap, side="left"))
        if train_end < min_train:
            raise DataError(
                f"fold {f + 1} would train on {train_end} labelled bars; at least {min_train} are needed. "
                "Load more history or use fewer folds"
            )
        bars_stop = int(sample_bars[stop]) if stop < n else n_bars
        result.append(Fold(f, np.arange(train_end), np.arange(start, stop), first_test_bar, bars_stop))
    return result
