"""Price digits the adapter adds from each symbol's SymbolSpec: on positions and on order results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend, OrderAction, Side
from app.core.models import OrderRequest
from app.terminal.adapter import Terminal
from app.terminal.simulator import ManualClock, SimulatedTerminal

WEDNESDAY_10H = datetime(2026, 11, 18, 10, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEDNESDAY_10H)


@pytest.fixture
def sim(tmp_path: Path, clock: ManualClock) -> SimulatedTerminal:
    return SimulatedTerminal(clock=clock, state_path=tmp_path / "sim.json")


@pytest.fixture
def terminal(sim: SimulatedTerminal) -> Terminal:
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    return terminal


class UndescribedSymbol:
    """The simulator, except that symbol_info knows nothing of one symbol (a broker that dropped it)."""

    def __init__(self, sim: SimulatedTerminal, symbol: str) -> None:
        self._sim = sim
        self._symbol = symbol

    def symbol_info(self, name: str) -> Any:
        return None if name == self._symbol else self._sim.symbol_info(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim, name)


@pytest.mark.parametrize(("symbol", "digits"), [("EURUSD", 5), ("USDJPY", 3), ("XAUUSD", 2)])
def test_a_position_carries_its_symbols_digits(
    sim: SimulatedTerminal, terminal: Terminal, symbol: str, digits: int
) -> None:
    ticket = sim.open_external(symbol, "buy", 0.1)

    assert terminal.positions()[ticket].digits == digits
    assert terminal.position(ticket).digits == digits
    assert terminal.positions(symbol)[ticket].digits == digits


def test_a_position_keeps_its_digits_while_its_price_moves(
    sim: SimulatedTerminal, terminal: Terminal, clock: ManualClock
) -> None:
    ticket = sim.open_external("USDJPY", "sell", 0.2)
    before = terminal.positions()[ticket]
    clock.advance(600)

    after = terminal.positions()[ticket]

    assert after.price_current != before.price_current and after.digits == 3


def test_a_position_whose_symbol_the_terminal_does_not_describe_still_arrives_without_digits(
    sim: SimulatedTerminal, caplog: pytest.LogCaptureFixture
) -> None:
    terminal = Terminal(UndescribedSymbol(sim, "GBPUSD"), Backend.SIM)
    terminal.connect()
    gbp, eur = sim.open_external("GBPUSD", "buy", 0.1), sim.open_external("EURUSD", "buy", 0.1)

    positions = terminal.positions()

    assert positions[gbp].digits is None and positions[eur].digits == 5
    assert "price digits of GBPUSD unknown" in caplog.text


def test_a_filled_order_says_its_symbols_digits(terminal: Terminal) -> None:
    result = terminal.send(OrderRequest(OrderAction.OPEN, "XAUUSD", side=Side.BUY, volume=0.1))

    assert result.retcode == 10009 and result.digits == 2
