"""Model store: skops round trip, sha256 and allow-list refusals, import/export, and per-bar prediction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from app.core.enums import Side, Timeframe
from app.ml.errors import DataError, ModelIntegrityError, ModelStoreError, UntrustedModelError
from app.ml.features import LOOKBACK_BARS, compute_features
from app.ml.manifest import ModelManifest, read_manifest
from app.ml.model import Model
from app.ml.pipelines import Algorithm
from app.ml.store import export_model, import_model, list_manifests, load_model, open_model, save_model
from app.ml.training import TrainingOptions, TrainingResult, train_model
from tests.ml.frames import synthetic_frame

FRAME = synthetic_frame(1_500, seed=2)
CREATED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


class Shady(BaseEstimator, TransformerMixin):  # type: ignore[misc]  # scikit-learn is untyped (Any)
    """A type no allow-list names: loading it would mean importing and building foreign code."""

    def fit(self, x: object, y: object = None) -> Shady:
        return self

    def transform(self, x: object) -> object:
        return x


@pytest.fixture(scope="module")
def results() -> dict[Algorithm, TrainingResult]:
    return {
        algorithm: train_model(
            FRAME,
            symbol="EURUSD",
            timeframe=Timeframe.M5,
            algorithm=algorithm,
            seed=3,
            options=TrainingOptions(folds=2),
        )
        for algorithm in Algorithm
    }


@pytest.fixture
def saved(results: dict[Algorithm, TrainingResult], tmp_path: Path) -> ModelManifest:
    return save_model(results[Algorithm.LOGREG], tmp_path / "models", name="EU momentum", created_at=CREATED)


def models(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_every_algorithm_round_trips_with_identical_predictions(
    algorithm: Algorithm, results: dict[Algorithm, TrainingResult], tmp_path: Path
) -> None:
    result = results[algorithm]
    manifest = save_model(result, tmp_path, name="")
    model = load_model(tmp_path / manifest.file_name, manifest.sha256)
    features, valid = compute_features(FRAME)
    assert (
        model.pipeline.predict_proba(features[valid]) == result.pipeline.predict_proba(features[valid])
    ).all()
    assert model.algorithm is algorithm
    assert manifest.name == f"EURUSD M5 {algorithm.value}"


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_predict_proba_last_equals_the_pipeline_on_the_last_closed_bar(
    algorithm: Algorithm, results: dict[Algorithm, TrainingResult]
) -> None:
    pipeline = results[algorithm].pipeline
    features, _ = compute_features(FRAME)
    p_up = float(pipeline.predict_proba(features[-1:])[0, 1])
    side, confidence = Model(pipeline).predict_proba_last(FRAME)
    # Not bit-equal: the full history's prefix sums round differently from the last 100 bars' alone.
    assert confidence == pytest.approx(max(p_up, 1 - p_up), rel=1e-9)
    assert side is (Side.BUY if p_up > 0.5 else Side.SELL)


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_the_fast_one_row_path_computes_exactly_what_predict_proba_does(
    algorithm: Algorithm, results: dict[Algorithm, TrainingResult]
) -> None:
    # Model.p_up skips the pipeline's per-call checks (and, for the two tree models, joblib and the
    # OpenMP thread team); on the same feature row it must give the very same float.
    pipeline = results[algorithm].pipeline
    features, valid = compute_features(FRAME)
    for row in features[valid][-20:]:
        assert Model(pipeline).p_up(row) == pipeline.predict_proba(row.reshape(1, -1))[0, 1]


def test_below_the_threshold_there_is_no_side_but_the_confidence_is_reported(
    results: dict[Algorithm, TrainingResult],
) -> None:
    model = Model(results[Algorithm.LOGREG].pipeline)
    _, confidence = model.predict_proba_last(FRAME)
    assert model.predict_proba_last(FRAME, threshold=min(1.0, confidence + 0.01)) == (None, confidence)


def test_predict_proba_last_with_too_few_bars_says_how_many(results: dict[Algorithm, TrainingResult]) -> None:
    with pytest.raises(DataError, match=f"needs the last {LOOKBACK_BARS} closed bars"):
        Model(results[Algorithm.LOGREG].pipeline).predict_proba_last(FRAME.tail(LOOKBACK_BARS - 1))


def test_the_manifest_beside_the_file_describes_the_model(saved: ModelManifest, tmp_path: Path) -> None:
    assert read_manifest(models(tmp_path) / saved.file_name) == saved
    data = json.loads((models(tmp_path) / f"{saved.model_id}.json").read_text())
    assert data["name"] == "EU momentum" and data["symbol"] == "EURUSD" and data["timeframe"] == "M5"
    assert data["algorithm"] == "logreg" and data["created_at"] == "2024-03-01T12:00:00Z"
    assert len(data["sha256"]) == 64 and len(data["feature_names"]) == 18
    assert {"oos_accuracy", "baseline_accuracy", "samples", "sklearn_version", "parameters"} <= data.keys()
    assert data["backtest"]["trades"] == saved.backtest.trades
    assert list_manifests(models(tmp_path)) == [saved]


def test_a_tampered_file_is_refused_with_what_to_do(saved: ModelManifest, tmp_path: Path) -> None:
    path = models(tmp_path) / saved.file_name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(
        ModelIntegrityError, match="the file changed since it was saved — re-import or retrain"
    ):
        load_model(path, saved.sha256)


def test_a_file_with_an_untrusted_type_is_refused_naming_the_type(tmp_path: Path) -> None:
    path = tmp_path / "shady.skops"
    sio.dump(Pipeline([("scale", Shady()), ("model", DummyClassifier())]), path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(UntrustedModelError, match=r"does not trust: tests\.ml\.test_store\.Shady") as refused:
        load_model(path, sha)
    assert refused.value.types == ("tests.ml.test_store.Shady",)


def test_a_trusted_file_that_is_not_an_mt5_desk_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dummy.skops"
    features, valid = compute_features(FRAME)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", DummyClassifier())])
    sio.dump(
        pipeline.fit(features[valid], [0, 1] * (int(valid.sum()) // 2) + [0] * (int(valid.sum()) % 2)), path
    )
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ModelStoreError, match="StandardScaler \\+ DummyClassifier; MT5 Desk runs"):
        load_model(path, sha)


def test_a_missing_or_garbage_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(ModelStoreError, match="is missing; re-import or retrain"):
        load_model(tmp_path / "gone.skops", "0" * 64)
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ModelStoreError, match="not a readable skops model file"):
        load_model(junk, hashlib.sha256(b"not a zip").hexdigest())


def test_export_then_import_into_another_store_keeps_the_model(saved: ModelManifest, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    exported = export_model(saved, tmp_path / "out", models_dir=models(tmp_path))
    assert exported.name == f"EU_momentum-{saved.model_id}.skops" and exported.with_suffix(".json").exists()
    imported = import_model(exported, tmp_path / "other")
    assert imported == saved
    assert open_model(imported, tmp_path / "other").algorithm is Algorithm.LOGREG


def test_importing_the_same_model_twice_is_refused(saved: ModelManifest, tmp_path: Path) -> None:
    exported = export_model(saved, tmp_path / "copy.skops", models_dir=models(tmp_path))
    with pytest.raises(ModelStoreError, match="already in the store"):
        import_model(exported, models(tmp_path))


def test_import_refuses_a_file_that_does_not_match_its_manifest(saved: ModelManifest, tmp_path: Path) -> None:
    exported = export_model(saved, tmp_path / "copy.skops", models_dir=models(tmp_path))
    exported.with_suffix(".json").write_text(replace(saved, sha256="ab" * 32).to_json())
    with pytest.raises(ModelIntegrityError, match="re-import or retrain; it does not match its manifest"):
        import_model(exported, tmp_path / "other")


def test_import_refuses_untrusted_types_before_anything_else(saved: ModelManifest, tmp_path: Path) -> None:
    shady = tmp_path / "shady.skops"
    sio.dump(Pipeline([("scale", Shady())]), shady)
    shady.with_suffix(".json").write_text(saved.to_json())
    with pytest.raises(UntrustedModelError, match="Shady"):
        import_model(shady, tmp_path / "other")
    assert not (tmp_path / "other").exists()


def test_import_without_a_manifest_says_where_it_should_be(tmp_path: Path) -> None:
    lone = tmp_path / "lone.skops"
    lone.write_bytes(b"whatever")
    with pytest.raises(ModelStoreError, match=r"lone\.json is missing"):
        import_model(lone, tmp_path / "other")


def test_export_refuses_a_tampered_model_and_an_existing_destination(
    saved: ModelManifest, tmp_path: Path
) -> None:
    target = tmp_path / "copy.skops"
    export_model(saved, target, models_dir=models(tmp_path))
    with pytest.raises(ModelStoreError, match="already exists"):
        export_model(saved, target, models_dir=models(tmp_path))
    (models(tmp_path) / saved.file_name).write_bytes(b"changed")
    with pytest.raises(ModelIntegrityError):
        export_model(saved, tmp_path / "again.skops", models_dir=models(tmp_path))


def test_a_model_trained_on_other_features_is_refused_at_open(saved: ModelManifest, tmp_path: Path) -> None:
    older = replace(saved, feature_names=saved.feature_names[:-1])
    with pytest.raises(ModelStoreError, match="another feature set"):
        open_model(older, models(tmp_path))
