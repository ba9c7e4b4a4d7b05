"""Shared fixtures for the simulator conformance suite: a fixed weekday clock, a fresh account, a trader.

The suite is written from MT5_API.md and the simulator contract, not from the simulator's code: constants
are spelled as the wheel's literal values so a wrong value in the simulator cannot hide a wrong test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.terminal.simulator import ManualClock, SimulatedTerminal

# A Wednesday morning, far from any weekend close, so FX, gold and crypto all trade.
WEDNESDAY_10_UTC = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SATURDAY_NOON_UTC = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

DEFAULT_LOGIN = 5_012_345
DEFAULT_PASSWORD = "demo"
DEFAULT_SERVER = "MT5Desk-Demo"
DEFAULT_BALANCE = 10_000.0
DEFAULT_LEVERAGE = 100

# Wheel values (MetaTrader5 5.0.6231 __init__.py).
TRADE_ACTION_DEAL = 1
ORDER_TYPE_BUY = 0
ORDER_TYPE_SELL = 1
ORDER_FILLING_FOK = 0
ORDER_FILLING_IOC = 1
ORDER_FILLING_RETURN = 2
ORDER_TIME_GTC = 0
SYMBOL_FILLING_FOK = 1
SYMBOL_FILLING_IOC = 2


def allowed_filling(filling_mode: int) -> int:
    """An ORDER_FILLING_* the symbol's `filling_mode` bitmask accepts (FOK first, as the adapter does)."""
    if filling_mode & SYMBOL_FILLING_FOK:
        return ORDER_FILLING_FOK
    if filling_mode & SYMBOL_FILLING_IOC:
        return ORDER_FILLING_IOC
    return ORDER_FILLING_RETURN


@dataclass
class Trader:
    """Builds well-formed market requests against a connected simulator, like a careful client would."""

    api: Any

    def request(self, symbol: str, side: str, volume: float, **fields: Any) -> dict[str, Any]:
        """A market DEAL request at the current price with an allowed filling; `fields` override."""
        self.api.symbol_select(symbol, True)
        info = self.api.symbol_info(symbol)
        tick = self.api.symbol_info_tick(symbol)
        assert info is not None and tick is not None, f"{symbol}: {self.api.last_error()}"
        buy = side == "buy"
        request: dict[str, Any] = {
            "action": TRADE_ACTION_DEAL,
            "symbol": symbol,
            "volume": float(volume),
            "type": ORDER_TYPE_BUY if buy else ORDER_TYPE_SELL,
            "price": tick.ask if buy else tick.bid,
            "deviation": 20,
            "magic": 7,
            "comment": "conformance",
            "type_time": ORDER_TIME_GTC,
            "type_filling": allowed_filling(info.filling_mode),
        }
        request.update(fields)
        return request

    def send(self, symbol: str, side: str, volume: float, **fields: Any) -> Any:
        """order_send of `request(...)`; fails the test if the call itself returned None."""
        result = self.api.order_send(self.request(symbol, side, volume, **fields))
        assert result is not None, f"order_send returned None: {self.api.last_error()}"
        return result

    def open(self, symbol: str, side: str, volume: float, **fields: Any) -> int:
        """Open a position and return its ticket; fails the test unless the fill is DONE (10009)."""
        result = self.send(symbol, side, volume, **fields)
        assert result.retcode == 10009, f"open {symbol} {side} {volume}: {result}"
        return int(result.order)

    def close(self, ticket: int, volume: float | None = None) -> Any:
        """Close (fully, or `volume` of) a position by an opposite deal naming it."""
        position = self.position(ticket)
        side = "sell" if position.type == ORDER_TYPE_BUY else "buy"
        return self.send(
            position.symbol, side, position.volume if volume is None else volume, position=ticket
        )

    def position(self, ticket: int) -> Any:
        """The open position with this ticket; fails the test if it is not there."""
        found = self.api.positions_get(ticket=ticket)
        assert found, f"position {ticket} not open: {found!r} {self.api.last_error()}"
        return found[0]


@pytest.fixture
def clock() -> ManualClock:
    """Server time frozen at Wednesday 2026-11-18 10:00 UTC until a test advances it."""
    return ManualClock(WEDNESDAY_10_UTC)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    """Where the simulated account persists (a fresh folder per test)."""
    return tmp_path / "sim_account.json"


@pytest.fixture
def sim(clock: ManualClock, state_path: Path) -> SimulatedTerminal:
    """A simulated terminal with a fresh default account, not yet initialized."""
    return SimulatedTerminal(clock=clock, state_path=state_path)


@pytest.fixture
def mt5(sim: SimulatedTerminal) -> Iterator[SimulatedTerminal]:
    """The simulated terminal after a successful `initialize()`, shut down afterwards."""
    assert sim.initialize() is True, sim.last_error()
    yield sim
    sim.shutdown()


@pytest.fixture
def trader(mt5: SimulatedTerminal) -> Trader:
    """A request builder bound to the connected terminal."""
    return Trader(mt5)
