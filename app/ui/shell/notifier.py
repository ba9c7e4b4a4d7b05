"""Notifier: turns hub events into toasts (system tray, or an in-window stack when there is no tray).

What a toast says is decided by the pure functions of `app.core.toast_text` (shared with the phone
alerts), so the texts are tested exactly; where it appears is a `ToastSink`. Mutes come from
`NotificationSettings`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Protocol

from PyQt6.QtCore import QEvent, QObject, QRect, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QFont, QFontDatabase, QFontMetrics, QMouseEvent
from PyQt6.QtWidgets import QFrame, QLabel, QMainWindow, QSystemTrayIcon, QVBoxLayout, QWidget

from app.core.account_directory import AccountDirectory
from app.core.enums import ConnectionState
from app.core.events import Event, Snapshot, StatusUpdate
from app.core.models import TerminalStatus
from app.core.settings import NotificationSettings
from app.core.toast_text import (
    CONNECTION_LOST_TITLE,
    Toast,
    ToastIcon,
    ToastKind,
    connection_toast,
    toast_for,
)
from app.engine.hub import EventHub


def is_muted(toast: Toast, settings: NotificationSettings) -> bool:
    """Whether the trader turned this kind of toast off (error notices cannot be muted)."""
    if toast.kind is ToastKind.AUTO_TRADE:
        return not settings.auto_trade
    if toast.kind is ToastKind.TRADE_ERROR:
        return not settings.trade_error
    if toast.kind is ToastKind.CONNECTION:
        return not settings.connection
    return False


class ToastSink(Protocol):
    """Somewhere a toast can be shown."""

    def show_toast(self, toast: Toast) -> None: ...


_TRAY_ICONS: dict[ToastIcon, QSystemTrayIcon.MessageIcon] = {
    ToastIcon.INFO: QSystemTrayIcon.MessageIcon.Information,
    ToastIcon.WARNING: QSystemTrayIcon.MessageIcon.Warning,
    ToastIcon.CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
}


class TraySink:
    """Shows toasts as the system tray's balloon messages."""

    def __init__(self, tray: QSystemTrayIcon) -> None:
        self._tray = tray

    @property
    def tray(self) -> QSystemTrayIcon:
        return self._tray

    def show_toast(self, toast: Toast) -> None:
        self._tray.showMessage(toast.title, toast.text, _TRAY_ICONS[toast.icon], toast.duration_ms)


MAX_VISIBLE_TOASTS = 4
_TOAST_WIDTH = 340
_MARGIN = 12
_SPACING = 8
_STRIPE_COLOURS = {ToastIcon.INFO: "#0969da", ToastIcon.WARNING: "#d4a017", ToastIcon.CRITICAL: "#cf222e"}


class ToastWidget(QFrame):
    """One frameless toast inside the window: closes after its duration or when clicked."""

    dismissed = pyqtSignal(object)  # the ToastWidget itself

    def __init__(self, toast: Toast, parent: QWidget) -> None:
        super().__init__(parent)
        self.toast = toast
        self.setObjectName("toast")
        self.setStyleSheet(
            "#toast { background: palette(base); border: 1px solid palette(mid); border-radius: 4px;"
            f" border-left: 5px solid {_STRIPE_COLOURS[toast.icon]}; }}"
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to dismiss")
        title = QLabel(f"<b>{_escaped(drawable(toast.title, self.font()))}</b>", self)
        text = QLabel(toast.text, self)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.addWidget(title)
        layout.addWidget(text)
        # Wrapped text needs its height computed for the final width, or lines overlap or gap.
        self.setFixedSize(_TOAST_WIDTH, layout.totalHeightForWidth(_TOAST_WIDTH))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._timer.start(toast.duration_ms)
        self._closed = False

    def dismiss(self) -> None:
        """Hide now and tell the stack; the widget is deleted later by Qt."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self.hide()
        self.dismissed.emit(self)
        self.deleteLater()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        self.dismiss()


# Where Qt finds colour emoji when the UI font has none (Windows, macOS, most Linux desktops).
_EMOJI_FAMILIES = ("Segoe UI Emoji", "Apple Color Emoji", "Noto Color Emoji", "Twemoji", "Symbola")


def drawable(text: str, font: QFont) -> str:
    """`text` without the emoji no installed font can draw (a bare Linux box drew "🤖" as an empty box)."""
    kept = "".join(ch for ch in text if ord(ch) < 0x2000 or _can_draw(ord(ch), font.family()))
    return kept.strip()


@cache
def _can_draw(code_point: int, family: str) -> bool:
    installed = set(QFontDatabase.families())
    families = (family, *(name for name in _EMOJI_FAMILIES if name in installed))
    return any(QFontMetrics(QFont(name)).inFontUcs4(code_point) for name in families)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ToastArea = Callable[[], QRect]
"""Where in-window toasts may go, in the window's coordinates."""


class InWindowToasts(QObject):
    """A stack of toasts in the bottom-left corner of `area` (the central widget unless given): the newest
    nearest the corner, older ones above it; at most four, and only as many as the area holds.

    The main window gives the chart panel: over its oldest stretch of curve a toast hides nothing the
    trader reads at a glance, where the top-right corner covered the account's figures.
    """

    def __init__(
        self, window: QWidget, max_visible: int = MAX_VISIBLE_TOASTS, area: ToastArea | None = None
    ) -> None:
        super().__init__(window)
        self._window = window
        self._max_visible = max_visible
        self._given_area = area
        self._widgets: list[ToastWidget] = []  # newest first
        window.installEventFilter(self)

    def show_toast(self, toast: Toast) -> None:
        widget = ToastWidget(toast, self._window)
        widget.dismissed.connect(self._forget)
        self._widgets.insert(0, widget)
        for oldest in self._widgets[self._max_visible :]:
            oldest.dismiss()
        widget.show()
        widget.raise_()
        self._place()

    def widgets(self) -> list[ToastWidget]:
        """The toasts on screen, newest first."""
        return list(self._widgets)

    def visible_toasts(self) -> list[Toast]:
        """What is on screen, newest first."""
        return [widget.toast for widget in self._widgets]

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if watched is self._window and event is not None and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _forget(self, widget: ToastWidget) -> None:
        if widget in self._widgets:
            self._widgets.remove(widget)
            self._place()

    def _place(self) -> None:
        area = self._area()
        bottom = area.bottom() - _MARGIN
        overflow: list[ToastWidget] = []
        for index, widget in enumerate(self._widgets):
            top = bottom - widget.height() + 1
            if index and top < area.top() + _MARGIN:
                overflow = self._widgets[index:]  # no room above: older toasts go rather than cover more
                break
            widget.move(area.left() + _MARGIN, top)
            bottom = top - _SPACING - 1
        for widget in overflow:
            widget.dismiss()

    def _area(self) -> QRect:
        if self._given_area is not None:
            given = self._given_area()
            if given.isValid() and given.height() > 0:
                return given
        # In a main window, keep clear of the menu and tool bars: use the central widget's corner.
        if isinstance(self._window, QMainWindow):
            central = self._window.centralWidget()
            if central is not None:
                return central.geometry()
        return self._window.rect()


def choose_sink(
    window: QWidget,
    tray: QSystemTrayIcon | None = None,
    *,
    tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
    area: ToastArea | None = None,
) -> ToastSink:
    """The tray when there is one and it is usable, else a toast stack in `area` of `window`."""
    if tray is not None and tray_available():
        return TraySink(tray)
    return InWindowToasts(window, area=area)


class Notifier(QObject):
    """Listens to the hub, builds toasts, drops muted ones, shows the rest and emits `notified`.

    Connection toasts start only after an account's first connect, and a connection toast repeating the
    previous one of the same account (the host's "lost" notice right after the lost status) is shown once.
    Each account's link is followed on its own; with several accounts a toast's title names its account.
    """

    notified = pyqtSignal(object)  # Toast

    def __init__(
        self,
        sink: ToastSink,
        settings: NotificationSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sink = sink
        self._settings = settings or NotificationSettings()
        self._accounts = AccountDirectory()
        self._link: dict[str, ConnectionState] = {}  # an account appears at its first connect
        self._last_connection_title: dict[str, str] = {}
        self._disconnect_asked: set[str] = set()

    @classmethod
    def for_window(
        cls,
        window: QWidget,
        tray: QSystemTrayIcon | None = None,
        settings: NotificationSettings | None = None,
        area: ToastArea | None = None,
    ) -> Notifier:
        """A notifier showing toasts in the tray if there is one, else in `area` of `window`."""
        return cls(choose_sink(window, tray, area=area), settings, parent=window)

    @property
    def sink(self) -> ToastSink:
        return self._sink

    @property
    def settings(self) -> NotificationSettings:
        return self._settings

    def set_settings(self, settings: NotificationSettings) -> None:
        """Apply the trader's notification choices from now on."""
        self._settings = settings

    def expect_disconnect(self, account_id: str | None = None) -> None:
        """The trader asked to disconnect (one account, or every account with None): the link going down
        next is no loss to warn about."""
        self._disconnect_asked |= set(self._link) if account_id is None else {account_id}

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's events that can raise a toast (and the accounts list, to name them)."""
        for signal in (hub.auto_trade_executed, hub.trade_error, hub.notice, hub.status_update, hub.snapshot):
            signal.connect(self.apply)
        hub.accounts_update.connect(self._accounts.apply)

    def apply(self, event: Event) -> Toast | None:
        """Handle one event; returns the toast shown, or None (no toast, or muted)."""
        self._accounts.apply(event)
        if isinstance(event, Snapshot):
            shown = None
            for view in event.accounts:
                shown = self._status(view.account_id, view.status) or shown
            return shown
        if isinstance(event, StatusUpdate):
            return self._status(event.account_id, event.status)
        return self._show(event.account_id, toast_for(event))

    def _status(self, account_id: str, status: TerminalStatus) -> Toast | None:
        previous = self._link.get(account_id)
        toast = connection_toast(previous, status)
        state = status.state
        if (
            account_id in self._disconnect_asked
            and state is ConnectionState.DISCONNECTED
            and toast is not None
        ):
            # As asked: "lost, reconnecting by itself" would be wrong on both counts.
            self._disconnect_asked.discard(account_id)
            toast = None
            self._last_connection_title[account_id] = CONNECTION_LOST_TITLE
        elif state is ConnectionState.CONNECTED:
            self._disconnect_asked.discard(account_id)
        if previous is not None or state is ConnectionState.CONNECTED:
            self._link[account_id] = state
        return self._show(account_id, toast)

    def _show(self, account_id: str, toast: Toast | None) -> Toast | None:
        if toast is None:
            return None
        if toast.kind is ToastKind.CONNECTION:
            if toast.title == self._last_connection_title.get(account_id):
                return None
            self._last_connection_title[account_id] = toast.title
        if is_muted(toast, self._settings):
            return None
        toast = replace(toast, title=self._accounts.prefixed(account_id, toast.title))
        self._sink.show_toast(toast)
        self.notified.emit(toast)
        return toast
