"""Order ticket checks as pure functions: volume against the symbol's limits, SL/TP against the stops level.

They mirror what the trade server refuses (INVALID_VOLUME, INVALID_STOPS) so the trader reads the reason
and the allowed values before anything is sent. No Qt here: the dialogs only display the messages.
"""

from __future__ import annotations

import math
from enum import StrEnum

from app.core.enums import Side
from app.core.models import SymbolSpec, Tick

# Float noise tolerated when a value is compared with a grid, as a fraction of one step (the simulator's too).
_GRID_TOLERANCE = 1e-6


class StopKind(StrEnum):
    """Which protective level a price is: stop loss or take profit."""

    SL = "sl"
    TP = "tp"

    @property
    def label(self) -> str:
        return "Stop loss" if self is StopKind.SL else "Take profit"


def step_decimals(step: float) -> int:
    """Decimals needed to write multiples of `step` exactly (0.01 -> 2, 0.5 -> 1, 1 -> 0)."""
    for decimals in range(0, 9):
        if abs(round(step, decimals) - step) <= step * _GRID_TOLERANCE:
            return decimals
    return 8


def format_lots(volume: float, spec: SymbolSpec) -> str:
    """A volume written with the decimals of the symbol's step (at least two, as lots usually read)."""
    return f"{volume:.{max(2, step_decimals(spec.volume_step))}f}"


def format_spec_price(price: float, spec: SymbolSpec) -> str:
    """A price at the symbol's own precision."""
    return f"{price:.{spec.digits}f}"


def neighbour_volumes(volume: float, spec: SymbolSpec) -> tuple[float, ...]:
    """The allowed volumes nearest to `volume`: the step multiples just below and above, within the limits."""
    step = spec.volume_step
    decimals = step_decimals(step)
    low = round(math.floor(volume / step + _GRID_TOLERANCE) * step, decimals)
    high = round(math.ceil(volume / step - _GRID_TOLERANCE) * step, decimals)
    allowed = [v for v in dict.fromkeys((low, high)) if _within_limits(v, spec)]
    return tuple(allowed)


def _within_limits(volume: float, spec: SymbolSpec) -> bool:
    slack = spec.volume_step * _GRID_TOLERANCE
    return spec.volume_min - slack <= volume <= spec.volume_max + slack


def _on_grid(value: float, step: float) -> bool:
    steps = value / step
    return abs(steps - round(steps)) <= _GRID_TOLERANCE


def validate_volume(volume: float, spec: SymbolSpec) -> str | None:
    """None when the server would accept `volume` lots of the symbol, else why not and what is allowed."""
    lots = f"{spec.name}'s"
    if not math.isfinite(volume) or volume <= 0:
        return f"Enter a volume of at least {format_lots(spec.volume_min, spec)} lots."
    if not _within_limits(volume, spec):
        if volume < spec.volume_min:
            return (
                f"{_plain(volume)} lots is below {lots} minimum of {format_lots(spec.volume_min, spec)} lots."
            )
        return f"{_plain(volume)} lots is above {lots} maximum of {format_lots(spec.volume_max, spec)} lots."
    # The server checks the step grid from zero (as MQL5's own volume check does), not from volume_min.
    if not _on_grid(volume, spec.volume_step):
        choices = " or ".join(format_lots(v, spec) for v in neighbour_volumes(volume, spec))
        return (
            f"{_plain(volume)} lots is not a multiple of {lots} volume step "
            f"{format_lots(spec.volume_step, spec)}: use {choices}."
        )
    return None


def _pips(count: float) -> str:
    text = _plain(round(count, 1))
    return f"{text} pip" if text == "1" else f"{text} pips"


def _plain(value: float) -> str:
    return f"{value:.8f}".rstrip("0").rstrip(".")


def min_stop_distance(spec: SymbolSpec) -> float:
    """The smallest distance the broker allows between SL/TP and the market price (stops level)."""
    return spec.stops_level * spec.point


def pips_to_price(side: Side, kind: StopKind, entry: float, pips: float, spec: SymbolSpec) -> float:
    """The SL or TP price `pips` away from `entry`, on the protective side for `side`, at the symbol's digits.

    A BUY's stop loss is below and its take profit above the entry; a SELL's the other way round.
    """
    below = (side is Side.BUY) == (kind is StopKind.SL)
    distance = pips * spec.pip
    return round(entry - distance if below else entry + distance, spec.digits)


def price_to_pips(side: Side, kind: StopKind, entry: float, price: float, spec: SymbolSpec) -> float:
    """How many pips `price` lies from `entry` in the protective direction (negative on the wrong side)."""
    below = (side is Side.BUY) == (kind is StopKind.SL)
    distance = entry - price if below else price - entry
    return round(distance / spec.pip, 1)


def entry_price(side: Side, tick: Tick) -> float:
    """The price a market order of `side` opens at: the ask for a Buy, the bid for a Sell."""
    return tick.ask if side is Side.BUY else tick.bid


def closing_price(side: Side, tick: Tick) -> float:
    """The price a position of `side` would close at, which MT5 measures its stops from."""
    return tick.bid if side is Side.BUY else tick.ask


def implied_side(sl: float | None, tp: float | None, tick: Tick) -> Side | None:
    """The side typed levels fit: a stop loss below (or a take profit above) the market is a Buy's."""
    middle = (tick.bid + tick.ask) / 2
    if sl is not None and math.isfinite(sl):
        return Side.BUY if sl < middle else Side.SELL
    if tp is not None and math.isfinite(tp):
        return Side.BUY if tp > middle else Side.SELL
    return None


def reference_name(side: Side) -> str:
    """The price the server measures a position's stops from: the one it would close at."""
    return "bid" if side is Side.BUY else "ask"


def validate_stops(
    side: Side, entry: float, sl: float | None, tp: float | None, spec: SymbolSpec
) -> list[str]:
    """Why the server would refuse these SL/TP (None = not set) for `side`; empty when it would accept them.

    `entry` is the price the distances are measured from, which MT5 takes as the closing price: the bid for
    a BUY and the ask for a SELL (a position's `price_current`). Each level must lie on the protective side
    of it and at least `stops_level` points away.
    """
    problems: list[str] = []
    for kind, price in ((StopKind.SL, sl), (StopKind.TP, tp)):
        if price is None:
            continue
        problem = _stop_problem(side, kind, entry, price, spec)
        if problem:
            problems.append(problem)
    return problems


def _stop_problem(side: Side, kind: StopKind, entry: float, price: float, spec: SymbolSpec) -> str | None:
    if not math.isfinite(price) or price <= 0:
        return f"{kind.label} must be a positive price (leave it empty for none)."
    if not _on_grid(price, spec.point):
        return f"{kind.label} {_plain(price)} has more decimals than {spec.name}'s {spec.digits}."
    below = (side is Side.BUY) == (kind is StopKind.SL)
    gap = entry - price if below else price - entry
    needed = min_stop_distance(spec)
    # At least one point even with stops level 0: a level at the market price would fire at once.
    limit = entry - max(needed, spec.point) if below else entry + max(needed, spec.point)
    where = "below" if below else "above"
    reference = f"the {reference_name(side)} {format_spec_price(entry, spec)}"
    allowed = f"{format_spec_price(limit, spec)} or {'lower' if below else 'higher'}"
    if gap <= spec.point * 1e-3:
        return (
            f"{kind.label} {format_spec_price(price, spec)} is on the wrong side: a {side.value.title()}'s "
            f"{kind.label.lower()} must be {where} {reference} ({allowed})."
        )
    if gap < needed - spec.point * 1e-3:
        return (
            f"{kind.label} {format_spec_price(price, spec)} is {round(gap / spec.point)} points from "
            f"{reference}; {spec.name} needs at least {spec.stops_level} points "
            f"({_pips(needed / spec.pip)}): {allowed}."
        )
    return None
