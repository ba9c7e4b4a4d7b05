"""History and deals to a CSV file any spreadsheet or script can read: ISO-8601 UTC times, plain numbers.

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
from typing import TypeVar

from app.core.comments import trader_text
from app.core.number_format import trimmed
from app.storage.records import ClosingDeal, DealRecord

R = TypeVar("R")
CsvFields = tuple[tuple[str, Callable[[R], str]], ...]

_NEW_FILE_MODE = 0o644  # mkstemp makes 0600 files; an export is an ordinary document


def utc_text(moment: datetime | None) -> str:
    """ISO-8601 in UTC to the second, e.g. '2025-03-03T10:00:00Z'; blank when unknown."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def plain_number(value: float | None, max_decimals: int = 8) -> str:
    """A number as plain decimal text: no exponent, no separators, no trailing zeros ('1.5', '-12', '0')."""
    return "" if value is None else trimmed(value, max_decimals)


def _duration(closing: ClosingDeal) -> str:
    if closing.opened_at is None:
        return ""
    return str(round((closing.closed_at - closing.opened_at).total_seconds()))


HISTORY_CSV_FIELDS: CsvFields[ClosingDeal] = (
    ("opened_utc", lambda c: utc_text(c.opened_at)),
    ("closed_utc", lambda c: utc_text(c.closed_at)),
    ("ticket", lambda c: str(c.position_ticket)),
    ("deal", lambda c: str(c.deal.ticket)),
    ("trade_id", lambda c: c.trade_id or ""),
    ("symbol", lambda c: c.symbol),
    ("side", lambda c: "" if c.side is None else c.side.value),
    ("volume", lambda c: plain_number(c.deal.volume)),
    ("position_volume", lambda c: plain_number(c.position_volume)),
    ("open_price", lambda c: plain_number(c.price_open)),
    ("close_price", lambda c: plain_number(c.deal.price)),
    ("profit", lambda c: plain_number(c.deal.net_profit)),
    ("commission", lambda c: plain_number(c.deal.commission)),
    ("swap", lambda c: plain_number(c.deal.swap)),
    ("fee", lambda c: plain_number(c.deal.fee)),
    ("source", lambda c: c.source.value),
    ("model", lambda c: c.model_id or ""),
    ("magic", lambda c: str(c.deal.magic)),
    ("comment", lambda c: c.note),
    ("duration_seconds", _duration),
)
"""One row per closing deal (a partial close is its own row); `profit` is net of commission, swap and fee
(as in the table), `volume` what the deal closed and `position_volume` what the position opened with."""

DEAL_CSV_FIELDS: CsvFields[DealRecord] = (
    ("time_utc", lambda d: utc_text(d.time)),
    ("deal", lambda d: str(d.ticket)),
    ("order", lambda d: str(d.order)),
    ("position", lambda d: str(d.position_id)),
    ("symbol", lambda d: d.symbol),
    ("type", lambda d: d.type.value.lower()),
    ("entry", lambda d: d.entry.value),
    ("volume", lambda d: plain_number(d.volume)),
    ("price", lambda d: plain_number(d.price)),
    ("commission", lambda d: plain_number(d.commission)),
    ("fee", lambda d: plain_number(d.fee)),
    ("swap", lambda d: plain_number(d.swap)),
    ("profit", lambda d: plain_number(d.profit)),
    ("magic", lambda d: str(d.magic)),
    ("comment", lambda d: trader_text(d.comment)),
)
"""One row per deal as the terminal's history holds it, balance operations included."""


def header(fields: CsvFields[R]) -> list[str]:
    return [name for name, _ in fields]


def csv_row(fields: CsvFields[R], record: R) -> list[str]:
    """One record as the CSV row under `header(fields)`."""
    return [text(record) for _, text in fields]


def write_csv(path: Path | str, fields: CsvFields[R], records: Iterable[R]) -> int:
    """Write a header row and one row per record to `path` (replacing it whole); returns the row count.

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
            writer.writerow(header(fields))
            count = 0
            for record in records:
                writer.writerow(csv_row(fields, record))
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
