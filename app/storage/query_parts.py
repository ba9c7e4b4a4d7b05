"""Pieces the journal's reads share: a period window with optional equality filters, IN-list batches, and
which deals are trading and which close a position."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from app.core.enums import DealEntry, DealType

T = TypeVar("T")

TRADING_DEALS = (DealType.BUY, DealType.SELL)  # balance, credit and the like are not trades
CLOSING_ENTRIES = (DealEntry.OUT, DealEntry.OUT_BY, DealEntry.INOUT)
QUERY_CHUNK = 500  # stays well under SQLite's limit on bound parameters


def window(
    time: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    since: datetime | None,
    until: datetime | None,
    *matches: tuple[InstrumentedAttribute[Any], object | None],
) -> list[ColumnElement[bool]]:
    """`since <= time < until` (None leaves that end open) and `column == value` for each value not None."""
    conditions: list[ColumnElement[bool]] = [
        column == value for column, value in matches if value is not None
    ]
    if since is not None:
        conditions.append(time >= since)
    if until is not None:
        conditions.append(time < until)
    return conditions


def chunked(items: Sequence[T], size: int = QUERY_CHUNK) -> Iterator[Sequence[T]]:
    """`items` in batches of at most `size`, for IN lists SQLite accepts."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
