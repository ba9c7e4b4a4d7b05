"""Performance figures of a list of closed trades: one implementation for live trading and backtests."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

ANNUALISATION_DAYS = 365  # calendar days: trades close on any day, and every day is in the series


class ClosedTrade(Protocol):
    """What compute_metrics reads of a trade; `confidence` is optional (getattr, default None)."""

    @property
    def profit(self) -> float: ...

    @property
    def closed_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class PerformanceMetrics:
    """The dashboard's figures; see `compute_metrics` for the exact definitions."""

    trades: int
    wins: int
    losses: int
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    net_profit: float
    gross_profit: float
    gross_loss: float
    max_drawdown: float
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    average_confidence: float | None
    days: int
    starting_balance: float
    final_balance: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values; an infinite profit factor is written as the string "inf"."""
        data = asdict(self)
        if data["profit_factor"] == math.inf:
            data["profit_factor"] = "inf"
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerformanceMetrics:
        """Inverse of `to_dict`."""
        values = dict(data)
        if values.get("profit_factor") == "inf":
            values["profit_factor"] = math.inf
        return cls(**values)


def compute_metrics(trades: Iterable[ClosedTrade], starting_balance: float) -> PerformanceMetrics:
    """Figures of closed trades, in the trades' money (account currency live, price × units in backtests).

    Trades are taken in order of `closed_at` (ties keep their given order); a naive `closed_at` is read
    as UTC. `starting_balance` must be positive.
    - trades, wins (profit > 0), losses (profit < 0); break-even trades count in neither.
    - win_rate = wins / trades; None with no trades.
    - gross_profit = sum of positive profits; gross_loss = |sum of negative profits| (≥ 0).
    - profit_factor = gross_profit / gross_loss; inf when gross_loss is 0 and gross_profit > 0; None when
      both are 0 (no trades, or only break-even ones).
    - expectancy = net_profit / trades (mean profit per trade); None with no trades.
    - net_profit = sum of profits; final_balance = starting_balance + net_profit.
    - Equity curve: E_0 = starting_balance, E_i = E_(i−1) + profit_i after each trade in close order.
      max_drawdown = max over i of (max(E_0..E_i) − E_i) ≥ 0;
      max_drawdown_pct = max over i of (max(E_0..E_i) − E_i) / max(E_0..E_i) × 100 (its own maximum, which
      may sit at another point of the curve than the absolute one). Both 0 with no trades.
    - Daily returns: D_1 .. D_n are EVERY UTC calendar day from the first trade's close day to the last's
      (days is n; 0 with no trades). B_j is the equity at the end of D_j (all trades closed on or before
      D_j; carried over on days without trades). r_1 = B_1 / starting_balance − 1 and
      r_j = B_j / B_(j−1) − 1.
    - sharpe = mean(r) / s · √365, s the sample standard deviation (ddof 1); risk-free rate 0.
    - sortino = mean(r) / d · √365, d the downside deviation sqrt(Σ min(r_j, 0)² / n): the root mean square
      of min(r_j, 0) over ALL n days, target return 0, as empyrical, quantstats and pyfolio compute it.
      Both are None when n < 2, when their deviation is 0 (for Sortino: no losing day), or when the
      equity is 0 or below at the end of some day before the last (a return is then undefined).
    - average_confidence = mean of the `confidence` of trades that carry one (not None); None if none do.
    """
    if not starting_balance > 0:
        raise ValueError(f"starting_balance must be positive, got {starting_balance!r}")
    ordered = sorted(trades, key=lambda trade: _utc(trade.closed_at))
    profits = [float(trade.profit) for trade in ordered]
    count = len(profits)
    gross_profit = sum(p for p in profits if p > 0)
    gross_loss = -sum(p for p in profits if p < 0)
    net_profit = sum(profits)
    confidences = [c for c in (getattr(t, "confidence", None) for t in ordered) if c is not None]
    drawdown, drawdown_pct = _drawdowns(profits, starting_balance)
    daily = _daily_returns(ordered, starting_balance)
    return PerformanceMetrics(
        trades=count,
        wins=sum(1 for p in profits if p > 0),
        losses=sum(1 for p in profits if p < 0),
        win_rate=sum(1 for p in profits if p > 0) / count if count else None,
        profit_factor=_profit_factor(gross_profit, gross_loss),
        expectancy=net_profit / count if count else None,
        net_profit=net_profit,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        max_drawdown=drawdown,
        max_drawdown_pct=drawdown_pct,
        sharpe=_ratio(daily, _sample_std(daily)),
        sortino=_ratio(daily, _downside_deviation(daily)),
        average_confidence=sum(confidences) / len(confidences) if confidences else None,
        days=_day_count(ordered),
        starting_balance=float(starting_balance),
        final_balance=float(starting_balance) + net_profit,
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _profit_factor(gross_profit: float, gross_loss: float) -> float | None:
    if gross_loss > 0:
        return gross_profit / gross_loss
    return math.inf if gross_profit > 0 else None


def _drawdowns(profits: list[float], starting_balance: float) -> tuple[float, float]:
    equity = peak = float(starting_balance)
    deepest = deepest_pct = 0.0
    for profit in profits:
        equity += profit
        peak = max(peak, equity)
        deepest = max(deepest, peak - equity)
        deepest_pct = max(deepest_pct, (peak - equity) / peak * 100.0)
    return deepest, deepest_pct


def _day_count(ordered: list[ClosedTrade]) -> int:
    if not ordered:
        return 0
    return (_utc(ordered[-1].closed_at).date() - _utc(ordered[0].closed_at).date()).days + 1


def _daily_returns(ordered: list[ClosedTrade], starting_balance: float) -> list[float] | None:
    """r_1 .. r_n as in compute_metrics' docstring; None when some return is undefined (equity ≤ 0)."""
    if not ordered:
        return []
    by_day: dict[date, float] = {}
    for trade in ordered:
        day = _utc(trade.closed_at).date()
        by_day[day] = by_day.get(day, 0.0) + float(trade.profit)
    day, last_day = min(by_day), max(by_day)
    previous = equity = float(starting_balance)
    returns = []
    while day <= last_day:
        equity += by_day.get(day, 0.0)
        if previous <= 0:
            return None
        returns.append(equity / previous - 1.0)
        previous = equity
        day += timedelta(days=1)
    return returns


def _sample_std(returns: list[float] | None) -> float:
    if returns is None or len(returns) < 2:
        return 0.0
    # statistics.stdev sums exactly, so equal returns give exactly 0, not a rounding residue.
    return statistics.stdev(returns)


def _downside_deviation(returns: list[float] | None) -> float:
    if returns is None or len(returns) < 2:
        return 0.0
    # Divided by n, not n − 1: the standard definition (empyrical's downside_risk) averages over all
    # periods, the days without a loss counting as zero.
    return math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))


def _ratio(returns: list[float] | None, deviation: float) -> float | None:
    if returns is None or len(returns) < 2 or deviation == 0:
        return None
    return statistics.fmean(returns) / deviation * math.sqrt(ANNUALISATION_DAYS)
