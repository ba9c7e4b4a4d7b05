"""Where a table's CSV goes and what the trader reads when it cannot be written: one way for every list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFileDialog, QMessageBox, QWidget


def ask_csv_path(parent: QWidget, what: str, folder: str, name: str) -> Path | None:
    """A save dialog proposing `<folder>/<name>-<today>.csv`; None when cancelled."""
    proposed = Path(folder) / f"{name}-{date.today():%Y-%m-%d}.csv"
    dialog = QFileDialog(parent, f"Export {what}", str(proposed))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters(["CSV files (*.csv)", "All files (*)"])
    dialog.setDefaultSuffix("csv")
    try:
        if not dialog.exec() or not dialog.selectedFiles():
            return None
        return Path(dialog.selectedFiles()[0])
    finally:
        dialog.deleteLater()


def show_csv_error(parent: QWidget, what: str, path: Path, error: OSError) -> QMessageBox:
    """Say why the file could not be written and what to do; window-modal, so the tables keep updating."""
    reason = error.strerror or str(error)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Export failed",
        f"The {what} could not be saved to {path}: {reason}.",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setInformativeText(
        "Nothing was written and any file already there is unchanged. Choose another file name, "
        "in a folder you can write to (for example your Documents folder), and export again."
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
