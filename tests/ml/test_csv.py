"""load_csv: MetaTrader 5's own export and plain CSVs, and a clear DataError for every kind of bad file."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from app.ml.bars import DataError, DuplicateBarsWarning, load_csv, read_csv

MT5_HEADER = "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"


def write(tmp_path: Path, text: str, name: str = "bars.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def mt5_export(rows: list[str]) -> str:
    return "\n".join([MT5_HEADER, *rows]) + "\n"


ROW_1 = "2024.01.02\t13:45:00\t1.10450\t1.10470\t1.10440\t1.10460\t55\t0\t12"
ROW_2 = "2024.01.02\t13:46:00\t1.10460\t1.10490\t1.10455\t1.10480\t61\t0\t11"
ROW_3 = "2024.01.02\t13:47:00\t1.10480\t1.10480\t1.10400\t1.10410\t70\t0\t13"


def test_mt5_intraday_export_is_read_with_times_prices_spread_and_point(tmp_path: Path) -> None:
    frame = load_csv(write(tmp_path, mt5_export([ROW_1, ROW_2, ROW_3])))
    assert frame.time.tolist() == [
        epoch(2024, 1, 2, 13, 45),
        epoch(2024, 1, 2, 13, 46),
        epoch(2024, 1, 2, 13, 47),
    ]
    assert frame.open.tolist() == [1.1045, 1.1046, 1.1048]
    assert frame.high.tolist() == [1.1047, 1.1049, 1.1048]
    assert frame.low.tolist() == [1.1044, 1.10455, 1.104]
    assert frame.close.tolist() == [1.1046, 1.1048, 1.1041]
    assert frame.spread.tolist() == [12.0, 11.0, 13.0]
    assert frame.point == pytest.approx(1e-5)


def test_mt5_daily_export_without_a_time_column_is_read(tmp_path: Path) -> None:
    text = (
        "<DATE>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
        "2024.01.02\t1.1045\t1.1100\t1.0990\t1.1050\t90000\t0\t10\n"
        "2024.01.03\t1.1050\t1.1080\t1.0950\t1.0960\t91000\t0\t11\n"
    )
    loaded = read_csv(write(tmp_path, text))
    assert loaded.layout == "mt5"
    assert loaded.frame.time.tolist() == [epoch(2024, 1, 2), epoch(2024, 1, 3)]
    assert loaded.frame.close.tolist() == [1.105, 1.096]


def test_mt5_export_in_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    frame = load_csv(write(tmp_path, mt5_export([ROW_1, ROW_2]), encoding="utf-16"))
    assert frame.close.tolist() == [1.1046, 1.1048]


def test_plain_csv_with_iso_timestamps_and_any_case_columns(tmp_path: Path) -> None:
    text = (
        "Timestamp,OPEN,high,Low,cLoSe,Volume\n"
        "2024-01-02T13:45:00Z,150.1,150.5,149.9,150.2,1000\n"
        "2024-01-02 13:46,150.2,150.3,150.0,150.1,900\n"
        "2024-01-02 15:47:00+02:00,150.1,150.4,150.0,150.3,800\n"
    )
    loaded = read_csv(write(tmp_path, text))
    assert loaded.layout == "plain"
    # The +02:00 timestamp is converted to UTC: 15:47+02:00 is 13:47Z.
    expected = [epoch(2024, 1, 2, 13, 45), epoch(2024, 1, 2, 13, 46), epoch(2024, 1, 2, 13, 47)]
    assert loaded.frame.time.tolist() == expected
    assert loaded.frame.spread.tolist() == [0.0, 0.0, 0.0]  # no Spread column
    assert loaded.frame.point == pytest.approx(0.1)


def test_plain_csv_with_epoch_seconds_and_a_spread_column(tmp_path: Path) -> None:
    text = "time;open;high;low;close;spread\n1704202800;1.5;1.6;1.4;1.55;7\n1704206400;1.55;1.7;1.5;1.65;8\n"
    frame = load_csv(write(tmp_path, text))
    assert frame.time.tolist() == [1_704_202_800, 1_704_206_400]
    assert frame.spread.tolist() == [7.0, 8.0]


def test_plain_csv_with_separate_date_and_time_columns(tmp_path: Path) -> None:
    text = "Date,Time,Open,High,Low,Close\n2024-01-02,13:45,1,2,0.5,1.5\n2024-01-02,13:46,1.5,2,1,1.2\n"
    frame = load_csv(write(tmp_path, text))
    assert frame.time.tolist() == [epoch(2024, 1, 2, 13, 45), epoch(2024, 1, 2, 13, 46)]


def test_repeated_timestamps_are_dropped_keeping_the_first_and_counted(tmp_path: Path) -> None:
    repeat = ROW_2.replace("1.10480\t61", "1.10470\t61")
    path = write(tmp_path, mt5_export([ROW_1, ROW_2, repeat, repeat, ROW_3]))
    with pytest.warns(DuplicateBarsWarning, match=r"dropped 2 row\(s\).*first at line 4"):
        frame = load_csv(path)
    assert frame.close.tolist() == [1.1046, 1.1048, 1.1041]
    assert read_csv(path).duplicates_dropped == 2


def test_a_clean_file_raises_no_warning(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_csv(write(tmp_path, mt5_export([ROW_1, ROW_2])))


def test_an_unreadable_date_names_its_line_and_the_accepted_formats(tmp_path: Path) -> None:
    bad = ROW_2.replace("2024.01.02", "02/01/2024")
    with pytest.raises(
        DataError, match=r"bars.csv: line 3: cannot read the date '02/01/2024 13:46:00'.*YYYY-MM-DD"
    ):
        load_csv(write(tmp_path, mt5_export([ROW_1, bad])))


def test_a_missing_price_column_is_named_with_the_header_found(tmp_path: Path) -> None:
    text = "time,open,high,low,last\n2024-01-02 13:45,1,2,0.5,1.5\n"
    with pytest.raises(
        DataError, match=r"line 1: no Close column.*found 'time', 'open', 'high', 'low', 'last'"
    ):
        load_csv(write(tmp_path, text))


def test_high_below_low_names_the_line(tmp_path: Path) -> None:
    bad = "2024.01.02\t13:46:00\t1.10460\t1.10400\t1.10455\t1.10420\t61\t0\t11"
    with pytest.raises(DataError, match=r"line 3: high 1.104 is below low 1.10455"):
        load_csv(write(tmp_path, mt5_export([ROW_1, bad])))


def test_time_going_backwards_names_the_line_and_says_to_sort(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"line 4: time 2024-01-02 13:46:00 does not come after .* sort the file"
    ):
        load_csv(write(tmp_path, mt5_export([ROW_1, ROW_3, ROW_2])))


def test_too_few_rows_says_how_many_are_needed(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"holds 3 bar\(s\); at least 500 are needed"):
        load_csv(write(tmp_path, mt5_export([ROW_1, ROW_2, ROW_3])), min_rows=500)


def test_a_price_that_is_not_a_number_names_line_and_column(tmp_path: Path) -> None:
    text = "time;open;high;low;close\n2024-01-02 13:45;1,5;2;1;1.5\n"
    with pytest.raises(DataError, match=r"line 2: Open '1,5' is not a number; use a dot"):
        load_csv(write(tmp_path, text))


def test_a_non_positive_price_is_refused(tmp_path: Path) -> None:
    text = "time,open,high,low,close\n2024-01-02 13:45,1,2,0,1.5\n"
    with pytest.raises(DataError, match=r"line 2: prices must be positive"):
        load_csv(write(tmp_path, text))


def test_a_short_row_names_its_line(tmp_path: Path) -> None:
    text = "time,open,high,low,close\n2024-01-02 13:45,1,2,0.5\n"
    with pytest.raises(DataError, match=r"line 2: 4 field\(s\) where the header names 5"):
        load_csv(write(tmp_path, text))


def test_epoch_milliseconds_are_recognised_and_explained(tmp_path: Path) -> None:
    text = "time,open,high,low,close\n1704202800000,1,2,0.5,1.5\n"
    with pytest.raises(DataError, match=r"milliseconds, divide the column by 1000"):
        load_csv(write(tmp_path, text))


def test_an_empty_file_and_a_missing_file_are_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="the file is empty"):
        load_csv(write(tmp_path, "\n\n"))
    with pytest.raises(DataError, match="cannot read"):
        load_csv(tmp_path / "absent.csv")


def test_the_given_point_overrides_the_one_guessed_from_decimals(tmp_path: Path) -> None:
    frame = load_csv(write(tmp_path, mt5_export([ROW_1, ROW_2])), point=0.0001)
    assert frame.point == 0.0001
    assert isinstance(frame.close, np.ndarray) and not frame.close.flags.writeable
