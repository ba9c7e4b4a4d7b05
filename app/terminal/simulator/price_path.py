"""Deterministic, seeded per-second price path with random access by day.

Each day is a Brownian bridge between two anchor levels. Anchors are a mean-reverting (AR(1)-like)
log level built as a finite moving sum of seeded normals, so any day's anchors (and therefore any day's
path) are computed on their own, without simulating from an origin, and day d ends where day d + 1
starts. Markets closed at weekends step their anchors per trading day, so the weekend adds only a
small Monday gap instead of two days of drift.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from functools import cache

import numpy as np

from app.terminal.simulator.symbols import SymbolDef
from app.terminal.simulator.timeframes import DAY

_MASK64 = (1 << 64) - 1
_BLOCK = 256  # anchors and gaps are drawn in blocks of this many steps
_KERNEL = 256  # terms of the moving sum; phi**256 is negligible
_MEAN_REVERSION_STEPS = 15.0  # e-folding time of the anchor level, in (trading) days
_WEEKEND_GAP_SHARE = 0.3  # Monday gap, as a fraction of one day's volatility
_KIND_ANCHOR, _KIND_GAP, _KIND_DAY = 1, 2, 3

# Relative volatility by hour of server time for markets with sessions: quiet Asian hours, busy
# London/New York overlap. Normalised below so the day's total variance is unchanged.
_SESSION_HOURLY = (0.6,) * 2 + (0.7,) * 7 + (1.0,) + (1.15,) * 4 + (1.4,) * 4 + (1.0,) * 3 + (0.6,) * 3


def stable_id(text: str) -> int:
    """A 64-bit id for `text` that is the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _generator(seed: int, symbol_id: int, kind: int, index: int) -> np.random.Generator:
    entropy = [seed & _MASK64, symbol_id, kind, index & _MASK64]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


@cache
def _intraday_profile(sessions: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-second factor turning a uniform(-0.5, 0.5) draw into a step of a unit-variance-per-day walk,
    and the bridge's variance clock V_i / V_N for i < N."""
    if sessions:
        hourly = np.asarray(_SESSION_HOURLY, dtype=np.float64)
        hourly /= np.sqrt(np.mean(hourly**2))
        scale = np.repeat(hourly, 3600)
    else:
        scale = np.ones(DAY)
    variance = scale**2
    elapsed = np.concatenate(([0.0], np.cumsum(variance)[:-1]))
    frac = elapsed / variance.sum()
    unit_steps = scale * np.sqrt(12.0 / DAY)  # a uniform(-0.5, 0.5) draw has variance 1/12
    unit_steps.setflags(write=False)
    frac.setflags(write=False)
    return unit_steps, frac


class PricePath:
    """The raw (unrounded) price of one symbol at every second; deterministic for (seed, symbol)."""

    def __init__(self, seed: int, symbol: SymbolDef) -> None:
        self._seed = seed
        self._symbol = symbol
        self._id = stable_id(symbol.name)
        sigma = symbol.daily_volatility
        phi = float(np.exp(-1.0 / _MEAN_REVERSION_STEPS))
        # Stationary spread chosen so one step of the level moves by `sigma` (std), like a day's close.
        level_std = sigma / np.sqrt(2.0 * (1.0 - phi))
        self._kernel = level_std * np.sqrt(1.0 - phi**2) * phi ** np.arange(_KERNEL)
        self._gap_std = _WEEKEND_GAP_SHARE * sigma
        self._blocks: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()

    def _block(self, kind: int, block: int) -> np.ndarray:
        key = (kind, block)
        cached = self._blocks.get(key)
        if cached is not None:
            self._blocks.move_to_end(key)
            return cached
        if kind == _KIND_ANCHOR:
            z = np.concatenate([self._normals(_KIND_ANCHOR, block - 1), self._normals(_KIND_ANCHOR, block)])
            # valid[j] = sum_k kernel[k] * z[j + KERNEL - 1 - k]; step BLOCK*block + i is valid[i + 1].
            values = np.convolve(z, self._kernel, mode="valid")[1 : _BLOCK + 1]
        else:
            values = self._gap_std * self._normals(_KIND_GAP, block)
        self._blocks[key] = values
        if len(self._blocks) > 64:
            self._blocks.popitem(last=False)
        return values

    def _normals(self, kind: int, block: int) -> np.ndarray:
        return _generator(self._seed, self._id, kind, block).standard_normal(_BLOCK)

    def _level(self, step: int) -> float:
        return float(self._block(_KIND_ANCHOR, step // _BLOCK)[step % _BLOCK])

    def anchor(self, day: int) -> float:
        """Log level (relative to start_price) at 00:00 of `day` (days since 1970-01-01)."""
        if not self._symbol.weekend_closed:
            return self._level(day)
        weekday = (day + 3) % 7  # Monday 0 ... Sunday 6
        week = (day + 3) // 7
        if weekday >= 5:
            return self._level(5 * (week + 1))
        level = self._level(5 * week + weekday)
        if weekday == 0:
            level += float(self._block(_KIND_GAP, week // _BLOCK)[week % _BLOCK])
        return level

    def day(self, day: int) -> np.ndarray:
        """Raw prices at seconds day*86400 + i for i in 0..86399 (a fresh, writable array)."""
        start = self._symbol.start_price
        p0 = start * float(np.exp(self.anchor(day)))
        p1 = start * float(np.exp(self.anchor(day + 1)))
        unit_steps, frac = _intraday_profile(self._symbol.weekend_closed)
        # Uniform steps are 5x cheaper to draw than normal ones; a minute of them is already Gaussian.
        walk = _generator(self._seed, self._id, _KIND_DAY, day).random(DAY)
        walk -= 0.5
        walk *= unit_steps
        np.cumsum(walk, out=walk)
        walk *= self._symbol.daily_volatility * 0.5 * (p0 + p1)
        # walk[i] sums steps 0..i: the walk at second i + 1. Subtracting frac * end pins the bridge.
        prices: np.ndarray = np.multiply(frac, p1 - p0 - walk[-1])
        prices += p0
        prices[1:] += walk[:-1]
        return prices
