"""`mt5desk train` in a fresh process: on the simulated terminal, from a CSV file, and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

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
