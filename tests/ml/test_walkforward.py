"""Walk-forward folds: time order, no overlap, the gap respected, expanding training windows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.ml.errors import DataError
from app.ml.walkforward import walk_forward_folds


@st.composite
def sample_layouts(draw: st.DrawFn) -> tuple[np.ndarray, int, int, int]:
    """Increasing sample bar indices (some bars unlabelled), the bar count, folds and gap."""
    n_bars = draw(st.integers(20, 3_000))
    keep = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).random(n_bars) < draw(st.floats(0.2, 1.0))
    return np.flatnonzero(keep), n_bars, draw(st.integers(1, 8)), draw(st.integers(0, 50))


@settings(max_examples=200, deadline=None)
@given(sample_layouts())
def test_folds_never_overlap_respect_the_gap_and_only_look_back(
    layout: tuple[np.ndarray, int, int, int],
) -> None:
    sample_bars, n_bars, k, gap = layout
    try:
        folds = walk_forward_folds(sample_bars, n_bars, folds=k, gap=gap, min_train=1, min_test=1)
    except DataError:
        assume(False)
    assert len(folds) == k
    seen_test: set[int] = set()
    for fold in folds:
        train_bars, test_bars = sample_bars[fold.train], sample_bars[fold.test]
        assert fold.test.size > 0 and fold.train.size > 0
        assert not set(fold.train.tolist()) & set(fold.test.tolist())
        assert train_bars.max() < test_bars.min() - gap  # more than `gap` bars between them
        assert not seen_test & set(fold.test.tolist())  # each sample is tested once at most
        seen_test |= set(fold.test.tolist())
        assert fold.bars_start == test_bars[0] and test_bars[-1] < fold.bars_stop
    for earlier, later in itertools.pairwise(folds):
        assert earlier.test[-1] < later.test[0]  # test blocks follow each other in time
        assert earlier.bars_stop == later.bars_start  # the predicted bar ranges tile the test period
        assert earlier.train.size <= later.train.size  # the window expands
    assert folds[-1].bars_stop == n_bars and folds[-1].test[-1] == sample_bars.size - 1


def test_five_folds_over_600_contiguous_samples_split_into_sixths() -> None:
    folds = walk_forward_folds(np.arange(600), 600, folds=5, gap=10, min_train=50)
    assert [(f.test[0], f.test[-1]) for f in folds] == [
        (100, 199),
        (200, 299),
        (300, 399),
        (400, 499),
        (500, 599),
    ]
    assert [f.train.size for f in folds] == [90, 190, 290, 390, 490]  # bars < first test bar − 10


def test_too_few_samples_for_the_folds_is_a_data_error_saying_what_to_do() -> None:
    with pytest.raises(
        DataError, match=r"too few for 5 walk-forward folds.*load more history or use fewer folds"
    ):
        walk_forward_folds(np.arange(60), 60, folds=5, gap=1, min_train=1)


def test_a_first_training_window_below_the_minimum_is_a_data_error() -> None:
    with pytest.raises(DataError, match="fold 1 would train on 90 labelled bars; at least 200 are needed"):
        walk_forward_folds(np.arange(600), 600, folds=5, gap=10, min_train=200)
