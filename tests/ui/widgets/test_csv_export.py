"""History and deals CSV: a header row, ISO-8601 UTC times, plain numbers, written whole or not at all."""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import DealEntry, DealType, Side, TradeSource
from app.storage.records import ClosingDeal, DealRecord
from app.ui.widgets.csv_export import (
    DEAL_CSV_FIELDS,
    HISTORY_CSV_FIELDS,
    header,
    plain_number,
    utc_text,
    write_csv,
)
from tests.one_account import MAIN

OPENED = datetime(2025, 3, 3, 9, 15, 30, tzinfo=UTC)
CLOSED = datetime(2025, 3, 3, 11, 0, 5, tzinfo=UTC)
CSV_HEADER = header(HISTORY_CSV_FIELDS)


def closed_trade(**changes: Any) -> ClosingDeal:
    """A deal that closed 1.5 of a 2.0-lot BUY a model opened (0.5 stayed open), with the trader's note."""
    deal = DealRecord(
        account_id=MAIN, ticket=987, order=986, position_id=123456789, time=CLOSED, type=DealType.SELL,
        entry=DealEntry.OUT, symbol="EURUSD", volume=1.5, price=1.09, profit=1242.25,
        commission=-7.5, swap=-0.25, fee=0.0, magic=4242, reason=3, comment="MD-0123456789 t1",
    )  # fmt: skip
    fields: dict[str, object] = {
        "deal": deal,
        "side": Side.BUY,
        "opened_at": OPENED,
        "price_open": 1.08512,
        "position_volume": 2.0,
        "remaining": 0.5,
        "source": TradeSource.AUTO,
        "model_id": "trend-v2",
        "note": "trend follow",
        "trade_id": "t1",
    }
    fields.update(changes)
    return ClosingDeal(**fields)  # type: ignore[arg-type]


def write_trades_csv(path: Path, closings: Iterable[ClosingDeal]) -> int:
    return write_csv(path, HISTORY_CSV_FIELDS, closings)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def test_the_file_holds_a_header_and_one_exact_row_per_trade(tmp_path: Path) -> None:
    target = tmp_path / "trades.csv"
    count = write_trades_csv(target, [closed_trade(), closed_trade(trade_id="t2", side=Side.SELL)])
    assert count == 2
    rows = read_rows(target)
    assert rows[0] == CSV_HEADER
    assert rows[1] == [
        "2025-03-03T09:15:30Z",
        "2025-03-03T11:00:05Z",
        "123456789",
        "987",
        "t1",
        "EURUSD",
        "BUY",
        "1.5",
        "2",
        "1.08512",
        "1.09",
        "1234.5",
        "-7.5",
        "-0.25",
        "0",
        "auto",
        "trend-v2",
        "4242",
        "trend follow",
        "6275",
    ]
    assert rows[2][4:7] == ["t2", "EURUSD", "SELL"]
    assert len(rows) == 3


def test_times_are_written_in_utc_whatever_zone_they_carry() -> None:
    east = timezone(timedelta(hours=3))
    assert utc_text(datetime(2025, 3, 3, 12, 0, tzinfo=east)) == "2025-03-03T09:00:00Z"
    assert datetime.fromisoformat(utc_text(CLOSED)) == CLOSED


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234567.891, "1234567.891"),
        (0.1 + 0.2, "0.3"),
        (1e-05, "0.00001"),
        (-0.0, "0"),
        (-12.0, "-12"),
        (None, ""),
    ],
)
def test_numbers_are_plain_decimals_without_separators_or_exponents(value: float | None, text: str) -> None:
    assert plain_number(value) == text


def test_a_comment_with_commas_quotes_and_newlines_reads_back_unchanged(tmp_path: Path) -> None:
    comment = 'scalp, "fast"\nsecond line, ünïcode'
    target = tmp_path / "trades.csv"
    write_trades_csv(target, [closed_trade(note=comment)])
    assert read_rows(target)[1][CSV_HEADER.index("comment")] == comment


def test_no_trades_still_writes_the_header(tmp_path: Path) -> None:
    target = tmp_path / "empty.csv"
    assert write_trades_csv(target, []) == 0
    assert read_rows(target) == [CSV_HEADER]


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "trades.csv"
    target.write_text("old content that is longer than the new one\n" * 100, encoding="utf-8")
    write_trades_csv(target, [closed_trade()])
    assert len(read_rows(target)) == 2


def test_a_new_file_is_readable_by_others_like_any_document(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("permission bits are POSIX")
    target = tmp_path / "trades.csv"
    write_trades_csv(target, [closed_trade()])
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_folder_as_target_raises_os_error_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="folder, not a file"):
        write_trades_csv(tmp_path, [closed_trade()])
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_trades_csv(tmp_path / "no-such-folder" / "trades.csv", [closed_trade()])


def test_a_failure_while_writing_keeps_the_old_file_and_removes_the_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "trades.csv"
    target.write_text("previous export\n", encoding="utf-8")

    def broken_rows() -> Iterator[ClosingDeal]:
        yield closed_trade()
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_trades_csv(target, broken_rows())
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["trades.csv"]


def test_a_close_of_a_position_the_desk_never_saw_open_writes_blanks(tmp_path: Path) -> None:
    target = tmp_path / "trades.csv"
    unknown = closed_trade(side=None, opened_at=None, trade_id=None, model_id=None, position_volume=None)
    write_trades_csv(target, [unknown])
    row = dict(zip(CSV_HEADER, read_rows(target)[1], strict=True))
    assert (row["side"], row["trade_id"], row["model"], row["position_volume"]) == ("", "", "", "")
    assert (row["opened_utc"], row["duration_seconds"]) == ("", "")


def test_deals_are_written_as_the_terminal_lists_them_without_the_desks_tag(tmp_path: Path) -> None:
    target = tmp_path / "deals.csv"
    deposit = DealRecord(
        account_id=MAIN, ticket=1, order=0, position_id=0, time=OPENED, type=DealType.BALANCE,
        entry=DealEntry.IN,
        symbol="", volume=0.0, price=0.0, profit=10_000.0, commission=0.0, swap=0.0, fee=0.0, magic=0,
        reason=0, comment="Initial deposit",
    )  # fmt: skip
    assert write_csv(target, DEAL_CSV_FIELDS, [deposit, closed_trade().deal]) == 2
    rows = [dict(zip(read_rows(target)[0], row, strict=True)) for row in read_rows(target)[1:]]
    assert [(r["deal"], r["type"], r["entry"], r["profit"], r["comment"]) for r in rows] == [
        ("1", "balance", "in", "10000", "Initial deposit"),
        ("987", "sell", "out", "1242.25", "t1"),
    ]
