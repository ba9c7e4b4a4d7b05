"""The viewer link in Settings: shown on request, copied, or regenerated (old links stop working)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from PyQt6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QWidget


class ViewerAccess(Protocol):
    """What the box needs of the running remote service."""

    @property
    def url(self) -> str | None: ...

    @property
    def token_from_file(self) -> bool: ...

    async def regenerate(self) -> str: ...


class ViewerAccessBox(QWidget):
    """A masked viewer URL with Show, Copy and Regenerate."""

    def __init__(self, access: ViewerAccess | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._access = access
        self.field = QLineEdit()
        self.field.setReadOnly(True)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_button = QPushButton("Show")
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(self._reveal)
        self.copy_button = QPushButton("Copy link")
        self.copy_button.clicked.connect(self._copy)
        self.regenerate_button = QPushButton("Regenerate…")
        self.regenerate_button.clicked.connect(self._confirm_regenerate)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.field, self.show_button, self.copy_button, self.regenerate_button):
            layout.addWidget(widget)
        self._task: asyncio.Future[str] | None = None
        self.refresh()

    def refresh(self) -> None:
        url = self._access.url if self._access is not None else None
        self.field.setText(url or "")
        self.field.setPlaceholderText(
            "" if url else "Remote viewing is off (enable it, save, and restart MT5 Desk)"
        )
        for button in (self.show_button, self.copy_button):
            button.setEnabled(bool(url))
        can_regenerate = bool(url) and self._access is not None and not self._access.token_from_file
        self.regenerate_button.setEnabled(can_regenerate)
        if self._access is not None and self._access.token_from_file:
            self.regenerate_button.setToolTip("The token comes from --token-file: change that file instead")

    def _reveal(self, shown: bool) -> None:
        self.field.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_button.setText("Hide" if shown else "Show")

    def _copy(self) -> None:
        clipboard = QApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.field.text())

    def _confirm_regenerate(self) -> None:
        answer = QMessageBox.question(
            self,
            "Regenerate the viewer token?",
            "Every viewer using the current link is disconnected and must use the new link.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.regenerate()

    def regenerate(self) -> None:
        """Start regenerating; the field shows the new link when the server has restarted."""
        if self._access is None:
            return
        self.regenerate_button.setEnabled(False)
        self._task = asyncio.ensure_future(self._access.regenerate())
        self._task.add_done_callback(self._regenerated)

    def _regenerated(self, task: asyncio.Future[str]) -> None:
        error = task.exception()
        if error is not None:
            QMessageBox.warning(self, "Token not regenerated", str(error))
        self.refresh()
