"""MetaTrader5 timeframe constants and where their bars open (minutes/hours/days, Sunday weeks, months)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

DAY = 86_400
WEEK = 7 * DAY

# Values from the MetaTrader5 5.0.6231 wheel: minutes as is, hours | 0x4000, W1 0x8001, MN1 0xC001.
_FIXED_SECONDS: dict[str, tuple[int, int]] = {
    "M1": (1, 60),
    "M2": (2, 120),
    "M3": (3, 180),
    "M4": (4, 240),
    "M5": (5, 300),
    "M6": (6, 360),
    "M10": (10, 600),
    "M12": (12, 720),
    "M15": (15, 900),
    "M20": (20, 1200),
    "M30": (30, 1800),
    "H1": (0x4001, 3600),
    "H2": (0x4002, 7200),
    "H3": (0x4003, 10800),
    "H4": (0x4004, 14400),
    "H6": (0x4006, 21600),
    "H8": (0x4008, 28800),
    "H12": (0x400C, 43200),
    "D1": (0x4018, DAY),
}
TIMEFRAME_M1 = 1
TIMEFRAME_H1 = 0x4001
TIMEFRAME_W1 = 0x8001
TIMEFRAME_MN1 = 0xC001


class BarKind(Enum):
    """How a timeframe's bars are laid out in time."""

    FIXED = "fixed"  # a whole divisor of a day, aligned to midnight
    WEEK = "week"  # opens Sunday 00:00, as MetaTrader 5 does
    MONTH = "month"  # opens on the 1st at 00:00


@dataclass(frozen=True, slots=True)
class TimeframeSpec:
    """One MetaTrader5 timeframe: its constant, name, layout and (nominal) length in seconds."""

    code: int
    name: str
    kind: BarKind
    seconds: int

    @property
    def source(self) -> int:
        """The finer timeframe its bars are aggregated from: M1 below an hour, H1 otherwise."""
        return TIMEFRAME_M1 if self.seconds < 3600 else TIMEFRAME_H1

    def bar_open(self, t: np.ndarray) -> np.ndarray:
        """Open time of the bar containing each epoch second in `t` (int64 array)."""
        t = np.asarray(t, dtype=np.int64)
        opens: np.ndarray  # numpy types int64 arithmetic on a shapeless array as Any
        if self.kind is BarKind.FIXED:
            opens = t - t % self.seconds
            return opens
        day = t // DAY
        if self.kind is BarKind.WEEK:
            # Day 0 (1970-01-01) was a Thursday, so (day + 4) % 7 counts days since Sunday.
            opens = (day - (day + 4) % 7) * DAY
            return opens
        months = t.astype("datetime64[s]").astype("datetime64[M]")
        return months.astype("datetime64[s]").astype(np.int64)

    def open_of(self, t: int) -> int:
        """Open time of the bar containing epoch second `t`."""
        return int(self.bar_open(np.array([t], dtype=np.int64))[0])

    def next_open(self, bar_open: int) -> int:
        """Open time of the bar after the one opening at `bar_open`."""
        if self.kind is BarKind.FIXED:
            return bar_open + self.seconds
        if self.kind is BarKind.WEEK:
            return bar_open + WEEK
        month = np.datetime64(bar_open, "s").astype("datetime64[M]") + 1
        return int(month.astype("datetime64[s]").astype(np.int64))

    def first_open_at_or_after(self, t: int) -> int:
        """Open time of the first bar that opens at or after `t`."""
        start = self.open_of(t)
        return start if start == t else self.next_open(start)


_SPECS: dict[int, TimeframeSpec] = {
    code: TimeframeSpec(code, name, BarKind.FIXED, length) for name, (code, length) in _FIXED_SECONDS.items()
}
_SPECS[TIMEFRAME_W1] = TimeframeSpec(TIMEFRAME_W1, "W1", BarKind.WEEK, WEEK)
_SPECS[TIMEFRAME_MN1] = TimeframeSpec(TIMEFRAME_MN1, "MN1", BarKind.MONTH, 31 * DAY)

TIMEFRAMES: dict[str, int] = {spec.name: code for code, spec in _SPECS.items()}


def timeframe_spec(timeframe: int) -> TimeframeSpec:
    """The spec for a MetaTrader5 TIMEFRAME_* value; ValueError for anything else."""
    if isinstance(timeframe, bool) or not isinstance(timeframe, (int, np.integer)):
        raise ValueError(f"timeframe must be a MetaTrader5 TIMEFRAME_* integer, got {timeframe!r}")
    spec = _SPECS.get(int(timeframe))
    if spec is None:
        raise ValueError(f"unknown timeframe {timeframe!r}: use one of the TIMEFRAME_* constants")
    return spec
