"""TrayController: the system tray icon and its menu (show/hide, pause auto-trading, quit)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, QSignalBlocker, pyqtSignal
from PyQt6.QtGui import QAction, QIcon
from PyQt6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.ui.shell.icons import app_icon

TOOLTIP = "MT5 Desk"


class TrayController(QObject):
    """Builds the tray icon for `window`; double-click toggles the window.

    `pause_auto_trading(bool)` is emitted when the trader ticks or unticks "Pause auto-trading";
    `quit_requested` when they choose Quit, so the window can shut the desk down in order.
    """

    pause_auto_trading = pyqtSignal(bool)
    quit_requested = pyqtSignal()

    def __init__(
        self,
        window: QWidget,
        *,
        close_to_tray: bool = False,
        icon: QIcon | None = None,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._close_to_tray = close_to_tray
        self._tray_available = tray_available
        self._tray = QSystemTrayIcon(self)
        self._tray.setIcon(icon if icon is not None else app_icon())
        self._tray.setToolTip(TOOLTIP)

        self._menu = QMenu(window)
        self.show_hide_action = QAction("Hide window", self._menu)
        self.show_hide_action.triggered.connect(self.toggle_window)
        self.pause_action = QAction("Pause auto-trading", self._menu)
        self.pause_action.setCheckable(True)
        self.pause_action.setToolTip("Models stop opening new trades; open positions are kept")
        self.pause_action.toggled.connect(self.pause_auto_trading)
        self.quit_action = QAction("Quit", self._menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self._menu.addAction(self.show_hide_action)
        self._menu.addAction(self.pause_action)
        self._menu.addSeparator()
        self._menu.addAction(self.quit_action)
        # Labelled when the menu opens, so it is right however the window was shown or hidden.
        self._menu.aboutToShow.connect(self._label_show_hide)
        self._tray.setContextMenu(self._menu)
        self._tray.activated.connect(self._on_activated)
        self._label_show_hide()

    @property
    def tray_icon(self) -> QSystemTrayIcon:
        return self._tray

    @property
    def menu(self) -> QMenu:
        return self._menu

    def show(self) -> bool:
        """Put the icon in the tray; False when the desktop has no tray."""
        if not self._tray_available():
            return False
        self._tray.show()
        return True

    def set_close_to_tray(self, enabled: bool) -> None:
        self._close_to_tray = enabled

    def should_hide_on_close(self) -> bool:
        """Whether closing the window should only hide it: asked for, and a tray icon to come back from."""
        return self._close_to_tray and self._tray_available() and self._tray.isVisible()

    def set_auto_trading_paused(self, paused: bool) -> None:
        """Show the pause state decided elsewhere (toolbar switch) without re-emitting it."""
        with QSignalBlocker(self.pause_action):
            self.pause_action.setChecked(paused)

    def toggle_window(self) -> None:
        """Hide a visible window; show, restore and raise a hidden or minimised one."""
        window = self._window
        if window.isVisible() and not window.isMinimized():
            window.hide()
        else:
            window.showNormal()
            window.raise_()
            window.activateWindow()
        self._label_show_hide()

    def _label_show_hide(self) -> None:
        shown = self._window.isVisible() and not self._window.isMinimized()
        self.show_hide_action.setText("Hide window" if shown else "Show window")

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.DoubleClick:
            self.toggle_window()
