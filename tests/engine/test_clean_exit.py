"""A clean stop folds the journal's write-ahead log back into the file: afterwards `journal.sqlite3` alone
(what a trader backs up as "the journal") holds every row, and nothing of the desk keeps running."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, OrderAction, Side, TradeStatus
from app.core.models import OrderRequest
from app.engine.commands import TradeCommand
from app.engine.desk import Desk
from tests.one_account import MAIN

from .conftest import simulator_of


def test_after_a_clean_stop_the_journal_file_alone_holds_every_trade_and_event(
    qtbot: QtBot, make_desk: Callable[..., Desk], tmp_path: Path
) -> None:
    desk = make_desk()
    desk.start()
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=15_000)
    commands = [
        TradeCommand.manual(
            OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1), MAIN
        )
        for _ in range(3)
    ]
    for command in commands:
        desk.submit(command)
    external = simulator_of(desk).open_external("GBPUSD", "sell", 0.2)

    def journaled() -> bool:
        records = [desk.journal.find_trade(c.trade_id) for c in commands]
        opened = [t for t in desk.journal.open_trades() if t.position_ticket == external]
        return bool(opened) and all(r is not None and r.status is TradeStatus.OPEN for r in records)

    qtbot.waitUntil(journaled, timeout=10_000)
    host = desk.host.pid
    assert desk.stop(15)

    wal = tmp_path / "journal.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    alone = tmp_path / "backup" / "journal.sqlite3"
    alone.parent.mkdir()
    shutil.copyfile(tmp_path / "journal.sqlite3", alone)
    with sqlite3.connect(alone) as connection:
        trades = {row[0]: row[1] for row in connection.execute("SELECT trade_id, status FROM trades")}
        events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    connection.close()
    assert {c.trade_id for c in commands} <= set(trades)
    assert trades[f"ext-{external}"] == "open"
    assert events > 0
    assert host is not None and not _alive(host)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # the desk reaped its host, so a pid that still answers is still running
    except ProcessLookupError:
        return False
    return True
