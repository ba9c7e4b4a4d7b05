"""Cheap repeated reads of positions: a record whose trader-visible part did not change keeps its Position.

The terminal host reads every position once a second. Most records differ from the last read only in
price_current and profit, so those get a new Position built straight from the cached one (no field-by-field
validation again), and records that did not change at all keep the very same object, which also lets
diff_positions skip them by identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app.core.models import Position
from app.terminal.convert import to_position

# TradePosition field order (MT5_API.md): price_current and profit are the fields that move with the market.
_FIELDS = 19
_PRICE_CURRENT = 13
_PROFIT = 15


class PositionCache:
    """Converts TradePosition records, reusing what the previous read already converted."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[tuple[Any, ...], Position]] = {}

    def clear(self) -> None:
        self._last = {}

    def convert(
        self, records: Iterable[Any], digits_of: Callable[[Any], int | None] = lambda _symbol: None
    ) -> dict[int, Position]:
        """Positions keyed by ticket; unusual records always take the full, validating conversion.

        `digits_of(symbol)` gives the precision of a position's symbol, asked only for records converted
        in full (a new position, or one whose trader-visible part changed).
        """
        fresh: dict[int, tuple[tuple[Any, ...], Position]] = {}
        for record in records:
            key = _structure_key(record)
            cached = self._last.get(record[0]) if key is not None else None
            if cached is not None and cached[0] == key and _prices_are_floats(record):
                position = cached[1].moved(record[_PRICE_CURRENT], record[_PROFIT])
            else:
                position = to_position(record, digits_of(getattr(record, "symbol", None)))
            fresh[position.ticket] = (key or (), position)
        self._last = fresh
        return {ticket: position for ticket, (_, position) in fresh.items()}


def _structure_key(record: Any) -> tuple[Any, ...] | None:
    """Everything but price_current and profit, or None when the record is not a plain 19-field tuple."""
    if not isinstance(record, tuple) or len(record) != _FIELDS:
        return None
    return record[:_PRICE_CURRENT] + record[_PRICE_CURRENT + 1 : _PROFIT] + record[_PROFIT + 1 :]


def _prices_are_floats(record: tuple[Any, ...]) -> bool:
    return type(record[_PRICE_CURRENT]) is float and type(record[_PROFIT]) is float
