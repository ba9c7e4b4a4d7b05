"""The cost of writing a position's figures: the one formatter per quantity (prices at the digits the
position carries) against the formatters it replaced (digits guessed from the symbol's name), same run.

`python -m tests.bench.bench_formats` prints both and their ratio; tests/bench/test_bench_formats.py runs it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from app.core.enums import Side
from app.core.models import Position
from app.core.number_format import format_money, format_price, format_volume

ROWS = 1_000
TARGET_RATIO = 1.25  # the new texts may cost at most this much more than the guessed ones
SYMBOLS = {"EURUSD": 5, "GBPUSD": 5, "USDJPY": 3, "XAUUSD": 2, "BTCUSD": 2, "US30": 1}


def _guessed_digits(symbol: str, price: float) -> int:
    """The replaced rule (app/core/number_format.py before): digits guessed from the symbol's name."""
    name = symbol.upper()
    if "JPY" in name or name.startswith("XAG"):
        return 3
    if name.startswith(("XAU", "BTC", "ETH")) or abs(price) >= 1000:
        return 2
    return 5


def _guessed_price(symbol: str, price: float | None) -> str:
    return "" if price is None else f"{price:.{_guessed_digits(symbol, price)}f}"


def _replaced_money(amount: float, *, signed: bool = False) -> str:
    amount = round(amount, 2)
    if amount == 0:
        return "0.00"
    return f"{amount:+,.2f}" if signed else f"{amount:,.2f}"


def positions(seed: int = 5) -> list[Position]:
    rng = random.Random(seed)
    made = []
    for ticket in range(ROWS):
        symbol, digits = rng.choice(list(SYMBOLS.items()))
        price = round(rng.uniform(0.5, 60_000), digits)
        made.append(
            Position(
                ticket, symbol, Side.BUY, rng.choice((0.1, 1.3, 0.015)), price, price * 1.001,
                rng.choice((None, price * 0.99)), None, rng.uniform(-5, 5), rng.uniform(-900, 900),
                datetime(2026, 11, 18, tzinfo=UTC), digits=digits,
            )
        )  # fmt: skip
    return made


def one_formatter(rows: list[Position]) -> None:
    for p in rows:
        format_volume(p.volume)
        format_price(p.price_open, p.digits)
        format_price(p.price_current, p.digits)
        format_price(p.sl, p.digits)
        format_price(p.tp, p.digits)
        format_money(p.swap)
        format_money(p.profit, signed=True)


def replaced_formatters(rows: list[Position]) -> None:
    for p in rows:
        format_volume(p.volume)
        _guessed_price(p.symbol, p.price_open)
        _guessed_price(p.symbol, p.price_current)
        _guessed_price(p.symbol, p.sl)
        _guessed_price(p.symbol, p.tp)
        _replaced_money(p.swap)
        _replaced_money(p.profit, signed=True)


def best_of(work: Callable[[list[Position]], None], rows: list[Position], rounds: int = 15) -> float:
    """Fastest of `rounds` runs over every row, seconds (the least disturbed by a busy machine)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work(rows)
        best = min(best, time.perf_counter() - started)
    return best


def compare() -> tuple[float, float]:
    """(one formatter, replaced ones) in seconds for every figure of ROWS positions, interleaved."""
    rows = positions()
    new, old = [], []
    for _ in range(3):
        new.append(best_of(one_formatter, rows))
        old.append(best_of(replaced_formatters, rows))
    return min(new), min(old)


if __name__ == "__main__":
    new, old = compare()
    print(f"{ROWS:,} positions, 7 figures each: {new * 1e3:.2f} ms now, {old * 1e3:.2f} ms before "
          f"(ratio {new / old:.2f})")  # fmt: skip
