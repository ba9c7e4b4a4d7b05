"""Closed trades to a CSV file any spreadsheet or script can read: ISO-8601 UTC times, plain numbers.

Numbers carry no thousands separators and always use '.' as the decimal point, whatever the locale, and
money is written as the journal holds it, not rounded for display. The file is written beside its target
and moved over it in one step, so a failed export never leaves half a file where an old one stood.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from app.storage.records import TradeRecord

_NEW_FILE_MODE = 0o644  # mkstemp makes 0600 files; an export is an ordinary document


def utc_text(moment: datetime | None) -> str:
    """ISO-8601 in UTC to the second, e.g. '2025-03-03T10:00:00Z'; blank when unknown."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def plain_number(value: float | None, max_decimals: int = 8) -> str:
    """A number as plain decimal text: no exponent, no separators, no trailing zeros ('1.5', '-12', '0')."""
    if value is None:
        return ""
    text = f"{value:.{max_decimals}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _duration(trade: TradeRecord) -> str:
    if trade.opened_at is None or trade.closed_at is None:
        return ""
    return str(round((trade.closed_at - trade.opened_at).total_seconds()))


CSV_FIELDS: tuple[tuple[str, Callable[[TradeRecord], str]], ...] = (
    ("opened_utc", lambda t: utc_text(t.opened_at)),
    ("closed_utc", lambda t: utc_text(t.closed_at)),
    ("ticket", lambda t: "" if t.position_ticket is None else str(t.position_ticket)),
    ("trade_id", lambda t: t.trade_id),
    ("symbol", lambda t: t.symbol),
    ("side", lambda t: "" if t.side is None else t.side.value),
    ("volume", lambda t: plain_number(t.volume)),
    ("open_price", lambda t: plain_number(t.price_open)),
    ("close_price", lambda t: plain_number(t.price_close)),
    ("profit", lambda t: plain_number(t.profit)),
    ("commission", lambda t: plain_number(t.commission)),
    ("swap", lambda t: plain_number(t.swap)),
    ("fee", lambda t: plain_number(t.fee)),
    ("source", lambda t: t.source.value),
    ("model", lambda t: t.model_id or ""),
    ("magic", lambda t: str(t.magic)),
    ("comment", lambda t: t.comment),
    ("duration_seconds", _duration),
)
"""Column name and text of each CSV field; `profit` is net of commission, swap and fee (as in the table)."""

CSV_HEADER: tuple[str, ...] = tuple(name for name, _ in CSV_FIELDS)


def trade_csv_row(trade: TradeRecord) -> list[str]:
    """One trade as the CSV row under `CSV_HEADER`."""
    return [text(trade) for _, text in CSV_FIELDS]


def write_trades_csv(path: Path | str, trades: Iterable[TradeRecord]) -> int:
    """Write a header row and one row per trade to `path` (replacing it whole); returns the trade count.

    Raises OSError when the file cannot be written (a folder, a missing or read-only folder, a full disk);
    whatever stood at `path` before is then left untouched.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "That is a folder, not a file", str(target))
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_HEADER)
            count = 0
            for trade in trades:
                writer.writerow(trade_csv_row(trade))
                count += 1
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            shutil.copymode(target, temp_name)
        else:
            os.chmod(temp_name, _NEW_FILE_MODE)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return count
