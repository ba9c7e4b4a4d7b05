"""MODELS_UPDATE: the model list travels whole, replaces what the desk held, and model settings read hours."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.core.enums import Side, Timeframe
from app.core.events import ModelsUpdate, decode, encode
from app.core.models import ModelSettings, ModelSummary
from app.core.state import DeskState
from tests.one_account import single_snapshot

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FULL = ModelSummary(
    "3f9a0c1d2e4b",
    "Trend",
    "EURUSD",
    "M1",
    True,
    open_positions=2,
    today_profit=-3.5,
    algorithm="forest",
    lot_size=0.02,
    last_signal=Side.SELL,
    last_confidence=0.71,
    last_signal_at=T0,
    status="blocked: daily loss limit 200.00 reached",
)


def test_a_models_update_with_every_summary_field_round_trips() -> None:
    event = ModelsUpdate(
        models=(FULL, ModelSummary("b", "Other", "GBPUSD", "H1", False)), auto_trading=True, timestamp=T0
    )
    assert decode(encode(event)) == event


def test_summary_fields_added_for_auto_trading_may_be_absent_on_the_wire() -> None:
    text = encode(ModelsUpdate(models=(FULL,), timestamp=T0))
    for name in ("algorithm", "lot_size", "last_signal", "last_confidence", "last_signal_at", "status"):
        text = text.replace(f'"{name}":', f'"old_{name}":')
    assert decode(text) == ModelsUpdate(
        models=(ModelSummary("3f9a0c1d2e4b", "Trend", "EURUSD", "M1", True, 2, -3.5),), timestamp=T0
    )


def test_desk_state_replaces_its_models_with_the_update() -> None:
    state = DeskState()
    state.apply(single_snapshot(models=(ModelSummary("old", "Old", "X", "M1", True),)))
    assert state.apply(ModelsUpdate(models=(FULL,)))
    assert state.models == (FULL,)
    assert state.snapshot().models == (FULL,)


def test_an_empty_update_clears_the_list() -> None:
    state = DeskState(models_by_account={"": (FULL,)})
    state.apply(ModelsUpdate(models=()))
    assert state.models == ()


def test_model_settings_defaults_are_the_contract() -> None:
    settings = ModelSettings("EURUSD", Timeframe.M1)
    assert (settings.lot_size, settings.confidence_threshold, settings.max_open_positions) == (0.01, 0.6, 1)
    unset = (settings.sl_pips, settings.tp_pips, settings.max_holding_bars, settings.trading_hours)
    assert unset == (None, None, None, None)


@pytest.mark.parametrize(
    ("hours", "inside", "outside"),
    [(None, [0, 12, 23], []), ((8, 17), [8, 16], [7, 17, 23]), ((22, 6), [22, 23, 0, 5], [6, 12, 21])],
)
def test_trading_hours_are_a_utc_window_from_start_up_to_end(
    hours: tuple[int, int] | None, inside: list[int], outside: list[int]
) -> None:
    settings = ModelSettings("EURUSD", Timeframe.H1, trading_hours=hours)
    assert all(settings.within_hours(hour) for hour in inside)
    assert not any(settings.within_hours(hour) for hour in outside)


def test_usable_model_settings_have_no_problems() -> None:
    assert ModelSettings("EURUSD", Timeframe.M1, 0.1, 0.55, 10.0, 20.0, 2, 30, (8, 17)).problems() == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"symbol": " "}, "Symbol must be set."),
        ({"lot_size": 0.0}, "Lot size must be above 0, got 0."),
        ({"lot_size": float("nan")}, "Lot size must be above 0"),
        ({"confidence_threshold": 0.4}, "Confidence threshold must be between 0.50 and 1.00, got 0.4."),
        ({"sl_pips": -5.0}, "Stop loss must be above 0 pips or not set, got -5."),
        ({"tp_pips": 0.0}, "Take profit must be above 0 pips or not set, got 0."),
        ({"max_open_positions": 0}, "Max open positions must be at least 1, got 0."),
        ({"max_holding_bars": 0}, "Max holding bars must be at least 1 or not set, got 0."),
        ({"trading_hours": (8, 25)}, "Trading hours must be UTC hours from 0 to 24, got (8, 25)."),
    ],
)
def test_each_unusable_model_setting_is_named(changes: dict[str, Any], fragment: str) -> None:
    values: dict[str, Any] = {"symbol": "EURUSD", "timeframe": Timeframe.M1, **changes}
    [problem] = ModelSettings(**values).problems()
    assert problem.startswith(fragment)
