"""What a toast says about an event: one wording for the tray, the in-window toasts and phone alerts.

Pure functions of the event (and, for the link, of the previous state), so the texts are tested exactly
and every place that tells the trader something says it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import AutoTradeExecuted, Event, Notice, StatusUpdate, TradeError
from app.core.models import DISCONNECTED_ON_REQUEST, TerminalStatus
from app.core.number_format import format_price, format_volume

AUTO_TRADE_MS = 8000
TRADE_ERROR_MS = 6000
CONNECTION_MS = 6000
NOTICE_MS = 6000

AUTO_TRADE_TITLE = "🤖 Auto-Trade Executed"
TRADE_ERROR_TITLE = "Trade Execution Error"
CONNECTION_LOST_TITLE = "Connection to MetaTrader 5 lost"
CONNECTION_RESTORED_TITLE = "Connection restored"
DISCONNECTED_TITLE = "Disconnected from MetaTrader 5"

UP_STATES = (ConnectionState.CONNECTED, ConnectionState.STALE)
DOWN_STATES = (ConnectionState.DISCONNECTED, ConnectionState.RECONNECTING)


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
        f"@ {format_price(event.entry_price, event.digits)} · confidence {event.confidence:.0%}"
    )
    return Toast(AUTO_TRADE_TITLE, text, ToastIcon.INFO, AUTO_TRADE_MS, ToastKind.AUTO_TRADE)


def trade_error_toast(event: TradeError) -> Toast:
    """A failed order for 6 s, e.g. "BUY EURUSD: Not enough money (code 10019)"."""
    code = f" (code {event.code})" if event.code is not None else ""
    text = f"{event.order_type} {event.symbol}: {event.error}{code}"
    return Toast(TRADE_ERROR_TITLE, text, ToastIcon.CRITICAL, TRADE_ERROR_MS, ToastKind.TRADE_ERROR)


def notice_toast(event: Notice) -> Toast | None:
    """Error notices only; the host's own "connection lost" notice counts as a connection toast."""
    if event.level is not NoticeLevel.ERROR:
        return None
    kind = ToastKind.CONNECTION if event.title == CONNECTION_LOST_TITLE else ToastKind.NOTICE
    return Toast(event.title, event.text, ToastIcon.CRITICAL, NOTICE_MS, kind)


def connection_toast(previous: ConnectionState | None, status: TerminalStatus) -> Toast | None:
    """Lost (up -> down), disconnected as the trader asked, or restored (down -> connected); None while
    `previous` is unknown.

    The Notifier passes None until the first connect, so starting up never toasts.
    """
    if (
        previous in UP_STATES
        and status.state is ConnectionState.DISCONNECTED
        and status.message == DISCONNECTED_ON_REQUEST
    ):
        text = (
            "Disconnected on request: the desk stops asking MetaTrader 5 until you connect again (Desk → "
            "Connect). Open positions stay with the broker; figures on screen are not updated meanwhile."
        )
        return Toast(DISCONNECTED_TITLE, text, ToastIcon.INFO, CONNECTION_MS, ToastKind.CONNECTION)
    if previous in UP_STATES and status.state in DOWN_STATES:
        reason = sentence(status.message or "MetaTrader 5 stopped answering")
        text = f"{reason} The desk reconnects by itself; figures on screen may be out of date until then."
        return Toast(CONNECTION_LOST_TITLE, text, ToastIcon.CRITICAL, CONNECTION_MS, ToastKind.CONNECTION)
    if previous in DOWN_STATES and status.state is ConnectionState.CONNECTED:
        text = "MetaTrader 5 answers again; positions and account are live."
        return Toast(CONNECTION_RESTORED_TITLE, text, ToastIcon.INFO, CONNECTION_MS, ToastKind.CONNECTION)
    return None


def sentence(text: str) -> str:
    """`text` ending as a sentence, so the next one can follow it: "IPC timeout" -> "IPC timeout."."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else f"{text}."


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
    return None
