"""`mt5desk --self-test`: the whole desk once, end to end, on the simulator in a throwaway folder.

Made for the frozen build: it proves the bundle holds what a trader's first minute needs (Qt and its
plugins, the icon, the journal's migrations, the terminal host process started from the bundle's own
executable, the simulator, the order path, a journal file that holds everything after a clean stop). It
never touches a real terminal or the trader's own data folder. Each step prints "OK …"; the first
failure prints what failed and the command exits 1.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.terminal.simulator.clock import ClockSpec

if TYPE_CHECKING:
    from PyQt6.QtWidgets import QApplication

    from app.core.models import OrderRequest
    from app.core.settings import Settings
    from app.engine.desk import Desk
    from app.terminal.simulator.clock import Clock
    from app.ui.shell.main_window import MainWindow

PROGRAM = "mt5desk self-test"
STEP_TIMEOUT_S = 30.0
SYMBOL = "EURUSD"
VOLUME = 0.01
MODEL_BARS = 2_000  # enough for every walk-forward fold to reach its minimum of labelled samples
_DAY = 86_400


class SelfTestFailure(Exception):
    """A step did not do what it should; the text says which and why."""


@dataclass(frozen=True, slots=True)
class WeekdayClock:
    """Wall time moved back by whole days onto a Tuesday-Thursday, so the demo market is open any day."""

    offset_s: float

    @classmethod
    def for_now(cls, now: float | None = None) -> WeekdayClock:
        day = int((time.time() if now is None else now) // _DAY)
        back = next(k for k in range(7) if (day - k + 3) % 7 in (1, 2, 3))  # epoch day 0 is a Thursday
        return cls(back * _DAY)

    def now(self) -> float:
        return time.time() - self.offset_s

    def spec(self) -> ClockSpec:
        """The same clock as a description a terminal host process can rebuild."""
        return ClockSpec.behind(self.offset_s)


def needs_offscreen(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """True on Linux with no display and no Qt platform chosen: the window then opens offscreen."""
    # A positive platform test: mypy skips the block off Linux instead of calling the rest unreachable.
    if sys.platform.startswith("linux") and not environ.get("QT_QPA_PLATFORM"):
        return not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    return False


def run_self_test(*, keep_folder: bool = False, out: Callable[[str], None] = print) -> int:
    """Run every step; 0 when all passed, 1 with a line saying what failed."""
    if needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="mt5desk-selftest-"))
    try:
        _SelfTest(folder, out).run()
    except SelfTestFailure as failure:
        out(f"!! {PROGRAM} FAILED: {failure}")
        return 1
    except Exception as error:  # a failed self-test too: the traceback for the builder, then the line
        traceback.print_exc()
        out(f"!! {PROGRAM} FAILED: unexpected {type(error).__name__}: {error}")
        return 1
    finally:
        if not keep_folder:
            shutil.rmtree(folder, ignore_errors=True)
    out(f"{PROGRAM}: passed in {time.monotonic() - started:.1f} s")
    return 0


class _SelfTest:
    """The steps, sharing one QApplication, desk and window."""

    def __init__(self, folder: Path, out: Callable[[str], None]) -> None:
        self.folder = folder
        self.out = out
        self.qt_app: QApplication | None = None
        self.sent: list[str] = []  # trade ids of the commands submitted, in order

    def run(self) -> None:
        from PyQt6.QtWidgets import QApplication

        from app.core.settings import Settings
        from app.engine.desk import Desk, DeskConfig
        from app.storage.paths import AppPaths

        qt_app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "mt5desk"])
        assert isinstance(qt_app, QApplication)
        self.qt_app = qt_app
        self.ok(f"Qt started (platform plugin '{qt_app.platformName()}')")
        self.check_icon()
        paths = AppPaths.under(self.folder / "config", self.folder / "data", self.folder / "logs").ensure()
        clock = WeekdayClock.for_now()
        config = DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(paths.sim_state_file)),
            database_file=paths.database_file,
            sim_clock=clock.spec(),
        )
        desk = Desk(config)  # opens the journal: the migrations must be in the bundle
        self.ok(f"journal created at schema {desk.journal.database.schema_revision()}")
        window: MainWindow | None = None
        try:
            window = self.open_window(desk, Settings(), paths.models_dir)
            desk.start()
            self.wait_connected(desk)
            self.trade_round_trip(desk, window)
            self.check_journal_file(desk)
        finally:
            if window is not None:
                window.hide()
                window.deleteLater()
            stopped = desk.stop()
            if not stopped:
                raise SelfTestFailure("the terminal host or an engine thread did not stop within 10 s")
        self.check_journal_alone(paths.database_file)
        self.check_model_round_trip(paths.models_dir, clock)
        self.check_alerts()

    def ok(self, text: str) -> None:
        self.out(f"OK {text}")

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        from PyQt6.QtCore import QEventLoop

        assert self.qt_app is not None
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not condition():
            if time.monotonic() > deadline:
                raise SelfTestFailure(f"{what}: nothing happened within {STEP_TIMEOUT_S:.0f} s")
            self.qt_app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.005)

    def check_icon(self) -> None:
        from app.ui.shell.icons import APP_ICON_FILE, app_icon

        if not APP_ICON_FILE.is_file():
            raise SelfTestFailure(f"the app icon {APP_ICON_FILE} is missing (resources/ not bundled?)")
        from PyQt6.QtGui import QIcon

        if QIcon(str(APP_ICON_FILE)).pixmap(32, 32).isNull():
            raise SelfTestFailure("Qt cannot draw the SVG app icon (the qsvg image plugin is missing)")
        assert self.qt_app is not None
        self.qt_app.setWindowIcon(app_icon())
        self.ok(f"app icon drawn from {APP_ICON_FILE.name}")

    def check_model_round_trip(self, models_dir: Path, clock: Clock | None) -> None:
        """scikit-learn trains on simulator bars, skops saves the model and loads it back (hash checked)."""
        from app.core.enums import Timeframe
        from app.ml.bars import BarFrame
        from app.ml.pipelines import Algorithm
        from app.ml.store import open_model, save_model
        from app.ml.training import train_model
        from app.terminal.backend import open_terminal

        terminal = open_terminal(TerminalTarget(Backend.SIM), sim_clock=clock).terminal
        try:
            rates = terminal.rates(SYMBOL, Timeframe.H1, MODEL_BARS, start_pos=1)
            frame = BarFrame.from_rates(rates, terminal.symbol(SYMBOL).point)
        finally:
            terminal.disconnect()
        result = train_model(frame, symbol=SYMBOL, timeframe=Timeframe.H1, algorithm=Algorithm.LOGREG)
        manifest = save_model(result, models_dir, name="self-test")
        model = open_model(manifest, models_dir)
        self.ok(f"model trained, saved and loaded back ({model.algorithm.value}, {len(frame)} bars)")

    def check_alerts(self) -> None:
        """Apprise finds its plugins (a frozen build must carry them) and delivers to a loopback server."""
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        from app.alerts.rules import AlertLevel
        from app.alerts.transport import deliver, url_problem

        for url in ("tgram://123456789:AAbbCCddEEff/987654321", "ntfys://ntfy.sh/self-test"):
            if url_problem(url) is not None:
                raise SelfTestFailure(f"Apprise does not know {url.split(':')[0]}:// (plugins not bundled?)")
        received: list[bytes] = []

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = HTTPServer(("127.0.0.1", 0), Receiver)
        thread = threading.Thread(target=server.handle_request, daemon=True)
        thread.start()
        try:
            url = f"json://127.0.0.1:{server.server_address[1]}/self-test"
            delivery = deliver(url, "MT5 Desk self-test", "alert check", AlertLevel.INFO, timeout_s=10)
            thread.join(10)
        finally:
            server.server_close()
        if not delivery.ok or not received or b"alert check" not in received[0]:
            raise SelfTestFailure(
                f"an alert through Apprise did not arrive: {delivery.reason or 'nothing came'}"
            )
        self.ok(f"alert sent through Apprise to a loopback receiver in {delivery.seconds:.2f} s")

    def open_window(self, desk: Desk, settings: Settings, models_dir: Path) -> MainWindow:
        from app.engine.queries import JournalQueries, TerminalQueries
        from app.ui.shell.main_window import MainWindow

        window = MainWindow(
            desk.hub,
            desk.state,
            settings,
            terminal_queries=TerminalQueries(desk.host),
            journal_queries=JournalQueries(desk.journal),
            models_dir=models_dir,
        )
        # The same wiring as the desktop app: the window asks, the engine's command queue executes.
        window.order_requested.connect(lambda account_id, request: self.submit(desk, account_id, request))
        window.show()
        self.wait_for("showing the main window", window.isVisible)
        self.ok("main window shown")
        return window

    def submit(self, desk: Desk, account_id: str, request: OrderRequest) -> None:
        from app.engine.commands import TradeCommand

        command = TradeCommand.manual(request, account_id)
        self.sent.append(command.trade_id)
        desk.submit(command)

    def wait_connected(self, desk: Desk) -> None:
        from app.core.enums import ConnectionState

        state = desk.state.of(desk.host.account_id)
        self.wait_for(
            "connecting to the simulated terminal",
            lambda: state.status.state is ConnectionState.CONNECTED and state.account is not None,
        )
        if desk.host.pid is None or desk.host.pid == os.getpid():
            raise SelfTestFailure("the terminal does not run in a host process of its own")
        login = state.account.login if state.account else "?"
        self.ok(
            f"terminal host process {desk.host.pid} connected to the simulated terminal (account {login})"
        )

    def trade_round_trip(self, desk: Desk, window: MainWindow) -> None:
        from app.core.enums import OrderAction, Side, TradeStatus
        from app.core.events import TradeError
        from app.core.models import OrderRequest

        errors: list[TradeError] = []
        desk.hub.stream.connect(lambda event: errors.append(event) if isinstance(event, TradeError) else None)
        journal = desk.journal

        def status_of(trade_id: str) -> TradeStatus | None:
            if errors:
                raise SelfTestFailure(f"the terminal refused the order: {errors[0].error}")
            record = journal.find_trade(trade_id)
            return None if record is None else record.status

        account_id = desk.host.account_id
        positions = desk.state.of(account_id).positions
        window.order_requested.emit(
            account_id, OrderRequest(action=OrderAction.OPEN, symbol=SYMBOL, side=Side.BUY, volume=VOLUME)
        )
        opened = self.sent[-1]
        self.wait_for("opening the demo order", lambda: status_of(opened) is TradeStatus.OPEN)
        record = journal.find_trade(opened)
        ticket = record.position_ticket if record else None
        if ticket is None:
            raise SelfTestFailure(f"the journal has no position ticket for the filled order {opened}")
        self.wait_for("the new position reaching the window", lambda: ticket in positions)
        self.ok(f"demo order {opened} filled: {SYMBOL} buy {VOLUME} lot, position {ticket}")

        window.order_requested.emit(
            account_id, OrderRequest(action=OrderAction.CLOSE, symbol=SYMBOL, ticket=ticket)
        )
        closing = self.sent[-1]
        self.wait_for("closing the demo position", lambda: status_of(closing) is TradeStatus.CLOSED)
        self.wait_for("journaling the closed trade", lambda: status_of(opened) is TradeStatus.CLOSED)
        self.wait_for("the closed position leaving the window", lambda: ticket not in positions)
        closed = [record for record in journal.closed_trades() if record.trade_id == opened]
        if not closed:
            raise SelfTestFailure(f"the journal lists no closed trade with id {opened}")
        net = closed[0].profit
        self.ok(f"position {ticket} closed; the journal holds closed trade {opened} (net {net:+.2f})")

    def check_journal_file(self, desk: Desk) -> None:
        problems = desk.journal.database.integrity_problems()
        if problems:
            raise SelfTestFailure("SQLite's integrity check found: " + "; ".join(problems[:5]))
        self.ok("journal file passes SQLite's integrity check")

    def check_journal_alone(self, database_file: Path) -> None:
        """After the clean stop, a copy of the .sqlite3 file alone (no -wal) holds every trade."""
        copy = self.folder / "journal-copy.sqlite3"
        shutil.copyfile(database_file, copy)
        with sqlite3.connect(copy) as connection:
            ids = {row[0] for row in connection.execute("SELECT trade_id FROM trades")}
        connection.close()
        missing = [trade_id for trade_id in self.sent if trade_id not in ids]
        if missing:
            raise SelfTestFailure(f"the journal file alone lacks trades {missing} after a clean stop")
        self.ok(f"journal file alone holds all {len(ids)} trade(s) after the clean stop")
