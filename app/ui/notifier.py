"""Notifier: turns hub events into toasts (system tray, or an in-window stack when there is no tray).

What a toast says is decided by pure functions (`toast_for` and one per event type), so the texts are
tested exactly; where it appears is a `ToastSink`. Mutes come from `NotificationSettings`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from PyQt6.QtCore import QEvent, QObject, QRect, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QFrame, QLabel, QMainWindow, QSystemTrayIcon, QVBoxLayout, QWidget

from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import AutoTradeExecuted, Event, Notice, Snapshot, StatusUpdate, TradeError
from app.core.models import TerminalStatus
from app.core.settings import NotificationSettings
from app.engine.hub import EventHub
from app.ui.columns import format_price, format_volume

AUTO_TRADE_MS = 8000
TRADE_ERROR_MS = 6000
CONNECTION_MS = 6000
NOTICE_MS = 6000

AUTO_TRADE_TITLE = "🤖 Auto-Trade Executed"
TRADE_ERROR_TITLE = "Trade Execution Error"
CONNECTION_LOST_TITLE = "Connection to MetaTrader 5 lost"
CONNECTION_RESTORED_TITLE = "Connection restored"

_UP = (ConnectionState.CONNECTED, ConnectionState.STALE)
_DOWN = (ConnectionState.DISCONNECTED, ConnectionState.RECONNECTING)


class ToastIcon(StrEnum):
    """The icon a toast shows, as the tray knows them."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class ToastKind(StrEnum):
    """What a toast is about; the first three can be muted in the settings."""

    AUTO_TRADE = "auto_trade"
    TRADE_ERROR = "trade_error"
    CONNECTION = "connection"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Toast:
    """One notification: what it says, its icon, how long it stays and what it is about."""

    title: str
    text: str
    icon: ToastIcon
    duration_ms: int
    kind: ToastKind


def auto_trade_toast(event: AutoTradeExecuted) -> Toast:
    """An auto-trade for 8 s, e.g. "Trend M1 · BUY 0.10 EURUSD @ 1.08512 · confidence 72%"."""
    text = (
        f"{event.model_name} · {event.direction.value} {format_volume(event.lot_size)} {event.symbol} "
        f"@ {format_price(event.symbol, event.entry_price)} · confidence {event.confidence:.0%}"
    )
    return Toast(AUTO_TRADE_TITLE, text, ToastIcon.INFO, AUTO_TRADE_MS, ToastKind.AUTO_TRADE)


def trade_error_toast(event: TradeError) -> Toast:
    """A failed order for 6 s, e.g. "BUY EURUSD: Not enough money (code 10019)"."""
    code = f" (code {event.code})" if event.code is not None else ""
    text = f"{event.order_type} {event.symbol}: {event.error}{code}"
    return Toast(TRADE_ERROR_TITLE, text, ToastIcon.CRITICAL, TRADE_ERROR_MS, ToastKind.TRADE_ERROR)


def notice_toast(event: Notice) -> Toast | None:
    """Error notices only; the worker's own "connection lost" notice counts as a connection toast."""
    if event.level is not NoticeLevel.ERROR:
        return None
    kind = ToastKind.CONNECTION if event.title == CONNECTION_LOST_TITLE else ToastKind.NOTICE
    return Toast(event.title, event.text, ToastIcon.CRITICAL, NOTICE_MS, kind)


def connection_toast(previous: ConnectionState | None, status: TerminalStatus) -> Toast | None:
    """Lost (up -> down) or restored (down -> connected); None while `previous` is unknown.

    The Notifier passes None until the first connect, so starting up never toasts.
    """
    if previous in _UP and status.state in _DOWN:
        reason = status.message or "MetaTrader 5 stopped answering."
        text = f"{reason} The desk reconnects by itself; figures on screen may be out of date until then."
        return Toast(CONNECTION_LOST_TITLE, text, ToastIcon.CRITICAL, CONNECTION_MS, ToastKind.CONNECTION)
    if previous in _DOWN and status.state is ConnectionState.CONNECTED:
        text = "MetaTrader 5 answers again; positions and account are live."
        return Toast(CONNECTION_RESTORED_TITLE, text, ToastIcon.INFO, CONNECTION_MS, ToastKind.CONNECTION)
    return None


def toast_for(event: Event, previous_state: ConnectionState | None = None) -> Toast | None:
    """The toast an event deserves, or None; `previous_state` is the link state before a STATUS_UPDATE."""
    if isinstance(event, AutoTradeExecuted):
        return auto_trade_toast(event)
    if isinstance(event, TradeError):
        return trade_error_toast(event)
    if isinstance(event, Notice):
        return notice_toast(event)
    if isinstance(event, StatusUpdate):
        return connection_toast(previous_state, event.status)
    if isinstance(event, Snapshot):
        return connection_toast(previous_state, event.status)
    return None


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
        title = QLabel(f"<b>{_escaped(toast.title)}</b>", self)
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


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class InWindowToasts(QObject):
    """A stack of toasts in the window's top-right corner: newest on top, at most four at a time."""

    def __init__(self, window: QWidget, max_visible: int = MAX_VISIBLE_TOASTS) -> None:
        super().__init__(window)
        self._window = window
        self._max_visible = max_visible
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
        y = area.top() + _MARGIN
        for widget in self._widgets:
            widget.move(max(area.left(), area.right() - widget.width() - _MARGIN), y)
            y += widget.height() + _SPACING

    def _area(self) -> QRect:
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
) -> ToastSink:
    """The tray when there is one and it is usable, else a toast stack in `window`'s corner."""
    if tray is not None and tray_available():
        return TraySink(tray)
    return InWindowToasts(window)


class Notifier(QObject):
    """Listens to the hub, builds toasts, drops muted ones, shows the rest and emits `notified`.

    Connection toasts start only after the first connect, and a connection toast repeating the previous
    one (the worker's "lost" notice right after the lost status) is shown once.
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
        self._link: ConnectionState | None = None  # None until the first connect
        self._last_connection_title = ""
        self._disconnect_asked = False

    @classmethod
    def for_window(
        cls,
        window: QWidget,
        tray: QSystemTrayIcon | None = None,
        settings: NotificationSettings | None = None,
    ) -> Notifier:
        """A notifier showing toasts in the tray if there is one, else in `window`."""
        return cls(choose_sink(window, tray), settings, parent=window)

    @property
    def sink(self) -> ToastSink:
        return self._sink

    @property
    def settings(self) -> NotificationSettings:
        return self._settings

    def set_settings(self, settings: NotificationSettings) -> None:
        """Apply the trader's notification choices from now on."""
        self._settings = settings

    def expect_disconnect(self) -> None:
        """The trader asked to disconnect: the link going down next is no loss to warn about."""
        self._disconnect_asked = True

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's events that can raise a toast."""
        for signal in (hub.auto_trade_executed, hub.trade_error, hub.notice, hub.status_update, hub.snapshot):
            signal.connect(self.apply)

    def apply(self, event: Event) -> Toast | None:
        """Handle one event; returns the toast shown, or None (no toast, or muted)."""
        toast = toast_for(event, self._link)
        if isinstance(event, StatusUpdate | Snapshot):
            state = event.status.state
            if self._disconnect_asked and state is ConnectionState.DISCONNECTED and toast is not None:
                # As asked: "lost, reconnecting by itself" would be wrong on both counts.
                self._disconnect_asked, toast = False, None
                self._last_connection_title = CONNECTION_LOST_TITLE
            elif state is ConnectionState.CONNECTED:
                self._disconnect_asked = False
            self._follow_link(state)
        if toast is None:
            return None
        if toast.kind is ToastKind.CONNECTION:
            if toast.title == self._last_connection_title:
                return None
            self._last_connection_title = toast.title
        if is_muted(toast, self._settings):
            return None
        self._sink.show_toast(toast)
        self.notified.emit(toast)
        return toast

    def _follow_link(self, state: ConnectionState) -> None:
        if self._link is not None or state is ConnectionState.CONNECTED:
            self._link = state
