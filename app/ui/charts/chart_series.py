"""The charts' data: EquitySeries (one point per second in growable numpy arrays) and SymbolPnl.

Appending is amortised O(1) (capacity doubles when full), the arrays are views of the filled part, and
`window` hands the plot only the visible stretch, peak-reduced to a few points per pixel: a redraw costs
the same for a week of 1 s samples as for an hour, and never converts a Python list of floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from app.core.models import Position
from app.storage.records import EquitySample

DEFAULT_CAPACITY = 4_096
# About 23 days of 1 s samples (48 MB); beyond that the oldest quarter is dropped, so a desk left running
# for months keeps a bounded footprint while the chart still shows far more than its 1-week history.
DEFAULT_MAX_POINTS = 2_000_000


class SeriesPoint(NamedTuple):
    """One sample: `time` in epoch seconds (a whole second), equity and floating P&L."""

    time: float
    equity: float
    floating: float


class EquitySeries:
    """Time-ordered equity and floating P&L samples, at most one per second (the last one wins)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_points: int = DEFAULT_MAX_POINTS) -> None:
        if capacity < 1 or max_points < 4:
            raise ValueError("capacity must be at least 1 and max_points at least 4")
        self._max_points = max_points
        self._size = 0
        self._data = np.empty((3, capacity), dtype=np.float64)  # rows: time, equity, floating
        self.revision = 0  # changes whenever the samples do, so a chart can skip redrawing the same data

    def __len__(self) -> int:
        return self._size

    @property
    def times(self) -> np.ndarray:
        """Epoch seconds of the samples, ascending (a view: valid until the next change)."""
        return self._data[0, : self._size]

    @property
    def equity(self) -> np.ndarray:
        return self._data[1, : self._size]

    @property
    def floating(self) -> np.ndarray:
        return self._data[2, : self._size]

    @property
    def capacity(self) -> int:
        return self._data.shape[1]

    def first(self) -> SeriesPoint | None:
        return self._point(0) if self._size else None

    def last(self) -> SeriesPoint | None:
        return self._point(self._size - 1) if self._size else None

    def append(self, time: float, equity: float, floating: float) -> bool:
        """Add a sample at `time` (epoch seconds, cut to the second); False if it was not taken.

        A sample in the same second as the last one replaces it; an older one is dropped (history goes
        through `add_history`), and so is one with a non-finite value, which the plot could not draw.
        """
        if not (math.isfinite(time) and math.isfinite(equity) and math.isfinite(floating)):
            return False
        second = float(math.floor(time))
        size = self._size
        if size:
            last = self._data[0, size - 1]
            if second < last:
                return False
            if second == last:
                self._data[1, size - 1] = equity
                self._data[2, size - 1] = floating
                self.revision += 1
                return True
        if size == self.capacity:
            self._make_room()
            size = self._size
        self._data[:, size] = (second, equity, floating)
        self._size = size + 1
        self.revision += 1
        return True

    def add_history(self, samples: Sequence[EquitySample]) -> int:
        """Put journal samples (oldest first) before the live ones; returns how many were kept.

        Samples at or after the first live second are dropped: live figures are the newer truth.
        """
        if not samples:
            return 0
        history = np.array([(s.time.timestamp(), s.equity, s.floating) for s in samples], dtype=np.float64).T
        history = history[:, np.isfinite(history).all(axis=0)]
        history[0] = np.floor(history[0])
        order = np.argsort(history[0], kind="stable")
        history = history[:, order]
        if self._size:
            history = history[:, history[0] < self._data[0, 0]]
        seconds = history[0]
        # Of several samples in one second keep the last, as live appends do.
        keep = np.append(seconds[1:] != seconds[:-1], True) if seconds.size else seconds.astype(bool)
        history = history[:, keep]
        combined = np.concatenate((history, self._data[:, : self._size]), axis=1)
        if combined.shape[1] > self._max_points:
            combined = combined[:, -self._max_points :]
        capacity = max(self.capacity, _next_power_of_two(combined.shape[1] + 1))
        self._data = np.empty((3, capacity), dtype=np.float64)
        self._data[:, : combined.shape[1]] = combined
        self._size = combined.shape[1]
        self.revision += 1
        return int(history.shape[1])

    def at(self, time: float) -> SeriesPoint | None:
        """The sample in force at `time`: the last one at or before it (the first one before the start)."""
        if not self._size:
            return None
        index = int(np.searchsorted(self.times, time, side="right")) - 1
        return self._point(max(index, 0))

    def window(self, start: float, end: float, buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, equity, floating) covering [start, end] and one sample beyond each edge.

        When more than `2 * buckets` samples fall in it, the samples of each time bucket become its
        (max, min) pair at the bucket's first sample time: peaks survive, as in pyqtgraph's "peak"
        mode, at O(visible samples). Buckets are a power-of-two number of seconds wide and aligned to
        multiples of it, so they stay put while the view scrolls; gaps and thinned history stay
        where they are in time. The bucket holding the newest sample is kept sample by sample, so the
        live edge ends at the exact latest value.
        """
        times = self.times
        first = max(int(np.searchsorted(times, start, side="left")) - 1, 0)
        stop = min(int(np.searchsorted(times, end, side="right")) + 1, self._size)
        if stop - first <= 2 * max(buckets, 1):
            return times[first:stop], self.equity[first:stop], self.floating[first:stop]
        width = float(_next_power_of_two(math.ceil((end - start) / buckets)))
        visible = self._data[:, first:stop]
        seconds = visible[0]
        edges = np.arange(math.floor(seconds[0] / width) * width, seconds[-1] + width, width)
        bounds = np.append(np.searchsorted(seconds, edges, side="left"), seconds.size)
        starts = bounds[np.flatnonzero(np.diff(bounds))]  # an empty bucket starts where the next one does
        tail = int(starts[-1])  # the newest bucket stays raw
        starts = starts[:-1]
        closed = len(starts)
        out = np.empty((3, 2 * closed + visible.shape[1] - tail), dtype=np.float64)
        out[0, : 2 * closed] = np.repeat(seconds[starts], 2)
        for row in (1, 2):
            values = visible[row, :tail]
            out[row, 0 : 2 * closed : 2] = np.maximum.reduceat(values, starts)
            out[row, 1 : 2 * closed : 2] = np.minimum.reduceat(values, starts)
        out[:, 2 * closed :] = visible[:, tail:]
        return out[0], out[1], out[2]

    def clear(self) -> None:
        self._size = 0
        self.revision += 1

    def _point(self, index: int) -> SeriesPoint:
        time, equity, floating = self._data[:, index]
        return SeriesPoint(float(time), float(equity), float(floating))

    def _make_room(self) -> None:
        if self._size >= self._max_points:
            drop = self._max_points // 4
            kept = self._size - drop
            self._data[:, :kept] = self._data[:, drop : self._size]
            self._size = kept
            self.revision += 1
            return
        grown = np.empty((3, min(self.capacity * 2, self._max_points)), dtype=np.float64)
        grown[:, : self._size] = self._data[:, : self._size]
        self._data = grown


def _next_power_of_two(value: int) -> int:
    return 1 << max(value - 1, 1).bit_length()


class SymbolPnl:
    """Floating P&L (profit + swap) of the open positions, summed by symbol; fed by position events."""

    def __init__(self) -> None:
        self._positions: dict[int, tuple[str, float, float]] = {}  # ticket -> symbol, profit, swap

    def reset(self, positions: Iterable[Position]) -> None:
        """Start over from a snapshot: it is the truth."""
        self._positions = {}
        self.upsert(positions)

    def upsert(self, positions: Iterable[Position]) -> None:
        for position in positions:
            self._positions[position.ticket] = (position.symbol, position.profit, position.swap)

    def remove(self, tickets: Iterable[int]) -> None:
        for ticket in tickets:
            self._positions.pop(ticket, None)

    def update_profit(self, pnl: Mapping[int, tuple[float, float]]) -> bool:
        """Take the new profits of known tickets; True if any changed."""
        changed = False
        for ticket, (_price, profit) in pnl.items():
            known = self._positions.get(ticket)
            if known is not None and known[1] != profit:
                self._positions[ticket] = (known[0], profit, known[2])
                changed = True
        return changed

    def totals(self) -> dict[str, float]:
        """Symbol -> floating P&L, in symbol order (so bars keep their places as figures move)."""
        sums: dict[str, float] = {}
        for symbol, profit, swap in self._positions.values():
            sums[symbol] = sums.get(symbol, 0.0) + profit + swap
        return {symbol: round(sums[symbol], 2) for symbol in sorted(sums)}
