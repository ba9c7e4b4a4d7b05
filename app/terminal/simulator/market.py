"""The simulated market: quotes, bars and ticks of every symbol, all read from one seeded price path.

Nothing after the clock's now is ever returned: the forming bar uses only the seconds up to now, and
quotes, ranges and ticks refuse or clip times in the future.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

import numpy as np

from app.terminal.simulator.bar_aggregation import (
    BarColumns,
    aggregate_bars,
    changed_seconds,
    concat_bars,
    empty_bars,
    minute_bars,
)
from app.terminal.simulator.clock import Clock
from app.terminal.simulator.price_path import PricePath
from app.terminal.simulator.symbols import SYMBOLS, SymbolDef
from app.terminal.simulator.timeframes import DAY, TIMEFRAME_M1, TimeframeSpec, timeframe_spec

BAR_DTYPE = np.dtype([
    ("time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"), ("close", "<f8"),
    ("tick_volume", "<u8"), ("spread", "<i4"), ("real_volume", "<u8"),
])  # fmt: skip
TICK_DTYPE = np.dtype([
    ("time", "<i8"), ("bid", "<f8"), ("ask", "<f8"), ("last", "<f8"), ("volume", "<u8"),
    ("time_msc", "<i8"), ("flags", "<u4"), ("volume_real", "<f8"),
])  # fmt: skip

MAX_BARS = 100_000  # like the terminal's "Max bars in chart": bar positions beyond it do not exist
HISTORY_DAYS = 365  # bars and ticks reach back this many days before the Market was created
MAX_TICKS = 1_000_000  # per ticks_* call; larger requests are refused rather than silently cut
COPY_TICKS_ALL, COPY_TICKS_INFO, COPY_TICKS_TRADE = -1, 1, 2
TICK_FLAGS_BID_ASK = 0x02 | 0x04
_BIDS_CACHE_DAYS = 24  # per-second days (~0.7 MB each)
_M1_CACHE_DAYS = 256  # closed days of M1 bars (~70 kB each)
_H1_CACHE_DAYS = 8192  # closed days of H1 bars (~1.2 kB each)


@dataclass(frozen=True, slots=True)
class Quote:
    """The price in force at a second: bid on the path, ask = bid + spread."""

    time: int
    time_msc: int
    bid: float
    ask: float
    last: float
    volume: int


QUOTE_CACHE_SIZE = 4096


class Market:
    """Quotes, bars and ticks of every symbol from one deterministic seeded path; thread-safe."""

    def __init__(
        self,
        clock: Clock,
        seed: int = 5,
        symbols: Mapping[str, SymbolDef] = SYMBOLS,
        *,
        history_days: int = HISTORY_DAYS,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.symbols: Mapping[str, SymbolDef] = MappingProxyType(dict(symbols))
        self._lock = threading.RLock()
        # One quote per (symbol, second): a positions read prices every position several times.
        self._quotes: dict[tuple[str, int], Quote] = {}
        self._paths: dict[str, PricePath] = {}
        self._offsets: dict[str, list[tuple[int, float]]] = {}
        self._bids_cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._m1_cache: OrderedDict[tuple[str, int], BarColumns] = OrderedDict()
        self._h1_cache: OrderedDict[tuple[str, int], BarColumns] = OrderedDict()
        self._history_start_day = math.floor(clock.now()) // DAY - history_days

    @property
    def history_start(self) -> int:
        """Epoch second of the oldest bar or tick on offer."""
        return self._history_start_day * DAY

    # ----- quotes ---------------------------------------------------------------------------------

    def is_open(self, symbol: str, t: float | None = None) -> bool:
        """False on Saturday and Sunday (server time) for symbols closed at weekends."""
        spec = self._symbol(symbol)
        second = math.floor(self.clock.now() if t is None else t)
        return not self._closed_day(spec, second // DAY)

    def quote(self, symbol: str, t: float | None = None) -> Quote:
        """The quote in force at `t` (default now); while closed, the last one before the close."""
        spec = self._symbol(symbol)
        with self._lock:
            asked = self._second_not_after_now(t)
            cached = self._quotes.get((symbol, asked))
            if cached is not None:
                return cached
            second = asked
            if self._closed_day(spec, second // DAY):
                second = self._last_second_before_close(second)
            day = second // DAY
            bid = float(self._bids(symbol, day)[second - day * DAY])
            quote = Quote(second, second * 1000, bid, _ask(spec, bid), 0.0, 0)
            if len(self._quotes) >= QUOTE_CACHE_SIZE:
                self._quotes.clear()
            self._quotes[(symbol, asked)] = quote
        return quote

    def bid_range(self, symbol: str, t0: float, t1: float) -> tuple[float, float] | None:
        """(low, high) of the bid over (t0, t1], looking back no further than history_start;
        None when the market was closed throughout."""
        spec = self._symbol(symbol)
        if t1 < t0:
            raise ValueError(f"bid_range needs t0 <= t1, got t0={t0} t1={t1}")
        with self._lock:
            now = math.floor(self.clock.now())
            last = self._second_not_after_now(t1)
            # The second holding t0 was already seen by whoever asked at t0; if no new second has
            # started since, the current price is the range.
            first = max(min(math.floor(t0) + 1, last), min(self.history_start, last))
            low, high = math.inf, -math.inf
            for day in range(first // DAY, last // DAY + 1):
                if self._closed_day(spec, day):
                    continue
                start = day * DAY
                lo, hi = max(first - start, 0), min(last - start, DAY - 1) + 1
                if lo == 0 and hi == DAY and start + DAY <= now:
                    # A whole past day (after a long gap between calls): its cached M1 bars suffice.
                    m1 = self._source_bars(symbol, day, TIMEFRAME_M1, now)
                    low, high = min(low, float(m1.low.min())), max(high, float(m1.high.max()))
                    continue
                window = self._bids(symbol, day, store=day >= last // DAY - 1)[lo:hi]
                low, high = min(low, float(window.min())), max(high, float(window.max()))
        return None if low == math.inf else (low, high)

    def ask_range(self, symbol: str, t0: float, t1: float) -> tuple[float, float] | None:
        """(low, high) of the ask over (t0, t1]; None when the market was closed throughout."""
        spec = self._symbol(symbol)
        bids = self.bid_range(symbol, t0, t1)
        return None if bids is None else (_ask(spec, bids[0]), _ask(spec, bids[1]))

    def set_offset(self, symbol: str, offset: float) -> None:
        """Test control: shift prices by `offset` (total, not cumulative) from now on; history stays."""
        spec = self._symbol(symbol)
        if not math.isfinite(offset):
            raise ValueError(f"offset for {spec.name} must be a finite number, got {offset!r}")
        with self._lock:
            second = math.floor(self.clock.now())
            changes = self._offsets.setdefault(symbol, [])
            if changes and changes[-1][0] == second:
                changes[-1] = (second, float(offset))
            else:
                changes.append((second, float(offset)))
            self._quotes.clear()
            # Only days from now on change; closed days (in the bar caches) are never affected.
            for key in [k for k in self._bids_cache if k[0] == symbol and k[1] >= second // DAY]:
                del self._bids_cache[key]

    # ----- bars -----------------------------------------------------------------------------------

    def rates_from_pos(self, symbol: str, timeframe: int, start_pos: int, count: int) -> np.ndarray:
        """`count` bars ending `start_pos` bars before the forming one (position 0), ascending."""
        spec, tf = self._symbol(symbol), timeframe_spec(timeframe)
        _require_non_negative(start_pos=start_pos, count=count)
        with self._lock:
            now = math.floor(self.clock.now())
            count = min(count, MAX_BARS - start_pos)
            if count <= 0:
                return _bar_records(empty_bars(), spec)
            bars = self._bars_before(symbol, tf, tf.next_open(tf.open_of(now)), start_pos + count, now)
            end = len(bars) - start_pos
            return _bar_records(bars.slice(end - count, end), spec)

    def rates_from(self, symbol: str, timeframe: int, date_from: float, count: int) -> np.ndarray:
        """The `count` bars opening at or before `date_from`, ending with the bar containing it."""
        spec, tf = self._symbol(symbol), timeframe_spec(timeframe)
        _require_non_negative(count=count)
        with self._lock:
            now = math.floor(self.clock.now())
            count = min(count, MAX_BARS)
            if count == 0:
                return _bar_records(empty_bars(), spec)
            last = min(math.floor(date_from), now)
            bars = self._bars_before(symbol, tf, tf.next_open(tf.open_of(last)), count, now)
            return _bar_records(bars, spec)

    def rates_range(self, symbol: str, timeframe: int, date_from: float, date_to: float) -> np.ndarray:
        """The bars opening in [date_from, date_to], ascending."""
        spec, tf = self._symbol(symbol), timeframe_spec(timeframe)
        with self._lock:
            now = math.floor(self.clock.now())
            lo = max(tf.first_open_at_or_after(math.floor(date_from)), tf.open_of(self.history_start))
            last = min(math.floor(date_to), now)
            hi = tf.next_open(tf.open_of(last))
            if last < lo or hi <= lo:
                return _bar_records(empty_bars(), spec)
            return _bar_records(self._window(symbol, tf, lo, hi, now), spec)

    # ----- ticks ----------------------------------------------------------------------------------

    def ticks_from(self, symbol: str, date_from: float, count: int, flags: int) -> np.ndarray:
        """The first `count` ticks at or after `date_from` (one per second in which the bid changed)."""
        spec = self._symbol(symbol)
        _require_non_negative(count=count)
        if count > MAX_TICKS:
            raise ValueError(f"at most {MAX_TICKS} ticks per call, {count} asked: ask for fewer")
        return self._ticks(spec, math.floor(date_from), None, count, flags)

    def ticks_range(self, symbol: str, date_from: float, date_to: float, flags: int) -> np.ndarray:
        """The ticks with date_from <= time <= date_to (one per second in which the bid changed)."""
        spec = self._symbol(symbol)
        return self._ticks(spec, math.floor(date_from), math.floor(date_to), None, flags)

    # ----- internals ------------------------------------------------------------------------------

    def _symbol(self, symbol: str) -> SymbolDef:
        spec = self.symbols.get(symbol)
        if spec is None:
            offered = ", ".join(self.symbols)
            raise KeyError(f"unknown symbol {symbol!r}; the simulated broker offers {offered}")
        return spec

    def _second_not_after_now(self, t: float | None) -> int:
        now = self.clock.now()
        if t is None:
            return math.floor(now)
        if t > now:
            raise ValueError(f"time {t} is in the future (now is {now}); the market cannot see ahead")
        return math.floor(t)

    @staticmethod
    def _closed_day(spec: SymbolDef, day: int) -> bool:
        return spec.weekend_closed and (day + 3) % 7 >= 5  # Saturday or Sunday

    @staticmethod
    def _last_second_before_close(second: int) -> int:
        day = second // DAY
        friday = day - ((day + 3) % 7 - 4)
        return (friday + 1) * DAY - 1

    def _bids(self, symbol: str, day: int, *, store: bool = True) -> np.ndarray:
        """Rounded bids (offsets applied) at every second of `day`; read-only."""
        key = (symbol, day)
        bids = self._bids_cache.get(key)
        if bids is not None:
            self._bids_cache.move_to_end(key)
            return bids
        spec = self.symbols[symbol]
        path = self._paths.get(symbol)
        if path is None:
            path = self._paths[symbol] = PricePath(self.seed, spec)
        bids = path.day(day)
        self._apply_offsets(symbol, day, bids)
        np.maximum(bids, spec.point, out=bids)
        np.round(bids, spec.digits, out=bids)
        bids.setflags(write=False)
        if store:
            _remember(self._bids_cache, key, bids, _BIDS_CACHE_DAYS)
        return bids

    def _apply_offsets(self, symbol: str, day: int, prices: np.ndarray) -> None:
        changes = self._offsets.get(symbol)
        if not changes:
            return
        start = day * DAY
        in_force = 0.0
        offsets: np.ndarray | None = None
        for second, value in changes:
            if second <= start:
                in_force = value
            elif second < start + DAY:
                if offsets is None:
                    offsets = np.full(DAY, in_force)
                offsets[second - start :] = value
        prices += in_force if offsets is None else offsets

    def _source_bars(self, symbol: str, day: int, source: int, now: int) -> BarColumns:
        """M1 or H1 bars of one day, up to `now`; whole past days come from the caches."""
        start = day * DAY
        if start > now:
            return empty_bars()
        if start + DAY - 1 > now:
            so_far = minute_bars(self._bids(symbol, day)[: now - start + 1], start)
            if source == TIMEFRAME_M1:
                return so_far
            return aggregate_bars(so_far, so_far.time - so_far.time % 3600)
        key = (symbol, day)
        if source != TIMEFRAME_M1 and (h1 := self._h1_cache.get(key)) is not None:
            self._h1_cache.move_to_end(key)
            return h1
        m1 = self._m1_cache.get(key)
        if m1 is None:
            m1 = minute_bars(self._bids(symbol, day, store=start + 2 * DAY > now), start)
            _remember(self._m1_cache, key, m1, _M1_CACHE_DAYS)
        else:
            self._m1_cache.move_to_end(key)
        if source == TIMEFRAME_M1:
            return m1
        h1 = aggregate_bars(m1, m1.time - m1.time % 3600)
        _remember(self._h1_cache, key, h1, _H1_CACHE_DAYS)
        return h1

    def _window(self, symbol: str, tf: TimeframeSpec, lo: int, hi: int, now: int) -> BarColumns:
        """Bars of `tf` opening in [lo, hi); lo and hi are bar boundaries."""
        spec = self.symbols[symbol]
        first_day = max(lo // DAY, self._history_start_day)
        last_day = (min(hi, now + 1) - 1) // DAY
        parts = [
            self._source_bars(symbol, day, tf.source, now)
            for day in range(first_day, last_day + 1)
            if not self._closed_day(spec, day)
        ]
        source = concat_bars(parts).between(lo, hi)
        if tf.code == tf.source:
            return source
        return aggregate_bars(source, tf.bar_open(source.time))

    def _bars_before(self, symbol: str, tf: TimeframeSpec, hi: int, need: int, now: int) -> BarColumns:
        """The last `need` bars opening before `hi` (fewer if history runs out), walking back in chunks."""
        spec = self.symbols[symbol]
        span = need * tf.seconds * (1.45 if spec.weekend_closed else 1.0) + DAY
        parts: list[BarColumns] = []
        found, cursor = 0, hi
        while found < need and cursor > self.history_start:
            lo = tf.open_of(max(int(cursor - span), self.history_start))
            chunk = self._window(symbol, tf, lo, cursor, now)
            parts.append(chunk)
            found += len(chunk)
            cursor = lo
            span *= 2
        return concat_bars(parts[::-1]).tail(need)

    def _ticks(
        self, spec: SymbolDef, first: int, last: int | None, count: int | None, flags: int
    ) -> np.ndarray:
        """Ticks in [first, last] (last None: up to now), the first `count` of them if count is given."""
        if flags not in (COPY_TICKS_ALL, COPY_TICKS_INFO, COPY_TICKS_TRADE):
            raise ValueError(
                f"unknown tick flags {flags!r}: use COPY_TICKS_ALL, COPY_TICKS_INFO or COPY_TICKS_TRADE"
            )
        with self._lock:
            now = math.floor(self.clock.now())
            last = now if last is None else min(last, now)
            first = max(first, self.history_start)
            # This market quotes bid/ask only and prints no trades, so TRADE ticks never exist.
            if flags == COPY_TICKS_TRADE or count == 0 or last < first:
                return np.zeros(0, dtype=TICK_DTYPE)
            seconds: list[np.ndarray] = []
            prices: list[np.ndarray] = []
            found = 0
            for day in range(first // DAY, last // DAY + 1):
                if self._closed_day(spec, day):
                    continue
                start = day * DAY
                bids = self._bids(spec.name, day, store=start + 2 * DAY > now)
                index = np.flatnonzero(changed_seconds(bids[: min(last - start, DAY - 1) + 1]))
                index = index[index >= first - start]
                seconds.append(start + index)
                prices.append(bids[index])
                found += len(index)
                if count is not None and found >= count:
                    break
                if count is None and found > MAX_TICKS:
                    raise ValueError(f"more than {MAX_TICKS} ticks in the range: ask for a shorter range")
        time = np.concatenate(seconds)[:count] if seconds else np.zeros(0, dtype=np.int64)
        bid = np.concatenate(prices)[:count] if prices else np.zeros(0)
        ticks = np.zeros(len(time), dtype=TICK_DTYPE)
        ticks["time"] = time
        ticks["bid"] = bid
        ticks["ask"] = np.round(bid + spec.spread * spec.point, spec.digits)
        ticks["time_msc"] = time * 1000
        ticks["flags"] = TICK_FLAGS_BID_ASK
        return ticks


def _ask(spec: SymbolDef, bid: float) -> float:
    # Python's round is 10x faster than np.round on a scalar; both give the double nearest to the
    # decimal result here, since bid + spread is never near a rounding tie.
    return round(bid + spec.spread * spec.point, spec.digits)


_Cached = TypeVar("_Cached")


def _remember(
    cache: OrderedDict[tuple[str, int], _Cached], key: tuple[str, int], value: _Cached, bound: int
) -> None:
    cache[key] = value
    if len(cache) > bound:
        cache.popitem(last=False)


def _require_non_negative(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def _bar_records(bars: BarColumns, spec: SymbolDef) -> np.ndarray:
    records = np.zeros(len(bars), dtype=BAR_DTYPE)
    for name, column in zip((BAR_DTYPE.names or ())[:6], bars.columns(), strict=True):
        records[name] = column
    records["spread"] = spec.spread
    return records
