"""PositionCache: repeated reads reuse converted positions without ever serving a stale field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.terminal.convert import to_position
from app.terminal.errors import TerminalError
from app.terminal.position_cache import PositionCache
from app.terminal.simulator import ManualClock, SimulatedTerminal


@pytest.fixture
def sim(tmp_path: Path) -> SimulatedTerminal:
    terminal = SimulatedTerminal(clock=ManualClock(datetime(2026, 11, 18, 10, tzinfo=UTC)))
    terminal.initialize()
    return terminal


def test_an_unchanged_record_keeps_the_same_position_object(sim: SimulatedTerminal) -> None:
    sim.open_external("EURUSD", "buy", 0.1)
    cache = PositionCache()
    first = cache.convert(sim.positions_get())
    second = cache.convert(sim.positions_get())
    (ticket,) = first
    assert second[ticket] is first[ticket]


def test_a_price_move_gives_a_new_position_with_only_price_and_profit_changed(sim: SimulatedTerminal) -> None:
    sim.open_external("EURUSD", "buy", 0.1)
    cache = PositionCache()
    (before,) = cache.convert(sim.positions_get()).values()
    clock = sim.clock
    assert isinstance(clock, ManualClock)
    clock.advance(600)
    records = sim.positions_get()
    (after,) = cache.convert(records).values()
    assert after == to_position(records[0])
    assert (after.price_current, after.profit) != (before.price_current, before.profit)


def test_a_changed_stop_loss_is_converted_in_full(sim: SimulatedTerminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    cache = PositionCache()
    cache.convert(sim.positions_get())
    sim.modify_external(ticket, sl=1.0)
    records = sim.positions_get()
    assert cache.convert(records)[ticket] == to_position(records[0])


def test_a_closed_position_is_dropped(sim: SimulatedTerminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    cache = PositionCache()
    cache.convert(sim.positions_get())
    sim.close_external(ticket)
    assert cache.convert(sim.positions_get()) == {}


def test_a_malformed_price_still_takes_the_validating_path(sim: SimulatedTerminal) -> None:
    sim.open_external("EURUSD", "buy", 0.1)
    cache = PositionCache()
    (record,) = sim.positions_get()
    cache.convert([record])
    broken = (*record[:13], "1.1", *record[14:])  # price_current as text
    with pytest.raises(TerminalError):
        cache.convert([broken])
