"""The performance figures as rows declared as data: one label, tooltip and formatter per metric.

The training dialog and the dashboard show the same `PerformanceMetrics` with these rows, so a figure
reads the same everywhere. Money comes through a formatter the caller picks: live trades and backtests
in the account currency (two decimals); models trained before backtests were priced in money keep
price units of one unit of the base asset (five decimals below 1: an EURUSD round trip earns 0.0001).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from app.core.number_format import format_money
from app.ml.metrics import PerformanceMetrics

MoneyFormat = Callable[[float], str]
NOT_AVAILABLE = "—"


def account_money(amount: float) -> str:
    """Account currency: two decimals with a sign on gains."""
    return format_money(amount, signed=True)


def money_in(currency: str) -> MoneyFormat:
    """Money in a named currency, two decimals with a sign on gains: "+12.34 USD"."""
    return lambda amount: format_money(amount, currency, signed=True)


def price_units(amount: float) -> str:
    """Backtest money: price units of one unit of the base asset, with the decimals its size needs."""
    if amount == 0:
        return "0"
    size = abs(amount)
    decimals = 2 if size >= 100 else 4 if size >= 1 else 5  # 5: an FX pip is 0.0001, shown as 0.00010
    return f"{amount:+,.{decimals}f}"


def _share(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    if value is None:
        return NOT_AVAILABLE
    return "∞" if math.isinf(value) else f"{value:.2f}"


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One figure: `text(metrics, money)` writes it; `money` formats amounts of money."""

    key: str
    label: str
    text: Callable[[PerformanceMetrics, MoneyFormat], str]
    tooltip: str = ""


METRIC_ROWS: tuple[MetricRow, ...] = (
    MetricRow("trades", "Trades", lambda m, _: f"{m.trades:,}", "Closed trades counted"),
    MetricRow("win_rate", "Win rate", lambda m, _: _share(m.win_rate), "Share of trades with profit > 0"),
    MetricRow(
        "profit_factor",
        "Profit factor",
        lambda m, _: _ratio(m.profit_factor),
        "Gross profit / gross loss (∞: no losing trade)",
    ),
    MetricRow(
        "expectancy",
        "Expectancy",
        lambda m, money: NOT_AVAILABLE if m.expectancy is None else money(m.expectancy),
        "Mean profit per trade",
    ),
    MetricRow("net_profit", "Net profit", lambda m, money: money(m.net_profit), "Sum of all profits"),
    MetricRow(
        "max_drawdown",
        "Max drawdown",
        lambda m, money: money(-m.max_drawdown) if m.max_drawdown else money(0.0),
        "Deepest fall of the closed-trade equity below its previous peak",
    ),
    MetricRow(
        "max_drawdown_pct",
        "Max drawdown %",
        lambda m, _: f"{m.max_drawdown_pct:.2f}%",
        "Deepest fall below a peak, as a share of that peak",
    ),
    MetricRow(
        "sharpe",
        "Sharpe",
        lambda m, _: _ratio(m.sharpe),
        "Mean daily return ÷ its sample standard deviation (divided by n − 1) × √365, risk-free rate 0; "
        "every UTC calendar day from the first close to the last is a period (needs two days or more)",
    ),
    MetricRow(
        "sortino",
        "Sortino",
        lambda m, _: _ratio(m.sortino),
        "Mean daily return ÷ downside deviation × √365, target return 0. Downside deviation = "
        "√(Σ min(r, 0)² / n) over all n days, the root mean square that empyrical, quantstats and pyfolio "
        "use (needs a losing day)",
    ),
    MetricRow(
        "average_confidence",
        "Avg confidence",
        lambda m, _: _share(m.average_confidence),
        "Mean model confidence of the trades that record one",
    ),
)

METRIC_ROW_INDEX: dict[str, int] = {row.key: index for index, row in enumerate(METRIC_ROWS)}


def metric_texts(metrics: PerformanceMetrics | None, money: MoneyFormat) -> dict[str, str]:
    """Every row's text, keyed by `MetricRow.key`; all "—" when there are no metrics at all."""
    if metrics is None:
        return {row.key: NOT_AVAILABLE for row in METRIC_ROWS}
    return {row.key: row.text(metrics, money) for row in METRIC_ROWS}
