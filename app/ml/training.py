"""Training a model: walk-forward evaluation in time order, a backtest of its out-of-sample signals, then
the final fit on all the data. Runs on any thread; reports progress and stops when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from app.core.enums import Side, Timeframe
from app.ml.backtest import BacktestTrade, backtest_signals
from app.ml.bars import BarFrame
from app.ml.errors import DataError, TrainingCancelled
from app.ml.features import FEATURE_NAMES, LOOKBACK_BARS, compute_features
from app.ml.labels import UP, make_labels
from app.ml.metrics import PerformanceMetrics, compute_metrics
from app.ml.money import BacktestMoney, ContractTerms, PipFigures
from app.ml.options import MIN_TRAIN_SAMPLES, MIN_TRAINING_BARS, TrainingOptions
from app.ml.pipelines import Algorithm, build_pipeline, pipeline_parameters
from app.ml.walkforward import Fold, walk_forward_folds

__all__ = [
    "MIN_TRAINING_BARS",
    "MIN_TRAIN_SAMPLES",
    "Cancelled",
    "FoldReport",
    "Progress",
    "TrainingOptions",
    "TrainingResult",
    "train_model",
]

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class FoldReport:
    """One walk-forward fold's out-of-sample result beside always guessing the fold's majority class."""

    index: int
    train_samples: int
    test_samples: int
    train_until: datetime  # open time of the last training bar
    test_from: datetime
    test_until: datetime
    accuracy: float
    baseline_accuracy: float
    majority: Side


@dataclass(frozen=True, slots=True, eq=False)
class TrainingResult:
    """A fitted pipeline and everything the manifest and the dashboard report about it."""

    pipeline: Pipeline
    symbol: str
    timeframe: Timeframe
    algorithm: Algorithm
    seed: int
    options: TrainingOptions
    bars: int
    samples: int  # labelled bars the final model was fitted on
    data_from: datetime
    data_until: datetime
    folds: tuple[FoldReport, ...]
    oos_accuracy: float  # over every test sample of every fold
    baseline_accuracy: float  # each fold's majority share, weighted by its test samples
    backtest_trades: tuple[BacktestTrade, ...]
    backtest: PerformanceMetrics  # money in `money.currency`, from `money.deposit`
    money: BacktestMoney
    feature_names: tuple[str, ...] = FEATURE_NAMES
    sklearn_version: str = sklearn.__version__
    parameters: dict[str, Any] = field(default_factory=dict)


def train_model(
    frame: BarFrame,
    *,
    symbol: str,
    timeframe: Timeframe,
    algorithm: Algorithm,
    seed: int = 0,
    options: TrainingOptions | None = None,
    terms: ContractTerms | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> TrainingResult:
    """Evaluate walk-forward, backtest the out-of-sample signals, fit on everything; DataError if unusable.

    `terms` price the backtest (the terminal's SymbolSpec); None assumes them from the symbol's name and
    the bars' point. Progress goes from 0 to 1 (one step per fold, one for the final fit); `cancelled` is
    checked before every fit and raises TrainingCancelled. A single fit is not interrupted midway.
    """
    options = options or TrainingOptions()
    if terms is None:
        if not frame.point > 0:
            raise DataError("the price of one point is unknown, so the backtest cannot count pips")
        terms = ContractTerms.assumed(symbol, frame.point)
    algorithm = Algorithm(algorithm)
    report = progress or (lambda _fraction, _message: None)
    stop_requested = cancelled or (lambda: False)
    if len(frame) < MIN_TRAINING_BARS:
        raise DataError(
            f"{len(frame)} bars are too few to train on; at least {MIN_TRAINING_BARS} are needed "
            "(more is better: tens of thousands)"
        )
    features, features_valid = compute_features(frame)
    labels, labels_valid = make_labels(frame, cost=options.cost)
    sample_bars = np.flatnonzero(features_valid & labels_valid)
    x, y = features[sample_bars], labels[sample_bars]
    try:
        folds = walk_forward_folds(
            sample_bars, len(frame), folds=options.folds, gap=options.gap, min_train=MIN_TRAIN_SAMPLES
        )
    except DataError as error:
        raise DataError(
            f"{error}. Only {sample_bars.size} of the {len(frame)} bars are labelled: the others moved "
            f"less than their spread, or come before {LOOKBACK_BARS} bars of history"
        ) from None
    steps = len(folds) + 1
    reports: list[FoldReport] = []
    predicted_bars: list[np.ndarray] = []
    predicted_p_up: list[np.ndarray] = []
    for fold in folds:
        _check(stop_requested)
        report(fold.index / steps, f"Walk-forward fold {fold.index + 1} of {len(folds)}")
        model = _fit(algorithm, seed, x[fold.train], y[fold.train], fold.index)
        test_p_up = _p_up(model, x[fold.test])
        reports.append(_fold_report(frame, fold, sample_bars, y[fold.test], test_p_up))
        bars = np.arange(fold.bars_start, fold.bars_stop)
        bars = bars[features_valid[bars]]
        predicted_bars.append(bars)
        predicted_p_up.append(_p_up(model, features[bars]))
    _check(stop_requested)
    report(len(folds) / steps, "Fitting the final model on all the data")
    final = _fit(algorithm, seed, x, y, None)
    _check(stop_requested)
    all_bars, all_p_up = np.concatenate(predicted_bars), np.concatenate(predicted_p_up)
    trades = backtest_signals(
        frame,
        all_bars,
        all_p_up,
        threshold=options.threshold,
        terms=terms,
        lots=options.lots,
        cost=options.cost,
    )
    money = BacktestMoney(
        terms, options.lots, options.deposit, options.threshold, PipFigures.of(t.pips for t in trades)
    )
    tested = sum(r.test_samples for r in reports)
    result = TrainingResult(
        pipeline=final,
        symbol=symbol,
        timeframe=Timeframe(timeframe),
        algorithm=algorithm,
        seed=seed,
        options=options,
        bars=len(frame),
        samples=int(y.size),
        data_from=frame.moment(0),
        data_until=frame.moment(len(frame) - 1),
        folds=tuple(reports),
        oos_accuracy=sum(r.accuracy * r.test_samples for r in reports) / tested,
        baseline_accuracy=sum(r.baseline_accuracy * r.test_samples for r in reports) / tested,
        backtest_trades=tuple(trades),
        backtest=compute_metrics(trades, options.deposit),
        money=money,
        parameters={"seed": seed, **asdict(options), "model": pipeline_parameters(final)},
    )
    report(1.0, "Done")
    return result


def _check(cancelled: Cancelled) -> None:
    if cancelled():
        raise TrainingCancelled("training was cancelled; no model was saved")


def _fit(algorithm: Algorithm, seed: int, x: np.ndarray, y: np.ndarray, fold: int | None) -> Pipeline:
    if np.unique(y).size < 2:
        where = f"fold {fold + 1}'s training bars" if fold is not None else "the labelled bars"
        raise DataError(
            f"all of {where} move the same way, so there is nothing to learn; load a longer history"
        )
    return build_pipeline(algorithm, seed).fit(x, y)


def _p_up(model: Pipeline, x: np.ndarray) -> np.ndarray:
    if not len(x):
        return np.empty(0)
    column = list(model.classes_).index(UP)
    p_up: np.ndarray = model.predict_proba(x)[:, column]
    return p_up


def _fold_report(
    frame: BarFrame, fold: Fold, sample_bars: np.ndarray, y_test: np.ndarray, p_up: np.ndarray
) -> FoldReport:
    predicted = (p_up >= 0.5).astype(np.int8)
    up_share = float(np.mean(y_test == UP))
    test_bars = sample_bars[fold.test]
    return FoldReport(
        index=fold.index,
        train_samples=int(fold.train.size),
        test_samples=int(fold.test.size),
        train_until=frame.moment(int(sample_bars[fold.train[-1]])),
        test_from=frame.moment(int(test_bars[0])),
        test_until=frame.moment(int(test_bars[-1])),
        accuracy=float(np.mean(predicted == y_test)),
        baseline_accuracy=max(up_share, 1.0 - up_share),
        majority=Side.BUY if up_share >= 0.5 else Side.SELL,
    )
