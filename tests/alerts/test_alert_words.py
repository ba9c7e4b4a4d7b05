"""The pure parts: which NOTICE is which alert, how a burst reads, what the marker says after a crash,
and how channel secrets are hidden from anything shown or logged."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.alerts.channel_secrets import Redactor, masked_url
from app.alerts.outbox import MAX_GROUPS, Pending
from app.alerts.rules import Alert, AlertKind, AlertLevel, alert_for, notice_kind
from app.alerts.run_marker import RunMarker, RunRecord
from app.alerts.texts import duration, positions_phrase
from app.core.enums import NoticeLevel
from app.core.events import Notice

AT = datetime(2026, 11, 18, 14, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "title", "kind"),
    [
        (NoticeLevel.WARNING, "Risk limit: Daily loss limit", AlertKind.DAILY_LOSS),
        (NoticeLevel.WARNING, "Risk limit: Max trades per day", AlertKind.MODEL_BLOCKED),
        (NoticeLevel.ERROR, "Model Trend M1 disabled", AlertKind.MODEL_BLOCKED),
        (NoticeLevel.ERROR, "Model Trend M1", AlertKind.MODEL_BLOCKED),
        (NoticeLevel.ERROR, "Models not loaded", AlertKind.MODEL_BLOCKED),
        (NoticeLevel.WARNING, "Kill switch", AlertKind.KILL_SWITCH),
        (NoticeLevel.ERROR, "Model not found", None),
        (NoticeLevel.ERROR, "Model Trend M1 not registered", None),
        (NoticeLevel.WARNING, "Model Trend M1 not removed", None),
        (NoticeLevel.INFO, "Order executed", None),
        (NoticeLevel.ERROR, "Connection to MetaTrader 5 lost", None),  # the LinkWatch judges the link
    ],
)
def test_each_engine_notice_is_the_alert_it_means_or_none(
    level: NoticeLevel, title: str, kind: object
) -> None:
    assert notice_kind(Notice(level=level, title=title, text="…")) is kind


def test_a_notice_alert_keeps_the_engines_words_and_severity() -> None:
    alert = alert_for(Notice(level=NoticeLevel.WARNING, title="Kill switch", text="Auto-trading is off."))
    assert alert is not None
    assert (alert.title, alert.text, alert.level) == (
        "Kill switch",
        "Auto-trading is off.",
        AlertLevel.WARNING,
    )


def alert(kind: AlertKind, title: str, text: str, seconds: int, level: AlertLevel = AlertLevel.INFO) -> Alert:
    return Alert(kind, title, text, level, "Account ••••4567", at=AT + timedelta(seconds=seconds))


def test_a_mixed_burst_reads_most_urgent_first_with_counts_and_the_latest_of_each() -> None:
    pending = Pending()
    pending.add(alert(AlertKind.AUTO_TRADE, "🤖 Auto-Trade Executed", "first trade", 1))
    pending.add(alert(AlertKind.AUTO_TRADE, "🤖 Auto-Trade Executed", "second trade", 2))
    pending.add(alert(AlertKind.KILL_SWITCH, "Kill switch", "Auto-trading is off.", 3, AlertLevel.WARNING))
    message = pending.take()
    assert message is not None and len(pending) == 0
    assert (message.title, message.level, message.count) == ("3 alerts", AlertLevel.WARNING, 3)
    assert message.body.splitlines() == [
        "Kill switch: Auto-trading is off.",
        "2× 🤖 Auto-Trade Executed, latest: second trade",
        "Account ••••4567",
    ]


def test_a_message_put_back_merges_with_what_came_meanwhile() -> None:
    pending = Pending()
    pending.add(alert(AlertKind.TRADE_ERROR, "Trade Execution Error", "one", 1))
    message = pending.take()
    assert message is not None
    pending.add(alert(AlertKind.TRADE_ERROR, "Trade Execution Error", "two", 2))
    pending.put_back(message)
    again = pending.take()
    assert again is not None
    assert (again.title, again.count) == ("2× Trade Execution Error", 2)
    assert again.body.startswith("2× Trade Execution Error, latest: two")


def test_a_burst_of_many_titles_stays_bounded() -> None:
    pending = Pending()
    for number in range(500):
        pending.add(alert(AlertKind.MODEL_BLOCKED, f"Risk limit: rule {number}", "…", number))
    message = pending.take()
    assert message is not None and message.count == 500
    assert len(message.groups) == MAX_GROUPS + 1
    assert "468× other model blocked alerts" in message.body


def test_a_marker_cut_short_by_a_crash_still_says_the_run_did_not_end_cleanly(tmp_path: Path) -> None:
    marker = tmp_path / "running.json"
    marker.write_text('{"started_at": "2026-11-', encoding="utf-8")
    os.utime(marker, (AT.timestamp(), AT.timestamp()))
    previous = RunMarker(marker, lambda: AT + timedelta(hours=1)).begin()
    assert previous == RunRecord(started_at=AT, last_seen=AT)
    assert positions_phrase(previous.open_positions) == "before it had read the open positions"


def test_the_marker_is_private_and_kept_current(tmp_path: Path) -> None:
    now = [AT]
    marker = RunMarker(tmp_path / "running.json", lambda: now[0])
    assert marker.begin() is None
    now[0] = AT + timedelta(minutes=5)
    marker.update(open_positions=2, login=51234567)
    assert (tmp_path / "running.json").stat().st_mode & 0o077 == 0
    again = RunMarker(tmp_path / "running.json", lambda: AT + timedelta(hours=1)).begin()
    assert again is not None
    assert (again.last_seen, again.open_positions, again.login) == (now[0], 2, 51234567)


@pytest.mark.parametrize(
    ("seconds", "text"), [(45, "45 s"), (89, "89 s"), (180, "3 min"), (7500, "2 h 05 min")]
)
def test_durations_read_as_a_person_says_them(seconds: int, text: str) -> None:
    assert duration(timedelta(seconds=seconds)) == text


def test_every_secret_part_of_a_channel_url_is_hidden_in_any_text() -> None:
    redactor = Redactor()
    redactor.add("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321")
    redactor.add("ntfys://trader:hunter22@ntfy.example.com/desk-topic-9f2?token=tk_4bRt9")
    text = (
        "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
        " chat 987654321;"
        " ntfy desk-topic-9f2 Bearer tk_4bRt9 Basic dHJhZGVyOmh1bnRlcjIy to ntfy.example.com"
    )
    cleaned = redactor.redact(text)
    for secret in (
        "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "987654321",
        "desk-topic-9f2",
        "tk_4bRt9",
        "hunter22",
    ):
        assert secret not in cleaned
    assert "dHJhZGVyOmh1bnRlcjIy" not in cleaned
    assert "ntfy.example.com" in cleaned  # a host name is no secret and helps to read the line


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321", "tgram://•••/•••"),
        ("ntfys://ntfy.sh/my-private-topic", "ntfys://ntfy.sh/•••"),
        ("mailtos://john:secret@gmail.com", "mailtos://gmail.com/•••"),
        ("json://localhost", "json://localhost"),
    ],
)
def test_a_channel_is_shown_by_its_service_and_host_only(url: str, shown: str) -> None:
    assert masked_url(url) == shown
