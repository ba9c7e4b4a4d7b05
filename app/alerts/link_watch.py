"""LinkWatch: turns the link's states into "down for longer than N" and "back again" alerts.

A blip shorter than the trader's chosen time sends nothing; a longer one sends one alert when the time
is up, and one more when MetaTrader 5 answers again. Not connecting at all after a start counts too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PyQt6.QtCore import QObject, QTimer, pyqtSlot

from app.alerts.rules import Alert
from app.alerts.texts import LinkTrouble, link_back_alert, link_down_alert
from app.core.enums import ConnectionState
from app.core.models import DISCONNECTED_ON_REQUEST, TerminalStatus


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LinkWatch(QObject):
    """Follows STATUS updates in the owner's thread; `on_alert` gets the alerts to send."""

    def __init__(
        self,
        after_s: int,
        on_alert: Callable[[Alert], None],
        account: Callable[[], str],
        now: Callable[[], datetime] = _utc_now,
        *,
        connect_grace_s: float = 0.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._after_s = after_s
        self._connect_grace_s = connect_grace_s
        self._on_alert = on_alert
        self._account = account
        self._now = now
        self._ever_connected = False
        self._bad_since: datetime | None = None
        self._trouble = LinkTrouble.NEVER
        self._reason = ""
        self._alerted = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._time_is_up)

    def begin(self) -> None:
        """The desk starts: not connected yet, which is worth an alert if it lasts."""
        self._bad_since = self._now()
        self._arm()

    def set_after(self, after_s: int) -> None:
        self._after_s = after_s
        if self._bad_since is not None and not self._alerted:
            self._arm()

    def stop(self) -> None:
        self._timer.stop()

    def follow(self, status: TerminalStatus) -> None:
        """Take one link state in (from a STATUS_UPDATE or a SNAPSHOT)."""
        if status.state is ConnectionState.DISCONNECTED and status.message == DISCONNECTED_ON_REQUEST:
            # The trader asked: nothing is lost and nothing reconnects, so nothing to wake a phone for.
            self._timer.stop()
            self._bad_since, self._alerted = None, False
            return
        if status.state is ConnectionState.CONNECTED:
            if self._alerted and self._bad_since is not None:
                self._on_alert(link_back_alert(self._bad_since, self._now(), self._account()))
            self._ever_connected = True
            self._bad_since, self._alerted, self._reason = None, False, ""
            self._timer.stop()
            return
        if status.state is ConnectionState.STALE:
            self._trouble = LinkTrouble.STALE
        else:
            self._trouble = LinkTrouble.LOST if self._ever_connected else LinkTrouble.NEVER
        self._reason = status.message or self._reason
        if self._bad_since is None:
            self._bad_since = self._now()
            self._arm()

    def _arm(self) -> None:
        elapsed = (self._now() - self._bad_since).total_seconds() if self._bad_since else 0.0
        wait_s = self._after_s if self._ever_connected else max(self._after_s, self._connect_grace_s)
        self._timer.start(max(0, int((wait_s - elapsed) * 1000)))

    @pyqtSlot()
    def _time_is_up(self) -> None:
        if self._bad_since is None or self._alerted:
            return
        self._alerted = True
        self._on_alert(
            link_down_alert(self._trouble, self._bad_since, self._now(), self._reason, self._account())
        )
