"""compute_metrics against hand-computed cases; the arithmetic is written out beside each expected number."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.ml.metrics import PerformanceMetrics, compute_metrics

SQRT_365 = math.sqrt(365)  # 19.1049731745...


@dataclass(frozen=True)
class Trade:
    profit: float
    closed_at: datetime
    confidence: float | None = None


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


def test_no_trades() -> None:
    m = compute_metrics([], 1000.0)
    assert (m.trades, m.wins, m.losses, m.days) == (0, 0, 0, 0)
    assert (m.win_rate, m.profit_factor, m.expectancy) == (None, None, None)
    assert (m.net_profit, m.max_drawdown, m.max_drawdown_pct) == (0.0, 0.0, 0.0)
    assert (m.sharpe, m.sortino, m.average_confidence) == (None, None, None)
    assert m.final_balance == 1000.0


def test_all_wins_on_one_day() -> None:
    m = compute_metrics([Trade(10.0, at(1, 9)), Trade(20.0, at(1, 17))], 1000.0)
    assert (m.trades, m.wins, m.losses) == (2, 2, 0)
    assert m.win_rate == 1.0
    assert m.profit_factor == math.inf  # gross profit 30, no loss
    assert m.expectancy == 15.0  # 30 / 2
    assert m.net_profit == 30.0 and m.final_balance == 1030.0
    assert (m.max_drawdown, m.max_drawdown_pct) == (0.0, 0.0)  # equity 1000 → 1010 → 1030 only rises
    assert m.days == 1
    assert (m.sharpe, m.sortino) == (None, None)  # one day: fewer than two daily returns


def test_all_losses_on_two_days() -> None:
    m = compute_metrics([Trade(-10.0, at(1)), Trade(-20.0, at(2))], 1000.0)
    assert (m.wins, m.losses, m.win_rate) == (0, 2, 0.0)
    assert m.profit_factor == 0.0  # 0 / 30
    assert m.expectancy == -15.0  # −30 / 2
    assert m.max_drawdown == 30.0  # peak 1000, trough 970
    assert m.max_drawdown_pct == pytest.approx(3.0)  # 30 / 1000 × 100
    # r1 = 990/1000 − 1 = −0.01; r2 = 970/990 − 1 = −0.0202020202
    # mean = −0.0151010101; s = |r1 − r2| / √2 = 0.0072139177
    # Sharpe = −0.0151010101 / 0.0072139177 × √365 = −39.99274821
    assert m.sharpe == pytest.approx(-39.99274821, rel=1e-9)
    # d = √((0.01² + 0.0202020202²) / 2) = 0.0159392851 (root mean square over all n = 2 days)
    # Sortino = −0.0151010101 / 0.0159392851 × √365 = −18.1002090574
    assert m.sortino == pytest.approx(-18.1002090574, rel=1e-9)


def test_several_days_with_a_day_without_trades() -> None:
    trades = [
        Trade(200.0, at(4), confidence=0.8),  # given out of order: metrics sort by closed_at
        Trade(100.0, at(1, 10), confidence=0.6),
        Trade(-50.0, at(1, 15), confidence=0.7),
        Trade(-100.0, at(3, 9)),
    ]
    m = compute_metrics(trades, 1000.0)
    assert (m.trades, m.wins, m.losses, m.win_rate) == (4, 2, 2, 0.5)
    assert (m.gross_profit, m.gross_loss) == (300.0, 150.0)
    assert m.profit_factor == 2.0  # 300 / 150
    assert m.expectancy == 37.5  # 150 / 4
    assert m.net_profit == 150.0
    # Equity by trade: 1000 → 1100 → 1050 → 950 → 1150; deepest fall from the 1100 peak to 950.
    assert m.max_drawdown == 150.0
    assert m.max_drawdown_pct == pytest.approx(150 / 1100 * 100)  # 13.6363...
    assert m.average_confidence == pytest.approx(0.7)  # (0.6 + 0.7 + 0.8) / 3; the None is skipped
    # Days Jan 1..4 (4 days; Jan 2 has no trade, its equity is carried over).
    # End-of-day equity: 1050, 1050, 950, 1150.
    # r = [1050/1000 − 1, 1050/1050 − 1, 950/1050 − 1, 1150/950 − 1] = [0.05, 0, −0.0952380952, 0.2105263158]
    # mean = 0.1652882206 / 4 = 0.0413220551
    # s (ddof 1) = √((0.0086779449² + 0.0413220551² + 0.1365601503² + 0.1692042607²) / 3) = 0.1278822055
    # Sharpe = 0.0413220551 / 0.1278822055 × √365 = 6.1733120081
    # d = √((0² + 0² + 0.0952380952² + 0²) / 4) = 0.0476190476 (the three days without a loss count as 0)
    # Sortino = 0.0413220551 / 0.0476190476 × √365 = 16.5785918534
    assert m.days == 4
    assert m.sharpe == pytest.approx(6.1733120081, rel=1e-9)
    assert m.sortino == pytest.approx(16.5785918534, rel=1e-9)


def test_drawdown_percent_is_its_own_maximum_not_the_percent_of_the_largest_fall() -> None:
    # Start 100: −50 → 50 (fall 50 = 50 % of the 100 peak); +950 → 1000; −100 → 900 (fall 100 = 10 %).
    m = compute_metrics([Trade(-50.0, at(1)), Trade(950.0, at(2)), Trade(-100.0, at(3))], 100.0)
    assert m.max_drawdown == 100.0
    assert m.max_drawdown_pct == 50.0


def test_days_are_utc_calendar_days() -> None:
    # 01:00 at +03:00 on Jan 2 is 22:00 UTC on Jan 1: both trades close on the same UTC day.
    plus_three = timezone(timedelta(hours=3))
    m = compute_metrics(
        [Trade(10.0, at(1, 9)), Trade(5.0, datetime(2024, 1, 2, 1, tzinfo=plus_three))], 1000.0
    )
    assert m.days == 1


def test_naive_close_times_are_read_as_utc() -> None:
    m = compute_metrics([Trade(10.0, datetime(2024, 1, 1, 23)), Trade(5.0, at(2, 1))], 1000.0)
    assert m.days == 2


def test_equal_daily_returns_have_no_deviation_and_no_sharpe() -> None:
    # r = [0.1, 0.1]: 1000 → 1100 → 1210. s = 0, and no losing day, so d = 0 too.
    m = compute_metrics([Trade(100.0, at(1)), Trade(110.0, at(2))], 1000.0)
    assert (m.sharpe, m.sortino) == (None, None)


def test_only_winning_days_have_a_sharpe_but_no_sortino() -> None:
    m = compute_metrics([Trade(100.0, at(1)), Trade(10.0, at(2))], 1000.0)
    assert m.sharpe is not None and m.sharpe > 0
    assert m.sortino is None


def test_equity_at_or_below_zero_leaves_the_ratios_undefined() -> None:
    m = compute_metrics([Trade(-1000.0, at(1)), Trade(50.0, at(2))], 1000.0)
    assert (m.sharpe, m.sortino) == (None, None)
    assert m.max_drawdown_pct == 100.0


def test_only_break_even_trades_have_no_profit_factor() -> None:
    m = compute_metrics([Trade(0.0, at(1))], 1000.0)
    assert (m.wins, m.losses, m.win_rate, m.profit_factor) == (0, 0, 0.0, None)


def test_the_starting_balance_must_be_positive() -> None:
    with pytest.raises(ValueError, match="starting_balance must be positive"):
        compute_metrics([], 0.0)


def test_to_dict_writes_an_infinite_profit_factor_as_text_and_reads_it_back() -> None:
    m = compute_metrics([Trade(10.0, at(1))], 1000.0)
    data = m.to_dict()
    assert data["profit_factor"] == "inf"
    assert PerformanceMetrics.from_dict(data) == m


def test_sortino_matches_the_empyrical_definition_on_random_trade_lists() -> None:
    # empyrical.downside_risk: sqrt(mean(clip(r, max=0)²)) over every period; sortino = mean(r) / that
    # × √365 (required return 0). Written here with numpy, independently of metrics.py.
    import numpy as np

    rng = np.random.default_rng(14)
    for _ in range(27):
        days = int(rng.integers(3, 40))
        trades = [
            Trade(float(rng.normal(5.0, 40.0)), at(1) + timedelta(days=int(rng.integers(0, days))))
            for _ in range(int(rng.integers(5, 60)))
        ]
        m = compute_metrics(trades, 10_000.0)
        equity = 10_000.0
        by_day = np.zeros(m.days)
        first = min(t.closed_at for t in trades).date()
        for trade in trades:
            by_day[(trade.closed_at.date() - first).days] += trade.profit
        balances = equity + np.cumsum(by_day)
        returns = balances / np.concatenate(([equity], balances[:-1])) - 1.0
        downside = np.sqrt(np.mean(np.square(np.clip(returns, None, 0.0))))
        if downside == 0:
            assert m.sortino is None
            continue
        assert m.sortino == pytest.approx(np.mean(returns) / downside * SQRT_365, rel=1e-12)
