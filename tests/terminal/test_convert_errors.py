"""Records MetaTrader 5 Desk cannot read become a TerminalError naming the record and field, not a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.core.enums import Backend
from app.terminal.adapter import Terminal
from app.terminal.convert import to_account, to_bars, to_position, to_tick
from app.terminal.errors import TerminalError
from app.terminal.simulator import ManualClock, SimulatedTerminal


@pytest.fixture
def sim(tmp_path: Path) -> SimulatedTerminal:
    sim = SimulatedTerminal(
        clock=ManualClock(datetime(2026, 11, 18, 10, tzinfo=UTC)), state_path=tmp_path / "s"
    )
    Terminal(sim, Backend.SIM).connect()
    return sim


def _position_record(**changes: object) -> SimpleNamespace:
    fields = dict(
        ticket=1, time=1_700_000_000, time_msc=0, time_update=0, time_update_msc=0, type=0, magic=0,
        identifier=1, reason=0, volume=0.1, price_open=1.1, sl=0.0, tp=0.0, price_current=1.1, swap=0.0,
        profit=0.0, symbol="EURUSD", comment="", external_id="",
    )  # fmt: skip
    fields.update(changes)
    return SimpleNamespace(**fields)


def test_a_well_formed_record_of_any_shape_converts() -> None:
    assert to_position(_position_record()).time_update is None


@pytest.mark.parametrize(
    ("record", "named"),
    [
        (SimpleNamespace(ticket=1), "no field"),
        (_position_record(volume="0.1"), "'volume'"),
        (_position_record(price_open=None), "'price_open'"),
        (_position_record(profit=float("nan")), "'profit'"),
        (_position_record(type=7), "'type' is 7"),
        (_position_record(symbol=b"EURUSD"), "'symbol'"),
        (_position_record(time=10**20), "'time'"),
        (None, "missing"),
    ],
    ids=["missing field", "text volume", "none price", "nan profit", "odd type", "bytes", "odd time", "none"],
)
def test_an_unreadable_position_raises_terminal_error_naming_the_field(record: object, named: str) -> None:
    with pytest.raises(TerminalError) as caught:
        to_position(record)

    assert caught.value.message.startswith("MetaTrader 5 sent a record MT5 Desk cannot read: TradePosition")
    assert named in caught.value.message
    assert caught.value.code == -1


def test_an_account_with_an_unknown_margin_mode_is_refused(sim: SimulatedTerminal) -> None:
    record = SimpleNamespace(**(sim.account_info()._asdict() | {"margin_mode": 9}))

    with pytest.raises(TerminalError, match="margin_mode"):
        to_account(record)


def test_a_tick_with_a_missing_price_is_refused() -> None:
    with pytest.raises(TerminalError, match="Tick has no field 'ask'"):
        to_tick("EURUSD", SimpleNamespace(time=1, bid=1.0, last=0.0, volume=0, time_msc=0, volume_real=0.0))


@pytest.mark.parametrize(
    "rates",
    [[(1, 1.0, 1.0, 1.0, 1.0, 0, 0, 0)], np.zeros(3, dtype=[("time", "<i8"), ("open", "<f8")])],
    ids=["plain list", "missing columns"],
)
def test_rates_that_are_not_bars_are_refused(rates: object) -> None:
    with pytest.raises(TerminalError, match="cannot read: rates"):
        to_bars(rates)
