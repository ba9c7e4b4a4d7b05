"""`mt5desk train`: load bars (terminal or CSV), train, save the model, and say how it did in pips and money.

Scikit-learn loads only once the bars are known to be good, so a wrong symbol or file answers at once.
Whatever was not as asked (fewer bars than requested, assumed contract terms) is said, never silent.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.enums import Backend, Timeframe
from app.core.models import DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_LOT_SIZE
from app.core.settings import Settings
from app.ml.money import DEFAULT_DEPOSIT  # no numpy nor scikit-learn: `train --help` stays quick
from app.storage.paths import AppPaths

if TYPE_CHECKING:
    from app.ml.bars import BarFrame
    from app.ml.manifest import ModelManifest
    from app.ml.money import ContractTerms
    from app.ml.training import TrainingResult

PROGRAM = "mt5desk"
TRAIN_ERROR_EXIT = 2
DEFAULT_TERMINAL_BARS = 20_000


def _timeframe(text: str) -> Timeframe:
    try:
        return Timeframe.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return int(text)


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.5 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a confidence between 0.5 and 1, got {text!r}")
    return value


def add_train_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], bridge_address: Callable[[str], object]
) -> None:
    """The `train` sub-command and its options; `bridge_address` parses --bridge as the main parser does."""
    train = commands.add_parser(
        "train",
        help="train a model on the terminal's history or a CSV file and save it in the models folder",
        description="Train a model, evaluate it walk-forward (out of sample, in time order), backtest its "
        "signals with spread costs in pips and account money, and save it in the data folder's models "
        "folder. The saved model starts with the backtest's lot size and confidence threshold.",
    )
    train.add_argument("--symbol", required=True, help="symbol as MT5's Market Watch spells it, e.g. EURUSD")
    train.add_argument(
        "--timeframe", required=True, type=_timeframe, metavar="|".join(tf.value for tf in Timeframe)
    )
    train.add_argument("--csv", type=Path, metavar="FILE", help="bars from this CSV instead of the terminal")
    train.add_argument("--algorithm", choices=["logreg", "forest", "hgb"], default="logreg")
    train.add_argument(
        "--bars",
        type=_positive_int,
        metavar="N",
        help=f"bars of history (terminal default {DEFAULT_TERMINAL_BARS}; CSV: all); fewer there are used "
        "and said",
    )
    train.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (same seed, same model)")
    train.add_argument("--name", default="", help="the model's name (default: symbol, timeframe, algorithm)")
    train.add_argument(
        "--lots",
        type=_positive_number,
        default=DEFAULT_LOT_SIZE,
        metavar="LOTS",
        help=f"lot size the backtest trades and the saved model starts with (default {DEFAULT_LOT_SIZE})",
    )
    train.add_argument(
        "--threshold",
        type=_threshold,
        default=DEFAULT_CONFIDENCE_THRESHOLD,
        metavar="P",
        help="confidence the backtest trades at and the saved model starts with "
        f"(default {DEFAULT_CONFIDENCE_THRESHOLD}, as a new model trades live)",
    )
    train.add_argument(
        "--deposit",
        type=_positive_number,
        default=DEFAULT_DEPOSIT,
        metavar="AMOUNT",
        help=f"starting balance of the backtest in the account currency (default {DEFAULT_DEPOSIT:,.0f})",
    )
    train.add_argument(
        "--contract-size",
        type=_positive_number,
        default=None,
        metavar="UNITS",
        help="with --csv: units in one lot (default 100000 for a currency pair such as EURUSD, else 1)",
    )
    train.add_argument("--json", action="store_true", help="print the result as one JSON object")
    # Also accepted after `train`; SUPPRESS keeps the value given before it when they are not repeated.
    train.add_argument("--terminal", choices=[b.value for b in Backend], default=argparse.SUPPRESS)
    train.add_argument("--bridge", metavar="HOST:PORT", type=bridge_address, default=argparse.SUPPRESS)
    train.add_argument("--data-dir", metavar="PATH", type=Path, default=argparse.SUPPRESS)


@dataclass(slots=True)
class _Bars:
    frame: BarFrame
    terms: ContractTerms
    requested: int | None
    notes: list[str] = field(default_factory=list)


def run_train(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
    """Load bars, train, save; exit 2 with a message on bad input or an unusable terminal."""
    from app.ml.errors import DataError, ModelStoreError
    from app.terminal.errors import TerminalError

    def progress(fraction: float, message: str) -> None:
        print(f"{PROGRAM} train: {fraction:4.0%} {message}", file=sys.stderr, flush=True)

    try:
        bars = _train_bars(args, settings)
        for note in bars.notes:
            print(f"{PROGRAM} train: {note}", file=sys.stderr, flush=True)
        from app.ml.store import save_model  # scikit-learn loads only once the bars are known to be good
        from app.ml.training import TrainingOptions, train_model

        options = TrainingOptions(threshold=args.threshold, lots=args.lots, deposit=args.deposit)
        result = train_model(
            bars.frame,
            symbol=args.symbol,
            timeframe=args.timeframe,
            algorithm=args.algorithm,
            seed=args.seed,
            options=options,
            terms=bars.terms,
            progress=progress,
        )
        manifest = save_model(result, paths.models_dir, name=args.name)
    except (DataError, TerminalError, ModelStoreError, OSError) as error:
        print(f"{PROGRAM} train: {error}", file=sys.stderr)
        return TRAIN_ERROR_EXIT
    except KeyboardInterrupt:
        print(f"{PROGRAM} train: cancelled; no model was saved", file=sys.stderr)
        return 130
    model_file = paths.models_dir / manifest.file_name
    if args.json:
        print(json.dumps(_summary(manifest, result, bars, model_file), allow_nan=False))
    else:
        for line in _report(manifest, result, bars, model_file):
            print(line)
    return 0


def _summary(
    manifest: ModelManifest, result: TrainingResult, bars: _Bars, model_file: Path
) -> dict[str, Any]:
    money = result.money
    return {
        "model_id": manifest.model_id,
        "name": manifest.name,
        "symbol": manifest.symbol,
        "timeframe": manifest.timeframe.value,
        "algorithm": manifest.algorithm.value,
        "seed": manifest.seed,
        "bars": manifest.bars,
        "bars_requested": bars.requested,
        "samples": manifest.samples,
        "oos_accuracy": manifest.oos_accuracy,
        "baseline_accuracy": manifest.baseline_accuracy,
        "folds": [
            {"test_samples": f.test_samples, "accuracy": f.accuracy, "baseline_accuracy": f.baseline_accuracy}
            for f in result.folds
        ],
        "backtest_threshold": money.threshold,
        "currency": money.currency,
        "backtest": manifest.backtest.to_dict(),
        "backtest_money": money.to_dict(),
        "notes": [*bars.notes, *money.terms.assumptions()],
        "model_file": str(model_file),
    }


def _report(manifest: ModelManifest, result: TrainingResult, bars: _Bars, model_file: Path) -> list[str]:
    bt, money = manifest.backtest, result.money
    currency, pips = money.currency, money.pips
    lines = [
        f'Saved model {manifest.model_id} "{manifest.name}" to {model_file}',
        f"  {manifest.bars:,} bars, {manifest.samples:,} labelled; {len(result.folds)} walk-forward folds",
        f"  out-of-sample accuracy {manifest.oos_accuracy:.1%} vs majority baseline "
        f"{manifest.baseline_accuracy:.1%}",
        f"  backtest: {money.sizing_text()}, one bar held, paying the spread",
        f"    {bt.trades} trades, win rate {_share(bt.win_rate)}, profit factor {_figure(bt.profit_factor)}",
        f"    net {pips.net:+,.1f} pips = {bt.net_profit:+,.2f} {currency}, {_pips(pips.per_trade)} a trade",
        f"    max drawdown {bt.max_drawdown:,.2f} {currency} ({bt.max_drawdown_pct:.2f}% below its peak, "
        f"{pips.max_drawdown:,.1f} pips), Sharpe {_figure(bt.sharpe)}, Sortino {_figure(bt.sortino)}",
    ]
    lines += [f"  note: {text}" for text in (*bars.notes, *money.terms.assumptions())]
    return lines


def _train_bars(args: argparse.Namespace, settings: Settings) -> _Bars:
    from app.ml.bars import BarFrame, read_csv
    from app.ml.money import ContractTerms

    if args.csv is not None:
        loaded = read_csv(args.csv)
        frame = loaded.frame.tail(args.bars) if args.bars else loaded.frame
        bars = _Bars(frame, ContractTerms.assumed(args.symbol, frame.point, args.contract_size), args.bars)
        if loaded.duplicates_dropped:
            bars.notes.append(
                f"{args.csv.name}: dropped {loaded.duplicates_dropped} row(s) repeating the previous "
                f"timestamp (first at line {loaded.first_duplicate_line})"
            )
        if args.bars and len(frame) < args.bars:
            bars.notes.append(
                f"asked for {args.bars:,} bars; {args.csv.name} holds {len(frame):,}: trained on those"
            )
        return bars
    from app.core.target import target_from_settings
    from app.terminal.backend import open_terminal

    # No login and no account file: reading bars must neither switch the terminal's account nor touch
    # the simulated account a running desk may be using.
    target = target_from_settings(
        settings.primary.terminal, backend=args.terminal, bridge=args.bridge
    ).probe()
    selection = open_terminal(target)
    if not args.json or selection.simulated:
        print(f"{PROGRAM} train: {selection.reason}", file=sys.stderr)
    terminal = selection.terminal
    requested = args.bars or DEFAULT_TERMINAL_BARS
    try:
        spec = terminal.symbol(args.symbol)
        currency = terminal.account().currency
        rates = terminal.rates(args.symbol, args.timeframe, requested, start_pos=1)
    finally:
        terminal.disconnect()
    frame = BarFrame.from_rates(rates, spec.point)
    bars = _Bars(frame, ContractTerms.from_spec(spec, currency), requested)
    if len(frame) < requested:
        asked = f"asked for {requested:,}" if args.bars else f"{requested:,} by default"
        bars.notes.append(
            f"the terminal has {len(frame):,} closed {args.timeframe.value} bars of {args.symbol} "
            f"({asked}): trained on those"
        )
    return bars


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _pips(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.2f} pips"
