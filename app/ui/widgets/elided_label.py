"""A one-line label that gives up its width first and ends in "…" when cut, instead of being clipped
mid-word; `text()` stays the whole text (tooltips and tests read it)."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A label that shrinks first and shows "…" where its text is cut; never narrower than `at_least`."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, at_least: str = "") -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        if at_least:
            self.setMinimumWidth(self.fontMetrics().horizontalAdvance(at_least) + 8)

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            painter.setPen(self.palette().color(self.foregroundRole()))
            shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
            painter.drawText(self.rect(), int(self.alignment()), shown)
        finally:
            painter.end()
