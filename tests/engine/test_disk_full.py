"""A full disk: orders refused before sending, one notice each way, recovery by itself, the WAL bounded.

Runs on a real 2 MiB tmpfs where the machine allows mounting one, and with SQLITE_FULL injected
(`tests.full_disk`) everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.enums import Backend
from app.core.events import Event, TradeError
from app.engine.journal_sink import JournalSink
from app.engine.trading import LocalOrders, Outcome, TradingService
from app.storage.database import WAL_SIZE_LIMIT, open_database
from app.storage.journal import Journal
from app.storage.journal_health import JournalHealth
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock
from tests.full_disk import PageLimitedDisk, TmpfsDisk
from tests.one_account import MAIN

from .fixtures_trading import WEDNESDAY, Rig, WatchedTerminal

Disk = TmpfsDisk | PageLimitedDisk
SETTLE_S = 0.3


@pytest.fixture
def rig(small_disk: Disk, tmp_path: Path) -> Iterator[Rig]:
    """The trading service with its journal on the small disk and the simulator's account elsewhere."""
    clock = ManualClock(WEDNESDAY)
    sim = WatchedTerminal(clock=clock, state_path=tmp_path / "sim.json")
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    database = open_database(small_disk.root / "journal.sqlite3")
    database.health = JournalHealth(settle_s=SETTLE_S)  # the product waits 10 s; the test cannot
    journal = Journal(database)
    sim.journal = journal
    events: list[Event] = []
    service = TradingService(
        journal,
        events.append,
        lambda: datetime.fromtimestamp(clock.now(), UTC),
        orders=LocalOrders(terminal),
    )
    yield Rig(clock, sim, terminal, database, journal, service, events)
    small_disk.free(database)
    database.close()


def write_until_it_fails(journal: Journal, limit: int = 5_000) -> int:
    """Equity samples until one cannot be written; how many went in."""
    for count in range(limit):
        try:
            journal.add_equity_sample(
                time=WEDNESDAY + timedelta(seconds=count), balance=1.0, equity=1.0, margin=0.0, floating=0.0
            )
        except Exception:
            return count
    raise AssertionError(f"{limit} writes fit on a full disk")


def test_an_order_is_refused_before_sending_while_the_journal_cannot_write(
    rig: Rig, small_disk: Disk
) -> None:
    small_disk.fill(rig.database)
    write_until_it_fails(rig.journal)

    command, outcome = rig.open()

    assert rig.sim.sent == [] and rig.positions() == ()
    assert outcome.outcome is Outcome.FAILED
    [error] = [e for e in rig.events if isinstance(e, TradeError)]
    assert error.trade_id == command.trade_id and error.code is None
    assert error.error.startswith("Order not sent: the trade journal")
    assert "Free disk space" in error.error and "accepted again once the journal can write" in error.error


def test_orders_are_accepted_again_by_themselves_once_space_returns(rig: Rig, small_disk: Disk) -> None:
    small_disk.fill(rig.database)
    write_until_it_fails(rig.journal)
    assert rig.open()[1].outcome is Outcome.FAILED
    small_disk.free(rig.database)
    import time

    time.sleep(SETTLE_S + 0.1)
    rig.database._last_probe = 0.0  # the 2 s between probes has passed, as it would between two clicks
    command, outcome = rig.open()
    assert outcome.outcome is Outcome.FILLED, outcome.message
    assert len(rig.positions()) == 1 and rig.row(command.trade_id).status.value == "open"


def test_the_sink_tells_once_that_writing_failed_and_once_that_it_works_again(
    rig: Rig, small_disk: Disk
) -> None:
    failures: list[str] = []
    recoveries: list[str] = []
    sink = JournalSink(rig.journal, on_failure=failures.append, on_recovered=recoveries.append)
    account = rig.terminal.account()
    small_disk.fill(rig.database)
    moment = WEDNESDAY
    for _ in range(300):  # a burst of writes that fail, as every loop would on a full disk
        moment += timedelta(seconds=1)
        sink.equity_sample(MAIN, account, moment)
    assert len(failures) == 1 and "cannot be written" in failures[0] and recoveries == []
    small_disk.free(rig.database)
    import time

    time.sleep(SETTLE_S + 0.1)
    for _ in range(3):
        moment += timedelta(seconds=1)
        sink.equity_sample(MAIN, account, moment)
    assert recoveries == ["The trade journal can be written again; orders are accepted."]
    assert len(failures) == 1


def test_the_write_ahead_log_stays_bounded_and_a_checkpoint_empties_it(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    wal = path.with_name(path.name + "-wal")
    with open_database(path) as database:
        journal = Journal(database)
        largest = 0
        for second in range(3_000):
            journal.add_equity_sample(
                time=WEDNESDAY + timedelta(seconds=second), balance=1.0, equity=1.0, margin=0.0, floating=0.0
            )
            largest = max(largest, wal.stat().st_size)
        # SQLite's default left it at 4 MB for good; the limit is the fold interval plus one commit.
        assert largest <= WAL_SIZE_LIMIT + 64 * 1024, largest
        assert database.checkpoint()
        assert wal.stat().st_size == 0
