"""The alerts' own wording, where no toast says it: the link down for a while, an unclean stop, the
account line, the test alert. Times are the desk's local clock, as the trader reads it."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from enum import StrEnum

from app.alerts.rules import Alert, AlertKind, AlertLevel
from app.core.number_format import masked_login
from app.core.toast_text import CONNECTION_LOST_TITLE, CONNECTION_RESTORED_TITLE

STALE_TITLE = "MetaTrader 5 not answering"
NEVER_CONNECTED_TITLE = "MetaTrader 5 not connected"
UNCLEAN_STOP_TITLE = "MT5 Desk stopped unexpectedly"
TEST_TITLE = "✅ MT5 Desk test alert"


class LinkTrouble(StrEnum):
    """How the link to the terminal is bad."""

    LOST = "lost"  # disconnected or reconnecting
    STALE = "stale"  # connected, but a call has not come back
    NEVER = "never"  # not connected once since the desk started


def clock_time(moment: datetime, now: datetime) -> str:
    """'14:02', or '18 Nov 14:02' when it was another day, in the desk's local time."""
    local, today = moment.astimezone(), now.astimezone()
    return f"{local:%H:%M}" if local.date() == today.date() else f"{local:%d %b %H:%M}"


def duration(span: timedelta) -> str:
    """'45 s', '3 min', '2 h 05 min'."""
    seconds = max(0, round(span.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def account_line(login: int | None, server: str, *, show: bool, simulated: bool) -> str:
    """'Account ••••4567', or the full number and server when the trader chose to show them."""
    if login is None:
        return ""
    line = (
        f"Account {login}" + (f" on {server}" if server else "") if show else f"Account {masked_login(login)}"
    )
    return line + (" (simulated demo terminal)" if simulated else "")


def link_down_alert(trouble: LinkTrouble, since: datetime, now: datetime, reason: str, account: str) -> Alert:
    """The link has been bad since `since`: lost (disconnected, reconnecting), stale, or never up."""
    reason = reason.rstrip(".") + ". " if reason else ""
    if trouble is LinkTrouble.STALE:
        title = STALE_TITLE
        text = (
            f"{reason}No answer since {clock_time(since, now)} ({duration(now - since)}): the terminal is "
            "busy or frozen; the desk keeps watching it."
        )
    elif trouble is LinkTrouble.NEVER:
        title = NEVER_CONNECTED_TITLE
        text = (
            f"{reason}The desk started at {clock_time(since, now)} and has not reached MetaTrader 5 for "
            f"{duration(now - since)}; it keeps trying. Nothing trades until it connects."
        )
    else:
        title = CONNECTION_LOST_TITLE
        text = (
            f"{reason}Down since {clock_time(since, now)} ({duration(now - since)}); the desk keeps "
            "reconnecting by itself. Open positions are still held by the broker."
        )
    return Alert(AlertKind.CONNECTION, title, text, AlertLevel.FAILURE, account, at=now)


def link_back_alert(since: datetime, now: datetime, account: str) -> Alert:
    """The link is up again after a down alert."""
    text = (
        f"MetaTrader 5 answers again after {duration(now - since)} (since {clock_time(since, now)}); "
        "positions and account are live."
    )
    return Alert(AlertKind.CONNECTION, CONNECTION_RESTORED_TITLE, text, AlertLevel.SUCCESS, account, at=now)


def positions_phrase(count: int | None) -> str:
    if count is None:
        return "before it had read the open positions"
    if count == 0:
        return "with no positions open"
    return f"while {count} position{' was' if count == 1 else 's were'} open"


def unclean_stop_alert(last_seen: datetime, open_positions: int | None, now: datetime, account: str) -> Alert:
    """At start: the previous run ended without a clean stop (crash, kill, power cut)."""
    text = (
        f"The desk stopped at {clock_time(last_seen, now)} {positions_phrase(open_positions)}, without "
        "shutting down cleanly (crash, killed or power lost). It is running again now; check the "
        "positions in MetaTrader 5."
    )
    return Alert(AlertKind.UNCLEAN_STOP, UNCLEAN_STOP_TITLE, text, AlertLevel.WARNING, account, at=now)


def test_alert(now: datetime) -> Alert:
    """What 'Send a test alert' sends."""
    text = f"Alerts from MT5 Desk on {socket.gethostname()} arrive here (sent at {clock_time(now, now)})."
    return Alert(AlertKind.TEST, TEST_TITLE, text, AlertLevel.SUCCESS, at=now)
