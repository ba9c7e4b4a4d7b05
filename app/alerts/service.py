"""AlertService: the hub's events out to the trader's alert channels, and the run marker kept.

Lives in the desk's main thread and only classifies, words and queues there (microseconds per event);
each channel sends on its own thread. A channel that fails, or has no URL, is said once in the Event log.
Each account's link is watched on its own; an alert's account line names the account (and, on a desk of
several accounts, which of them it is).
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from PyQt6.QtCore import QObject, QTimer, pyqtSlot

from app.alerts.alerts_file import FileChannel
from app.alerts.channel_secrets import NO_KEYRING_MESSAGE, ChannelSecrets, SecretStoreError
from app.alerts.channel_worker import MIN_INTERVAL_S, ChannelHealth, ChannelReport, ChannelWorker, Send
from app.alerts.link_watch import LinkWatch
from app.alerts.rules import Alert, alert_for, is_wanted
from app.alerts.run_marker import MARKER_NAME, RunMarker, RunRecord
from app.alerts.texts import UNCLEAN_STOP_TITLE, account_line, unclean_stop_alert
from app.alerts.transport import deliver
from app.core.account_directory import AccountDirectory
from app.core.backoff import Backoff
from app.core.enums import NoticeLevel
from app.core.events import (
    AccountsUpdate,
    AccountUpdate,
    Event,
    Notice,
    PositionsUpdate,
    Snapshot,
    StatusUpdate,
)
from app.core.models import TerminalStatus
from app.core.settings import AlertSettings
from app.engine.hub import EventHub

log = logging.getLogger(__name__)

MARKER_TOUCH_MS = 30_000
REPORT_POLL_MS = 250
STOP_WAIT_S = 2.0
CHANNEL_FAILING_TITLE = "Alert channel not reachable"
CHANNEL_WORKING_TITLE = "Alert channel working again"
CHANNEL_NO_URL_TITLE = "Alert channel has no URL"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _AccountWatch:
    """What the alerts know of one account: its open tickets, number, server, and its link's watch."""

    link: LinkWatch
    tickets: set[int] | None = None  # unknown until the first positions read
    heard_count: int | None = None  # the heartbeat's count, while no positions read came
    login: int | None = None
    server: str = ""
    simulated: bool = False


@dataclass(frozen=True, slots=True)
class AlertOptions:
    """How the service sends: tests shorten the pause between messages and the retry delays."""

    send: Send = deliver
    min_interval_s: float = MIN_INTERVAL_S
    backoff: Callable[[], Backoff] | None = None
    now: Callable[[], datetime] = _utc_now
    # Connecting at start takes a while (the terminal's own timeout): never alert on that sooner.
    connect_grace_s: float = 30.0
    announce: Callable[[str], None] | None = field(default=None)  # headless: problems also on stderr


class AlertService(QObject):
    """Follows the hub, sends the alerts the trader chose to every channel, keeps the run marker.

    The channels' threads never touch a Qt object: a thread may still be inside a send when this object
    is gone. They leave their reports on a plain queue, which a timer here reads.
    """

    def __init__(
        self,
        hub: EventHub,
        settings: AlertSettings,
        secrets: ChannelSecrets,
        *,
        marker_file: Path | None = None,
        file_channels: Sequence[FileChannel] = (),
        options: AlertOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._hub = hub
        self._settings = settings
        self._secrets = secrets
        self._file_channels = tuple(file_channels)
        self._options = options or AlertOptions()
        self._marker = RunMarker(marker_file, self._options.now) if marker_file is not None else None
        self._workers: dict[str, tuple[str, ChannelWorker]] = {}  # channel id -> (url, worker)
        self._names = AccountDirectory()
        self._watches: dict[str, _AccountWatch] = {}
        self._started = False
        self._touch = QTimer(self)
        self._touch.setInterval(MARKER_TOUCH_MS)
        self._touch.timeout.connect(self._touch_marker)
        self._reports: queue.SimpleQueue[ChannelReport] = queue.SimpleQueue()
        self._report_timer = QTimer(self)
        self._report_timer.setInterval(REPORT_POLL_MS)
        self._report_timer.timeout.connect(self._read_reports)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> RunRecord | None:
        """Start the channels, follow the hub, say if the last run stopped uncleanly (returned)."""
        if self._started:
            return None
        self._started = True
        for signal in (self._hub.auto_trade_executed, self._hub.trade_error, self._hub.notice):
            signal.connect(self._on_alertable)
        for signal in (
            self._hub.accounts_update,
            self._hub.status_update,
            self._hub.snapshot,
            self._hub.positions_update,
            self._hub.account_update,
        ):
            signal.connect(self._on_state)
        self._build_channels()
        for watch in self._watches.values():
            watch.link.begin()
        previous = self._marker.begin() if self._marker is not None else None
        if self._marker is not None:
            self._touch.start()
        if previous is not None:
            self._unclean_stop(previous)
        return previous

    def apply(self, settings: AlertSettings) -> None:
        """The trader saved new alert settings: they apply from now on (unchanged channels keep going)."""
        self._settings = settings
        for watch in self._watches.values():
            watch.link.set_after(settings.connection_after_s)
        if self._started:
            self._build_channels()

    def stop(self) -> None:
        """A clean stop: the channels end and the run marker goes (so the next start is not alarmed)."""
        self._started = False
        self._touch.stop()
        self._report_timer.stop()
        for watch in self._watches.values():
            watch.link.stop()
        for _url, worker in self._workers.values():
            worker.request_stop()  # all at once: the waits below then overlap
        for _url, worker in self._workers.values():
            worker.stop(timeout_s=STOP_WAIT_S / max(1, len(self._workers)))
        self._workers.clear()
        if self._marker is not None:
            self._marker.end()

    @property
    def workers(self) -> list[ChannelWorker]:
        """The channels sending now (enabled ones with a URL)."""
        return [worker for _url, worker in self._workers.values()]

    # -- channels ------------------------------------------------------------------------------------

    def _build_channels(self) -> None:
        wanted: dict[str, tuple[str, str]] = {}  # id -> (name, url)
        for channel in self._settings.channels:
            if not channel.enabled:
                continue
            url = self._channel_url(channel.id, channel.name or channel.id)
            if url is not None:
                wanted[channel.id] = (channel.name or channel.id, url)
        for file_channel in self._file_channels:
            wanted[file_channel.id] = (file_channel.name, file_channel.url)
        for channel_id in list(self._workers):
            url, worker = self._workers[channel_id]
            if wanted.get(channel_id, ("", ""))[1] != url:
                worker.request_stop()
                del self._workers[channel_id]
        for channel_id, (name, url) in wanted.items():
            if channel_id in self._workers:
                continue
            backoff = self._options.backoff() if self._options.backoff is not None else None
            worker = ChannelWorker(
                channel_id,
                name,
                url,
                self._options.send,
                self._reports.put,
                min_interval_s=self._options.min_interval_s,
                backoff=backoff,
            )
            worker.start()
            self._workers[channel_id] = (url, worker)
        if self._workers:
            self._report_timer.start()
        else:
            self._report_timer.stop()

    def _channel_url(self, channel_id: str, name: str) -> str | None:
        try:
            url = self._secrets.get(channel_id)
        except SecretStoreError as error:
            self._say(NoticeLevel.WARNING, CHANNEL_NO_URL_TITLE, f"{name}: {error}; no alerts go there.")
            return None
        if url is None:
            where = (
                "the system keyring holds no URL for it"
                if self._secrets.available()
                else NO_KEYRING_MESSAGE[0].lower() + NO_KEYRING_MESSAGE[1:]
            )
            self._say(
                NoticeLevel.WARNING,
                CHANNEL_NO_URL_TITLE,
                f"{name}: {where}. Enter its URL again in Settings > Alerts; no alerts go there until then.",
            )
        return url

    @pyqtSlot()
    def _read_reports(self) -> None:
        while True:
            try:
                report = self._reports.get_nowait()
            except queue.Empty:
                return
            self._on_channel_report(report)

    def _on_channel_report(self, report: ChannelReport) -> None:
        if report.health is ChannelHealth.FAILING:
            self._say(
                NoticeLevel.WARNING,
                CHANNEL_FAILING_TITLE,
                f"{report.name}: {report.reason.rstrip('.')}. Its alerts are kept (a burst as one message) "
                "and sent again, at least every 5 minutes, until it answers; check the channel in "
                "Settings > Alerts with 'Send a test alert'.",
            )
        else:
            self._say(NoticeLevel.INFO, CHANNEL_WORKING_TITLE, f"{report.name}: alerts arrive there again.")

    def _say(self, level: NoticeLevel, title: str, text: str) -> None:
        self._hub.publish(Notice(level=level, title=title, text=text))
        if self._options.announce is not None:
            self._options.announce(f"{title}: {text}")

    # -- events --------------------------------------------------------------------------------------

    @pyqtSlot(object)
    def _on_alertable(self, event: Event) -> None:
        self._names.apply(event)
        alert = alert_for(event)
        if alert is not None:
            self._send(alert, event.account_id)

    def _send(self, alert: Alert, account_id: str | None) -> None:
        if not is_wanted(alert.kind, self._settings):
            return
        if not alert.account:
            alert = replace(alert, account=self._account(account_id))
        for _url, worker in self._workers.values():
            worker.submit(alert)

    def _watch(self, account_id: str) -> _AccountWatch:
        watch = self._watches.get(account_id)
        if watch is None:
            link = LinkWatch(
                self._settings.connection_after_s,
                lambda alert: self._send(alert, account_id),
                lambda: self._account(account_id),
                self._options.now,
                connect_grace_s=self._options.connect_grace_s,
                parent=self,
            )
            watch = self._watches[account_id] = _AccountWatch(link)
            if self._started:
                link.begin()  # not connected yet, which is worth an alert if it lasts
        return watch

    @pyqtSlot(object)
    def _on_state(self, event: Event) -> None:
        self._names.apply(event)
        if isinstance(event, AccountsUpdate):
            listed = {entry.account_id for entry in event.accounts if entry.enabled}
            for account_id in list(self._watches):
                if account_id not in listed:  # switched off or removed: its link is no news any more
                    self._watches.pop(account_id).link.stop()
            for account_id in listed:
                self._watch(account_id)
            self._mark_desk()
        elif isinstance(event, PositionsUpdate):
            watch = self._watch(event.account_id)
            watch.tickets = ((watch.tickets or set()) - set(event.removed)) | set(event.added)
            self._mark_desk()
        elif isinstance(event, Snapshot):
            for view in event.accounts:
                watch = self._watch(view.account_id)
                watch.tickets = {position.ticket for position in view.positions}
                if view.account is not None:
                    watch.login, watch.server = view.account.login, view.account.server
                self._follow(watch, view.status)
            self._mark_desk()
        elif isinstance(event, StatusUpdate):
            watch = self._watch(event.account_id)
            status = event.status
            if status.account_number is not None:
                watch.login, watch.server = status.account_number, status.server or watch.server
            if watch.tickets is None and status.positions_count is not None:
                # No positions update comes while none are open; the heartbeat's count says so.
                watch.heard_count = status.positions_count
            self._follow(watch, status)
            self._mark_desk()
        elif isinstance(event, AccountUpdate):
            watch = self._watch(event.account_id)
            watch.login, watch.server = event.account.login, event.account.server
            self._mark_desk()

    def _follow(self, watch: _AccountWatch, status: TerminalStatus) -> None:
        watch.simulated = status.simulated
        watch.link.follow(status)

    def _mark_desk(self) -> None:
        """The run marker: every account's open positions, and the first account's number and server."""
        watches = list(self._watches.values())
        counts = [len(w.tickets) if w.tickets is not None else w.heard_count for w in watches]
        known = [count for count in counts if count is not None]
        first = watches[0] if watches else None
        self._mark(
            open_positions=sum(known) if known and len(known) == len(counts) else None,
            login=first.login if first else None,
            server=first.server if first else "",
            simulated=first.simulated if first else False,
        )

    def _mark(self, **changes: object) -> None:
        if self._marker is not None:
            self._marker.update(**changes)

    @pyqtSlot()
    def _touch_marker(self) -> None:
        if self._marker is not None:
            self._marker.touch()

    def _account(self, account_id: str | None) -> str:
        """The alert's account line; with several accounts it starts with the account's name."""
        watch = self._watches.get(account_id) if account_id is not None else None
        if watch is None and account_id is None and self._watches:
            watch = next(iter(self._watches.values()))  # a desk-wide alert (unclean stop): the first's
        if watch is None:
            return ""
        line = account_line(
            watch.login, watch.server, show=self._settings.show_account, simulated=watch.simulated
        )
        return self._names.prefixed(account_id or "", line) if line else line

    def _unclean_stop(self, previous: RunRecord) -> None:
        account = account_line(
            previous.login, previous.server, show=self._settings.show_account, simulated=previous.simulated
        )
        alert = unclean_stop_alert(previous.last_seen, previous.open_positions, self._options.now(), account)
        self._hub.publish(Notice(level=NoticeLevel.WARNING, title=UNCLEAN_STOP_TITLE, text=alert.text))
        self._send(alert, None)


@dataclass(frozen=True, slots=True)
class AlertSetup:
    """What a desk (GUI or headless) needs to start its alerts: settings, where the run marker lives,
    channels from --alerts-file, the URL store, and where setup problems are also said (headless: stderr)."""

    settings: AlertSettings
    data_dir: Path
    file_channels: tuple[FileChannel, ...] = ()
    secrets: ChannelSecrets = field(default_factory=ChannelSecrets)
    announce: Callable[[str], None] | None = None

    def start(self, hub: EventHub, parent: QObject | None = None) -> AlertService:
        """The desk's AlertService, started (call it after the other listeners are on the hub)."""
        service = AlertService(
            hub,
            self.settings,
            self.secrets,
            marker_file=self.data_dir / MARKER_NAME,
            file_channels=self.file_channels,
            options=AlertOptions(announce=self.announce),
            parent=parent,
        )
        service.start()
        return service
