"""Light/dark theme: follows the system by default, switchable at run time.

Qt's Fusion style draws both schemes from the palette, so every widget (and the trade colours in
columns.py, which read the palette's lightness) follows a switch without restarting.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

from app.core.settings import Theme

_SCHEMES = {Theme.LIGHT: Qt.ColorScheme.Light, Theme.DARK: Qt.ColorScheme.Dark}


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Use Fusion with the chosen scheme; SYSTEM hands the choice back to the platform."""
    app.setStyle("Fusion")
    hints, style = app.styleHints(), app.style()
    assert hints is not None and style is not None  # a QApplication has both once constructed
    if theme is Theme.SYSTEM:
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(_SCHEMES[theme])
    # Some platforms (offscreen, older X11 desktops) ignore the scheme hint: set the palette ourselves.
    app.setPalette(dark_palette() if is_dark(app, theme) else style.standardPalette())


def is_dark(app: QApplication, theme: Theme) -> bool:
    """Whether the effective scheme is dark."""
    if theme is Theme.DARK:
        return True
    if theme is Theme.LIGHT:
        return False
    hints = app.styleHints()
    assert hints is not None  # a QApplication has them once constructed
    return hints.colorScheme() is Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    """A calm dark palette with enough contrast for numbers read all day."""
    palette = QPalette()
    base, window, text = QColor(30, 32, 36), QColor(40, 43, 48), QColor(225, 228, 232)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(36, 39, 44),
        QPalette.ColorRole.ToolTipBase: window,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Highlight: QColor(52, 120, 198),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(96, 165, 250),
        QPalette.ColorRole.PlaceholderText: QColor(140, 145, 150),
    }
    for role, colour in roles.items():
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 124, 130))
    return palette
