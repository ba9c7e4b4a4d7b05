"""Demo: a model trained on the simulator's M1 bars trades on the real Desk within a few minutes.

    python -m tests.demo_autotrade [--symbol EURUSD] [--minutes 3] [--trades 1] [--data DIR]

Trains a logistic regression on the simulator (wall clock) the way the training dialog does, saves it
into the models folder, starts a real Desk on the simulator, registers the model with a low threshold
(0.50, so every closed bar is a signal), enables it, switches auto-trading on, and prints every
AUTO_TRADE_EXECUTED (and the notices) until `--trades` orders were filled or `--minutes` passed.
Exit code 0 when at least one order was filled, 1 otherwise. EURUSD does not trade at weekends in the
simulator; use --symbol BTCUSD then.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QTimer

from app.core.enums import Backend, ConnectionState, Timeframe
from app.core.events import AutoTradeExecuted, Event, ModelsUpdate, Notice, StatusUpdate, encode
from app.core.models import ModelSettings
from app.core.target import TerminalTarget
from app.engine.commands import AutoTradingCommand, ModelCommand, RegisterModelCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.ml.bars import BarFrame
from app.ml.pipelines import Algorithm
from app.ml.store import save_model
from app.ml.training import train_model
from app.terminal.adapter import Terminal
from app.terminal.simulator import SimulatedTerminal
from tests.one_account import MAIN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbol", default="EURUSD")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--trades", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    data = args.data or Path(tempfile.mkdtemp(prefix="mt5desk-demo-"))
    models_dir = data / "models"

    started = time.monotonic()
    sim = SimulatedTerminal(state_path=data / "sim_account.json")
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    spec = terminal.symbol(args.symbol)
    frame = BarFrame.from_rates(terminal.rates(args.symbol, Timeframe.M1, 10_000, start_pos=1), spec.point)
    result = train_model(
        frame, symbol=args.symbol, timeframe=Timeframe.M1, algorithm=Algorithm.LOGREG, seed=1
    )
    manifest = save_model(result, models_dir, name=f"Demo {args.symbol} M1")
    terminal.disconnect()
    print(
        f"[{_clock()}] trained {manifest.name} ({manifest.model_id}) on {result.bars} bars in "
        f"{time.monotonic() - started:.1f} s: out-of-sample accuracy {result.oos_accuracy:.3f} "
        f"vs baseline {result.baseline_accuracy:.3f}",
        flush=True,
    )

    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    config = DeskConfig(
        target=TerminalTarget(Backend.SIM, sim_state_file=str(data / "sim_account.json")),
        database_file=data / "journal.sqlite3",
        intervals=Intervals(),
        models_dir=models_dir,
    )
    desk = Desk(config)
    filled: list[AutoTradeExecuted] = []
    switched_on: list[float] = []

    def on_event(event: Event) -> None:
        if (
            isinstance(event, StatusUpdate)
            and event.status.state is ConnectionState.CONNECTED
            and not switched_on
        ):
            settings = ModelSettings(
                args.symbol, Timeframe.M1, lot_size=0.01, confidence_threshold=0.5, sl_pips=30
            )
            desk.submit(
                RegisterModelCommand(models_dir / manifest.file_name, manifest, settings, account_id=MAIN)
            )
            desk.submit(ModelCommand(manifest.model_id, enabled=True))
            desk.submit(AutoTradingCommand(True))
            switched_on.append(time.monotonic())
            print(
                f"[{_clock()}] desk connected; model registered, enabled, auto-trading switched on",
                flush=True,
            )
        elif isinstance(event, Notice):
            print(f"[{_clock()}] NOTICE {event.level.value} {event.title}: {event.text}", flush=True)
        elif isinstance(event, ModelsUpdate):
            for model in event.models:
                print(f"[{_clock()}] MODELS_UPDATE {model.name}: {model.status or '-'}", flush=True)
        elif isinstance(event, AutoTradeExecuted):
            filled.append(event)
            waited = time.monotonic() - switched_on[0] if switched_on else 0.0
            print(f"[{_clock()}] {waited:.0f} s after switching on: {encode(event)}", flush=True)
            if len(filled) >= args.trades:
                QTimer.singleShot(500, app.quit)

    desk.hub.stream.connect(on_event)
    QTimer.singleShot(int(args.minutes * 60_000), app.quit)
    desk.start()
    app.exec()
    desk.stop()
    print(f"[{_clock()}] {len(filled)} automatic order(s) filled; data folder {data}", flush=True)
    return 0 if filled else 1


def _clock() -> str:
    return time.strftime("%H:%M:%S", time.gmtime())


if __name__ == "__main__":
    sys.exit(main())
