"""Equity samples (stored, read back, thinned as they age) and the event log (newest first, searchable)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.storage.database import open_database
from app.storage.journal import Journal

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield Journal(database)


def add_samples(journal: Journal, times: list[datetime]) -> None:
    for index, time in enumerate(times):
        equity = 1000.0 + index
        journal.add_equity_sample(
            time=time, balance=1000.0, equity=equity, margin=10.0, floating=equity - 1000
        )


def sample_times(journal: Journal) -> list[datetime]:
    return [sample.time for sample in journal.equity_samples()]


def test_samples_come_back_oldest_first_within_the_range(journal: Journal) -> None:
    add_samples(journal, [NOW, NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)])

    samples = journal.equity_samples(since=NOW - timedelta(minutes=2), until=NOW)

    assert [s.time for s in samples] == [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]
    assert samples[0].time.tzinfo is UTC
    assert (samples[0].balance, samples[0].margin) == (1000.0, 10.0)


def test_a_sample_at_the_same_instant_replaces_the_earlier_one(journal: Journal) -> None:
    journal.add_equity_sample(time=NOW, balance=1000.0, equity=1000.0, margin=0.0, floating=0.0)
    journal.add_equity_sample(time=NOW, balance=1000.0, equity=990.0, margin=5.0, floating=-10.0)

    [sample] = journal.equity_samples()
    assert (sample.equity, sample.floating) == (990.0, -10.0)


def test_thinning_keeps_every_sample_of_the_last_24_hours(journal: Journal) -> None:
    recent = [NOW - timedelta(hours=23, minutes=59, seconds=s) for s in (0, 10, 20)] + [NOW]
    add_samples(journal, recent)

    assert journal.thin_equity_samples(NOW) == 0
    assert sample_times(journal) == sorted(recent)


def test_thinning_keeps_the_last_sample_of_each_minute_older_than_a_day(journal: Journal) -> None:
    minute = datetime(2025, 6, 20, 8, 30, tzinfo=UTC)
    add_samples(
        journal, [minute + timedelta(seconds=s) for s in (0, 15, 30, 45)] + [minute + timedelta(minutes=1)]
    )

    assert journal.thin_equity_samples(NOW) == 3
    assert sample_times(journal) == [minute + timedelta(seconds=45), minute + timedelta(minutes=1)]


def test_thinning_keeps_the_last_sample_of_each_hour_older_than_30_days(journal: Journal) -> None:
    hour = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
    add_samples(journal, [hour + timedelta(minutes=m) for m in (0, 20, 59)] + [hour + timedelta(hours=1)])

    assert journal.thin_equity_samples(NOW) == 2
    assert sample_times(journal) == [hour + timedelta(minutes=59), hour + timedelta(hours=1)]


def test_thinning_again_deletes_nothing_more(journal: Journal) -> None:
    start = NOW - timedelta(days=40)
    pairs = [start + timedelta(minutes=730 * i, seconds=s) for i in range(80) for s in (0, 20)]
    add_samples(journal, pairs)
    assert journal.thin_equity_samples(NOW) > 0
    kept = sample_times(journal)

    assert journal.thin_equity_samples(NOW) == 0
    assert sample_times(journal) == kept


def add_event(
    journal: Journal, minute: int, type: str, title: str, text: str = "", payload: str = "{}"
) -> None:
    journal.add_event(
        time=NOW + timedelta(minutes=minute),
        type=type,
        level="error" if type == "TRADE_ERROR" else "info",
        title=title,
        text=text,
        payload_json=payload,
    )


def test_events_come_newest_first_and_limited(journal: Journal) -> None:
    add_event(journal, 1, "NOTICE", "first")
    add_event(journal, 3, "NOTICE", "third")
    add_event(journal, 2, "NOTICE", "second")

    assert [e.title for e in journal.events()] == ["third", "second", "first"]
    assert [e.title for e in journal.events(limit=2)] == ["third", "second"]


def test_event_search_ignores_case_and_looks_in_title_text_and_payload(journal: Journal) -> None:
    add_event(journal, 1, "TRADE_ERROR", "Order rejected", "Not enough money", '{"symbol": "EURUSD"}')
    add_event(journal, 2, "NOTICE", "Reconnected", "Terminal answers again")
    add_event(journal, 3, "AUTO_TRADE_EXECUTED", "Bought GBPUSD", "", '{"trade_id": "ab12"}')

    assert [e.title for e in journal.events(search="money")] == ["Order rejected"]
    assert [e.title for e in journal.events(search="eurusd")] == ["Order rejected"]
    assert [e.title for e in journal.events(search="AB12")] == ["Bought GBPUSD"]
    assert [e.title for e in journal.events(search="reconnect")] == ["Reconnected"]


def test_event_search_takes_wildcards_literally(journal: Journal) -> None:
    add_event(journal, 1, "NOTICE", "Drawdown 5% reached")
    add_event(journal, 2, "NOTICE", "Drawdown 50 reached")

    assert [e.title for e in journal.events(search="5%")] == ["Drawdown 5% reached"]


def test_events_can_be_limited_to_some_types(journal: Journal) -> None:
    add_event(journal, 1, "TRADE_ERROR", "rejected")
    add_event(journal, 2, "NOTICE", "notice")
    add_event(journal, 3, "STATUS_UPDATE", "disconnected")

    titles = [e.title for e in journal.events(types=["TRADE_ERROR", "STATUS_UPDATE"])]

    assert titles == ["disconnected", "rejected"]


def test_event_fields_come_back_as_written(journal: Journal) -> None:
    add_event(journal, 0, "TRADE_ERROR", "Order rejected", "Market closed", '{"code": 10018}')

    [event] = journal.events()
    assert (event.time, event.type, event.level) == (NOW, "TRADE_ERROR", "error")
    assert (event.title, event.text, event.payload_json) == (
        "Order rejected",
        "Market closed",
        '{"code": 10018}',
    )
