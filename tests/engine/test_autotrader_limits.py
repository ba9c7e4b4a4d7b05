"""AutoTrader under its limits: every RiskGuard rule blocks with its NOTICE, and a bar is traded exactly
once however the app is stopped and started around it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.core.enums import NoticeLevel
from app.core.settings import RiskSettings
from app.engine.commands import RiskLimitsCommand, auto_trade_id, trade_id_in
from app.ml.manifest import ModelManifest
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
from tests.one_account import MAIN

# ---- risk limits ---------------------------------------------------------------------------------------


def assert_blocked(desk: Desk, manifest: ModelManifest, rule: str, fragment: str) -> None:
    [notice] = desk.notices(f"Risk limit: {rule}")
    assert notice.level is NoticeLevel.WARNING and fragment in notice.text
    [prediction] = desk.trader.registry.predictions(manifest.model_id)
    assert prediction.acted is False and prediction.reason.startswith(f"Risk limit: {rule}: ")
    assert desk.summary(manifest).status.startswith(f"blocked: {rule.lower()}")
    assert desk.executed() == []


def test_a_lot_above_the_per_trade_limit_is_blocked(make_desk: MakeDesk) -> None:
    desk = make_desk(RiskSettings(max_lot_per_trade=0.1))
    manifest = desk.add(0.9, lot_size=0.5)
    desk.master()
    desk.go(at(10, 1))
    assert_blocked(desk, manifest, "Max lot per trade", "asked for 0.50 lots > limit 0.10 lots per trade")


def test_limits_changed_in_the_settings_apply_to_the_next_automatic_order(desk: Desk) -> None:
    manifest = desk.add(0.9, lot_size=0.5)  # the default limit, 1 lot, lets it trade
    desk.trader.handle(
        RiskLimitsCommand(RiskSettings(max_lot_per_trade=0.1, max_trades_per_day=20), MAIN, "USD")
    )
    desk.master()
    desk.go(at(10, 1))

    assert_blocked(desk, manifest, "Max lot per trade", "asked for 0.50 lots > limit 0.10 lots per trade")
    [changed] = desk.notices("Risk limits changed")
    assert changed.level is NoticeLevel.INFO
    assert changed.text == (
        "Max lot per trade 1.00 lots → 0.10 lots; Max trades per day 50 orders → 20 orders. "
        "They apply to every automatic order from now on."
    )


def test_a_model_blocked_by_a_limit_trades_at_its_next_bar_once_the_limit_is_raised(
    make_desk: MakeDesk,
) -> None:
    desk = make_desk(RiskSettings(max_lot_per_trade=0.1))
    manifest = desk.add(0.9, lot_size=0.5)
    desk.master()
    desk.go(at(10, 1))
    assert desk.executed() == []

    desk.trader.handle(RiskLimitsCommand(RiskSettings(max_lot_per_trade=0.5), MAIN))
    desk.go(at(10, 2))

    [executed] = desk.executed()
    assert executed.lot_size == 0.5 and len(desk.positions_of(manifest)) == 1


def test_the_same_limits_saved_again_say_nothing(desk: Desk) -> None:
    desk.trader.handle(RiskLimitsCommand(RiskSettings(), MAIN))
    assert desk.notices("Risk limits changed") == []


def test_a_model_whose_own_positions_on_the_signals_side_fill_its_limit_holds_them_without_a_warning(
    desk: Desk,
) -> None:
    manifest = desk.add(0.9, max_open_positions=1)  # BUY at 90 %
    open_for(desk, desk.magic(manifest), "buy")
    desk.master()

    desk.go(at(10, 1))

    assert desk.notices("Risk limit: Max open positions per model") == []
    [prediction] = desk.trader.registry.predictions(manifest.model_id)
    assert prediction.acted is False and prediction.reason.startswith("holding: ")
    assert desk.summary(manifest).status == "holding BUY: 1 of 1 open (max open positions per model)"
    assert desk.executed() == []


def test_a_model_at_its_limit_with_a_position_it_could_not_close_is_blocked(desk: Desk) -> None:
    manifest = desk.add(0.9, max_open_positions=1)  # BUY at 90 %
    open_for(desk, desk.magic(manifest), "sell")
    desk.sim.force_next_retcode(10006)  # TRADE_RETCODE_REJECT: the opposite signal's close of the SELL fails
    desk.master()

    desk.go(at(10, 1))

    assert_blocked(desk, manifest, "Max open positions per model", "has 1 open position(s) ≥ its limit 1")


def test_the_models_at_the_total_open_positions_limit_are_blocked(make_desk: MakeDesk) -> None:
    desk = make_desk(RiskSettings(max_open_positions_total=1))
    other = desk.add(0.5, name="Other", enable=False)
    open_for(desk, desk.magic(other))
    manifest = desk.add(0.9)
    desk.master()
    desk.go(at(10, 1))
    assert_blocked(
        desk, manifest, "Max open positions in total", "hold 1 open position(s) in total ≥ limit 1"
    )


def test_the_daily_loss_limit_counts_floating_losses_and_blocks(make_desk: MakeDesk) -> None:
    desk = make_desk(RiskSettings(daily_loss_limit=0.5))
    open_for(desk, 0, "buy", volume=1.0)  # a manual position, down by its spread
    manifest = desk.add(0.9)
    desk.master()
    desk.go(at(10, 1))
    assert_blocked(
        desk, manifest, "Daily loss limit", "≥ limit 0.50 USD; automatic trading is paused until 00:00 UTC"
    )


def test_the_daily_trade_count_blocks_the_next_order(make_desk: MakeDesk) -> None:
    desk = make_desk(RiskSettings(max_trades_per_day=1))
    manifest = desk.add(0.9, max_open_positions=5)
    desk.master()
    desk.go(at(10, 1))
    desk.go(at(10, 2))
    [notice] = desk.notices("Risk limit: Max trades per day")
    assert "Constant sent 1 order(s) today ≥ limit 1 per day" in notice.text
    assert len(desk.positions_of(manifest)) == 1


def test_a_losing_streak_starts_a_cooldown(make_desk: MakeDesk) -> None:
    desk = make_desk(RiskSettings(cooldown_after_losses=1, cooldown_minutes=30))
    manifest = desk.add(0.9)
    desk.master()
    desk.go(at(10, 1))
    [position] = desk.positions_of(manifest)
    desk.clock.set(at(10, 1, 20))
    desk.sim.close_external(position.ticket)  # closed at a loss (the spread)
    desk.sync_deals()
    desk.go(at(10, 2))
    [notice] = desk.notices("Risk limit: Cooldown after losses")
    assert "1 losing automatic trades in a row ≥ limit 1, the last closed at 10:01 UTC" in notice.text
    assert "until 10:31 UTC" in notice.text
    assert desk.positions_of(manifest) == []


def test_algo_trading_off_in_the_terminal_blocks(desk: Desk) -> None:
    manifest = desk.add(0.9)
    desk.master()
    desk.sim.set_algo_trading(False)
    desk.go(at(10, 1))
    assert_blocked(desk, manifest, "Algo Trading off", "Switch Algo Trading on in MetaTrader 5")


def test_a_real_account_is_blocked_without_the_opt_in(make_desk: MakeDesk) -> None:
    desk = make_desk(sim_type=RealAccountTerminal)
    manifest = desk.add(0.9)
    desk.master()
    desk.go(at(10, 1))
    assert_blocked(desk, manifest, "Real account", "Settings → Risk: Allow trading on a real account")


def test_a_real_account_trades_after_the_opt_in(make_desk: MakeDesk) -> None:
    desk = make_desk(RiskSettings(allow_real_account=True), sim_type=RealAccountTerminal)
    manifest = desk.add(0.9)
    desk.master()
    desk.go(at(10, 1))
    assert len(desk.positions_of(manifest)) == 1


def test_a_lasting_block_is_announced_once_and_stays_in_the_status(desk: Desk) -> None:
    manifest = desk.add(0.9)
    desk.master()
    desk.sim.set_algo_trading(False)
    for minute in (1, 2, 3):
        desk.go(at(10, minute))
    assert len(desk.notices("Risk limit: Algo Trading off")) == 1
    assert desk.summary(manifest).status.startswith("blocked: algo trading off")


# ---- exactly once, across restarts -------------------------------------------------------------------


def one_trade_for(desk: Desk, manifest: ModelManifest, bar: datetime) -> None:
    trade_id = auto_trade_id(manifest.model_id, bar)
    assert [trade_id_in(p.comment) for p in desk.sim.positions_get()] == [trade_id]
    assert len([d for d in desk.deals_with(trade_id) if d.entry == 0]) == 1  # one DEAL_ENTRY_IN


def restart(make_desk: MakeDesk) -> Desk:
    desk = make_desk()
    desk.master()
    return desk


def test_a_restart_after_the_fill_does_not_trade_the_bar_again(desk: Desk, make_desk: MakeDesk) -> None:
    manifest = desk.add(0.7, max_open_positions=5)
    desk.master()
    desk.go(at(10, 1))

    restarted = restart(make_desk)
    restarted.go(at(10, 1, 5))

    one_trade_for(restarted, manifest, at(10, 0))
    assert restarted.executed() == []
    assert restarted.trader.registry.predictions(manifest.model_id)[0].reason.startswith("already traded")


def test_a_restart_between_prediction_and_order_trades_the_bar_once(desk: Desk, make_desk: MakeDesk) -> None:
    manifest = desk.add(0.7, max_open_positions=5)
    desk.go(at(10, 1))  # predicted and logged; the app stops before any order (master switch off)
    assert desk.positions_of(manifest) == []

    restart(make_desk).go(at(10, 1, 5))
    again = restart(make_desk)
    again.go(at(10, 1, 6))

    one_trade_for(again, manifest, at(10, 0))


def test_a_restart_after_the_order_was_sent_but_before_its_answer_trades_the_bar_once(
    desk: Desk, make_desk: MakeDesk
) -> None:
    from app.engine.reconcile import reconcile_pending
    from app.terminal.errors import TerminalError

    manifest = desk.add(0.7, max_open_positions=5)
    desk.master()
    original_send = desk.sim.order_send

    def send_then_die(*args: Any, **kwargs: Any) -> Any:
        original_send(*args, **kwargs)  # the order executes in the terminal...
        desk.sim.disconnect()  # ...and the app loses it before the answer arrives
        return None

    desk.sim.order_send = send_then_die  # type: ignore[method-assign]
    with pytest.raises(TerminalError):
        desk.go(at(10, 1))

    restarted = restart(make_desk)
    reconcile_pending(restarted.terminal, restarted.journal, restarted.now)  # what the worker does on connect
    restarted.go(at(10, 1, 5))

    one_trade_for(restarted, manifest, at(10, 0))


def test_a_late_bar_after_a_restart_is_skipped_not_traded(desk: Desk, make_desk: MakeDesk) -> None:
    manifest = desk.add(0.7)
    restarted = restart(make_desk)
    restarted.go(at(10, 1, 40))  # the 10:00 bar closed 40 s ago: over a quarter of M1
    assert restarted.positions_of(manifest) == []
    assert restarted.summary(manifest).status == (
        "waiting for next bar (the 10:00 bar closed 40 s ago, too late)"
    )


def test_the_registry_survives_a_restart_with_enabled_models_loaded(desk: Desk, make_desk: MakeDesk) -> None:
    manifest = desk.add(0.7)
    restarted = restart(make_desk)
    restarted.go(at(10, 1))
    assert len(restarted.positions_of(manifest)) == 1
