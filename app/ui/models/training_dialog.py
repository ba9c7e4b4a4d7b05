"""TrainingDialog: train a model on the terminal's history or a CSV file, read how it did out of sample,
and save it into the model store (the main window then registers it with the desk, switched off).

Bars come from the terminal through `TerminalQueries` (the terminal host reads them); reading a CSV file
and training run on a pool thread (`TrainingJob`), so the dialog keeps repainting and Cancel always
answers. Cancel stops before the next fit; a fit already running finishes first.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6.QtCore import QThreadPool, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import (
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import Timeframe
from app.core.models import SymbolSpec
from app.ml.errors import ModelStoreError
from app.ml.money import ContractTerms
from app.ml.options import TrainingOptions
from app.ui.models.training_inputs import TrainingInputs
from app.ui.models.training_job import (
    BarLoader,
    ScikitLearnWarmup,
    TrainingJob,
    TrainingRequest,
    csv_loader,
    rates_loader,
    training_pool,
)
from app.ui.models.training_results import TrainingResultsView

if TYPE_CHECKING:  # scikit-learn behind these loads on a pool thread, never when the dialog opens
    from app.engine.queries import TerminalQueries
    from app.ml.manifest import ModelManifest
    from app.ml.training import TrainingResult

PROGRESS_STEPS = 1000
LOADING_TEXT = "Loading scikit-learn (a few seconds the first time)…"
READY_TEXT = "Choose the bars and press Train."
SCREEN_MARGIN = 48  # the window's title bar and frame, which availableGeometry does not leave out
OBJECT_NAME = "training-dialog"  # how the main window finds open ones to stop when the desk quits


class TrainingDialog(QDialog):
    """Data source, algorithm, seed and name, backtest lots, threshold and deposit; Train with progress
    and Cancel; results in pips and money; Save model.

    `terminal_queries=None` offers CSV files only. `account_currency` is what the terminal's money is in.
    `model_saved(manifest, model_file)` is emitted after a successful save; nothing is registered with the
    desk by the dialog itself. It opens at once: scikit-learn loads on a pool thread meanwhile, and Train
    waits for it.
    """

    model_saved = pyqtSignal(object, object)  # ModelManifest, Path of the .skops file

    def __init__(
        self,
        terminal_queries: TerminalQueries | None,
        models_dir: Path,
        parent: QWidget | None = None,
        *,
        symbol: str = "",
        timeframe: Timeframe = Timeframe.M1,
        options: TrainingOptions | None = None,
        pool: QThreadPool | None = None,
        account_currency: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a model")
        self.setObjectName(OBJECT_NAME)
        self._queries = terminal_queries
        self._models_dir = Path(models_dir)
        self._options = options or TrainingOptions()
        self._pool = pool
        self._job: TrainingJob | None = None
        self._request: TrainingRequest | None = None
        self._account_currency = account_currency
        self._spec_request: int | None = None
        self._rates_request: int | None = None
        self._spec: SymbolSpec | None = None
        self._rates: np.ndarray | None = None
        self._warmup: ScikitLearnWarmup | None = None
        self.ready = "app.ml.store" in sys.modules  # scikit-learn and the model store are loaded
        self._symbols_request: int | None = None
        # Shadows QDialog.result() (the accept/reject code), which nothing here reads.
        self.result: TrainingResult | None = None  # type: ignore[assignment]
        self.saved_manifest: ModelManifest | None = None
        self._build(symbol, timeframe)
        if terminal_queries is not None:
            terminal_queries.symbols_ready.connect(self._on_symbols)
            terminal_queries.spec_ready.connect(self._on_spec)
            terminal_queries.rates_ready.connect(self._on_rates)
            terminal_queries.failed.connect(self._on_query_failed)
            self._symbols_request = terminal_queries.request_symbols()
        else:
            self.inputs.offer_csv_only()
        if not self.ready:
            self._load_scikit_learn()
        self._set_busy(False)

    def _load_scikit_learn(self) -> None:
        warmup = ScikitLearnWarmup()
        warmup.signals.ready.connect(self._on_loaded)
        warmup.signals.failed.connect(self._on_load_failed)
        self._warmup = warmup
        self.progress_bar.setRange(0, 0)  # moving, with no end known
        self.status_label.setText(LOADING_TEXT)
        self.train_button.setText("Loading…")
        (self._pool or training_pool()).start(warmup)

    @pyqtSlot()
    def _on_loaded(self) -> None:
        self.ready, self._warmup = True, None
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setValue(0)
        self.train_button.setText("Train")
        if self.status_label.text() == LOADING_TEXT:
            self.status_label.setText(READY_TEXT)
        self._set_busy(self.busy)

    @pyqtSlot(str)
    def _on_load_failed(self, message: str) -> None:
        self._warmup = None
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.train_button.setText("Train")
        self.status_label.setText("Training is not available.")
        self.inputs.show_problem(message)

    # ---- building ---------------------------------------------------------------------------------
    def _build(self, symbol: str, timeframe: Timeframe) -> None:
        self.inputs = TrainingInputs(symbol, timeframe, self, currency=self._account_currency)

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.status_label = QLabel(READY_TEXT, self)
        self.status_label.setWordWrap(True)
        self.train_button = QPushButton("Train", self)
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.start_training)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop after the step running now; nothing is saved")
        self.cancel_button.clicked.connect(self.cancel_training)
        run_row = QHBoxLayout()
        run_row.addWidget(self.progress_bar, 1)
        run_row.addWidget(self.train_button)
        run_row.addWidget(self.cancel_button)

        self.results_box = QGroupBox("Results", self)
        self.results = TrainingResultsView(self.results_box)
        # Scrolls rather than grows: the dialog must fit a 1366×768 screen with its buttons visible.
        self.results_scroll = QScrollArea(self.results_box)
        self.results_scroll.setWidgetResizable(True)
        self.results_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.results_scroll.setWidget(self.results)
        QVBoxLayout(self.results_box).addWidget(self.results_scroll)
        self.results_box.hide()

        self.save_button = QPushButton("Save model", self)
        self.save_button.setToolTip("Store the model and register it with the desk, switched off")
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.inputs)
        layout.addLayout(run_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results_box, 1)
        layout.addLayout(buttons)
        self.resize(1000, self.sizeHint().height())

    # ---- state ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Fetching bars or training (also while a cancelled fit winds down)."""
        return self._job is not None or self._rates_request is not None

    def _set_busy(self, busy: bool) -> None:
        self.inputs.set_idle(not busy, terminal=self._queries is not None)
        self.train_button.setEnabled(not busy and self.ready)
        self.cancel_button.setEnabled(busy)
        self.save_button.setEnabled(not busy and self.result is not None and self.saved_manifest is None)

    # ---- training ---------------------------------------------------------------------------------
    @pyqtSlot()
    def start_training(self) -> bool:
        """Check the inputs and start; False (with the reason shown) when something is missing."""
        if self.busy or not self.ready:
            return False
        inputs = self.inputs
        symbol, from_csv, path = inputs.symbol(), inputs.from_csv(), inputs.csv_path()
        if not symbol:
            self.inputs.show_problem("Enter the symbol the model will trade.")
            return False
        if from_csv and (path is None or not path.is_file()):
            self.inputs.show_problem("Choose a CSV file that exists (Browse…).")
            return False
        self.inputs.show_problem("")
        self.result = None
        self.saved_manifest = None
        self.results.clear()
        self.results_box.hide()
        self.progress_bar.setValue(0)
        options = replace(
            self._options,
            lots=round(inputs.lots_spin.value(), 2),
            threshold=round(inputs.threshold_spin.value(), 2),
            deposit=inputs.deposit_spin.value(),
        )
        self._request = TrainingRequest(
            symbol=symbol,
            timeframe=inputs.timeframe(),
            algorithm=inputs.algorithm(),
            seed=inputs.seed_spin.value(),
            options=options,
        )
        if from_csv and path is not None:
            self._run(csv_loader(path))
        else:
            assert self._queries is not None
            self._spec, self._rates = None, None
            self.status_label.setText(f"Asking the terminal for {inputs.bars_spin.value():,} bars…")
            self._spec_request = self._queries.request_spec(symbol)
            self._rates_request = self._queries.request_rates(
                symbol, self._request.timeframe, inputs.bars_spin.value()
            )
            self._set_busy(True)
        return True

    @pyqtSlot()
    def cancel_training(self) -> None:
        """Stop fetching at once, or stop training before its next fit."""
        if self._job is not None:
            self._job.cancel()
            self.cancel_button.setEnabled(False)
            self.status_label.setText("Cancelling after the step running now…")
        elif self._rates_request is not None:
            self._spec_request = self._rates_request = None
            self._set_busy(False)
            self.status_label.setText("Cancelled; no model was trained.")

    def _run(self, load: BarLoader) -> None:
        assert self._request is not None
        job = TrainingJob(load, self._request)
        job.signals.progress.connect(self._on_progress)
        job.signals.succeeded.connect(self._on_succeeded)
        job.signals.failed.connect(self._on_failed)
        job.signals.cancelled.connect(self._on_cancelled)
        self._job = job
        self._set_busy(True)
        self.status_label.setText("Starting (after any other training in progress)…")
        (self._pool or training_pool()).start(job)

    def _from_current_job(self) -> bool:
        return self._job is not None and self.sender() is self._job.signals

    @pyqtSlot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        if self._from_current_job():
            self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
            if not self._job or not self._job.cancel_requested:
                self.status_label.setText(f"{message}…" if fraction < 1 else message)

    @pyqtSlot(object, str)
    def _on_succeeded(self, result: TrainingResult, note: str) -> None:
        if not self._from_current_job():
            return
        self._job = None
        self.result = result
        self.results.show_result(result)
        self.results_box.show()
        self.progress_bar.setValue(PROGRESS_STEPS)
        self.status_label.setText(f"Trained. {note}".strip() + " Save the model to use it.")
        self._set_busy(False)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """As tall as the results want, but never past the bottom of the screen (the results scroll)."""
        screen = self.screen()
        if screen is None:
            return
        room = screen.availableGeometry()
        wanted = self.sizeHint().height() + self.results.sizeHint().height()
        height = min(max(self.height(), wanted), room.height() - SCREEN_MARGIN)
        self.resize(min(self.width(), room.width()), height)
        top = max(room.top(), min(self.y(), room.bottom() - SCREEN_MARGIN - height))
        self.move(self.x(), top)

    @pyqtSlot(str, bool)
    def _on_failed(self, message: str, _data_problem: bool) -> None:
        if not self._from_current_job():
            return
        self._job = None
        self.progress_bar.setValue(0)
        self.status_label.setText("Training stopped; nothing was saved.")
        self.inputs.show_problem(message)
        self._set_busy(False)

    @pyqtSlot()
    def _on_cancelled(self) -> None:
        if not self._from_current_job():
            return
        self._job = None
        self.progress_bar.setValue(0)
        self.status_label.setText("Cancelled; no model was saved.")
        self._set_busy(False)

    # ---- terminal answers -------------------------------------------------------------------------
    @pyqtSlot(int, object)
    def _on_symbols(self, request_id: int, symbols: list[str]) -> None:
        if request_id != self._symbols_request:
            return
        self.inputs.set_symbols(symbols)

    @pyqtSlot(int, object)
    def _on_spec(self, request_id: int, spec: SymbolSpec) -> None:
        if request_id == self._spec_request:
            self._spec_request = None
            self._spec = spec
            self._start_on_rates()

    @pyqtSlot(int, object)
    def _on_rates(self, request_id: int, rates: np.ndarray) -> None:
        if request_id == self._rates_request:
            self._rates = rates
            self._start_on_rates()

    def _start_on_rates(self) -> None:
        if self._rates is None or self._spec is None or self._request is None:
            return
        rates, spec, request = self._rates, self._spec, self._request
        self._rates_request, self._rates = None, None
        self._request = replace(request, terms=ContractTerms.from_spec(spec, self._account_currency))
        what = f"{request.timeframe.value} bars of {request.symbol}"
        self._run(rates_loader(rates, spec.point, self.inputs.bars_spin.value(), what))

    @pyqtSlot(int, str)
    def _on_query_failed(self, request_id: int, error: str) -> None:
        if request_id not in (self._spec_request, self._rates_request):
            return
        self._spec_request = self._rates_request = None
        self.inputs.show_problem(f"The terminal could not give the bars: {error}")
        self.status_label.setText("Nothing was trained.")
        self._set_busy(False)

    # ---- saving ---------------------------------------------------------------------------------
    @pyqtSlot()
    def save(self) -> ModelManifest | None:
        """Store the trained model; emits `model_saved`. None (and the reason shown) when it fails."""
        if self.result is None or self.saved_manifest is not None:
            return None
        from app.ml.store import save_model  # loaded already: the result came from scikit-learn

        try:
            manifest = save_model(self.result, self._models_dir, name=self.inputs.name_edit.text())
        except (ModelStoreError, OSError) as error:
            self.inputs.show_problem(
                f"The model could not be saved: {error}. Check that {self._models_dir} is "
                "writable and has free space, then press Save model again."
            )
            return None
        self.saved_manifest = manifest
        self.save_button.setEnabled(False)
        self.status_label.setText(
            f"Saved “{manifest.name}” ({manifest.model_id}). It is registered switched off: set its lot "
            "size and threshold in the Models dock, then enable it."
        )
        self.model_saved.emit(manifest, self._models_dir / manifest.file_name)
        return manifest

    # ---- closing ----------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        # Closing gives up the run: the pool thread stops before its next fit and its answer is dropped.
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self._spec_request = self._rates_request = None
        super().done(result)

    def closeEvent(self, event: QCloseEvent | None) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        super().closeEvent(event)
