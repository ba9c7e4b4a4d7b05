"""write_trades_csv: a header row, ISO-8601 UTC times, plain numbers, written whole or not at all."""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import OrderAction, Side, TradeSource, TradeStatus
from app.storage.records import TradeRecord
from app.ui.csv_export import CSV_HEADER, plain_number, utc_text, write_trades_csv

OPENED = datetime(2025, 3, 3, 9, 15, 30, tzinfo=UTC)
CLOSED = datetime(2025, 3, 3, 11, 0, 5, tzinfo=UTC)


def closed_trade(**changes: Any) -> TradeRecord:
    fields: dict[str, object] = {
        "id": 1,
        "trade_id": "t1",
        "source": TradeSource.AUTO,
        "status": TradeStatus.CLOSED,
        "action": OrderAction.OPEN,
        "symbol": "EURUSD",
        "side": Side.BUY,
        "requested_volume": 1.5,
        "volume": 1.5,
        "sl": None,
        "tp": None,
        "current_sl": None,
        "current_tp": None,
        "model_id": "trend-v2",
        "magic": 4242,
        "comment": "mt5desk t1",
        "position_ticket": 123456789,
        "open_order": 1,
        "open_deal": 2,
        "price_open": 1.08512,
        "closed_volume": 1.5,
        "price_close": 1.09,
        "profit": 1234.5,
        "commission": -7.5,
        "swap": -0.25,
        "fee": 0.0,
        "retcode": 10009,
        "error": None,
        "requested_at": OPENED,
        "sent_at": OPENED,
        "opened_at": OPENED,
        "resolved_at": OPENED,
        "closed_at": CLOSED,
        "updated_at": CLOSED,
    }
    fields.update(changes)
    return TradeRecord(**fields)  # type: ignore[arg-type]


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def test_the_file_holds_a_header_and_one_exact_row_per_trade(tmp_path: Path) -> None:
    target = tmp_path / "trades.csv"
    count = write_trades_csv(target, [closed_trade(), closed_trade(id=2, trade_id="t2", side=Side.SELL)])
    assert count == 2
    rows = read_rows(target)
    assert rows[0] == list(CSV_HEADER)
    assert rows[1] == [
        "2025-03-03T09:15:30Z",
        "2025-03-03T11:00:05Z",
        "123456789",
        "t1",
        "EURUSD",
        "BUY",
        "1.5",
        "1.08512",
        "1.09",
        "1234.5",
        "-7.5",
        "-0.25",
        "0",
        "auto",
        "trend-v2",
        "4242",
        "mt5desk t1",
        "6275",
    ]
    assert rows[2][3:6] == ["t2", "EURUSD", "SELL"]
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
    write_trades_csv(target, [closed_trade(comment=comment)])
    assert read_rows(target)[1][CSV_HEADER.index("comment")] == comment


def test_no_trades_still_writes_the_header(tmp_path: Path) -> None:
    target = tmp_path / "empty.csv"
    assert write_trades_csv(target, []) == 0
    assert read_rows(target) == [list(CSV_HEADER)]


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

    def broken_rows() -> Iterator[TradeRecord]:
        yield closed_trade()
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_trades_csv(target, broken_rows())
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["trades.csv"]


def test_a_trade_without_side_or_ticket_writes_blanks(tmp_path: Path) -> None:
    target = tmp_path / "trades.csv"
    write_trades_csv(target, [replace(closed_trade(), side=None, position_ticket=None, model_id=None)])
    row = dict(zip(CSV_HEADER, read_rows(target)[1], strict=True))
    assert (row["side"], row["ticket"], row["model"]) == ("", "", "")
