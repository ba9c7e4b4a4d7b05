"""The three model pipelines a trader can pick: a scaler, then one scikit-learn classifier, all seeded.

Hyper-parameters are fixed here rather than tuned per run: tuning on the same walk-forward folds that
report out-of-sample accuracy would make that accuracy optimistic. They favour many samples per leaf,
because bar-direction data is mostly noise.
"""

from __future__ import annotations

from typing import Any

from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from app.ml.algorithms import Algorithm

__all__ = [
    "CLASSIFIER_TYPES",
    "MODEL_STEP",
    "SCALER_STEP",
    "Algorithm",
    "build_pipeline",
    "pipeline_parameters",
]

SCALER_STEP = "scale"
MODEL_STEP = "model"


CLASSIFIER_TYPES: dict[Algorithm, type[ClassifierMixin]] = {
    Algorithm.LOGREG: LogisticRegression,
    Algorithm.FOREST: RandomForestClassifier,
    Algorithm.HGB: HistGradientBoostingClassifier,
}


def build_pipeline(algorithm: Algorithm, seed: int) -> Pipeline:
    """An unfitted StandardScaler + classifier pipeline; the same seed gives the same fitted model."""
    algorithm = Algorithm(algorithm)
    classifier: ClassifierMixin
    if algorithm is Algorithm.LOGREG:
        classifier = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    elif algorithm is Algorithm.FOREST:
        # n_jobs=1: a fit runs beside the GUI and the engine threads; it must not take every core.
        # max_samples=0.5: each tree sees half the bars, which halves the fit time on long histories.
        classifier = RandomForestClassifier(
            n_estimators=100,
            max_depth=8,
            min_samples_leaf=50,
            max_samples=0.5,
            random_state=seed,
            n_jobs=1,
        )
    else:
        # early_stopping=False: its validation split is shuffled, which would mix time order back in.
        classifier = HistGradientBoostingClassifier(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=50,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    return Pipeline([(SCALER_STEP, StandardScaler()), (MODEL_STEP, classifier)])


def pipeline_parameters(pipeline: Pipeline) -> dict[str, Any]:
    """The classifier's parameters as JSON-ready values (for the manifest and the registry)."""
    params = pipeline.named_steps[MODEL_STEP].get_params(deep=False)
    return {
        key: value
        for key, value in sorted(params.items())
        if value is None or isinstance(value, bool | int | float | str)
    }
