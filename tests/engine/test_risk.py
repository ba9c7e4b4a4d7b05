"""RiskGuard: each rule refuses an automatic order with its name and numbers, and allows one just under it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.enums import AccountTradeMode, OrderAction, Side, Timeframe
from app.core.models import Account, ModelSettings, OrderRequest, Position
from app.core.settings import RiskSettings
from app.engine.risk import Refusal, RiskContext, RiskGuard, Rule

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
MAGIC = 712_345_678
OTHER_MAGIC = 712_000_001


@dataclass(frozen=True)
class Subject:
    model_id: str = "3f9a0c1d2e4b"
    name: str = "Trend M1"
    magic: int = MAGIC


MODEL = Subject()
SETTINGS = ModelSettings("EURUSD", Timeframe.M1, lot_size=0.1, max_open_positions=2)
LIMITS = RiskSettings(
    max_lot_per_trade=1.0,
    max_open_positions_total=3,
    daily_loss_limit=500.0,
    max_trades_per_day=5,
    cooldown_after_losses=3,
    cooldown_minutes=60,
)
ACCOUNT = Account(
    login=5001,
    name="Demo",
    server="Sim-Demo",
    company="Sim",
    currency="USD",
    leverage=100,
    balance=10_000.0,
    equity=10_000.0,
    margin=0.0,
    margin_free=10_000.0,
    margin_level=0.0,
    profit=0.0,
)


def position(ticket: int, magic: int = MAGIC, profit: float = 0.0, swap: float = 0.0) -> Position:
    return Position(
        ticket=ticket,
        symbol="EURUSD",
        side=Side.BUY,
        volume=0.1,
        price_open=1.1,
        price_current=1.1,
        sl=None,
        tp=None,
        swap=swap,
        profit=profit,
        time=NOW,
        magic=magic,
    )


def context(**changes: Any) -> RiskContext:
    base = RiskContext(
        now=NOW,
        account=ACCOUNT,
        positions={},
        closed_today=0.0,
        trades_today={},
        consecutive_losses=0,
        last_loss_at=None,
        terminal_trade_allowed=True,
        model_magics=frozenset({MAGIC, OTHER_MAGIC}),
    )
    return replace(base, **changes)


def request(volume: float = 0.1) -> OrderRequest:
    return OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, volume=volume, magic=MAGIC)


def check(ctx: RiskContext, *, volume: float = 0.1, limits: RiskSettings = LIMITS) -> Refusal | None:
    return RiskGuard(limits).check(MODEL, SETTINGS, request(volume), ctx)


def test_an_ordinary_order_on_a_quiet_demo_account_is_allowed() -> None:
    assert check(context()) is None


def test_algo_trading_off_in_the_terminal_refuses_and_says_how_to_switch_it_on() -> None:
    refusal = check(context(terminal_trade_allowed=False))
    assert refusal is not None and refusal.rule == Rule.ALGO_TRADING_OFF == "Algo Trading off"
    assert "Algo Trading button is off" in refusal.text and "Switch Algo Trading on" in refusal.text


def test_an_account_without_expert_trading_refuses_as_algo_trading_off() -> None:
    refusal = check(context(account=replace(ACCOUNT, trade_expert=False)))
    assert refusal is not None and refusal.rule == Rule.ALGO_TRADING_OFF
    assert "does not allow expert" in refusal.text


def test_an_unread_account_refuses_until_it_is_known() -> None:
    refusal = check(context(account=None))
    assert refusal is not None and refusal.rule == Rule.NO_ACCOUNT


def test_a_real_account_refuses_without_the_opt_in_naming_the_setting() -> None:
    refusal = check(context(account=replace(ACCOUNT, trade_mode=AccountTradeMode.REAL)))
    assert refusal == Refusal(
        "Real account",
        "Account 5001 is a real-money account and automatic trading on real accounts is off (Settings → "
        "Risk: Allow trading on a real account). Turn it on only if you mean the models to trade real money.",
    )


def test_a_real_account_is_allowed_after_the_opt_in() -> None:
    real = context(account=replace(ACCOUNT, trade_mode=AccountTradeMode.REAL))
    assert check(real, limits=replace(LIMITS, allow_real_account=True)) is None


def test_a_contest_account_counts_as_not_real() -> None:
    assert check(context(account=replace(ACCOUNT, trade_mode=AccountTradeMode.CONTEST))) is None


def test_a_lot_above_the_per_trade_limit_is_refused_with_both_numbers() -> None:
    refusal = check(context(), volume=1.5)
    assert refusal is not None and refusal.rule == "Max lot per trade"
    assert refusal.text.startswith("Trend M1 asked for 1.50 lots > limit 1.00 lots per trade")


def test_a_lot_equal_to_the_per_trade_limit_is_allowed() -> None:
    assert check(context(), volume=1.0) is None


def test_a_model_at_its_open_positions_limit_is_refused() -> None:
    refusal = check(context(positions={1: position(1), 2: position(2)}))
    assert refusal is not None and refusal.rule == "Max open positions per model"
    assert "Trend M1 has 2 open position(s) ≥ its limit 2" in refusal.text


def test_a_model_one_under_its_open_positions_limit_is_allowed() -> None:
    assert check(context(positions={1: position(1)})) is None


def test_positions_of_other_magics_do_not_count_against_the_model() -> None:
    others = {1: position(1, magic=0), 2: position(2, magic=OTHER_MAGIC)}
    assert check(context(positions=others)) is None


def test_the_models_at_the_total_open_positions_limit_are_refused() -> None:
    held = {1: position(1), 2: position(2, magic=OTHER_MAGIC), 3: position(3, magic=OTHER_MAGIC)}
    refusal = check(context(positions=held))
    assert refusal is not None and refusal.rule == "Max open positions in total"
    assert "The models hold 3 open position(s) in total ≥ limit 3" in refusal.text


def test_one_under_the_total_limit_is_allowed_and_manual_positions_do_not_count() -> None:
    held = {1: position(1), 2: position(2, magic=OTHER_MAGIC), 3: position(3, magic=0)}
    assert check(context(positions=held)) is None


def test_the_daily_loss_limit_refuses_with_closed_and_floating_parts() -> None:
    losing = {1: position(1, magic=0, profit=-200.0, swap=-12.4)}
    refusal = check(context(closed_today=-300.0, positions=losing))
    assert refusal == Refusal(
        "Daily loss limit",
        "Today's loss 512.40 USD (closed 300.00 USD + floating 212.40 USD) ≥ limit 500.00 USD; automatic "
        "trading is paused until 00:00 UTC.",
    )


def test_a_loss_exactly_at_the_limit_is_refused() -> None:
    refusal = check(context(closed_today=-500.0))
    assert refusal is not None and refusal.rule == Rule.DAILY_LOSS


def test_a_loss_just_under_the_limit_is_allowed() -> None:
    assert check(context(closed_today=-499.99)) is None


def test_floating_profit_offsets_a_closed_loss() -> None:
    winning = {1: position(1, magic=0, profit=300.0)}
    assert check(context(closed_today=-700.0, positions=winning)) is None


def test_the_models_daily_trade_count_at_the_limit_is_refused() -> None:
    refusal = check(context(trades_today={MODEL.model_id: 5}))
    assert refusal is not None and refusal.rule == "Max trades per day"
    assert "Trend M1 sent 5 order(s) today ≥ limit 5 per day" in refusal.text


def test_one_trade_under_the_daily_count_is_allowed_and_other_models_do_not_count() -> None:
    assert check(context(trades_today={MODEL.model_id: 4, "other": 50})) is None


def test_a_cooldown_follows_n_losses_in_a_row_and_says_until_when() -> None:
    refusal = check(context(consecutive_losses=3, last_loss_at=NOW - timedelta(minutes=10)))
    assert refusal == Refusal(
        "Cooldown after losses",
        "3 losing automatic trades in a row ≥ limit 3, the last closed at 10:20 UTC; automatic trading is "
        "paused for 60 minutes, until 11:20 UTC.",
    )


def test_one_loss_fewer_than_the_cooldown_count_is_allowed() -> None:
    assert check(context(consecutive_losses=2, last_loss_at=NOW - timedelta(minutes=1))) is None


def test_trading_resumes_when_the_cooldown_has_passed() -> None:
    assert check(context(consecutive_losses=5, last_loss_at=NOW - timedelta(minutes=60))) is None


def test_a_cooldown_count_of_zero_turns_the_rule_off() -> None:
    off = replace(LIMITS, cooldown_after_losses=0)
    assert check(context(consecutive_losses=9, last_loss_at=NOW), limits=off) is None


@pytest.mark.parametrize(
    ("ctx", "rule"),
    [
        (context(terminal_trade_allowed=False, closed_today=-900.0), Rule.ALGO_TRADING_OFF),
        (context(closed_today=-900.0, trades_today={MODEL.model_id: 9}), Rule.DAILY_LOSS),
    ],
)
def test_the_first_broken_rule_is_the_one_reported(ctx: RiskContext, rule: str) -> None:
    refusal = check(ctx)
    assert refusal is not None and refusal.rule == rule
