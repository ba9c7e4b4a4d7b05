"""BarFrame: a symbol's bar history as numpy columns, built from the terminal's rates array or a CSV file.

Times are epoch seconds. MetaTrader 5 stamps bars in broker server time and labels it UTC; naive CSV
timestamps are read the same way, so a file exported from the terminal lines up with its live bars.
Spread is in points, as MetaTrader 5 reports it; `point` (price of one point) turns it into price units.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from app.core.models import Bar
from app.ml.csv_reader import read_rows
from app.ml.errors import DataError

__all__ = [
    "BarFrame",
    "CsvBars",
    "DataError",
    "DuplicateBarsWarning",
    "check_bars",
    "load_csv",
    "read_csv",
]

_PRICE_COLUMNS = ("open", "high", "low", "close")


@dataclass(frozen=True, slots=True, eq=False)
class BarFrame:
    """Bars in time order as read-only numpy columns; `point` is 0.0 when the price of a point is unknown."""

    time: np.ndarray  # int64 epoch seconds, the bar's opening time
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    spread: np.ndarray  # points, float64
    point: float = 0.0

    def __post_init__(self) -> None:
        columns = {"time": np.int64, **dict.fromkeys((*_PRICE_COLUMNS, "spread"), np.float64)}
        size = None
        for name, dtype in columns.items():
            array = np.ascontiguousarray(getattr(self, name), dtype=dtype).view()
            if array.ndim != 1:
                raise ValueError(f"BarFrame.{name} must be one-dimensional, got shape {array.shape}")
            if size is not None and array.size != size:
                raise ValueError(f"BarFrame.{name} has {array.size} values, time has {size}")
            size = array.size
            array.flags.writeable = False  # a view: the caller's own array stays writable
            object.__setattr__(self, name, array)
        object.__setattr__(self, "point", float(self.point))

    def __len__(self) -> int:
        return int(self.time.size)

    def slice(self, start: int | None, stop: int | None = None) -> BarFrame:
        """Bars [start, stop) as views, no copy."""
        part = slice(start, stop)
        return BarFrame(
            self.time[part],
            self.open[part],
            self.high[part],
            self.low[part],
            self.close[part],
            self.spread[part],
            self.point,
        )

    def tail(self, count: int) -> BarFrame:
        """The last `count` bars (all of them when there are fewer)."""
        return self.slice(max(0, len(self) - count))

    def moment(self, index: int) -> datetime:
        """Opening time of bar `index` as a UTC datetime."""
        return datetime.fromtimestamp(int(self.time[index]), UTC)

    @classmethod
    def from_rates(cls, rates: np.ndarray, point: float = 0.0) -> BarFrame:
        """From the structured array of copy_rates_*; raises DataError when the bars are unusable."""
        missing = [name for name in ("time", *_PRICE_COLUMNS) if name not in (rates.dtype.names or ())]
        if missing:
            raise DataError(f"the terminal's bars lack the field(s) {', '.join(missing)}")
        spread = rates["spread"] if "spread" in (rates.dtype.names or ()) else np.zeros(len(rates))
        frame = cls(rates["time"], rates["open"], rates["high"], rates["low"], rates["close"], spread, point)
        check_bars(frame, lambda i: f"bar {i} ({frame.moment(i):%Y-%m-%d %H:%M})")
        return frame

    @classmethod
    def from_bars(cls, bars: Sequence[Bar], point: float = 0.0) -> BarFrame:
        """From Bar records (e.g. the adapter's `bars()`); raises DataError when the bars are unusable."""
        frame = cls(
            np.array([int(bar.time.timestamp()) for bar in bars], dtype=np.int64),
            np.array([bar.open for bar in bars]),
            np.array([bar.high for bar in bars]),
            np.array([bar.low for bar in bars]),
            np.array([bar.close for bar in bars]),
            np.array([bar.spread for bar in bars], dtype=np.float64),
            point,
        )
        check_bars(frame, lambda i: f"bar {i} ({frame.moment(i):%Y-%m-%d %H:%M})")
        return frame


def check_bars(frame: BarFrame, where: Callable[[int], str]) -> None:
    """Raise DataError at the first bad bar; `where(i)` names bar i for the message (e.g. its CSV line)."""
    prices = np.vstack([frame.open, frame.high, frame.low, frame.close])
    bad = np.flatnonzero(~(np.isfinite(prices) & (prices > 0)).all(axis=0))
    if bad.size:
        i = int(bad[0])
        values = ", ".join(f"{name} {float(prices[k, i])!r}" for k, name in enumerate(_PRICE_COLUMNS))
        raise DataError(f"{where(i)}: prices must be positive numbers, found {values}")
    bad = np.flatnonzero(frame.high < frame.low)
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{where(i)}: high {float(frame.high[i])!r} is below low {float(frame.low[i])!r}; "
            "check that the columns are in Open, High, Low, Close order"
        )
    bad = np.flatnonzero(~np.isfinite(frame.spread) | (frame.spread < 0))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{where(i)}: spread must be zero or more points, found {float(frame.spread[i])!r}")
    bad = np.flatnonzero(np.diff(frame.time) <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise DataError(
            f"{where(i)}: time {_stamp(frame.time[i])} does not come after the previous bar's "
            f"{_stamp(frame.time[i - 1])}; sort the file by time, oldest first"
        )


class DuplicateBarsWarning(UserWarning):
    """Rows whose timestamp repeated the previous row's were dropped (the first of each was kept)."""


@dataclass(frozen=True, slots=True)
class CsvBars:
    """A CSV file's bars, which layout it had, and how many repeated rows were dropped."""

    frame: BarFrame
    layout: str  # "mt5" (the terminal's export) or "plain"
    duplicates_dropped: int
    first_duplicate_line: int | None


def read_csv(path: Path, *, min_rows: int = 2, point: float | None = None) -> CsvBars:
    """Read bars from MetaTrader 5's history export or a plain CSV (see `load_csv`)."""
    path = Path(path)
    rows = read_rows(path)
    time = np.array(rows.times, dtype=np.int64)
    keep = np.ones(time.size, dtype=bool)
    keep[1:] = time[1:] != time[:-1]
    dropped = np.flatnonzero(~keep)
    lines = np.array(rows.lines)[keep]
    frame = BarFrame(
        time[keep],
        np.array(rows.open)[keep],
        np.array(rows.high)[keep],
        np.array(rows.low)[keep],
        np.array(rows.close)[keep],
        np.array(rows.spread)[keep],
        rows.point if point is None else point,
    )
    check_bars(frame, lambda i: f"{path.name}: line {lines[i]}")
    if len(frame) < min_rows:
        raise DataError(
            f"{path.name}: holds {len(frame)} bar(s); at least {min_rows} are needed. Export a longer "
            "history (in MetaTrader 5: View → Symbols → Bars, pick a wider date range, Export Bars)"
        )
    first = int(rows.lines[dropped[0]]) if dropped.size else None
    return CsvBars(frame, rows.layout, int(dropped.size), first)


def load_csv(path: Path, *, min_rows: int = 2, point: float | None = None) -> BarFrame:
    """Bars of a CSV file; raises DataError naming the line and what to fix, warns about dropped repeats.

    Two layouts are read:
    - MetaTrader 5's own export: tab-separated, header `<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE>
      <TICKVOL> <VOL> <SPREAD>` (the daily export has no <TIME>), dates like 2024.01.02, times 13:45:00;
    - a plain CSV (comma, semicolon or tab) whose first column is the timestamp (ISO 8601,
      `YYYY-MM-DD HH:MM[:SS]`, `YYYY.MM.DD HH:MM` or epoch seconds) or whose first two columns are Date
      and Time, with Open, High, Low and Close columns in any case and optional Spread (points) and Volume.
    Timestamps with a UTC offset are converted to UTC; naive ones are taken as they are (broker time).
    `point` defaults to the smallest price step the file's decimals show (5 decimals: 0.00001).
    """
    loaded = read_csv(path, min_rows=min_rows, point=point)
    if loaded.duplicates_dropped:
        warnings.warn(
            DuplicateBarsWarning(
                f"{Path(path).name}: dropped {loaded.duplicates_dropped} row(s) whose timestamp repeated "
                f"the previous row's (first at line {loaded.first_duplicate_line}); kept the first of each"
            ),
            stacklevel=2,
        )
    return loaded.frame


def _stamp(epoch: np.int64) -> str:
    return f"{datetime.fromtimestamp(int(epoch), UTC):%Y-%m-%d %H:%M:%S}"
