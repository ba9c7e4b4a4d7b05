"""A channel's thread, through real Apprise to a real loopback server: bursts collapsed, failures said
once, retries with backoff, and a submit that never waits."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.alerts.channel_worker import ChannelHealth, ChannelReport, ChannelWorker
from app.alerts.rules import Alert, AlertKind, AlertLevel, alert_for
from app.alerts.transport import deliver
from app.core.backoff import Backoff
from app.core.events import TradeError
from tests.alerts.inbox import Inbox, refused_url

AT = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def trade_error(number: int) -> Alert:
    event = TradeError(
        trade_id=f"t{number}",
        symbol="EURUSD",
        order_type="BUY",
        error="Not enough money",
        code=10019,
        timestamp=AT + timedelta(milliseconds=number),
    )
    alert = alert_for(event)
    assert alert is not None
    return alert


class Reports:
    def __init__(self) -> None:
        self.seen: list[ChannelReport] = []
        self._lock = threading.Lock()

    def __call__(self, report: ChannelReport) -> None:
        with self._lock:
            self.seen.append(report)


@pytest.fixture
def workers() -> Iterator[list[ChannelWorker]]:
    started: list[ChannelWorker] = []
    yield started
    for worker in started:
        worker.stop(timeout_s=2.0)


def make(
    workers: list[ChannelWorker], url: str, reports: Reports, *, interval_s: float = 1.0, retry_s: float = 0.3
) -> ChannelWorker:
    worker = ChannelWorker(
        "phone",
        "Phone",
        url,
        deliver,
        reports,
        min_interval_s=interval_s,
        backoff=Backoff(initial=retry_s, maximum=retry_s * 4, jitter=0.0, rng=random.Random(1)),
    )
    worker.start()
    workers.append(worker)
    return worker


def test_a_burst_of_50_trade_errors_arrives_as_the_first_one_then_one_summary(
    inbox: Inbox, workers: list[ChannelWorker]
) -> None:
    worker = make(workers, inbox.json_url(), Reports())
    for number in range(50):
        worker.submit(trade_error(number))
    first, summary = inbox.wait_for(2, timeout_s=10)
    time.sleep(1.5)  # one more turn of the channel: nothing else may come
    assert len(inbox.received) == 2
    assert (first.title, first.message) == (
        "Trade Execution Error",
        "BUY EURUSD: Not enough money (code 10019)",
    )
    assert summary.title == "49× Trade Execution Error"
    assert summary.message == "49× Trade Execution Error, latest: BUY EURUSD: Not enough money (code 10019)"
    assert summary.type == "failure"


def test_messages_to_one_channel_are_at_least_the_interval_apart(
    inbox: Inbox, workers: list[ChannelWorker]
) -> None:
    worker = make(workers, inbox.json_url(), Reports(), interval_s=1.0)
    started = time.monotonic()
    worker.submit(trade_error(1))
    inbox.wait_for(1)
    worker.submit(trade_error(2))
    inbox.wait_for(2)
    assert time.monotonic() - started >= 1.0


def test_a_channel_that_is_down_is_reported_once_however_many_alerts_wait(
    workers: list[ChannelWorker],
) -> None:
    reports = Reports()
    worker = make(workers, refused_url(), reports, retry_s=0.1)
    for number in range(20):
        worker.submit(trade_error(number))
        time.sleep(0.02)
    time.sleep(1.5)  # several retries have failed by now
    assert [report.health for report in reports.seen] == [ChannelHealth.FAILING]
    assert reports.seen[0].reason == "A Connection error occurred sending JSON notification to 127.0.0.1."
    assert worker.sent == 0


def test_alerts_held_while_a_channel_fails_arrive_collapsed_when_it_answers_again(
    inbox: Inbox, workers: list[ChannelWorker]
) -> None:
    reports = Reports()
    inbox.mode = "fail"
    worker = make(workers, inbox.json_url(), reports, interval_s=0.2, retry_s=0.2)
    for number in range(3):
        worker.submit(trade_error(number))
    deadline = time.monotonic() + 5
    while not reports.seen and time.monotonic() < deadline:
        time.sleep(0.02)
    inbox.mode = "ok"
    [message] = inbox.wait_for(1, timeout_s=10)
    assert message.title == "3× Trade Execution Error"
    deadline = time.monotonic() + 5
    while len(reports.seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [report.health for report in reports.seen] == [ChannelHealth.FAILING, ChannelHealth.WORKING]
    assert "Internal server error" in reports.seen[0].reason


def test_submitting_never_waits_for_a_channel_that_hangs(inbox: Inbox, workers: list[ChannelWorker]) -> None:
    inbox.mode = "hang"
    worker = make(workers, inbox.json_url(), Reports())
    worker.submit(trade_error(0))
    time.sleep(0.3)  # the thread is now inside a send that will not come back
    started = time.perf_counter()
    for number in range(1, 200):
        assert worker.submit(trade_error(number))
    assert time.perf_counter() - started < 0.05


def test_a_full_queue_refuses_further_alerts_at_once_instead_of_growing(
    inbox: Inbox, workers: list[ChannelWorker]
) -> None:
    inbox.mode = "hang"
    worker = ChannelWorker("phone", "Phone", inbox.json_url(), deliver, Reports(), queue_limit=5)
    worker.start()
    workers.append(worker)
    worker.submit(trade_error(0))
    time.sleep(0.3)
    accepted = [worker.submit(trade_error(number)) for number in range(1, 9)]
    assert accepted.count(False) == 3


def test_a_single_alert_keeps_its_own_title_and_level(inbox: Inbox, workers: list[ChannelWorker]) -> None:
    worker = make(workers, inbox.ntfy_url(), Reports())
    worker.submit(Alert(AlertKind.KILL_SWITCH, "Kill switch", "Auto-trading is off.", AlertLevel.WARNING))
    [message] = inbox.wait_for(1)
    assert (message.topic, message.title, message.message) == (
        "desk-alerts",
        "Kill switch",
        "Auto-trading is off.",
    )
