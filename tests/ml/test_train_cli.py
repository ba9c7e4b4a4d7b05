"""`mt5desk train` in a fresh process: on the simulated terminal, from a CSV file, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import build_parser
from app.core.enums import Timeframe
from app.ml.manifest import read_manifest
from app.ml.store import list_manifests, open_model
from tests.ml.frames import synthetic_frame
from tests.test_cli import run_app

BACKTEST_KEYS = {"trades", "win_rate", "profit_factor", "expectancy", "net_profit", "max_drawdown", "sharpe"}


def write_mt5_export(path: Path, bars: int) -> Path:
    frame = synthetic_frame(bars, seed=4, step_s=3600)
    lines = ["<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"]
    for i in range(len(frame)):
        moment = frame.moment(i)
        prices = "\t".join(f"{column[i]:.5f}" for column in (frame.open, frame.high, frame.low, frame.close))
        lines.append(f"{moment:%Y.%m.%d}\t{moment:%H:%M:%S}\t{prices}\t100\t0\t{int(frame.spread[i])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_json_on_the_simulator_saves_a_model_and_prints_one_json_object(tmp_path: Path) -> None:
    result = run_app(
        "--data-dir", str(tmp_path), "train", "--terminal", "sim", "--symbol", "EURUSD", "--timeframe", "h1",
        "--bars", "2000", "--seed", "3", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # exactly one JSON document: json.loads refuses anything after it
    assert summary["symbol"] == "EURUSD" and summary["timeframe"] == "H1" and summary["bars"] == 2000
    assert 0 < summary["samples"] <= 2000
    assert 0.0 <= summary["oos_accuracy"] <= 1.0 and 0.5 <= summary["baseline_accuracy"] <= 1.0
    assert summary["backtest"].keys() >= BACKTEST_KEYS
    manifest = read_manifest(Path(summary["model_file"]))
    assert manifest.model_id == summary["model_id"]
    assert open_model(manifest, tmp_path / "data" / "models").algorithm.value == "logreg"
    assert "Simulated demo terminal" in result.stderr


def test_train_from_an_mt5_export_csv_prints_a_summary_and_saves_the_model(tmp_path: Path) -> None:
    csv = write_mt5_export(tmp_path / "EURUSD_H1.csv", 3_000)
    result = run_app(
        "--data-dir", str(tmp_path), "train", "--symbol", "EURUSD", "--timeframe", "H1", "--csv", str(csv),
        "--algorithm", "forest", "--name", "csv forest",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (manifest,) = list_manifests(tmp_path / "data" / "models")
    assert (manifest.name, manifest.algorithm.value, manifest.bars) == ("csv forest", "forest", 3000)
    assert manifest.data_from.timestamp() == synthetic_frame(1, seed=4).time[0]
    assert result.stdout.startswith(f'Saved model {manifest.model_id} "csv forest"')
    assert f"out-of-sample accuracy {manifest.oos_accuracy:.1%} vs majority baseline" in result.stdout


def test_an_unknown_symbol_exits_2_with_what_to_check(tmp_path: Path) -> None:
    result = run_app(
        "--data-dir",
        str(tmp_path),
        "--terminal",
        "sim",
        "train",
        "--symbol",
        "NOPE",
        "--timeframe",
        "M1",
        "--json",
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Symbol NOPE is not available in MetaTrader 5" in result.stderr


def test_a_bad_csv_exits_2_naming_the_line(tmp_path: Path) -> None:
    csv = write_mt5_export(tmp_path / "bars.csv", 600)
    lines = csv.read_text().splitlines()
    lines[7] = "yesterday\t" + lines[7].split("\t", 1)[1]  # line 8 of the file
    csv.write_text("\n".join(lines) + "\n")
    result = run_app(
        "--data-dir", str(tmp_path), "train", "--symbol", "X", "--timeframe", "H1", "--csv", str(csv)
    )
    assert result.returncode == 2
    assert "bars.csv: line 8: cannot read the date 'yesterday" in result.stderr
    assert not list((tmp_path / "data" / "models").glob("*.skops"))


def test_train_help_lists_its_options_without_importing_qt() -> None:
    result = run_app("train", "--help", python_flags=("-X", "importtime"))
    assert result.returncode == 0
    for option in (
        "--symbol",
        "--timeframe",
        "--csv FILE",
        "--algorithm {logreg,forest,hgb}",
        "--bars N",
        "--json",
    ):
        assert option in result.stdout
    assert "PyQt6" not in result.stderr


@pytest.mark.parametrize("timeframe", [tf.value for tf in Timeframe])
def test_every_metatrader_timeframe_is_accepted_in_either_case(timeframe: str) -> None:
    for typed in (timeframe, timeframe.lower()):
        args = build_parser().parse_args(["train", "--symbol", "EURUSD", "--timeframe", typed])
        assert args.timeframe is Timeframe(timeframe)


def test_a_wrong_timeframe_exits_2_listing_the_valid_ones(tmp_path: Path) -> None:
    result = run_app("--data-dir", str(tmp_path), "train", "--symbol", "EURUSD", "--timeframe", "H5")
    assert result.returncode == 2 and result.stdout == ""
    assert "'H5' is not a MetaTrader 5 timeframe" in result.stderr
    assert "M1 M2 M3 M4 M5 M6 M10 M12 M15 M20 M30 H1 H2 H3 H4 H6 H8 H12 D1 W1 MN1" in result.stderr


def test_more_bars_than_the_terminal_has_trains_on_those_and_says_how_many(tmp_path: Path) -> None:
    result = run_app(
        "--data-dir", str(tmp_path), "train", "--terminal", "sim", "--symbol", "EURUSD", "--timeframe", "H2",
        "--bars", "20000", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["timeframe"] == "H2" and summary["bars_requested"] == 20_000
    assert 1_000 < summary["bars"] < 20_000
    used = summary["bars"]
    said = f"the terminal has {used:,} closed H2 bars of EURUSD (asked for 20,000): trained on those"
    assert said in summary["notes"] and said in result.stderr


def test_the_backtest_is_in_pips_and_the_account_currency_for_the_chosen_lots(tmp_path: Path) -> None:
    result = run_app(
        "--data-dir", str(tmp_path), "train", "--terminal", "sim", "--symbol", "USDJPY", "--timeframe", "H1",
        "--bars", "3000", "--lots", "0.5", "--threshold", "0.55", "--deposit", "2500",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (manifest,) = list_manifests(tmp_path / "data" / "models")
    money = manifest.backtest_money
    assert money is not None and (money.lots, money.threshold, money.deposit) == (0.5, 0.55, 2500.0)
    assert (money.currency, money.terms.conversion.value) == ("USD", "by_exit_price")
    assert manifest.backtest.starting_balance == 2500.0
    net = manifest.backtest.net_profit
    assert "0.50 lots of USDJPY from a 2,500.00 USD deposit, trading at confidence ≥ 0.55" in result.stdout
    assert f"net {money.pips.net:+,.1f} pips = {net:+,.2f} USD" in result.stdout
    assert "note:" not in result.stdout  # terms from the terminal: nothing assumed


def test_a_csv_backtest_states_its_assumed_contract(tmp_path: Path) -> None:
    csv = write_mt5_export(tmp_path / "EURUSD_H1.csv", 3_000)
    result = run_app(
        "--data-dir", str(tmp_path), "train", "--symbol", "EURUSD", "--timeframe", "H1", "--csv", str(csv),
        "--bars", "5000", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["currency"] == "USD" and summary["backtest_money"]["terms"]["source"] == "assumed"
    notes = " | ".join(summary["notes"])
    assert "asked for 5,000 bars; EURUSD_H1.csv holds 3,000: trained on those" in notes
    assert "No terminal described EURUSD: assumed 100,000 units a lot, 5 digits" in notes
