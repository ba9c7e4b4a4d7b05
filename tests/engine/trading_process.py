"""A trading run to be killed: the real Desk (and its terminal host process) on a slow simulated terminal,
opening and closing until stopped.

    python -m tests.engine.trading_process DATA_DIR [--latency S] [--reply-latency S] [--every S]

Prints `CONNECTED` once the desk is connected, then `SUBMIT <trade id> <open|close>` for every trade
command it queues (flushed at once, so a test reading the pipe knows what was asked before it kills).
Journal: DATA_DIR/journal.sqlite3; simulated account: DATA_DIR/sim.json. Trades BTCUSD, which the
simulated broker quotes every day of the week, so the run works on any date with the wall clock.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QObject, QTimer, pyqtSlot

from app.core.enums import Backend, ConnectionState, OrderAction, Side
from app.core.events import Event, Notice, TradeError
from app.core.models import OrderRequest
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand, trade_id_in
from app.engine.desk import Desk, DeskConfig
from tests.one_account import MAIN

SYMBOL = "BTCUSD"
VOLUME = 0.01
MAX_OPEN = 3
MAX_QUEUED = 2
GIVE_UP_AFTER_S = 60.0  # a run nobody kills ends by itself instead of lingering


class Trader(QObject):
    """Queues an open or a close every few milliseconds, from what the desk currently shows.

    At most MAX_QUEUED commands wait for the terminal at a time, so the positions the desk shows stay
    close to what the terminal holds and opens and closes keep alternating.
    """

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self._desk = desk
        self._closing: set[int] = set()
        self._announced = False
        self._submitted = 0
        self._finished = 0
        desk.hub.stream.connect(self.seen)

    @pyqtSlot(object)
    def seen(self, event: Event) -> None:
        # Every executed command ends in exactly one of these (see TradingService).
        if isinstance(event, TradeError) or (
            isinstance(event, Notice) and event.title in ("Order executed", "Duplicate order refused")
        ):
            self._finished += 1

    def step(self) -> None:
        if self._desk.state.of(MAIN).status.state is not ConnectionState.CONNECTED:
            return
        if not self._announced:
            self._announced = True
            say("CONNECTED")
        if self._submitted - self._finished >= MAX_QUEUED:
            return
        mine = sorted(
            ticket
            for ticket, position in self._desk.state.of(MAIN).positions.items()
            if trade_id_in(position.comment) and ticket not in self._closing
        )
        if len(mine) >= MAX_OPEN:
            self._closing.add(mine[0])
            request = OrderRequest(action=OrderAction.CLOSE, symbol=SYMBOL, ticket=mine[0])
        else:
            request = OrderRequest(action=OrderAction.OPEN, symbol=SYMBOL, side=Side.BUY, volume=VOLUME)
        command = TradeCommand.manual(request, MAIN)
        self._desk.submit(command)
        self._submitted += 1
        say(f"SUBMIT {command.trade_id} {request.action.value}")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds every terminal call blocks")
    parser.add_argument("--reply-latency", type=float, default=0.1, help="seconds an order's answer takes")
    parser.add_argument("--every", type=float, default=0.05, help="seconds between trade commands")
    args = parser.parse_args(argv)

    app = QCoreApplication([])
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(args.data / "sim.json")),
            database_file=args.data / "journal.sqlite3",
        )
    )
    simulator = desk.simulator
    assert simulator is not None
    # Both block holding the GIL, in the host: the order stands while its answer is still on its way.
    simulator.set_latency(args.latency)
    simulator.set_reply_latency(args.reply_latency)
    trader = Trader(desk)
    timer = QTimer()
    timer.timeout.connect(trader.step)
    timer.start(max(1, int(args.every * 1000)))
    QTimer.singleShot(int(GIVE_UP_AFTER_S * 1000), app.quit)
    desk.start()
    try:
        return app.exec()
    finally:
        desk.stop()


if __name__ == "__main__":
    raise SystemExit(main())
