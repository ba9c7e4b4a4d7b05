"""Which events become alerts, of what kind, and what they say (the toasts' own words).

Risk refusals, model trouble and the kill switch reach the hub as NOTICEs; their titles are the engine's
(`Risk limit: <rule>`, `Model <name> disabled`, `Kill switch`...), matched here exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.core.enums import NoticeLevel
from app.core.events import AutoTradeExecuted, Event, Notice, TradeError, utc_now
from app.core.settings import AlertSettings
from app.core.toast_text import Toast, ToastIcon, auto_trade_toast, trade_error_toast

RISK_LIMIT_PREFIX = "Risk limit: "
DAILY_LOSS_RULE = "Daily loss limit"
KILL_SWITCH_TITLE = "Kill switch"
MODELS_NOT_LOADED_TITLE = "Models not loaded"
# Answers to the trader's own commands at the desk; nothing a phone needs to hear.
_COMMAND_REPLIES = ("Model not found",)


class AlertKind(StrEnum):
    """What an alert is about; each kind but TEST can be switched off in Settings > Alerts."""

    AUTO_TRADE = "auto_trade"
    TRADE_ERROR = "trade_error"
    MODEL_BLOCKED = "model_blocked"
    DAILY_LOSS = "daily_loss"
    KILL_SWITCH = "kill_switch"
    CONNECTION = "connection"
    UNCLEAN_STOP = "unclean_stop"
    TEST = "test"


class AlertLevel(StrEnum):
    """How the channel should present it (Apprise's notify types)."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    FAILURE = "failure"


# Most urgent first: a burst summary lists its kinds in this order.
URGENCY = (
    AlertKind.KILL_SWITCH,
    AlertKind.DAILY_LOSS,
    AlertKind.UNCLEAN_STOP,
    AlertKind.CONNECTION,
    AlertKind.TRADE_ERROR,
    AlertKind.MODEL_BLOCKED,
    AlertKind.AUTO_TRADE,
    AlertKind.TEST,
)


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell the trader: a title, the text, the account it concerns (as it may be shown)."""

    kind: AlertKind
    title: str
    text: str
    level: AlertLevel
    account: str = ""
    at: datetime = field(default_factory=utc_now)

    def body(self) -> str:
        """The message text: what happened, then which account."""
        return f"{self.text}\n{self.account}" if self.account else self.text


_LEVELS = {ToastIcon.INFO: AlertLevel.INFO, ToastIcon.WARNING: AlertLevel.WARNING}


def from_toast(kind: AlertKind, toast: Toast, at: datetime) -> Alert:
    """The alert saying what the toast says."""
    return Alert(kind, toast.title, toast.text, _LEVELS.get(toast.icon, AlertLevel.FAILURE), at=at)


def notice_kind(notice: Notice) -> AlertKind | None:
    """The kind of alert a NOTICE is, or None when it stays in the Event log only."""
    title = notice.title
    if title.startswith(RISK_LIMIT_PREFIX):
        rule = title.removeprefix(RISK_LIMIT_PREFIX)
        return AlertKind.DAILY_LOSS if rule == DAILY_LOSS_RULE else AlertKind.MODEL_BLOCKED
    if title == KILL_SWITCH_TITLE:
        return AlertKind.KILL_SWITCH
    if title == MODELS_NOT_LOADED_TITLE:
        return AlertKind.MODEL_BLOCKED
    if not title.startswith("Model ") or title in _COMMAND_REPLIES or title.endswith(" not registered"):
        return None
    # "Model X disabled" (its file refused) and "Model X" errors (it cannot predict): it no longer trades.
    if title.endswith(" disabled") or notice.level is NoticeLevel.ERROR:
        return AlertKind.MODEL_BLOCKED
    return None


_NOTICE_LEVELS = {
    NoticeLevel.INFO: AlertLevel.INFO,
    NoticeLevel.WARNING: AlertLevel.WARNING,
    NoticeLevel.ERROR: AlertLevel.FAILURE,
}


def alert_for(event: Event) -> Alert | None:
    """The alert an auto-trade, a trade error or a NOTICE deserves, or None.

    Link state is not judged here: whether a lost link deserves an alert depends on how long it stays
    lost, which the LinkWatch measures.
    """
    if isinstance(event, AutoTradeExecuted):
        return from_toast(AlertKind.AUTO_TRADE, auto_trade_toast(event), event.timestamp)
    if isinstance(event, TradeError):
        return from_toast(AlertKind.TRADE_ERROR, trade_error_toast(event), event.timestamp)
    if isinstance(event, Notice):
        kind = notice_kind(event)
        if kind is None:
            return None
        return Alert(kind, event.title, event.text, _NOTICE_LEVELS[event.level], at=event.timestamp)
    return None


def is_wanted(kind: AlertKind, settings: AlertSettings) -> bool:
    """Whether the trader wants this kind sent (the test alert always is)."""
    if kind is AlertKind.TEST:
        return True
    return bool(getattr(settings, kind.value))
