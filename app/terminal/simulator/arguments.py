"""Argument checks of the MetaTrader5 module: request field types, keyword-only filters, dates, group masks.

The real module checks types in C before anything reaches the terminal, and answers a bad argument with
None and a (-2, ...) last error naming it. These functions raise ApiError with exactly those errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from app.terminal.simulator.errors import (
    INVALID_1ST_UNNAMED,
    INVALID_ARGUMENTS,
    INVALID_NUMBER_OF_ARGUMENTS,
    UNNAMED_NOT_ALLOWED,
    ApiError,
    Error,
    invalid_argument,
)
from app.terminal.simulator.records import TradeRequest, field_names

MAX_STRING_FIELD = 29
FLOAT_FIELDS = frozenset({"volume", "price", "stoplimit", "sl", "tp"})
STRING_FIELDS = frozenset({"symbol", "comment"})
# Every other TradeRequest field is an integer.

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def invalid_unnamed(position: int) -> Error:
    """(-2, 'Invalid 2nd unnamed argument') for the first three positions, else 'Invalid arguments'."""
    if position in _ORDINALS:
        return (INVALID_ARGUMENTS[0], f"Invalid {_ORDINALS[position]} unnamed argument")
    return INVALID_ARGUMENTS


def parse_request(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """TradeRequest of `order_send(request)` or `order_send(**fields)`: unknown keys ignored, missing zero."""
    if len(args) > 1:
        raise ApiError(INVALID_NUMBER_OF_ARGUMENTS)
    if args:
        if not isinstance(args[0], dict):
            raise ApiError(INVALID_1ST_UNNAMED)
        fields: Mapping[str, Any] = args[0]
    elif kwargs:
        fields = kwargs
    else:
        raise ApiError(INVALID_ARGUMENTS)
    values: list[Any] = []
    for name in field_names(TradeRequest):
        values.append(_request_field(name, fields.get(name)) if name in fields else _zero(name))
    return TradeRequest(values)


def _zero(name: str) -> Any:
    if name in FLOAT_FIELDS:
        return 0.0
    if name in STRING_FIELDS:
        return ""
    return 0


def _request_field(name: str, value: Any) -> Any:
    if name in FLOAT_FIELDS:
        ok = isinstance(value, float)
    elif name in STRING_FIELDS:
        ok = isinstance(value, str) and len(value) <= MAX_STRING_FIELD
    else:
        ok = isinstance(value, int)
    if not ok:
        raise ApiError(invalid_argument(name))
    if name in FLOAT_FIELDS:
        return float(value)
    if name in STRING_FIELDS:
        return str(value)
    return int(value)


def positions_filters(
    args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[int | None, str | None, str | None]:
    """(ticket, symbol, group) of positions_get/orders_get, which take keyword arguments only."""
    if args:
        raise ApiError(UNNAMED_NOT_ALLOWED)
    unknown = set(kwargs) - {"ticket", "symbol", "group"}
    if unknown:
        raise ApiError(INVALID_ARGUMENTS)
    ticket = kwargs.get("ticket")
    symbol = kwargs.get("symbol")
    group = kwargs.get("group")
    if ticket is not None and not isinstance(ticket, int):
        raise ApiError(invalid_argument("ticket"))
    if symbol is not None and not isinstance(symbol, str):
        raise ApiError(invalid_argument("symbol"))
    if group is not None and not isinstance(group, str):
        raise ApiError(invalid_argument("group"))
    return ticket, symbol, group


def check_keyword(name: str, value: Any, kind: type) -> None:
    """A keyword argument that must be None or of `kind`, else (-2, 'Invalid "name" argument')."""
    if value is not None and not isinstance(value, kind):
        raise ApiError(invalid_argument(name))


def symbol_argument(value: Any, position: int = 1) -> str:
    """A symbol name passed positionally."""
    if not isinstance(value, str):
        raise ApiError(invalid_unnamed(position))
    return value


def int_argument(value: Any, position: int) -> int:
    """An integer passed positionally (timeframe, count, flags): the C parser accepts ints only."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(invalid_unnamed(position))
    return int(value)


def float_argument(value: Any, position: int) -> float:
    """A price or volume passed positionally: floats and ints, as the C parser's 'd' format accepts."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(invalid_unnamed(position))
    return float(value)


def date_argument(value: Any, position: int) -> int:
    """Epoch seconds from an int, a float (truncated) or a datetime (`.timestamp()`: naive means local)."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bool):
        raise ApiError(invalid_unnamed(position))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    raise ApiError(invalid_unnamed(position))


@lru_cache(maxsize=256)
def _group_patterns(group: str) -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    include: list[re.Pattern[str]] = []
    exclude: list[re.Pattern[str]] = []
    for raw in group.split(","):
        mask = raw.strip()
        if not mask:
            continue
        target = exclude if mask.startswith("!") else include
        mask = mask.lstrip("!")
        target.append(re.compile(re.escape(mask).replace(r"\*", ".*"), re.IGNORECASE))
    return tuple(include), tuple(exclude)


def matches_group(name: str, group: str) -> bool:
    """MetaTrader's group mask: comma-separated masks with `*`, a leading `!` excludes ('*USD*,!EUR*')."""
    include, exclude = _group_patterns(group)
    if any(p.fullmatch(name) for p in exclude):
        return False
    return not include or any(p.fullmatch(name) for p in include)
