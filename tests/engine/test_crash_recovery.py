"""Kill -9 in the middle of trading, then restart: the file is sound, no trade is lost, none was sent twice.

A real subprocess (tests/engine/trading_process.py) runs the real Desk (with its terminal host process,
which dies with it) on a slow simulated terminal and trades until it is killed at a chosen moment: while
an order is on its way to the terminal, or after the terminal filled it but before the journal recorded
the fill. A Desk started on the same files must then
reconcile every pending row from the terminal's own records, without sending anything again.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.target import TerminalTarget
from app.engine.commands import trade_id_in
from app.engine.desk import Desk, DeskConfig
from app.engine.reconcile import NOT_EXECUTED
from tests.engine.books import assert_the_books_agree, integrity
from tests.one_account import MAIN

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LATENCY_S = 0.02  # every terminal call of the child blocks this long
REPLY_LATENCY_S = 0.15  # and an order's answer comes back this long after the fill
SETTLED_TRADES = 6  # trades resolved in the journal before the kill point is armed (opens and closes)
ATTEMPTS = 3  # runs allowed to hit the kill point (each run also restarts on the previous one's files)
DEAL_ENTRY_IN = 0


@dataclass(frozen=True, slots=True)
class AtKill:
    """What was unresolved at the moment of the kill: journal rows still pending, split by the terminal."""

    unsent: frozenset[str]  # pending, and the terminal has no deal for it
    unrecorded: frozenset[str]  # pending, but the terminal has already executed it


class TradingRun:
    """The trading subprocess, with the trade ids it printed."""

    def __init__(self, data: Path) -> None:
        self.submitted: list[str] = []
        self._log = (data / "trading_process.log").open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.engine.trading_process",
                str(data),
                f"--latency={LATENCY_S}",
                f"--reply-latency={REPLY_LATENCY_S}",
                "--every=0.05",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("SUBMIT "):
                self.submitted.append(line.split()[1])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._reader.join(5)
        self._log.close()


# ---- reading the two sets of books from outside --------------------------------------------------------


def executed_ids(data: Path) -> set[str]:
    """Trade ids of every deal the simulated server has saved (its state file is replaced atomically)."""
    path = data / "sim.json"
    if not path.exists():
        return set()
    deals = json.loads(path.read_text(encoding="utf-8"))["deals"]
    return {i for i in (trade_id_in(d["comment"]) for d in deals) if i}


def pending_ids(data: Path) -> set[str]:
    if not (data / "journal.sqlite3").exists():
        return set()
    with sqlite3.connect(data / "journal.sqlite3") as connection:
        ids = {row[0] for row in connection.execute("SELECT trade_id FROM trades WHERE status = 'pending'")}
    connection.close()
    return ids


def settled_count(data: Path) -> int:
    if not (data / "journal.sqlite3").exists():
        return 0
    with sqlite3.connect(data / "journal.sqlite3") as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM trades WHERE status IN ('open', 'closed')"
        ).fetchone()
    connection.close()
    return int(count)


def classify(data: Path) -> AtKill:
    pending, executed = pending_ids(data), executed_ids(data)
    return AtKill(frozenset(pending - executed), frozenset(pending & executed))


# ---- killing and restarting -------------------------------------------------------------------------------


def order_on_its_way(data: Path) -> bool:
    # Journal first: a row pending then and no deal for it afterwards was not executed at that moment.
    pending = pending_ids(data)
    return bool(pending - executed_ids(data))


def fill_not_yet_recorded(data: Path) -> bool:
    # Terminal first: a deal seen then whose row is still pending afterwards was executed but unrecorded.
    executed = executed_ids(data)
    return bool(executed & pending_ids(data))


def run_and_kill(
    data: Path, kill_point: Callable[[Path], bool], hit: Callable[[AtKill], bool], timeout_s: float = 12.0
) -> AtKill:
    """Trade in a subprocess and SIGKILL it at `kill_point`; retried until the kill `hit` the window."""
    at_kill = AtKill(frozenset(), frozenset())
    for _ in range(ATTEMPTS):
        run = TradingRun(data)
        try:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and run.process.poll() is None:
                armed = len(run.submitted) > SETTLED_TRADES and settled_count(data) >= SETTLED_TRADES
                if armed and kill_point(data):
                    break
                time.sleep(0.002)
            else:
                pytest.fail(f"the kill point never came (log: {data / 'trading_process.log'})")
        finally:
            run.kill()
        assert run.process.returncode == -signal.SIGKILL
        at_kill = classify(data)
        if hit(at_kill):
            return at_kill
    pytest.fail(f"{ATTEMPTS} kills all missed the window; last one left {at_kill}")


def restart_and_stop(data: Path, qtbot: QtBot) -> None:
    """The trader starts MT5 Desk again: it connects, reconciles what was pending, and is closed."""
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(data / "sim.json")),
            database_file=data / "journal.sqlite3",
        )
    )
    desk.start()
    try:
        qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
        qtbot.waitUntil(lambda: desk.journal.pending_trades() == [], timeout=10_000)
    finally:
        stopped = desk.stop(10)
    assert stopped, "the restarted desk did not stop"


# ---- the acceptance tests -----------------------------------------------------------------------------


def test_a_kill_while_an_order_is_on_its_way_leaves_it_failed_and_unsent_after_restart(
    tmp_path: Path, qtbot: QtBot
) -> None:
    at_kill = run_and_kill(tmp_path, order_on_its_way, hit=lambda k: bool(k.unsent))
    assert integrity(tmp_path) == ["ok"]
    restart_and_stop(tmp_path, qtbot)
    rows = assert_the_books_agree(tmp_path)
    for trade_id in at_kill.unsent:
        assert rows[trade_id]["status"] == "failed"
        assert rows[trade_id]["error"] == NOT_EXECUTED


def test_a_kill_after_the_fill_but_before_the_journal_knew_records_the_fill_after_restart(
    tmp_path: Path, qtbot: QtBot
) -> None:
    at_kill = run_and_kill(tmp_path, fill_not_yet_recorded, hit=lambda k: bool(k.unrecorded))
    assert integrity(tmp_path) == ["ok"]
    restart_and_stop(tmp_path, qtbot)
    rows = assert_the_books_agree(tmp_path)
    for trade_id in at_kill.unrecorded:
        assert rows[trade_id]["status"] in ("open", "closed")
