"""ConnectionIndicator: the status bar's light and line saying how the link to MetaTrader 5 is doing.

Fed only by events (STATUS_UPDATE, ACCOUNT_UPDATE, SNAPSHOT, ACCOUNTS_UPDATE); the "heartbeat N s ago" part
is recomputed from the last heartbeat time on every tick of the window's repaint timer (`attach`), never by
asking the terminal, and the label is touched only when the text changes (once a second).

A desk of several accounts gets one light per account, in the strip's order, each with that account's
details in its tooltip, and a line naming the accounts that are not connected ("2 of 3 connected · FTMO:
Disconnected 3 min ago"): a worst-of light would hide which account needs the trader.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QPainter, QPaintEvent
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from app.core.account_directory import AccountFocus
from app.core.account_lines import AccountLine, AccountLines
from app.core.enums import AccountTradeMode, ConnectionState
from app.core.events import AccountsUpdate, AccountUpdate, Event, Snapshot, StatusUpdate
from app.core.models import Account, TerminalStatus
from app.engine.hub import EventHub
from app.ui.widgets.elided_label import ElidedLabel
from app.ui.widgets.window_timer import WindowTimer

SEPARATOR = " · "
SIMULATED_BADGE = "Demo (simulated terminal)"
ALGO_OFF_TEXT = "Algo Trading is off in MetaTrader 5 — automatic and Python orders are refused"

STATE_COLOURS: dict[ConnectionState, QColor] = {
    ConnectionState.CONNECTED: QColor("#2da44e"),
    ConnectionState.STALE: QColor("#d4a017"),
    ConnectionState.DISCONNECTED: QColor("#cf222e"),
    ConnectionState.RECONNECTING: QColor("#0969da"),
}
STATE_LABELS: dict[ConnectionState, str] = {
    ConnectionState.CONNECTED: "Connected",
    ConnectionState.STALE: "Not answering",
    ConnectionState.DISCONNECTED: "Disconnected",
    ConnectionState.RECONNECTING: "Reconnecting",
}
ACCOUNT_TYPE_LABELS: dict[AccountTradeMode, str] = {
    AccountTradeMode.DEMO: "Demo account",
    AccountTradeMode.CONTEST: "Contest account",
    AccountTradeMode.REAL: "REAL account",
}
REAL_ACCOUNT_COLOUR = QColor("#bc4c00")  # orange: real money is at stake, without reading as an error
_LINK_UP = (ConnectionState.CONNECTED, ConnectionState.STALE)


def heartbeat_age_text(last_heartbeat: datetime, now: datetime) -> str:
    """How long ago the last heartbeat was: "4 s ago", "3 min ago", "2 h ago"."""
    seconds = max(0, int((now - last_heartbeat).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def status_text(status: TerminalStatus, now: datetime, viewer_host: str | None = None) -> str:
    """The indicator's line, e.g. "Connected · 5012345 @ MT5Desk-Demo · ping 23 ms · heartbeat 4 s ago".

    In viewer mode it starts with the remote desk being watched: "Viewing host:port · connected · ...".
    While the link is down the last message says why.
    """
    label = STATE_LABELS[status.state]
    parts = [f"Viewing {viewer_host}", label.lower()] if viewer_host is not None else [label]
    if status.account_number is not None:
        login = str(status.account_number)
        parts.append(f"{login} @ {status.server}" if status.server else login)
    if status.state in _LINK_UP and status.ping_ms is not None:
        parts.append(f"ping {status.ping_ms:.0f} ms")
    if status.last_heartbeat is not None:
        parts.append(f"heartbeat {heartbeat_age_text(status.last_heartbeat, now)}")
    if status.state not in _LINK_UP and status.message:
        parts.append(status.message)
    return SEPARATOR.join(parts)


def status_tooltip(status: TerminalStatus, account: Account | None) -> str:
    """Details for the hover: terminal build and path, Algo Trading, server, last message."""
    lines = [
        f"State: {status.state.value}" + (" (simulated terminal)" if status.simulated else ""),
        f"Terminal build: {status.build if status.build is not None else 'unknown'}",
        f"Terminal path: {status.path or 'unknown'}",
        f"Algo Trading allowed: {'yes' if status.trade_allowed else 'no'}",
        f"Server: {status.server or (account.server if account else '') or 'unknown'}",
    ]
    if account is not None:
        lines.append(f"Account: {account.login} ({account.trade_mode.value}), {account.company}")
    if status.last_heartbeat is not None:
        lines.append(f"Last heartbeat: {status.last_heartbeat.astimezone().strftime('%Y-%m-%d %H:%M:%S')}")
    lines.append(f"Last message: {status.message or '(none)'}")
    return "\n".join(lines)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def account_state_text(line: AccountLine, now: datetime) -> str:
    """One account's state with how long it has been so when not connected: "Disconnected 3 min ago"."""
    if not line.enabled:
        return "Switched off"
    label = STATE_LABELS[line.status.state]
    if line.connected or line.down_since is None:
        return label
    return f"{label} {heartbeat_age_text(line.down_since, now)}"


def several_text(lines: tuple[AccountLine, ...], now: datetime, viewer_host: str | None = None) -> str:
    """The line of a desk of several accounts: how many are connected, then each one that is not."""
    enabled = [line for line in lines if line.enabled]
    up = [line for line in enabled if line.connected]
    if enabled and len(up) == len(enabled):
        head = f"All {len(enabled)} accounts connected" if len(enabled) > 1 else "Connected"
    else:
        head = f"{len(up)} of {len(enabled)} accounts connected"
    parts = [f"Viewing {viewer_host}", head] if viewer_host is not None else [head]
    parts += [f"{line.label}: {account_state_text(line, now)}" for line in enabled if not line.connected]
    return SEPARATOR.join(parts)


class StatusLight(QWidget):
    """A round light in one colour."""

    DIAMETER = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour = STATE_COLOURS[ConnectionState.DISCONNECTED]
        self.setFixedSize(self.sizeHint())

    def colour(self) -> QColor:
        return QColor(self._colour)

    def set_colour(self, colour: QColor) -> None:
        if colour != self._colour:
            self._colour = QColor(colour)
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.DIAMETER + 4, self.DIAMETER + 4)

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(self._colour.darker(140))
            painter.setBrush(self._colour)
            painter.drawEllipse(QRectF(2, 2, self.DIAMETER, self.DIAMETER))
        finally:
            painter.end()


class ConnectionIndicator(QWidget):
    """Status-bar widget: light + text, simulated badge, account type, and the Algo Trading warning.

    `now` is injectable so tests can fix the clock the heartbeat age is measured against.
    `viewer_host` switches the text to describe the link to a remote desk.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
        viewer_host: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._viewer_host = viewer_host
        self._status = TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)
        self._account: Account | None = None
        self.focus = AccountFocus()  # the account shown while the desk has one
        self.lines = AccountLines()  # every account, for the lights of a desk of several
        self._account_lights: dict[str, StatusLight] = {}

        self._light = StatusLight(self)
        self._lights = QHBoxLayout()
        self._lights.setContentsMargins(0, 0, 0, 0)
        self._lights.setSpacing(2)
        self._text = QLabel(self)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        # The state line is what the trader reads first: the other labels give way before it is clipped.
        self._text.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self._simulated = QLabel(SIMULATED_BADGE, self)
        self._simulated.setStyleSheet(
            "QLabel { background: #6f42c1; color: white; border-radius: 3px; padding: 0 6px; }"
        )
        self._simulated.setToolTip(
            "No MetaTrader 5 terminal is used: prices and fills come from the built-in simulator"
        )
        self._account_type = QLabel(self)
        self._algo_off = ElidedLabel(ALGO_OFF_TEXT, self, at_least="Algo Trading is off…")
        self._algo_off.setStyleSheet("QLabel { color: #cf222e; font-weight: bold; }")
        self._algo_off.setToolTip(
            "Press the 'Algo Trading' button in the MetaTrader 5 toolbar (or allow it under "
            "Tools > Options > Expert Advisors) so the desk can send orders"
        )

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(8)
        for widget in (self._simulated, self._account_type):
            widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        layout.addWidget(self._light)
        layout.addLayout(self._lights)
        shown: tuple[QWidget, ...] = (self._text, self._simulated, self._account_type)
        for part in shown:
            layout.addWidget(part)
        layout.addWidget(self._algo_off, 1)

        self._render()

    # --- feeding -------------------------------------------------------------------------------------

    def attach(self, timer: WindowTimer) -> None:
        """Renew the ages from the window's repaint timer (a tick costs a few string operations; the label
        repaints only when its text changes)."""
        timer.add(self.refresh)

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's account list, status, account and snapshot events."""
        hub.accounts_update.connect(self.apply)
        hub.status_update.connect(self.apply)
        hub.account_update.connect(self.apply)
        hub.snapshot.connect(self.apply)

    def apply(self, event: Event) -> None:
        """Take in one event; anything other than status, account, accounts or snapshot is ignored."""
        changed = self.lines.apply(event)
        if isinstance(event, AccountsUpdate):
            self.focus.shows(event)
            self._render()
            return
        if isinstance(event, Snapshot):
            view = self.focus.view(event)
            if view is not None:
                self._status, self._account = view.status, view.account
        elif not self.focus.shows(event):
            if changed and self.lines.several:
                self._render()
            return
        elif isinstance(event, StatusUpdate):
            self._status = event.status
        elif isinstance(event, AccountUpdate):
            self._account = event.account
        else:
            return
        self._render()

    def refresh(self) -> None:
        """Recompute the time-dependent text (the heartbeat age); called on each tick of the window timer."""
        if self.lines.several:
            text = several_text(self.lines.lines, self._now(), self._viewer_host)
        else:
            text = status_text(self._status, self._now(), self._viewer_host)
        if text != self._text.text():
            self._text.setText(text)

    # --- reading (for the window and tests) ------------------------------------------------------------

    @property
    def viewer_mode(self) -> bool:
        return self._viewer_host is not None

    def set_viewer_host(self, host: str | None) -> None:
        """Describe the link to the remote desk at `host` (None: this desk's own terminal)."""
        self._viewer_host = host
        self._render()

    def status(self) -> TerminalStatus:
        return self._status

    def light_colour(self) -> QColor:
        return self._light.colour()

    def text(self) -> str:
        return self._text.text()

    def account_type_text(self) -> str:
        return self._account_type.text()

    def account_type_colour(self) -> QColor | None:
        """The warning colour for a real account, None (palette text) otherwise."""
        if self._account is not None and self._account.trade_mode is AccountTradeMode.REAL:
            return QColor(REAL_ACCOUNT_COLOUR)
        return None

    def simulated_badge_shown(self) -> bool:
        return not self._simulated.isHidden()

    def algo_off_shown(self) -> bool:
        return not self._algo_off.isHidden()

    # --- drawing ----------------------------------------------------------------------------------

    def account_light_colours(self) -> dict[str, QColor]:
        """Each account's light (a desk of several accounts), by account id, in the strip's order."""
        return {account_id: light.colour() for account_id, light in self._account_lights.items()}

    def account_light_tooltip(self, account_id: str) -> str:
        return self._account_lights[account_id].toolTip()

    def _render(self) -> None:
        if self.lines.several:
            self._render_several()
            return
        self._light.show()
        self._show_lights(())
        self._simulated.setText(SIMULATED_BADGE)
        self._algo_off.setText(ALGO_OFF_TEXT)
        status = self._status
        self._light.set_colour(STATE_COLOURS[status.state])
        self.refresh()
        self._simulated.setHidden(not status.simulated)
        self._algo_off.setHidden(status.state not in _LINK_UP or status.trade_allowed)
        self._render_account_type()
        tooltip = status_tooltip(status, self._account)
        self.setToolTip(tooltip)
        self._text.setToolTip(tooltip)
        self._light.setToolTip(tooltip)

    def _render_account_type(self) -> None:
        if self._account is None:
            self._account_type.setText("")
            self._account_type.hide()
            return
        self._account_type.setText(ACCOUNT_TYPE_LABELS[self._account.trade_mode])
        colour = self.account_type_colour()
        self._account_type.setStyleSheet(
            f"QLabel {{ color: {colour.name()}; font-weight: bold; }}" if colour is not None else ""
        )
        self._account_type.show()

    # --- several accounts -------------------------------------------------------------------------

    def _show_lights(self, lines: tuple[AccountLine, ...]) -> None:
        wanted = [line.account_id for line in lines]
        if list(self._account_lights) != wanted:
            for light in self._account_lights.values():
                self._lights.removeWidget(light)
                light.deleteLater()
            self._account_lights = {account_id: StatusLight(self) for account_id in wanted}
            for light in self._account_lights.values():
                self._lights.addWidget(light)
        now = self._now()
        for line in lines:
            light = self._account_lights[line.account_id]
            colour = STATE_COLOURS[line.status.state] if line.enabled else QColor("#8c959f")
            light.set_colour(colour)
            head = f"{line.label}: {account_state_text(line, now)}"
            details = status_tooltip(line.status, line.account) if line.enabled else "No terminal host runs."
            light.setToolTip(f"{head}\n{details}")

    def _render_several(self) -> None:
        lines = self.lines.lines
        enabled = [line for line in lines if line.enabled]
        self._light.hide()
        self._show_lights(lines)
        self.refresh()
        simulated = [line.label for line in enabled if line.status.simulated]
        self._simulated.setHidden(not simulated)
        self._simulated.setText(
            SIMULATED_BADGE if len(simulated) == len(enabled) else f"Simulated: {', '.join(simulated)}"
        )
        algo_off = [
            line.label for line in enabled if line.status.state in _LINK_UP and not line.status.trade_allowed
        ]
        self._algo_off.setHidden(not algo_off)
        self._algo_off.setText(
            ALGO_OFF_TEXT.replace("in MetaTrader 5", f"in MetaTrader 5 for {', '.join(algo_off)}")
        )
        real = [
            line.label
            for line in enabled
            if line.account is not None and line.account.trade_mode is AccountTradeMode.REAL
        ]
        self._account_type.setText(f"REAL: {', '.join(real)}" if real else "No real-money account")
        self._account_type.setStyleSheet(
            f"QLabel {{ color: {REAL_ACCOUNT_COLOUR.name()}; font-weight: bold; }}" if real else ""
        )
        self._account_type.show()
        now = self._now()
        tooltip = "\n".join(f"{line.label}: {account_state_text(line, now)}" for line in lines)
        self.setToolTip(tooltip)
        self._text.setToolTip(tooltip)
