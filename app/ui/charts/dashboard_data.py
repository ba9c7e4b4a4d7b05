"""What the performance dashboard computes from journal records: live trades, starting balance, curves.

Pure functions over the records `JournalQueries` hands out, so the dashboard's figures can be checked
without a window. The figures themselves come from `app.ml.metrics.compute_metrics`, the one
implementation shared with the training backtest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from app.storage.records import EquitySample, TradeRecord

BALANCE_LOOKBACK = timedelta(hours=1)  # how far before the first trade an equity sample may lie


@dataclass(frozen=True, slots=True)
class LiveTrade:
    """A closed automatic trade as compute_metrics reads it; `profit` is net of commission, swap, fee."""

    trade_id: str
    model_id: str | None
    opened_at: datetime | None
    closed_at: datetime
    profit: float
    confidence: float | None = None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def live_trades(records: Iterable[TradeRecord], confidences: Mapping[str, float]) -> list[LiveTrade]:
    """Closed trades with the confidence journaled when they were filled (None when it was not)."""
    trades = [
        LiveTrade(
            trade_id=record.trade_id,
            model_id=record.model_id,
            opened_at=_utc(record.opened_at) if record.opened_at else None,
            closed_at=_utc(record.closed_at),
            profit=float(record.profit),
            confidence=confidences.get(record.trade_id),
        )
        for record in records
        if record.closed_at is not None
    ]
    return sorted(trades, key=lambda trade: trade.closed_at)


def scope_trades(trades: Sequence[LiveTrade], model_id: str | None) -> list[LiveTrade]:
    """Every model's trades (None) or one model's."""
    return list(trades) if model_id is None else [t for t in trades if t.model_id == model_id]


def first_moment(trades: Sequence[LiveTrade]) -> datetime | None:
    """When the first of the trades opened (or closed, when its opening time is unknown)."""
    moments = [trade.opened_at or trade.closed_at for trade in trades]
    return min(moments) if moments else None


def balance_before(samples: Sequence[EquitySample], moment: datetime) -> float | None:
    """Balance of the last equity sample at or before `moment`; None when there is none (or it is ≤ 0)."""
    moment = _utc(moment)
    before = [sample for sample in samples if _utc(sample.time) <= moment]
    if not before:
        return None
    balance = max(before, key=lambda sample: _utc(sample.time)).balance
    return balance if balance > 0 else None


def equity_curve(trades: Sequence[LiveTrade]) -> tuple[np.ndarray, np.ndarray]:
    """(epoch seconds, cumulative profit): 0 when the first trade opened, then one point per close."""
    if not trades:
        return np.empty(0), np.empty(0)
    ordered = sorted(trades, key=lambda trade: trade.closed_at)
    start = ordered[0].opened_at or ordered[0].closed_at
    times = [start.timestamp(), *(trade.closed_at.timestamp() for trade in ordered)]
    profits = np.cumsum([0.0, *(trade.profit for trade in ordered)])
    return np.array(times), profits
