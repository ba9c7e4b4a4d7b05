"""Backtest of out-of-sample signals with spread costs: what trading the walk-forward predictions would give.

The rule, decided at the close of each predicted bar t with p = P(up) from a model that never saw t:
- signal: BUY when p ≥ threshold, SELL when 1 − p ≥ threshold, none otherwise (threshold ≥ 0.5);
- a new position enters at the open of bar t+1: BUY at open + half the spread, SELL at open − half;
- it exits at the open of the bar after the one it was entered on (one bar held), at open − half spread
  for a BUY and open + half for a SELL — unless the next bar's signal is the same side, which keeps it
  one more bar (no pointless close-and-reopen paying the spread twice);
- an opposite signal exits at the next open and enters the other side at that same open;
- a position the data ends before it could exit is left out (its exit price is unknown).
The spread of the entry bar prices the entry and the exit bar's prices the exit; a fixed `cost` (full
spread in price units) replaces both. The move is (exit − entry) for a BUY and (entry − exit) for a SELL;
each trade carries it in the symbol's pips and, for `lots` lots, in money (`ContractTerms.money`: the
account currency, or the currency the terms state). Training scores the money against a deposit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from app.core.enums import Side
from app.ml.bars import BarFrame
from app.ml.labels import bar_cost
from app.ml.money import ContractTerms


@dataclass(frozen=True, slots=True)
class BacktestTrade:
    """One simulated round trip; times are the open times of the entry and exit bars (UTC)."""

    opened_at: datetime
    closed_at: datetime
    side: Side
    entry: float
    exit: float
    pips: float
    profit: float  # money, in the terms' currency
    confidence: float | None = None


def signal_sides(p_up: np.ndarray, threshold: float) -> np.ndarray:
    """+1 (BUY), −1 (SELL) or 0 (no trade) per prediction."""
    if not 0.5 <= threshold <= 1.0:
        raise ValueError(f"the confidence threshold must be between 0.5 and 1, got {threshold!r}")
    p_up = np.asarray(p_up, dtype=np.float64)
    return np.where(p_up >= threshold, 1, np.where(1.0 - p_up >= threshold, -1, 0)).astype(np.int8)


@dataclass(slots=True)
class _Open:
    direction: int
    entry_bar: int
    entry: float
    exit_bar: int  # the bar at whose open it closes unless a same-side signal extends it
    confidence: float


def backtest_signals(
    frame: BarFrame,
    bars: np.ndarray,
    p_up: np.ndarray,
    *,
    threshold: float,
    terms: ContractTerms,
    lots: float,
    cost: float | None = None,
) -> list[BacktestTrade]:
    """Trades from predictions `p_up` made at the close of `bars` (increasing bar indices of `frame`)."""
    bars = np.asarray(bars, dtype=np.int64)
    if bars.size != np.asarray(p_up).size:
        raise ValueError(f"{bars.size} bars but {np.asarray(p_up).size} predictions")
    sides = signal_sides(p_up, threshold)
    confidence = np.maximum(p_up, 1.0 - np.asarray(p_up, dtype=np.float64))
    half = bar_cost(frame, cost) / 2.0
    n = len(frame)
    trades: list[BacktestTrade] = []
    held: _Open | None = None

    def close(position: _Open, bar: int) -> None:
        price = float(frame.open[bar] - position.direction * half[bar])
        move = (price - position.entry) * position.direction
        trades.append(
            BacktestTrade(
                opened_at=frame.moment(position.entry_bar),
                closed_at=frame.moment(bar),
                side=Side.BUY if position.direction > 0 else Side.SELL,
                entry=float(position.entry),
                exit=price,
                pips=terms.pips(move),
                profit=terms.money(move, price, lots),
                confidence=float(position.confidence),
            )
        )

    for bar, side, conf in zip(bars.tolist(), sides.tolist(), confidence.tolist(), strict=True):
        act_at = bar + 1
        if held is not None and held.exit_bar < act_at:
            close(held, held.exit_bar)  # no signal came for the bar it was due to close on
            held = None
        if act_at >= n:
            break
        if held is not None:
            if side == held.direction:
                held.exit_bar = act_at + 1
                continue
            close(held, act_at)
            held = None
        if side != 0:
            entry = frame.open[act_at] + side * half[act_at]
            held = _Open(side, act_at, float(entry), act_at + 1, conf)
    if held is not None and held.exit_bar < n:
        close(held, held.exit_bar)
    return trades
