"""Reading a journal file and a simulated account from outside, as any tool would, and checking that the two
sets of books agree: no pending row, every tagged deal and position journaled, nothing executed twice."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine.commands import trade_id_in
from app.terminal.simulator import SimulatedTerminal

DEAL_ENTRY_IN = 0


def journal_rows(data: Path) -> dict[str, dict[str, Any]]:
    """Every trade row of the journal file, by trade id (read with plain sqlite3, as any tool would)."""
    with sqlite3.connect(data / "journal.sqlite3") as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(
            "SELECT trade_id, action, status, position_ticket, error FROM trades"
        ).fetchall()
    connection.close()
    return {row["trade_id"]: dict(row) for row in rows}


def integrity(data: Path) -> list[str]:
    with sqlite3.connect(data / "journal.sqlite3") as connection:
        answer = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
    connection.close()
    return answer


def terminal_records(data: Path) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(open positions, every deal) of the simulated account, through its MetaTrader5-shaped API."""
    sim = SimulatedTerminal(state_path=data / "sim.json")
    assert sim.initialize()
    try:
        deals = sim.history_deals_get(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=2))
        return tuple(sim.positions_get()), tuple(deals)
    finally:
        sim.shutdown()


def assert_the_books_agree(data: Path) -> dict[str, dict[str, Any]]:
    """No pending row; each tagged deal and position has its row; nothing executed twice; failed = no deal."""
    rows = journal_rows(data)
    positions, deals = terminal_records(data)
    assert [i for i, r in rows.items() if r["status"] == "pending"] == []
    for position in positions:
        trade_id = trade_id_in(position.comment)
        if trade_id is None:
            continue
        row = rows.get(trade_id)
        assert row is not None, f"position {position.ticket} ({position.comment}) has no journal row"
        assert (row["action"], row["status"], row["position_ticket"]) == ("open", "open", position.ticket)
    tagged = [(i, d) for i, d in ((trade_id_in(d.comment), d) for d in deals) if i is not None]
    for trade_id, deal in tagged:
        row = rows.get(trade_id)
        assert row is not None, f"deal {deal.ticket} ({deal.comment}) has no journal row: a trade was lost"
        if deal.entry == DEAL_ENTRY_IN:
            assert row["action"] == "open" and row["status"] in ("open", "closed"), row
            assert row["position_ticket"] == deal.position_id, row
            claims = [
                i
                for i, r in rows.items()
                if r["action"] == "open" and r["position_ticket"] == deal.position_id
            ]
            assert claims == [trade_id], f"position {deal.position_id} is journaled by {claims}"
        else:
            assert (row["action"], row["status"]) == ("close", "closed"), row
    twice = [i for i, n in Counter(i for i, _ in tagged).items() if n > 1]
    assert twice == [], f"trades executed more than once: {twice}"
    executed = {i for i, _ in tagged}
    failed_but_executed = [i for i, r in rows.items() if r["status"] == "failed" and i in executed]
    assert failed_but_executed == []
    return rows
