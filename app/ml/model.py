"""Model: a fitted pipeline checked to be one MT5 Desk makes, and its cheap per-bar prediction."""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from app.core.enums import Side
from app.ml.bars import BarFrame
from app.ml.errors import ModelStoreError
from app.ml.features import FEATURE_NAMES, LOOKBACK_BARS, last_features
from app.ml.labels import DOWN, UP
from app.ml.pipelines import CLASSIFIER_TYPES, MODEL_STEP, SCALER_STEP, Algorithm


class Model:
    """A fitted StandardScaler + classifier over FEATURE_NAMES, predicting UP/DOWN of the next bar."""

    bars_needed = LOOKBACK_BARS

    def __init__(self, pipeline: object) -> None:
        self._pipeline = _checked(pipeline)
        self._scaler: StandardScaler = self._pipeline.named_steps[SCALER_STEP]
        self._classifier = self._pipeline.named_steps[MODEL_STEP]
        self._algorithm = next(a for a, kind in CLASSIFIER_TYPES.items() if type(self._classifier) is kind)
        self._up_column = list(self._classifier.classes_).index(UP)

    @property
    def pipeline(self) -> Pipeline:
        return self._pipeline

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    def predict_proba_last(self, frame: BarFrame, threshold: float = 0.5) -> tuple[Side | None, float]:
        """(side, confidence) for the bar after the frame's last bar; side None below `threshold`.

        Pass CLOSED bars only (e.g. `Terminal.rates(symbol, tf, Model.bars_needed, start_pos=1)`): the
        forming bar would change its features until it closes. Reads the last `bars_needed` bars only.
        confidence = max(P(up), P(down)); side is BUY or SELL for the likelier move when confidence ≥
        threshold and the two differ, else None. Raises DataError when there are too few bars.
        """
        p_up = self.p_up(last_features(frame))
        confidence = max(p_up, 1.0 - p_up)
        if p_up == 0.5 or confidence < threshold:
            return None, confidence
        return (Side.BUY if p_up > 0.5 else Side.SELL), confidence

    def p_up(self, features: np.ndarray) -> float:
        """P(up) of one feature row, equal to the pipeline's predict_proba but without its per-call checks."""
        # The pipeline validates input, parameters and thread pools on every call, which costs more
        # than the arithmetic on one row; these steps compute exactly what its predict_proba would.
        row = (
            np.asarray(features, dtype=np.float64).reshape(1, -1) - self._scaler.mean_
        ) / self._scaler.scale_
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            if isinstance(self._classifier, RandomForestClassifier):
                proba = _forest_proba(self._classifier, row)
            elif isinstance(self._classifier, HistGradientBoostingClassifier):
                proba = _boosting_proba(self._classifier, row)
            else:
                proba = self._classifier.predict_proba(row)
        return float(proba[0, self._up_column])


def _forest_proba(forest: RandomForestClassifier, row: np.ndarray) -> np.ndarray:
    """The forest's predict_proba (mean of its trees', summed in the same order) without joblib's overhead."""
    x = np.ascontiguousarray(row, dtype=np.float32)  # the dtype the trees split on
    total = np.zeros((x.shape[0], forest.n_classes_))
    for tree in forest.estimators_:
        total += tree.predict_proba(x, check_input=False)
    total /= len(forest.estimators_)
    return total


def _boosting_proba(model: HistGradientBoostingClassifier, row: np.ndarray) -> np.ndarray:
    """predict_proba on one OpenMP thread: for one row, waking a thread team for each of the 150 trees
    costs more than the trees themselves, and on a busy machine far more (10 ms instead of 2)."""
    try:
        # What HistGradientBoostingClassifier.predict_proba does (scikit-learn 1.1 to 1.9), with
        # the thread count it leaves to its default; tests check the result equals predict_proba.
        proba: np.ndarray = model._loss.predict_proba(model._raw_predict(row, n_threads=1))
    except (AttributeError, TypeError):  # another scikit-learn's internals: the public, slower path
        proba = model.predict_proba(row)
    return proba


def _checked(pipeline: object) -> Pipeline:
    if not isinstance(pipeline, Pipeline) or [name for name, _ in pipeline.steps] != [
        SCALER_STEP,
        MODEL_STEP,
    ]:
        raise ModelStoreError(
            "the file does not hold an MT5 Desk model (a scaler followed by a classifier); "
            "train the model with MT5 Desk"
        )
    scaler, classifier = pipeline.named_steps[SCALER_STEP], pipeline.named_steps[MODEL_STEP]
    if type(scaler) is not StandardScaler or type(classifier) not in CLASSIFIER_TYPES.values():
        names = ", ".join(kind.__name__ for kind in CLASSIFIER_TYPES.values())
        raise ModelStoreError(
            f"the model is a {type(scaler).__name__} + {type(classifier).__name__}; MT5 Desk runs "
            f"StandardScaler + one of {names}"
        )
    if getattr(scaler, "n_features_in_", None) != len(FEATURE_NAMES) or not hasattr(classifier, "classes_"):
        raise ModelStoreError(
            f"the model was fitted on {getattr(scaler, 'n_features_in_', 'no')} features, not the "
            f"{len(FEATURE_NAMES)} of this MT5 Desk version; retrain it"
        )
    if sorted(int(c) for c in classifier.classes_) != [DOWN, UP]:
        raise ModelStoreError(
            f"the model predicts classes {list(classifier.classes_)}, not down/up; retrain it"
        )
    return pipeline
