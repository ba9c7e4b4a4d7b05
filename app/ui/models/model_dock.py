"""ModelDock: the desk's models and the switches that start and stop them.

Every change is a command to the engine (`command(object)`: AutoTradingCommand, ModelCommand,
KillSwitchCommand, RegisterModelCommand, RemoveModelCommand); what the table shows is only ever what
the engine last reported (MODELS_UPDATE, SNAPSHOT). A read-only dock (viewer) has the table and nothing
else: the controls are absent, not disabled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QByteArray, QModelIndex, QStandardPaths, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.account_directory import ModelsByAccount
from app.core.enums import Timeframe
from app.core.events import ModelsUpdate, Snapshot
from app.core.models import ModelSummary
from app.engine.commands import (
    AutoTradingCommand,
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    RemoveModelCommand,
)
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.ml.errors import ModelStoreError
from app.ml.money import settings_from_backtest
from app.storage.model_registry import RegisteredModel
from app.ui.models.centred_check import CentredCheckDelegate
from app.ui.models.kill_switch_dialog import KILL_STYLE, MASTER_STYLE, KillSwitchDialog, master_text
from app.ui.models.model_settings_dialog import ModelSettingsDialog
from app.ui.models.models_table import MODEL_COLUMN_INDEX, ModelEntry, ModelsTableModel
from app.ui.widgets.record_view import RecordTableView

if TYPE_CHECKING:
    from app.ml.manifest import ModelManifest

# The model store's names, repeated so the window opens without importing scikit-learn (seconds).
MODEL_SUFFIX, MANIFEST_SUFFIX = ".skops", ".json"


class ModelDock(QDockWidget):
    """Models table with per-model switch and settings, master switch, kill switch, Train/Import/Export."""

    command = pyqtSignal(object)  # an engine command, for the main window to submit
    train_requested = pyqtSignal()
    auto_trading_changed = pyqtSignal(bool)  # the trader switched auto-trading (here or by kill switch)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
        journal_queries: JournalQueries | None = None,
        models_dir: Path | None = None,
    ) -> None:
        super().__init__("Models", parent)
        self.setObjectName("models-dock")
        self.read_only = read_only
        self._queries = journal_queries
        self._models_dir = Path(models_dir) if models_dir is not None else None
        self._settings_request: tuple[int, str] | None = None
        self._file_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self.settings_dialog: ModelSettingsDialog | None = None
        self.kill_dialog: KillSwitchDialog | None = None
        self.message_box: QMessageBox | None = None
        self._models = ModelsByAccount()
        # The account an imported model trades on (the window's trading account); None: none to offer.
        self.account_for_new_models: Callable[[], str | None] = lambda: None

        self.model = ModelsTableModel(self, checkable=not read_only)
        self.model.enabled_toggled.connect(self._on_enabled_toggled)
        self.table = self._build_table()
        self.empty_label = QLabel(
            "No models on the desk." if read_only else "No models yet: press Train… to make one.", self
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.controls: QWidget | None = None if read_only else self._build_controls(body)
        if self.controls is not None:
            layout.addWidget(self.controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        self.setWidget(body)
        if not read_only and journal_queries is not None:
            journal_queries.models_loaded.connect(self._on_models_loaded)
            journal_queries.failed.connect(self._on_query_failed)
        self.set_models(())

    # ---- building ---------------------------------------------------------------------------------
    def _build_table(self) -> RecordTableView[str, ModelEntry]:
        # The list base every list shares: the header's menu shows and hides columns and exports CSV,
        # a click on a header sorts, and the window saves the header's layout with the others.
        table: RecordTableView[str, ModelEntry] = RecordTableView(
            self.model, self, csv_name="models", csv_what="models"
        )
        table.setObjectName("models-table")
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Refusals come later than the first rows the columns are fitted to: keep room for one to be read
        # (the whole line is in its tooltip), unless the trader's own layout is restored.
        if not self.read_only:
            table.setItemDelegateForColumn(MODEL_COLUMN_INDEX["enabled"], CentredCheckDelegate(table))
            table.doubleClicked.connect(self._on_double_clicked)
        selection = table.selectionModel()
        assert selection is not None  # set with the model
        selection.selectionChanged.connect(lambda *_: self._update_buttons())
        return table

    def header_state(self) -> QByteArray:
        """The table's column widths, order, visibility and sort, for the window to save."""
        return self.table.header_state()

    def restore_header_state(self, state: QByteArray) -> bool:
        """The trader's saved column layout; False (defaults kept) when it cannot be read."""
        return self.table.restore_header_state(state)

    def _build_controls(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        self.master_button = QPushButton(master_text(False), box)
        self.master_button.setCheckable(True)
        self.master_button.setStyleSheet(MASTER_STYLE)
        self.master_button.setToolTip("Master switch: off, no model opens a trade (positions stay)")
        self.master_button.clicked.connect(self.request_auto_trading)
        self.kill_button = QPushButton("Kill switch", box)
        self.kill_button.setStyleSheet(KILL_STYLE)
        self.kill_button.setToolTip("Stop every model now, and optionally close their positions")
        self.kill_button.clicked.connect(self.kill_switch)
        self.train_button = QPushButton("Train…", box)
        self.train_button.clicked.connect(self.train_requested)
        self.import_button = QPushButton("Import…", box)
        self.import_button.setToolTip("Add a model file exported by MT5 Desk (with its .json manifest)")
        self.import_button.clicked.connect(self.choose_import)
        self.export_button = QPushButton("Export…", box)
        self.export_button.clicked.connect(self.choose_export)
        self.settings_button = QPushButton("Settings…", box)
        self.settings_button.setToolTip("Lot size, threshold, SL/TP, limits and hours of the selected model")
        self.settings_button.clicked.connect(lambda: self.edit_settings())
        self.remove_button = QPushButton("Remove", box)
        self.remove_button.clicked.connect(self.remove_selected)
        if self._models_dir is None:
            self.import_button.hide()
            self.export_button.hide()
        if self._queries is None:
            self.settings_button.hide()  # without the registry the current settings are unknown
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.master_button)
        row.addWidget(self.kill_button)
        row.addSpacing(12)
        for button in (self.train_button, self.import_button, self.export_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.settings_button)
        row.addWidget(self.remove_button)
        return box

    # ---- events -----------------------------------------------------------------------------------
    def subscribe(self, hub: EventHub) -> None:
        hub.snapshot.connect(self._on_event)
        hub.models_update.connect(self._on_event)

    @pyqtSlot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, Snapshot):
            self._models.replace(event)
        elif isinstance(event, ModelsUpdate):
            self._models.update(event)
        else:
            return
        self.set_models(self._models.all())

    def set_models(self, models: tuple[ModelSummary, ...] | list[ModelSummary]) -> None:
        """Show the engine's list; the selected model stays selected if it is still there."""
        selected = self.selected_model_id()
        self.model.set_models(models)
        if selected is not None and self.selected_model_id() != selected:
            self.select_model(selected)
        self.empty_label.setVisible(not models)
        self._update_buttons()

    def selected_model_id(self) -> str | None:
        selection = self.table.selectionModel()
        assert selection is not None  # set with the model
        rows = selection.selectedRows()
        return self.model.entry(rows[0].row()).summary.model_id if rows else None

    def select_model(self, model_id: str) -> None:
        row = self.model.row_of(model_id)
        if row is not None:
            self.table.selectRow(row)

    def _summary(self, model_id: str) -> ModelSummary | None:
        row = self.model.row_of(model_id)
        return None if row is None else self.model.entry(row).summary

    def _update_buttons(self) -> None:
        if self.controls is None:
            return
        selected = self.selected_model_id() is not None
        for button in (self.export_button, self.settings_button, self.remove_button):
            button.setEnabled(selected)

    # ---- switches ---------------------------------------------------------------------------------
    def set_auto_trading(self, enabled: bool) -> None:
        """Show the master switch's state (decided elsewhere) without sending anything."""
        if self.controls is not None:
            self.master_button.setChecked(enabled)
            self.master_button.setText(master_text(enabled))

    @pyqtSlot(bool)
    def request_auto_trading(self, enabled: bool) -> None:
        """Switch auto-trading on or off: tells the engine and whoever mirrors the switch."""
        if self.read_only:
            return
        self.set_auto_trading(enabled)
        self.command.emit(AutoTradingCommand(enabled=enabled))
        self.auto_trading_changed.emit(enabled)

    @pyqtSlot()
    def kill_switch(self) -> KillSwitchDialog | None:
        """Ask to confirm, then stop every model (and close their positions if ticked)."""
        if self.read_only:
            return None
        open_positions = sum(summary.open_positions for summary in self.model.models())
        dialog = KillSwitchDialog(open_positions, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._kill(dialog.close_positions_box.isChecked()))
        dialog.finished.connect(lambda _: setattr(self, "kill_dialog", None))
        self.kill_dialog = dialog
        dialog.open()
        return dialog

    def _kill(self, close_positions: bool) -> None:
        self.set_auto_trading(False)
        self.command.emit(KillSwitchCommand(close_positions=close_positions))
        self.auto_trading_changed.emit(False)

    @pyqtSlot(str, bool)
    def _on_enabled_toggled(self, model_id: str, enabled: bool) -> None:
        self.command.emit(ModelCommand(model_id=model_id, enabled=enabled))

    # ---- settings ---------------------------------------------------------------------------------
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.column() != MODEL_COLUMN_INDEX["enabled"]:
            self.edit_settings(self.model.entry(index.row()).summary.model_id)

    def edit_settings(self, model_id: str | None = None) -> int | None:
        """Read the model's current settings from the registry, then open the editor on them."""
        model_id = model_id or self.selected_model_id()
        if self.read_only or self._queries is None or model_id is None:
            return None
        request = self._queries.load_models()
        self._settings_request = (request, model_id)
        return request

    @pyqtSlot(int, object)
    def _on_models_loaded(self, request_id: int, models: list[RegisteredModel]) -> None:
        if self._settings_request is None or self._settings_request[0] != request_id:
            return
        model_id = self._settings_request[1]
        self._settings_request = None
        found = next((model for model in models if model.model_id == model_id), None)
        if found is None:
            self._warn("Model not found", "This model is no longer registered; it may have been removed.")
            return
        dialog = ModelSettingsDialog(found.name, found.settings, (found.symbol, found.timeframe), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.command.emit(ModelCommand(model_id=model_id, settings=dialog.result_settings()))
        )
        dialog.finished.connect(lambda _: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()

    @pyqtSlot(int, str)
    def _on_query_failed(self, request_id: int, message: str) -> None:
        if self._settings_request is not None and self._settings_request[0] == request_id:
            self._settings_request = None
            self._warn("Settings not available", message)

    # ---- files ------------------------------------------------------------------------------------
    @pyqtSlot()
    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a model", self._file_dir, f"MT5 Desk models (*{MODEL_SUFFIX})"
        )
        if path:
            self._file_dir = str(Path(path).parent)
            self.import_file(Path(path))

    def import_file(self, path: Path) -> ModelManifest | None:
        """Check and copy a model into the store, then ask the engine to register it (switched off)."""
        if self._models_dir is None or self.read_only:
            return None
        from app.ml.store import import_model  # scikit-learn loads when a model is first handled

        try:
            manifest = self._stored_copy(path) or import_model(path, self._models_dir)
        except (ModelStoreError, OSError) as error:
            self._warn("Model not imported", f"{error}")
            return None
        # An imported model starts with the lots and threshold its backtest was run with, as a trained one.
        settings = settings_from_backtest(
            manifest.symbol, Timeframe(manifest.timeframe), manifest.backtest_money
        )
        model_file = self._models_dir / manifest.file_name
        account_id = self.account_for_new_models()
        if account_id is None:
            self._warn("Model not registered", "The desk has no account for the model to trade on.")
            return None
        self.command.emit(
            RegisterModelCommand(
                model_file=model_file, manifest=manifest, settings=settings, account_id=account_id
            )
        )
        return manifest

    def _stored_copy(self, path: Path) -> ModelManifest | None:
        """The store's own copy of this very model (removed from the desk earlier, its file kept)."""
        from app.ml.manifest import read_manifest

        assert self._models_dir is not None
        incoming = read_manifest(path)
        stored = self._models_dir / f"{incoming.model_id}{MANIFEST_SUFFIX}"
        if not stored.exists():
            return None
        manifest = read_manifest(stored)
        if manifest.sha256 != incoming.sha256:
            raise ModelStoreError(
                f"another model with the id {incoming.model_id} is already in {self._models_dir}"
            )
        return manifest  # the desk checks the file's hash again when it registers it

    @pyqtSlot()
    def choose_export(self) -> None:
        model_id = self.selected_model_id()
        if model_id is None:
            return
        summary = self._summary(model_id)
        name = f"{summary.name if summary else model_id}{MODEL_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the model", str(Path(self._file_dir) / name), f"MT5 Desk models (*{MODEL_SUFFIX})"
        )
        if path:
            self._file_dir = str(Path(path).parent)
            self.export_to(model_id, Path(path))

    def export_to(self, model_id: str, dest: Path) -> Path | None:
        """Copy the stored model (checked first) and its manifest to `dest`; None with a message if not."""
        if self._models_dir is None:
            return None
        from app.ml.manifest import read_manifest
        from app.ml.store import export_model

        try:
            manifest = read_manifest(self._models_dir / f"{model_id}{MANIFEST_SUFFIX}")
            written = export_model(manifest, dest, models_dir=self._models_dir, overwrite=True)
        except (ModelStoreError, OSError) as error:
            self._warn("Model not exported", f"{error}")
            return None
        self._warn(
            "Model exported", f"Saved to {written} with its manifest beside it.", QMessageBox.Icon.Information
        )
        return written

    @pyqtSlot()
    def remove_selected(self) -> QMessageBox | None:
        """Confirm, then ask the engine to forget the selected model (refused while it has positions)."""
        model_id = self.selected_model_id()
        summary = self._summary(model_id) if model_id else None
        if summary is None or self.read_only:
            return None
        if summary.open_positions:
            return self._warn(
                "Model not removed",
                f"{summary.name} still has {summary.open_positions} open position(s). Close them (or use "
                "the kill switch with closing ticked) before removing the model.",
            )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove model",
            f"Remove {summary.name} ({summary.symbol} {summary.timeframe}) from the desk? Its journaled "
            "trades stay in the history.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = box.button(QMessageBox.StandardButton.Yes)
        assert yes is not None  # a standard button asked for in the constructor
        yes.clicked.connect(lambda: self.command.emit(RemoveModelCommand(model_id=summary.model_id)))
        box.finished.connect(lambda _: setattr(self, "message_box", None))
        self.message_box = box
        box.open()
        return box

    def _warn(self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> QMessageBox:
        # Window-modal and non-blocking: the table keeps updating behind the message.
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _: setattr(self, "message_box", None))
        self.message_box = box
        box.open()
        return box
