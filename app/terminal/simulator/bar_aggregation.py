"""OHLC bars as columns: M1 bars cut from a per-second bid path, and coarser bars aggregated from finer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BarColumns:
    """Bars in ascending open time, one numpy column per field."""

    time: np.ndarray  # int64 open time, epoch seconds
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    tick_volume: np.ndarray  # uint64: seconds at which the bid changed

    def __len__(self) -> int:
        return len(self.time)

    def columns(self) -> tuple[np.ndarray, ...]:
        """The columns in field order."""
        return (self.time, self.open, self.high, self.low, self.close, self.tick_volume)

    def slice(self, start: int, stop: int) -> BarColumns:
        """Bars start..stop-1 by index (clipped like a list slice)."""
        if start <= 0 and stop >= len(self):
            return self
        return BarColumns(*(column[max(start, 0) : max(stop, 0)] for column in self.columns()))

    def between(self, lo: int, hi: int) -> BarColumns:
        """The bars with lo <= open time < hi."""
        first, last = np.searchsorted(self.time, [lo, hi], side="left")
        return self.slice(int(first), int(last))

    def tail(self, count: int) -> BarColumns:
        """The last `count` bars."""
        return self.slice(len(self) - count, len(self))


def empty_bars() -> BarColumns:
    """No bars."""
    f = np.empty(0)
    return BarColumns(np.empty(0, dtype=np.int64), f, f, f, f, np.empty(0, dtype=np.uint64))


def concat_bars(parts: list[BarColumns]) -> BarColumns:
    """Bars of consecutive, non-overlapping parts joined in order."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_bars()
    if len(parts) == 1:
        return parts[0]
    joined = zip(*(p.columns() for p in parts), strict=True)
    return BarColumns(*(np.concatenate(columns) for columns in joined))


def changed_seconds(bids: np.ndarray) -> np.ndarray:
    """True where the bid differs from the second before; a day's first second always counts as a tick."""
    changed = np.empty(len(bids), dtype=bool)
    if len(bids):
        changed[0] = True
        np.not_equal(bids[1:], bids[:-1], out=changed[1:])
    return changed


def minute_bars(bids: np.ndarray, day_start: int) -> BarColumns:
    """M1 bars of the per-second `bids` starting at `day_start`; a partial last minute forms a bar too."""
    n = len(bids)
    whole = n // 60
    changed = changed_seconds(bids)
    grid = bids[: whole * 60].reshape(whole, 60)
    opens, closes = grid[:, 0], grid[:, -1]
    highs, lows = grid.max(axis=1), grid.min(axis=1)
    ticks = changed[: whole * 60].reshape(whole, 60).sum(axis=1, dtype=np.uint64)
    if n % 60:
        rest, rest_changed = bids[whole * 60 :], changed[whole * 60 :]
        opens = np.append(opens, rest[0])
        closes = np.append(closes, rest[-1])
        highs = np.append(highs, rest.max())
        lows = np.append(lows, rest.min())
        ticks = np.append(ticks, np.uint64(rest_changed.sum()))
    times = day_start + 60 * np.arange(len(opens), dtype=np.int64)
    return BarColumns(times, opens.copy(), highs, lows, closes.copy(), ticks)


def aggregate_bars(bars: BarColumns, keys: np.ndarray) -> BarColumns:
    """Merge consecutive bars sharing a key (the coarser bar's open time) into one bar each."""
    if not len(bars):
        return empty_bars()
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    ends = np.append(starts[1:], len(keys)) - 1
    return BarColumns(
        keys[starts].astype(np.int64),
        bars.open[starts],
        np.maximum.reduceat(bars.high, starts),
        np.minimum.reduceat(bars.low, starts),
        bars.close[ends],
        np.add.reduceat(bars.tick_volume, starts).astype(np.uint64),
    )
