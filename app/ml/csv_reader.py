"""Parsing bar CSV files row by row into plain lists, with the line number of every row kept for messages.

Checks that need the whole series (time order, high ≥ low) happen in `bars.check_bars`; this module only
finds the columns and turns each field into a number, naming the line and the field when one is not.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.ml.errors import DataError

_EPOCH = re.compile(r"^\d{9,}(\.\d*)?$")
_DOTTED_DATE = re.compile(r"^(\d{4})[./](\d{2})[./](\d{2})")
_LATEST_EPOCH = 32_503_680_000  # year 3000: anything later is milliseconds or garbage
_PRICES = ("open", "high", "low", "close")


@dataclass(slots=True)
class RawRows:
    """Columns of a CSV file as parsed, one entry per data row, before any series-wide check."""

    layout: str
    lines: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    close: list[float] = field(default_factory=list)
    spread: list[float] = field(default_factory=list)
    point: float = 1.0


def read_rows(path: Path) -> RawRows:
    """Every data row of the file; raises DataError naming the line and what to fix."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from error
    lines = _decode(raw).splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise DataError(f"{name}: the file is empty; export bars from MetaTrader 5 or pick another file")
    header_line = lines[header_at]
    delimiter = "\t" if "\t" in header_line else (";" if ";" in header_line else ",")
    header = [_column_name(cell) for cell in next(csv.reader([header_line], delimiter=delimiter))]
    layout = "mt5" if header_line.lstrip().startswith("<") else "plain"
    columns = _locate_columns(name, header_at + 1, header)
    rows = RawRows(layout)
    decimals = 0
    for index, cells in enumerate(csv.reader(lines[header_at + 1 :], delimiter=delimiter)):
        line = header_at + 2 + index
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            raise DataError(
                f"{name}: line {line}: {len(cells)} field(s) where the header names {len(header)}; "
                "every row needs a value for each column"
            )
        stamp = cells[0] if columns.time is None else f"{cells[0]} {cells[columns.time]}"
        rows.lines.append(line)
        rows.times.append(_epoch_seconds(name, line, stamp.strip()))
        for price, column in zip(_PRICES, columns.prices, strict=True):
            text = cells[column].strip()
            getattr(rows, price).append(_number(name, line, header[column], text))
            if price == "close" and "." in text:
                decimals = max(decimals, len(text) - text.index(".") - 1)
        spread_text = cells[columns.spread].strip() if columns.spread is not None else ""
        rows.spread.append(_number(name, line, "spread", spread_text) if spread_text else 0.0)
    rows.point = 10.0**-decimals
    return rows


@dataclass(frozen=True, slots=True)
class _Columns:
    time: int | None  # index of a separate Time column, None when column 0 holds the whole timestamp
    prices: tuple[int, int, int, int]
    spread: int | None


def _locate_columns(name: str, line: int, header: list[str]) -> _Columns:
    positions = {column: index for index, column in reversed(list(enumerate(header))) if index > 0}
    missing = [price for price in _PRICES if price not in positions]
    if missing:
        found = ", ".join(repr(cell) for cell in header) or "nothing"
        raise DataError(
            f"{name}: line {line}: no {' / '.join(m.capitalize() for m in missing)} column. The first "
            "column must be the timestamp and the header must name Open, High, Low and Close "
            f"(any case); found {found}"
        )
    has_time = len(header) > 1 and header[0] == "date" and header[1] == "time"
    prices = (positions["open"], positions["high"], positions["low"], positions["close"])
    return _Columns(1 if has_time else None, prices, positions.get("spread"))


def _column_name(cell: str) -> str:
    return cell.strip().strip("<>").strip().lower()


def _decode(raw: bytes) -> str:
    # MetaTrader writes UTF-16 with a byte-order mark on some builds, UTF-8 or ANSI on others.
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _number(name: str, line: int, column: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        hint = "; use a dot as the decimal separator" if "," in text else ""
        raise DataError(
            f"{name}: line {line}: {column.capitalize()} {text!r} is not a number{hint}"
        ) from None


def _epoch_seconds(name: str, line: int, text: str) -> int:
    if _EPOCH.match(text):
        seconds = float(text)
        if seconds > _LATEST_EPOCH:
            raise DataError(
                f"{name}: line {line}: timestamp {text} is too large for epoch seconds; if it is in "
                "milliseconds, divide the column by 1000"
            )
        return int(seconds)
    dotted = _DOTTED_DATE.match(text)
    if dotted:
        text = f"{dotted[1]}-{dotted[2]}-{dotted[3]}{text[10:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DataError(
            f"{name}: line {line}: cannot read the date {text!r}; use YYYY-MM-DD HH:MM[:SS] (or "
            "YYYY.MM.DD as MetaTrader exports it), ISO 8601, or epoch seconds"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # broker time, labelled UTC like the terminal's own bars
    return int(moment.timestamp())
