"""The worker thread writes while the GUI thread reads, and neither sees "database is locked"."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.storage.database import open_database
from app.storage.journal import Journal

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
SAMPLES = 80


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield Journal(database)


def run_in_threads(*work: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(step,)) for step in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def write_samples(journal: Journal, done: threading.Event) -> None:
    try:
        for index in range(SAMPLES):
            time = T0 + timedelta(seconds=index)
            journal.add_equity_sample(
                time=time, balance=1000.0, equity=1000.0 + index, margin=5.0, floating=index
            )
    finally:
        done.set()


def test_reads_during_writes_see_growing_consistent_data_without_lock_errors(journal: Journal) -> None:
    done = threading.Event()
    counts: list[int] = []

    def read_until_done() -> None:
        while not done.is_set():
            samples = journal.equity_samples()
            assert [s.equity - s.balance for s in samples] == list(range(len(samples)))
            counts.append(len(samples))

    errors = run_in_threads(lambda: write_samples(journal, done), read_until_done)

    assert errors == []
    assert len(journal.equity_samples()) == SAMPLES
    assert len(counts) > 1
    assert counts == sorted(counts)


def test_two_writers_wait_for_each_other_instead_of_failing(journal: Journal) -> None:
    done = threading.Event()

    def write_events() -> None:
        for index in range(SAMPLES):
            journal.add_event(
                time=T0, type="NOTICE", level="info", title=f"n{index}", text="", payload_json="{}"
            )

    errors = run_in_threads(lambda: write_samples(journal, done), write_events)

    assert errors == []
    assert len(journal.equity_samples()) == SAMPLES
    assert len(journal.events(limit=SAMPLES + 1)) == SAMPLES
