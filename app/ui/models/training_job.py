"""TrainingJob: loads the bars and runs `train_model` on a pool thread, reporting back through Qt signals.

The GUI thread only starts it, shows its progress and may ask it to stop; reading a large CSV file and
every fit happen here, so the window keeps repainting however long training takes.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, pyqtSignal

from app.core.enums import Timeframe
from app.ml.algorithms import Algorithm
from app.ml.bars import BarFrame, read_csv
from app.ml.errors import DataError, TrainingCancelled
from app.ml.money import ContractTerms
from app.ml.options import TrainingOptions

log = logging.getLogger(__name__)

BarLoader = Callable[[], tuple[BarFrame, str]]  # the bars and a note for the trader ("" if none)

# MetaTrader 5 names its exports SYMBOL_TIMEFRAME_FROM_TO.csv; many other tools keep SYMBOL_TIMEFRAME.
_TIMEFRAMES = "|".join(sorted((frame.value for frame in Timeframe), key=len, reverse=True))  # M10 before M1
_EXPORT_NAME = re.compile(rf"^(?P<symbol>[A-Za-z0-9.#+-]+?)[_ -](?P<timeframe>{_TIMEFRAMES})(?:[_ .-]|$)")

_pool: QThreadPool | None = None


def training_pool() -> QThreadPool:
    """One thread for training, apart from the shared pool, so journal reads never wait behind a fit."""
    global _pool
    if _pool is None:
        _pool = QThreadPool(QCoreApplication.instance())
        _pool.setMaxThreadCount(1)
    return _pool


@dataclass(frozen=True, slots=True)
class TrainingRequest:
    """What to train: the labels a saved model carries, the algorithm and its seed, how to evaluate."""

    symbol: str
    timeframe: Timeframe
    algorithm: Algorithm
    seed: int
    options: TrainingOptions
    terms: ContractTerms | None = None  # None: assumed from the symbol's name and the bars (a CSV file)


class TrainingSignals(QObject):
    """A job's reports; delivered queued in the thread of whoever connects (the dialog's)."""

    progress = pyqtSignal(float, str)  # fraction done 0..1, what is happening
    succeeded = pyqtSignal(object, str)  # TrainingResult, a note about the data ("" if none)
    failed = pyqtSignal(str, bool)  # what went wrong, True when it is a problem with the bars
    cancelled = pyqtSignal()


class TrainingJob(QRunnable):
    """Load bars, then train; `cancel()` stops it before the next fit (a running fit is not cut short)."""

    def __init__(self, load: BarLoader, request: TrainingRequest) -> None:
        super().__init__()
        self.signals = TrainingSignals()
        self._load = load
        self._request = request
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancel_requested(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        signals, request = self.signals, self._request
        try:
            signals.progress.emit(0.0, "Reading the bars")
            frame, note = self._load()
            if self._stop.is_set():
                raise TrainingCancelled("training was cancelled; no model was saved")
            from app.ml.training import train_model  # scikit-learn: loaded here, never on the GUI thread

            result = train_model(
                frame,
                symbol=request.symbol,
                timeframe=request.timeframe,
                algorithm=request.algorithm,
                seed=request.seed,
                options=request.options,
                terms=request.terms,
                progress=signals.progress.emit,
                cancelled=self._stop.is_set,
            )
        except TrainingCancelled:
            signals.cancelled.emit()
        except DataError as error:
            signals.failed.emit(str(error), True)
        except Exception as error:  # reported to the trader; a pool thread must never die silently
            log.exception("training failed")
            signals.failed.emit(f"Training failed: {error}", False)
        else:
            signals.succeeded.emit(result, note)


def csv_loader(path: Path) -> BarLoader:
    """Bars of a CSV file; a note says how many repeated rows were dropped."""

    def load() -> tuple[BarFrame, str]:
        loaded = read_csv(path)
        note = ""
        if loaded.duplicates_dropped:
            note = (
                f"Dropped {loaded.duplicates_dropped} row(s) repeating the previous timestamp (first at "
                f"line {loaded.first_duplicate_line}); the first of each was kept."
            )
        return loaded.frame, note

    return load


def rates_loader(rates: np.ndarray, point: float, requested: int, what: str) -> BarLoader:
    """Bars of the terminal's rates array (checked on the pool thread: 100,000 bars take a moment); the
    note says so when the terminal had fewer than `requested`. `what` names them, e.g. "H1 bars of EURUSD"."""

    def load() -> tuple[BarFrame, str]:
        frame = BarFrame.from_rates(rates, point)
        if len(frame) >= requested:
            return frame, ""
        have = f"the terminal has {len(frame):,} closed {what}"
        return frame, f"Asked for {requested:,} bars; {have}: trained on those."

    return load


class WarmupSignals(QObject):
    ready = pyqtSignal()
    failed = pyqtSignal(str)


class ScikitLearnWarmup(QRunnable):
    """Imports scikit-learn and the model store on a pool thread (about 3 s the first time), so the dialog
    shows at once and the GUI thread never waits on the import."""

    def __init__(self) -> None:
        super().__init__()
        self.signals = WarmupSignals()

    def run(self) -> None:
        try:
            for module in ("app.ml.training", "app.ml.store"):
                importlib.import_module(module)
        except Exception as error:  # an installation problem, said in the dialog
            log.exception("scikit-learn did not load")
            self.signals.failed.emit(f"scikit-learn could not be loaded ({error}); reinstall MT5 Desk.")
        else:
            self.signals.ready.emit()


def guess_from_file_name(path: Path) -> tuple[str | None, Timeframe | None]:
    """Symbol and timeframe from a name like EURUSD_M1_202401020000_202401312359.csv, else None."""
    match = _EXPORT_NAME.match(Path(path).stem)
    if match is None:
        return None, None
    return match["symbol"], Timeframe(match["timeframe"])
