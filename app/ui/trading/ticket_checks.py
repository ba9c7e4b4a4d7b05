"""What the order ticket's fields say: which symbol a typed text names, what stops a Buy or a Sell, field
by field, and the lines each field then shows.

The ticket asks these on every change; they read the ticket's inputs (volume, the SL/TP editor, the
symbol's spec and live quote) and change nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.core.enums import Side
from app.core.models import SymbolSpec, Tick
from app.ui.widgets.order_fields import StopsEditor, StopUnit
from app.ui.widgets.order_validation import (
    StopKind,
    closing_price,
    entry_price,
    format_spec_price,
    price_to_pips,
    validate_stops,
    validate_volume,
)

SIDES = (Side.SELL, Side.BUY)  # in the ticket's order: Sell on the left, as in MetaTrader 5
WAITING = "Waiting for the symbol's details and a live quote."

Problems = dict[str, list[str]]  # field ('volume', 'sl', 'tp', 'market') -> what is wrong with it


@dataclass(frozen=True, slots=True)
class SymbolMatch:
    """The one broker symbol a typed text names."""

    symbol: str


def match_symbol(typed: str, symbols: list[str]) -> SymbolMatch | str:
    """The symbol `typed` names (its exact name in any case, else the one symbol it is part of), or what
    to tell the trader when it names none or several."""
    exact = [s for s in symbols if s.upper() == typed.upper()]
    matches = exact or [s for s in symbols if typed.upper() in s.upper()]
    if len(matches) == 1:
        return SymbolMatch(matches[0])
    if not matches:
        return f"{typed} is not one of the broker's symbols: pick one from the list."
    shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
    return (
        f"{typed} is part of {len(matches)} symbols ({shown}): type more of the name or pick one from the "
        "list."
    )


def side_problems(
    side: Side, spec: SymbolSpec | None, tick: Tick | None, volume: float, stops: StopsEditor
) -> Problems:
    """What stops a `side` order now, keyed by field ('volume', 'sl', 'tp', 'market')."""
    if spec is None or tick is None:
        return {"market": [WAITING]}
    found: Problems = {}
    volume_problem = validate_volume(volume, spec)
    if volume_problem:
        found["volume"] = [volume_problem]
    for kind in StopKind:
        number = stops.value(kind)
        if number is not None and math.isnan(number):
            found[kind.value] = [f"{kind.label}: enter a number above 0 ({stops.unit.value})."]
            continue
        price = stops.price(kind, side, entry_price(side, tick))
        sl, tp = (price, None) if kind is StopKind.SL else (None, price)
        stop_problems = validate_stops(side, closing_price(side, tick), sl, tp, spec)
        if stop_problems:
            found[kind.value] = stop_problems
    return found


@dataclass(frozen=True, slots=True)
class StopVerdict:
    """An SL or TP field's verdict: the sides it fails for, and the red lines to show under it (only when
    no side can use the value; otherwise the other button explains itself)."""

    failing: tuple[Side, ...]
    errors: tuple[str, ...]


def stop_verdict(kind: StopKind, per_side: dict[Side, Problems]) -> StopVerdict:
    """Merge both sides' problems with one stop field: once when they agree, else per side."""
    failing = tuple(side for side in SIDES if kind.value in per_side[side])
    if len(failing) != len(SIDES):
        return StopVerdict(failing, ())
    texts = {side: per_side[side][kind.value] for side in SIDES}
    if texts[Side.BUY] == texts[Side.SELL]:
        return StopVerdict(failing, tuple(texts[Side.BUY]))
    return StopVerdict(
        failing, tuple(f"For a {side.value.title()}: {text}" for side in SIDES for text in texts[side])
    )


def stop_hint(
    kind: StopKind,
    tick: Tick | None,
    spec: SymbolSpec | None,
    stops: StopsEditor,
    failing: tuple[Side, ...],
) -> str:
    """The grey line under a stop: the prices its pips mean, or the pips its price means, per side."""
    number = stops.value(kind)
    if tick is None or spec is None or number is None or math.isnan(number):
        return ""
    if stops.unit is StopUnit.PIPS:
        parts = []
        for side in SIDES:
            price = stops.price(kind, side, entry_price(side, tick))
            parts.append(f"{side.value.title()} → {format_spec_price(price or 0.0, spec)}")
        return " · ".join(parts)
    distances = {s: price_to_pips(s, kind, entry_price(s, tick), number, spec) for s in SIDES}
    return " · ".join(f"{distances[s]:.1f} pips for a {s.value.title()}" for s in SIDES if s not in failing)


def button_text(side: Side, tick: Tick | None, spec: SymbolSpec | None) -> str:
    """A Buy or Sell button's two lines: "Buy at ASK" and the price it would fill at ("—" unknown)."""
    price = "—" if tick is None or spec is None else format_spec_price(entry_price(side, tick), spec)
    return f"{side.value.title()} at {'ASK' if side is Side.BUY else 'BID'}\n{price}"
