"""AutoTrader on the simulator: a new closed bar → prediction logged → exits → RiskGuard → one order per bar.

Risk limits and restarts are in test_autotrader_limits.py; the worker integration in
test_autotrader_worker.py.
"""

from __future__ import annotations

import pytest

from app.core.enums import NoticeLevel, Side, Timeframe
from app.core.events import ModelsUpdate
from app.core.models import ModelSettings
from app.engine.commands import (
    KillSwitchCommand,
    ModelCommand,
    RegisterModelCommand,
    RemoveModelCommand,
    auto_trade_id,
    trade_id_in,
)
from tests.engine.fixtures_autotrader import (  # noqa: F401 (fixtures come by name)
    Desk,
    MakeDesk,
    RealAccountTerminal,
    at,
    auto_clock_fixture,
    desk_fixture,
    make_desk_fixture,
    open_for,
)
from tests.engine.fixtures_models import constant_model, tampered, trained_model
from tests.one_account import MAIN

# ---- the happy path ---------------------------------------------------------------------------------


def test_a_trained_model_trades_the_next_closed_bar_with_its_magic_and_bar_id(desk: Desk) -> None:
    desk.clock.set(at(10, 20))
    manifest, path = trained_model(desk.models_dir, desk.terminal, timeframe=Timeframe.H1)
    settings = ModelSettings(
        "EURUSD", Timeframe.H1, lot_size=0.03, confidence_threshold=0.5, sl_pips=20, tp_pips=40
    )
    desk.trader.handle(RegisterModelCommand(path, manifest, settings, account_id=MAIN))
    desk.trader.handle(ModelCommand(manifest.model_id, enabled=True))
    desk.master()
    assert desk.tick() is False  # the 09:00 bar closed 20 minutes ago: too late to trade

    assert desk.go(at(11, 0, 1)) is True

    [prediction] = desk.trader.registry.predictions(manifest.model_id)
    assert prediction.bar_time == at(10, 0) and prediction.acted is True
    trade_id = auto_trade_id(manifest.model_id, at(10, 0))
    [position] = desk.positions_of(manifest)
    assert trade_id_in(position.comment) == trade_id
    [event] = desk.executed()
    pip = desk.terminal.symbol("EURUSD").pip
    assert (event.model_id, event.model_name, event.trade_id, event.symbol) == (
        manifest.model_id,
        "EURUSD H1 logreg",
        trade_id,
        "EURUSD",
    )
    assert event.direction is prediction.side and event.confidence == pytest.approx(prediction.confidence)
    assert (event.lot_size, event.entry_price) == (0.03, position.price_open)
    sign = 1 if event.direction is Side.BUY else -1
    assert event.stop_loss == pytest.approx(position.price_open - sign * 20 * pip)
    assert event.take_profit == pytest.approx(position.price_open + sign * 40 * pip)
    assert (position.sl, position.tp) == (event.stop_loss, event.take_profit)


def test_the_summary_shows_the_signal_the_position_and_what_the_model_did(desk: Desk) -> None:
    manifest = desk.add(0.7, name="Trend", lot_size=0.02)
    desk.master()
    desk.go(at(10, 1))

    summary = desk.summary(manifest)
    assert (summary.name, summary.symbol, summary.timeframe, summary.enabled) == (
        "Trend",
        "EURUSD",
        "M1",
        True,
    )
    assert (summary.last_signal, summary.last_confidence, summary.last_signal_at) == (
        Side.BUY,
        0.7,
        at(10, 1),
    )
    assert (summary.open_positions, summary.algorithm, summary.lot_size) == (1, "logreg", 0.02)
    assert summary.status.startswith("opened BUY 0.02 at ")
    assert summary.today_profit == pytest.approx(desk.positions_of(manifest)[0].profit, abs=0.01)


def test_the_same_bar_is_acted_on_once_however_often_the_loop_runs(desk: Desk) -> None:
    manifest = desk.add(0.7, max_open_positions=5)
    desk.master()
    for second in (0, 1, 2, 30):
        desk.go(at(10, 1, second))
    assert len(desk.positions_of(manifest)) == 1
    assert len(desk.trader.registry.predictions(manifest.model_id)) == 1


def test_each_new_bar_gets_its_own_prediction_and_order(desk: Desk) -> None:
    manifest = desk.add(0.2, max_open_positions=5)  # SELL at 80 %
    desk.master()
    desk.go(at(10, 1))
    desk.go(at(10, 2))
    assert [p.type for p in desk.positions_of(manifest)] == [1, 1]  # POSITION_TYPE_SELL
    assert [p.bar_time for p in desk.trader.registry.predictions(manifest.model_id)] == [at(10, 1), at(10, 0)]


# ---- no order ------------------------------------------------------------------------------------------


def test_below_the_threshold_the_prediction_is_logged_and_nothing_is_sent(desk: Desk) -> None:
    manifest = desk.add(0.55, confidence_threshold=0.6)
    desk.master()
    assert desk.go(at(10, 1)) is False

    [prediction] = desk.trader.registry.predictions(manifest.model_id)
    assert (prediction.side, prediction.acted) == (Side.BUY, False)
    assert prediction.confidence == pytest.approx(0.55)
    assert prediction.reason == "confidence 0.550 below 0.600"
    assert desk.positions_of(manifest) == []
    assert desk.summary(manifest).status == "waiting for next bar (last: BUY 55% < 60%)"


def test_with_the_master_switch_off_models_predict_but_do_not_trade(desk: Desk) -> None:
    manifest = desk.add(0.9)
    desk.go(at(10, 1))
    [prediction] = desk.trader.registry.predictions(manifest.model_id)
    assert prediction.acted is False and prediction.reason == "auto-trading is off (master switch)"
    assert desk.positions_of(manifest) == []


def test_the_master_switch_is_off_at_every_start(desk: Desk, make_desk: MakeDesk) -> None:
    desk.master()
    assert [e.auto_trading for e in desk.events if isinstance(e, ModelsUpdate)][-1] is True
    restarted = make_desk()
    assert restarted.trader.master_on is False
    assert [e.auto_trading for e in restarted.events if isinstance(e, ModelsUpdate)] == [False]


def test_a_disabled_model_does_not_predict(desk: Desk) -> None:
    manifest = desk.add(0.9, enable=False)
    desk.master()
    desk.go(at(10, 1))
    assert desk.trader.registry.predictions(manifest.model_id) == []
    assert desk.summary(manifest).status == "disabled"


def test_outside_its_trading_hours_a_model_does_not_open(desk: Desk) -> None:
    manifest = desk.add(0.9, trading_hours=(12, 20))
    desk.master()
    desk.go(at(10, 1))
    assert desk.positions_of(manifest) == []
    assert desk.summary(manifest).status == "outside trading hours 12-20 UTC"


# ---- exits ---------------------------------------------------------------------------------------------


def test_an_opposite_signal_closes_the_models_position_then_opens_its_own(desk: Desk) -> None:
    manifest = desk.add(0.2)  # SELL at 80 %
    held = open_for(desk, desk.magic(manifest), "buy")
    manual = open_for(desk, 0, "buy")
    desk.master()
    desk.go(at(10, 1))

    tickets = {p.ticket for p in desk.sim.positions_get()}
    assert held not in tickets and manual in tickets
    [sell] = desk.positions_of(manifest)
    assert sell.type == 1
    [prediction] = desk.trader.registry.predictions(manifest.model_id)
    assert prediction.reason.startswith(f"closed #{held} (opposite signal SELL 80%); opened SELL")


def test_a_weak_opposite_signal_does_not_close(desk: Desk) -> None:
    manifest = desk.add(0.45)  # SELL at 55 %, under the 60 % threshold
    held = open_for(desk, desk.magic(manifest), "buy")
    desk.master()
    desk.go(at(10, 1))
    assert [p.ticket for p in desk.positions_of(manifest)] == [held]


def test_a_position_held_for_max_holding_bars_is_closed(desk: Desk) -> None:
    manifest = desk.add(0.5, confidence_threshold=0.99, max_holding_bars=2)  # never opens by itself
    held = open_for(desk, desk.magic(manifest), "buy")  # opened in the 10:00 bar
    desk.master()
    desk.go(at(10, 1))
    assert [p.ticket for p in desk.positions_of(manifest)] == [held]  # 1 bar held
    desk.go(at(10, 2))
    assert desk.positions_of(manifest) == []
    assert desk.trader.registry.predictions(manifest.model_id)[0].reason.startswith(
        f"closed #{held} (held 2 bar(s))"
    )


# ---- kill switch, registration, removal ----------------------------------------------------------------


def test_the_kill_switch_stops_everything_and_closes_only_model_positions(desk: Desk) -> None:
    first, second = desk.add(0.5, name="First"), desk.add(0.5, name="Second")
    desk.master()
    open_for(desk, desk.magic(first))
    open_for(desk, desk.magic(second), "sell")
    manual = open_for(desk, 0)

    desk.trader.handle(KillSwitchCommand(close_positions=True))

    assert [p.ticket for p in desk.sim.positions_get()] == [manual]
    assert desk.trader.master_on is False
    assert not any(model.enabled for model in desk.trader.registry.all())
    [notice] = desk.notices("Kill switch")
    assert notice.text == "Auto-trading is off and every model is disabled. 2 model position(s) closed."
    assert {s.status for s in [desk.summary(first), desk.summary(second)]} == {"disabled (kill switch)"}


def test_the_kill_switch_can_leave_positions_open(desk: Desk) -> None:
    manifest = desk.add(0.5)
    held = open_for(desk, desk.magic(manifest))
    desk.trader.handle(KillSwitchCommand(close_positions=False))
    assert [p.ticket for p in desk.positions_of(manifest)] == [held]
    assert desk.notices("Kill switch")[0].text.endswith("Their positions were left open.")


def test_a_registered_model_is_disabled_until_enabled(desk: Desk) -> None:
    manifest = desk.add(0.7, enable=False)
    [notice] = desk.notices("Model registered")
    assert "is registered and disabled; enable it in the model dock" in notice.text
    assert desk.summary(manifest).enabled is False


def test_a_model_file_that_does_not_match_its_hash_is_not_registered(desk: Desk) -> None:
    manifest, path = constant_model(desk.models_dir, 0.7)
    desk.trader.handle(
        RegisterModelCommand(path, tampered(manifest), ModelSettings("EURUSD", Timeframe.M1), account_id=MAIN)
    )
    [notice] = desk.notices("Model Constant not registered")
    assert notice.level is NoticeLevel.ERROR and "changed since it was saved" in notice.text
    assert desk.trader.registry.all() == []


def test_a_model_whose_file_changed_is_disabled_at_start_with_a_notice(
    desk: Desk, make_desk: MakeDesk
) -> None:
    manifest = desk.add(0.7)
    (desk.models_dir / manifest.file_name).write_bytes(b"not the model any more")

    restarted = make_desk()

    [notice] = restarted.notices("Model Constant disabled")
    assert notice.level is NoticeLevel.ERROR and "changed since it was saved" in notice.text
    assert restarted.trader.registry.get(manifest.model_id).enabled is False
    assert restarted.summary(manifest).status == "disabled: model file refused"


def test_bad_settings_are_refused_and_the_old_ones_kept(desk: Desk) -> None:
    manifest = desk.add(0.7, lot_size=0.01)
    bad = ModelSettings("EURUSD", Timeframe.M1, lot_size=0.0, confidence_threshold=0.3)
    desk.trader.handle(ModelCommand(manifest.model_id, settings=bad))
    [notice] = desk.notices("Settings of Constant not changed")
    assert "Lot size must be above 0" in notice.text and "between 0.50 and 1.00" in notice.text
    assert desk.trader.registry.get(manifest.model_id).settings.lot_size == 0.01


def test_new_settings_take_effect_on_the_next_bar(desk: Desk) -> None:
    manifest = desk.add(0.7)
    desk.master()
    new = ModelSettings("EURUSD", Timeframe.M1, lot_size=0.04, confidence_threshold=0.6)
    desk.trader.handle(ModelCommand(manifest.model_id, settings=new))
    desk.go(at(10, 1))
    assert [p.volume for p in desk.positions_of(manifest)] == [0.04]


def test_a_model_with_open_positions_cannot_be_removed(desk: Desk) -> None:
    manifest = desk.add(0.7)
    open_for(desk, desk.magic(manifest))
    desk.trader.handle(RemoveModelCommand(manifest.model_id))
    [notice] = desk.notices("Model Constant not removed")
    assert "has 1 open position(s)" in notice.text and "close them first" in notice.text
    assert desk.trader.registry.get(manifest.model_id) is not None


def test_a_removed_model_leaves_the_list(desk: Desk) -> None:
    manifest = desk.add(0.7)
    desk.trader.handle(RemoveModelCommand(manifest.model_id))
    assert desk.trader.registry.get(manifest.model_id) is None
    assert [e for e in desk.events if isinstance(e, ModelsUpdate)][-1].models == ()
