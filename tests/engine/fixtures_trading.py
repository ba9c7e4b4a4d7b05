"""A TradingService on a real simulator and a real journal, with the helpers the money-path specs share.

Both halves of an order run in the test's thread: the desk's (journal before and after, TradingService)
and the terminal host's (deadline, send, retries, explanations: LocalOrders), without the pipe between
them, which the desk and host tests cover. The simulator is a subclass that records every order_send
and, at that very moment, what the journal holds for the trade id in the request's comment: a real
object standing where MetaTrader 5 stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend, OrderAction, Side, TradeSource
from app.core.events import Event, TradeError
from app.core.models import OrderRequest
from app.engine.commands import TradeCommand, new_trade_id, tagged_comment, trade_id_in
from app.engine.trading import LocalOrders, TradeOutcome, TradingService
from app.storage.database import Database, open_database
from app.storage.journal import Journal, TradeRecord
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock, SimulatedTerminal
from app.terminal.simulator.errors import IPC_RECV_FAILED
from tests.one_account import MAIN

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
FAR_FUTURE = datetime(2030, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SentOrder:
    """One order_send as the terminal saw it, and the journal row of its trade id at that moment."""

    request: dict[str, Any]
    trade_id: str | None
    row_at_send: TradeRecord | None
    at: float


class WatchedTerminal(SimulatedTerminal):
    """The simulator, noting each order_send and reading the journal before it executes anything.

    `seconds_per_send` moves the clock after each send (the market moves during a round trip);
    `lose_next_reply` lets the next send execute and then drops the link before the answer arrives.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.journal: Journal | None = None
        self.sent: list[SentOrder] = []
        self.seconds_per_send = 0.0
        self.lose_next_reply = False

    def order_send(self, *args: Any, **kwargs: Any) -> Any:
        request = dict(args[0]) if args and isinstance(args[0], dict) else dict(kwargs)
        trade_id = trade_id_in(str(request.get("comment", "")))
        row = self.journal.find_trade(trade_id) if self.journal is not None and trade_id else None
        self.sent.append(SentOrder(request, trade_id, row, self.clock.now()))
        answer = super().order_send(*args, **kwargs)
        if self.seconds_per_send and isinstance(self.clock, ManualClock):
            self.clock.advance(self.seconds_per_send)
        if self.lose_next_reply:
            self.lose_next_reply = False
            self.disconnect()
            # The IPC layer, not the trade server, fails: the order stands but its answer never arrives.
            self._last_error.set(IPC_RECV_FAILED)
            return None
        return answer


@dataclass
class Rig:
    """A TradingService and what it runs on, both halves of the order path in one thread."""

    clock: ManualClock
    sim: WatchedTerminal
    terminal: Terminal
    database: Database
    journal: Journal
    service: TradingService
    events: list[Event] = field(default_factory=list)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def open(
        self, side: Side = Side.BUY, volume: float = 0.1, symbol: str = "EURUSD", **fields: Any
    ) -> tuple[TradeCommand, TradeOutcome]:
        """Execute a manual market open; returns (command, outcome)."""
        command = TradeCommand.manual(
            OrderRequest(action=OrderAction.OPEN, symbol=symbol, side=side, volume=volume, **fields), MAIN
        )
        return command, self.service.execute(command)

    def close(
        self, ticket: int, volume: float | None = None, symbol: str = ""
    ) -> tuple[TradeCommand, TradeOutcome]:
        command = TradeCommand.manual(
            OrderRequest(action=OrderAction.CLOSE, symbol=symbol, ticket=ticket, volume=volume), MAIN
        )
        return command, self.service.execute(command)

    def modify(
        self, ticket: int, sl: float | None, tp: float | None, symbol: str = ""
    ) -> tuple[TradeCommand, TradeOutcome]:
        command = TradeCommand.manual(
            OrderRequest(action=OrderAction.MODIFY, symbol=symbol, ticket=ticket, sl=sl, tp=tp), MAIN
        )
        return command, self.service.execute(command)

    def row(self, trade_id: str) -> TradeRecord:
        record = self.journal.find_trade(trade_id)
        assert record is not None, f"trade {trade_id} is not in the journal"
        return record

    def trade_errors(self) -> list[TradeError]:
        return [e for e in self.events if isinstance(e, TradeError)]

    def positions(self) -> tuple[Any, ...]:
        return tuple(self.sim.positions_get())

    def deals_of(self, trade_id: str, entry: int | None = None) -> list[Any]:
        """Every deal in the terminal's history whose comment carries this trade id."""
        deals = self.sim.history_deals_get(datetime(2020, 1, 1, tzinfo=UTC), FAR_FUTURE)
        return [
            d for d in deals if trade_id_in(d.comment) == trade_id and (entry is None or d.entry == entry)
        ]


def build_rig(folder: Path, clock: ManualClock, **sim_options: Any) -> Rig:
    """A connected simulator, a journal on disk and a TradingService publishing into a list."""
    sim = WatchedTerminal(clock=clock, state_path=folder / "sim.json", **sim_options)
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    database = open_database(folder / "journal" / "journal.sqlite3")
    journal = Journal(database)
    sim.journal = journal
    events: list[Event] = []

    def now() -> datetime:
        return datetime.fromtimestamp(clock.now(), UTC)

    service = TradingService(journal, events.append, now, orders=LocalOrders(terminal))
    return Rig(clock, sim, terminal, database, journal, service, events)


@pytest.fixture(name="rig")
def rig_fixture(tmp_path: Path) -> Iterator[Rig]:
    """A fresh account and journal on a Wednesday morning."""
    built = build_rig(tmp_path, ManualClock(WEDNESDAY))
    yield built
    built.database.close()


def record_pending_open(
    journal: Journal,
    requested_at: datetime,
    *,
    symbol: str = "EURUSD",
    side: Side = Side.BUY,
    volume: float = 0.1,
    sl: float | None = None,
    tp: float | None = None,
) -> str:
    """A pending OPEN row as TradingService writes it before sending; returns its trade id."""
    trade_id = new_trade_id()
    journal.record_pending(
        trade_id=trade_id,
        source=TradeSource.MANUAL,
        action=OrderAction.OPEN,
        symbol=symbol,
        side=side,
        volume=volume,
        sl=sl,
        tp=tp,
        magic=0,
        comment=tagged_comment(trade_id),
        model_id=None,
        position_ticket=None,
        requested_at=requested_at,
    )
    return trade_id


def record_pending_change(
    journal: Journal,
    requested_at: datetime,
    action: OrderAction,
    ticket: int,
    *,
    symbol: str = "EURUSD",
    sl: float | None = None,
    tp: float | None = None,
) -> str:
    """A pending CLOSE or MODIFY row aimed at position `ticket`; returns its trade id."""
    trade_id = new_trade_id()
    journal.record_pending(
        trade_id=trade_id,
        source=TradeSource.MANUAL,
        action=action,
        symbol=symbol,
        side=None,
        volume=None,
        sl=sl,
        tp=tp,
        magic=0,
        comment=tagged_comment(trade_id),
        model_id=None,
        position_ticket=ticket,
        requested_at=requested_at,
    )
    return trade_id


def sent_straight(terminal: Terminal, trade_id: str, request: OrderRequest) -> Any:
    """Send a request through the adapter with the trade's tagged comment, bypassing the journal."""
    return terminal.send(replace(request, comment=tagged_comment(trade_id, request.comment)))
