"""The application icon: the SVG in resources/icons when it can be loaded, else one drawn at runtime."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from app.resources import resource_path

APP_ICON_FILE = resource_path("icons", "app.svg")
_DRAWN_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon(path: Path = APP_ICON_FILE) -> QIcon:
    """The icon for windows and the tray; never null, even without the file or Qt's SVG plugin."""
    if path.is_file():
        icon = QIcon(str(path))
        # QIcon(path) is lazy and non-null for any existing file; only rendering shows it can be drawn.
        if not icon.pixmap(32, 32).isNull():
            return icon
    return drawn_icon()


def drawn_icon() -> QIcon:
    """A blue circle with "M5" in white, drawn at the usual icon sizes."""
    icon = QIcon()
    for size in _DRAWN_SIZES:
        icon.addPixmap(_drawn_pixmap(size))
    return icon


def _drawn_pixmap(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#0a58ca"))
        painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, int(size * 0.42)))
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "M5")
    finally:
        painter.end()
    return pixmap
