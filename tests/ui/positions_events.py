"""Event builders for the positions table tests: positions and the events that carry them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.core.enums import ConnectionState, Side
from app.core.events import PnlUpdate, PositionsUpdate, Snapshot
from app.core.models import Position, TerminalStatus
from tests.one_account import single_snapshot

OPENED = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
# Each symbol's SymbolSpec.digits, as the adapter adds it to the positions it reads.
DIGITS = {"EURUSD": 5, "GBPUSD": 5, "AUDUSD": 5, "USDJPY": 3, "XAUUSD": 2, "BTCUSD": 2}


def make_position(ticket: int, symbol: str = "EURUSD", **changes: Any) -> Position:
    fields: dict[str, object] = {
        "ticket": ticket,
        "symbol": symbol,
        "side": Side.BUY,
        "volume": 0.10,
        "price_open": 1.08500,
        "price_current": 1.08500,
        "sl": None,
        "tp": None,
        "swap": 0.0,
        "profit": 0.0,
        "time": OPENED,
        "digits": DIGITS.get(symbol),
    }
    fields.update(changes)
    return Position(**fields)  # type: ignore[arg-type]


def opened(*positions: Position) -> PositionsUpdate:
    return PositionsUpdate(
        positions=positions, added=tuple(p.ticket for p in positions), removed=(), modified=()
    )


def closed(*tickets: int) -> PositionsUpdate:
    return PositionsUpdate(positions=(), added=(), removed=tickets, modified=())


def modified(*positions: Position) -> PositionsUpdate:
    return PositionsUpdate(
        positions=positions, added=(), removed=(), modified=tuple(p.ticket for p in positions)
    )


def pnl(ticks: dict[int, tuple[float, float]]) -> PnlUpdate:
    return PnlUpdate(pnl=ticks, floating_total=0.0, equity=10_000.0)


def snapshot(*positions: Position) -> Snapshot:
    status = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)
    return single_snapshot(account=None, positions=positions, status=status, models=())
