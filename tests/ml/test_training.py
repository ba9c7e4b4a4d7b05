"""train_model: deterministic with a seed, strictly out of sample, honest about noise, cancellable."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.enums import Timeframe
from app.ml.errors import DataError, TrainingCancelled
from app.ml.features import compute_features
from app.ml.pipelines import Algorithm
from app.ml.training import MIN_TRAINING_BARS, TrainingOptions, TrainingResult, train_model
from tests.ml.frames import synthetic_frame

SMALL = TrainingOptions(folds=2)  # with 1,500 bars: ~930 labelled, ~300 per test block


def train(frame_seed: int = 2, bars: int = 1_500, **kwargs: object) -> TrainingResult:
    arguments: dict[str, Any] = {
        "symbol": "EURUSD",
        "timeframe": Timeframe.M1,
        "algorithm": Algorithm.LOGREG,
        "seed": 7,
    }
    arguments.update(kwargs)
    return train_model(synthetic_frame(bars, seed=frame_seed), **arguments)


@pytest.fixture(scope="module")
def logreg() -> TrainingResult:
    return train(bars=3_000)


def signature(result: TrainingResult) -> tuple[object, ...]:
    """Everything training reports, plus the final model's predictions on a fixed input."""
    features, valid = compute_features(synthetic_frame(1_000, seed=99))
    return (
        result.pipeline.predict_proba(features[valid]).tolist(),
        result.folds,
        result.oos_accuracy,
        result.baseline_accuracy,
        result.backtest_trades,
        result.backtest,
    )


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_the_same_seed_gives_identical_predictions_and_metrics(algorithm: Algorithm) -> None:
    first = train(algorithm=algorithm, options=SMALL)
    second = train(algorithm=algorithm, options=SMALL)
    assert signature(first) == signature(second)


def test_another_seed_gives_another_forest() -> None:
    seven = train(algorithm=Algorithm.FOREST, options=SMALL, seed=7)
    eight = train(algorithm=Algorithm.FOREST, options=SMALL, seed=8)
    assert signature(seven)[0] != signature(eight)[0]


def test_on_a_random_walk_out_of_sample_accuracy_stays_near_a_coin_flip() -> None:
    # No momentum: the next move cannot be predicted, so any look-ahead would show as accuracy well above
    # the majority baseline. With ~1,500 test bars one standard error is ~1.3 points.
    result = train_model(
        synthetic_frame(3_000, seed=5, momentum=0.0),
        symbol="X",
        timeframe=Timeframe.M1,
        algorithm=Algorithm.LOGREG,
    )
    assert result.oos_accuracy < max(result.baseline_accuracy, 0.5) + 0.04


def test_with_real_momentum_the_model_beats_the_majority_baseline() -> None:
    result = train_model(
        synthetic_frame(6_000, seed=5, momentum=0.5),
        symbol="X",
        timeframe=Timeframe.M1,
        algorithm=Algorithm.LOGREG,
    )
    assert result.oos_accuracy > result.baseline_accuracy + 0.05


def test_reports_each_fold_and_pools_accuracy_over_test_samples(logreg: TrainingResult) -> None:
    assert len(logreg.folds) == 5
    tested = sum(fold.test_samples for fold in logreg.folds)
    pooled = sum(fold.accuracy * fold.test_samples for fold in logreg.folds) / tested
    assert logreg.oos_accuracy == pytest.approx(pooled)
    assert all(0.5 <= fold.baseline_accuracy <= 1.0 for fold in logreg.folds)
    for earlier, later in zip(logreg.folds, logreg.folds[1:], strict=False):
        assert earlier.train_until < earlier.test_from <= earlier.test_until < later.test_from


def test_the_backtest_trades_only_inside_the_out_of_sample_period(logreg: TrainingResult) -> None:
    assert logreg.backtest.trades == len(logreg.backtest_trades) > 0
    assert min(trade.opened_at for trade in logreg.backtest_trades) > logreg.folds[0].test_from


def test_the_final_model_is_fitted_on_every_labelled_bar(logreg: TrainingResult) -> None:
    assert logreg.samples > logreg.folds[-1].train_samples + logreg.folds[-1].test_samples - 1
    assert logreg.pipeline.n_features_in_ == len(logreg.feature_names)
    assert logreg.parameters["seed"] == 7 and logreg.parameters["folds"] == 5


def test_progress_runs_from_zero_to_one_with_a_message_per_step() -> None:
    calls: list[tuple[float, str]] = []
    train(options=SMALL, progress=lambda fraction, message: calls.append((fraction, message)))
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert [message for _, message in calls] == [
        "Walk-forward fold 1 of 2",
        "Walk-forward fold 2 of 2",
        "Fitting the final model on all the data",
        "Done",
    ]


def test_cancelling_stops_before_the_next_fit() -> None:
    calls: list[str] = []
    with pytest.raises(TrainingCancelled, match="no model was saved"):
        train(
            options=SMALL,
            progress=lambda _fraction, message: calls.append(message),
            cancelled=lambda: len(calls) >= 2,
        )
    assert calls == ["Walk-forward fold 1 of 2", "Walk-forward fold 2 of 2"]


def test_too_little_history_is_a_data_error_with_the_minimum() -> None:
    with pytest.raises(DataError, match=f"at least {MIN_TRAINING_BARS} are needed"):
        train(bars=MIN_TRAINING_BARS - 1)


def test_too_few_labelled_bars_explains_that_small_moves_are_not_labelled() -> None:
    frame = synthetic_frame(1_500, seed=2)
    with pytest.raises(DataError, match="moved less than their spread"):
        train_model(
            frame,
            symbol="X",
            timeframe=Timeframe.M1,
            algorithm=Algorithm.LOGREG,
            options=TrainingOptions(cost=5e-4),
        )


def test_a_gap_shorter_than_the_label_horizon_is_refused() -> None:
    with pytest.raises(ValueError, match="gap must be at least 1"):
        TrainingOptions(gap=0)
