"""The risk limits declared once: the settings loader enforces their bounds, and changes read as a trader
would say them."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from app.core.risk_limits import DAILY_LOSS, MAX_LOT, RISK_LIMITS, RiskLimit, changed_limits, value_text
from app.core.settings import RiskSettings, settings_from_dict


def test_every_risk_setting_but_the_real_account_switch_and_the_desk_currency_is_a_declared_limit() -> None:
    keys = [limit.key for limit in RISK_LIMITS]
    not_limits = ("allow_real_account", "desk_currency")
    assert sorted(keys) == sorted(f.name for f in fields(RiskSettings) if f.name not in not_limits)
    assert all(limit.explanation.endswith(".") and limit.label for limit in RISK_LIMITS)


@pytest.mark.parametrize("limit", RISK_LIMITS, ids=lambda limit: limit.key)
def test_the_loader_accepts_a_limits_bounds_and_refuses_beyond_them_naming_them(limit: RiskLimit) -> None:
    for inside in (limit.low, limit.high):
        value = int(inside) if limit.whole else inside
        loaded, problems = settings_from_dict({"risk": {limit.key: value}})
        assert problems == [] and getattr(loaded.risk, limit.key) == value

    beyond = int(limit.high) + 1 if limit.whole else limit.high * 2
    loaded, problems = settings_from_dict({"risk": {limit.key: beyond}})

    [problem] = problems
    assert problem.startswith(f"risk.{limit.key}: must be a")
    assert f"between {limit.low:g} and" in problem
    assert getattr(loaded.risk, limit.key) == getattr(RiskSettings(), limit.key)


def test_bounds_read_in_the_limits_unit() -> None:
    assert MAX_LOT.bounds_text() == "From 0.001 to 10,000 lots."
    assert DAILY_LOSS.bounds_text("USD") == "From 0.01 to 1,000,000,000 USD."


def test_a_value_reads_with_its_unit() -> None:
    assert value_text(MAX_LOT, 0.5) == "0.50 lots"
    assert value_text(DAILY_LOSS, 1250.0, "EUR") == "1,250.00 EUR"


def test_changes_are_said_one_by_one_and_nothing_when_nothing_changed() -> None:
    before = RiskSettings()
    after = replace(before, allow_real_account=True, daily_loss_limit=200.0, cooldown_minutes=30)

    assert changed_limits(before, after, "USD") == [
        "automatic trading on a real account allowed",
        "Daily loss limit 500.00 USD → 200.00 USD",
        "Cooldown length 60 minutes → 30 minutes",
    ]
    assert changed_limits(after, after) == []
