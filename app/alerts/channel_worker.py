"""One thread per alert channel: a bounded queue in, at most one message per few seconds out, retries.

The GUI thread only puts an alert on the queue (never waits). The thread collapses what arrives while
it waits for its next turn into one message, sends it, and on failure keeps it (merged with what comes
meanwhile) and tries again after a growing pause. A channel that starts failing is reported once, and
once more when it works again; never per message.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.alerts.outbox import Message, Pending, dropped_alert
from app.alerts.rules import Alert, AlertLevel
from app.alerts.transport import Delivery
from app.core.backoff import Backoff

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 5.0
QUEUE_LIMIT = 1000
RETRY_FIRST_S = 5.0
RETRY_LONGEST_S = 300.0

Send = Callable[[str, str, str, AlertLevel], Delivery]  # url, title, body, level


class ChannelHealth(StrEnum):
    """What a channel's thread reports about it."""

    FAILING = "failing"
    WORKING = "working"


@dataclass(frozen=True, slots=True)
class ChannelReport:
    """A change in a channel's health, with the reason when it fails (secrets taken out)."""

    channel_id: str
    name: str
    health: ChannelHealth
    reason: str = ""
    waiting: int = 0


_STOP = object()


class ChannelWorker:
    """Sends one channel's alerts on its own daemon thread."""

    def __init__(
        self,
        channel_id: str,
        name: str,
        url: str,
        send: Send,
        report: Callable[[ChannelReport], None],
        *,
        min_interval_s: float = MIN_INTERVAL_S,
        backoff: Backoff | None = None,
        queue_limit: int = QUEUE_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel_id = channel_id
        self.name = name
        self._url = url
        self._send = send
        self._report = report
        self._min_interval_s = min_interval_s
        self._backoff = backoff or Backoff(initial=RETRY_FIRST_S, maximum=RETRY_LONGEST_S)
        self._queue_limit = queue_limit
        self._clock = clock
        self._queue: queue.Queue[object] = queue.Queue()  # bounded by `submit`, so STOP always fits
        self._pending = Pending()
        self._next_send = 0.0
        self._failing = False
        self._dropped = 0
        self._dropped_lock = threading.Lock()
        self._last_dropped: Alert | None = None
        self._thread = threading.Thread(target=self._run, name=f"alerts-{channel_id}", daemon=True)
        self.sent = 0  # messages the channel accepted (read by tests and the settings page)

    def __repr__(self) -> str:  # the URL holds secrets
        return f"ChannelWorker({self.channel_id!r}, {self.name!r})"

    def start(self) -> None:
        self._thread.start()

    def submit(self, alert: Alert) -> bool:
        """Queue an alert without waiting; False (and counted) when the queue is full."""
        if self._queue.qsize() >= self._queue_limit:
            with self._dropped_lock:
                self._dropped += 1
                self._last_dropped = alert
            return False
        self._queue.put(alert)
        return True

    def request_stop(self) -> None:
        """Ask the thread to end after what it is doing now (without waiting)."""
        self._queue.put(_STOP)

    def stop(self, timeout_s: float = 1.0) -> bool:
        """End the thread, waiting up to `timeout_s`; a send under way finishes on its own (daemon)."""
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        left = len(self._pending)
        if left:
            log.warning(
                "%d alert(s) for channel %s were not delivered before the desk stopped", left, self.name
            )
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            wait = None if not self._pending else max(0.0, self._next_send - self._clock())
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = None
            while item is not None:
                if item is _STOP:
                    return
                if isinstance(item, Alert):
                    self._pending.add(item)
                if len(self._pending) == 1 and self._clock() >= self._next_send:
                    break  # the channel's turn: this one goes alone now, whatever follows waits for the next
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            self._count_dropped()
            if self._pending and self._clock() >= self._next_send:
                try:
                    self._send_pending()
                except Exception:  # a bug must not end the channel's thread: the alerts wait for the next try
                    log.exception("alert channel %s: sending failed unexpectedly", self.name)
                    self._next_send = self._clock() + self._backoff.next_delay()

    def _count_dropped(self) -> None:
        with self._dropped_lock:
            count, like, self._dropped, self._last_dropped = self._dropped, self._last_dropped, 0, None
        if count and like is not None:
            self._pending.add(dropped_alert(count, like))

    def _send_pending(self) -> None:
        message = self._pending.take()
        if message is None:
            return
        delivery = self._deliver(message)
        now = self._clock()
        if delivery.ok:
            self.sent += 1
            self._next_send = now + self._min_interval_s
            self._backoff.reset()
            if self._failing:
                self._failing = False
                self._report(ChannelReport(self.channel_id, self.name, ChannelHealth.WORKING))
            return
        self._pending.put_back(message)
        delay = self._backoff.next_delay()
        self._next_send = now + delay
        log.info("alert channel %s failed (%s); next try in %.0f s", self.name, delivery.reason, delay)
        if not self._failing:
            self._failing = True
            self._report(
                ChannelReport(
                    self.channel_id, self.name, ChannelHealth.FAILING, delivery.reason, len(self._pending)
                )
            )

    def _deliver(self, message: Message) -> Delivery:
        return self._send(self._url, message.title, message.body, message.level)
