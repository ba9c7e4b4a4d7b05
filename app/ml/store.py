"""The model file store: skops files (never pickle) named by model id, each with its JSON manifest beside it.

Loading checks, in this order: the file's sha256 against the one recorded when it was saved; the types the
file would build against an explicit allow-list (skops refuses anything else, so a crafted file cannot run
code); the loaded object's shape (a StandardScaler + one of the three classifiers, on this version's
features). The bytes are read once, so the file that was hashed is the file that is loaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import skops.io as sio

from app.ml.errors import ModelIntegrityError, ModelStoreError, UntrustedModelError
from app.ml.features import FEATURE_NAMES
from app.ml.manifest import MANIFEST_SUFFIX, MODEL_SUFFIX, ModelManifest, read_manifest
from app.ml.model import Model
from app.ml.training import TrainingResult

# Every type the three pipelines are built from, beyond builtins and numpy arrays/scalars (which skops
# trusts by itself). Found with skops.io.get_untrusted_types and the files' schema; extend only with types
# that are plain data, never with anything that can name a function to call.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.Interval",
    "numpy.random._generator.Generator",
)

_CHANGED = "the file changed since it was saved — re-import or retrain"


def save_model(
    result: TrainingResult, models_dir: Path, *, name: str, created_at: datetime | None = None
) -> ModelManifest:
    """Write the fitted pipeline and its manifest into `models_dir`; returns the manifest with the sha256."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    model_id = uuid.uuid4().hex[:12]  # short: the auto-trader puts it in 31-character order comments
    file_name = f"{model_id}{MODEL_SUFFIX}"
    data = sio.dumps(result.pipeline)
    _write_atomically(models_dir / file_name, data)
    manifest = ModelManifest(
        model_id=model_id,
        name=name.strip() or f"{result.symbol} {result.timeframe} {result.algorithm}",
        symbol=result.symbol,
        timeframe=result.timeframe,
        algorithm=result.algorithm,
        feature_names=result.feature_names,
        parameters=result.parameters,
        sklearn_version=result.sklearn_version,
        created_at=created_at or datetime.now(UTC),
        sha256=hashlib.sha256(data).hexdigest(),
        file_name=file_name,
        seed=result.seed,
        bars=result.bars,
        samples=result.samples,
        data_from=result.data_from,
        data_until=result.data_until,
        oos_accuracy=result.oos_accuracy,
        baseline_accuracy=result.baseline_accuracy,
        backtest=result.backtest,
        backtest_money=result.money,
    )
    _write_atomically(models_dir / f"{model_id}{MANIFEST_SUFFIX}", manifest.to_json().encode())
    return manifest


def load_model(path: Path, expected_sha256: str) -> Model:
    """The model in `path`; ModelIntegrityError if its hash differs, UntrustedModelError for foreign types."""
    path = Path(path)
    data = _read(path)
    found = hashlib.sha256(data).hexdigest()
    if found != expected_sha256.lower():
        raise ModelIntegrityError(
            f"{path.name}: {_CHANGED} (sha256 {found[:12]}…, expected {expected_sha256[:12]}…)"
        )
    return _model_from_bytes(path.name, data)


def open_model(manifest: ModelManifest, models_dir: Path) -> Model:
    """The stored model a manifest (or registry row) describes, checked against its features as well."""
    if tuple(manifest.feature_names) != FEATURE_NAMES:
        raise ModelStoreError(
            f"model {manifest.name!r} was trained on another feature set (an older MT5 Desk); retrain it"
        )
    return load_model(Path(models_dir) / manifest.file_name, manifest.sha256)


def list_manifests(models_dir: Path) -> list[ModelManifest]:
    """Manifests of the models folder, oldest first; unreadable ones raise ModelStoreError naming the file."""
    folder = Path(models_dir)
    if not folder.is_dir():
        return []
    manifests = [read_manifest(path) for path in sorted(folder.glob(f"*{MANIFEST_SUFFIX}"))]
    return sorted(manifests, key=lambda manifest: manifest.created_at)


def export_model(manifest: ModelManifest, dest: Path, *, models_dir: Path, overwrite: bool = False) -> Path:
    """Copy a stored model (checked first) and its manifest to `dest` (a folder or a .skops path)."""
    source = Path(models_dir) / manifest.file_name
    open_model(manifest, models_dir)  # a tampered or unusable file is refused, not passed on
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / f"{_safe_name(manifest.name)}-{manifest.model_id}{MODEL_SUFFIX}"
    elif dest.suffix != MODEL_SUFFIX:
        dest = dest.with_name(dest.name + MODEL_SUFFIX)
    manifest_dest = dest.with_suffix(MANIFEST_SUFFIX)
    if not overwrite and (dest.exists() or manifest_dest.exists()):
        raise ModelStoreError(f"{dest} already exists; choose another name or allow overwriting")
    shutil.copyfile(source, dest)
    manifest_dest.write_text(manifest.to_json(), encoding="utf-8")
    return dest


def import_model(file: Path, models_dir: Path) -> ModelManifest:
    """Check a model file and its manifest (beside it) and copy both into `models_dir`.

    Refused with UntrustedModelError when the file holds types outside TRUSTED_TYPES, ModelIntegrityError
    when it does not match its manifest's sha256, ModelStoreError when it is not a usable MT5 Desk model
    or a model with its id is already in the store.
    """
    file = Path(file)
    manifest = read_manifest(file)
    data = _read(file)
    _refuse_untrusted(file.name, data)
    if hashlib.sha256(data).hexdigest() != manifest.sha256:
        raise ModelIntegrityError(f"{file.name}: {_CHANGED}; it does not match its manifest")
    if tuple(manifest.feature_names) != FEATURE_NAMES:
        raise ModelStoreError(
            f"{file.name} was trained on another feature set (another MT5 Desk version); retrain it here"
        )
    _model_from_bytes(file.name, data)
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / f"{manifest.model_id}{MODEL_SUFFIX}"
    if target.exists() or not re.fullmatch(r"[0-9a-f]{12}", manifest.model_id):
        raise ModelStoreError(
            f"model {manifest.name!r} ({manifest.model_id}) is already in the store, or its id is invalid"
        )
    _write_atomically(target, data)
    stored = replace(manifest, file_name=target.name)
    _write_atomically(target.with_suffix(MANIFEST_SUFFIX), stored.to_json().encode())
    return stored


def _model_from_bytes(name: str, data: bytes) -> Model:
    _refuse_untrusted(name, data)
    try:
        pipeline = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as error:  # skops raises many kinds for a damaged archive; all mean "unreadable"
        raise ModelStoreError(
            f"{name}: the model file cannot be read ({error}); re-import or retrain"
        ) from error
    try:
        return Model(pipeline)
    except ModelStoreError as error:
        raise ModelStoreError(f"{name}: {error}") from error


def _refuse_untrusted(name: str, data: bytes) -> None:
    try:
        found = sio.get_untrusted_types(data=data)
    except Exception as error:  # not a skops archive at all
        raise ModelStoreError(
            f"{name}: not a readable skops model file ({error}); re-import or retrain"
        ) from error
    untrusted = tuple(sorted(kind for kind in found if kind not in TRUSTED_TYPES))
    if untrusted:
        raise UntrustedModelError(
            f"{name}: refused, the file holds types MT5 Desk does not trust: {', '.join(untrusted)}. "
            "Only models trained by MT5 Desk can be loaded",
            untrusted,
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ModelStoreError(f"the model file {path} is missing; re-import or retrain the model") from None
    except OSError as error:
        raise ModelStoreError(f"cannot read the model file {path}: {error.strerror or error}") from error


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"
