"""The main window on a real simulator-backed desk: live rows, read-only mode, layout memory, no freezes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import QElapsedTimer, QTimer
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState, OrderAction, Side
from app.core.events import StatusUpdate
from app.core.models import OrderRequest
from app.core.settings import Settings
from app.core.state import DeskState
from app.core.target import TerminalTarget
from app.engine.commands import TradeCommand
from app.engine.desk import Desk, DeskConfig
from app.engine.hub import EventHub
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.engine.sim_controls import SimulatorControls
from app.terminal.simulator import ClockSpec
from app.ui.shell.main_window import MainWindow
from tests.one_account import MAIN

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    config = DeskConfig(
        target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
        database_file=tmp_path / "journal.sqlite3",
        intervals=Intervals(pnl_s=0.1, positions_s=0.5, account_s=0.3, heartbeat_s=1.0),
        sim_clock=ClockSpec.manual(WEDNESDAY),
    )
    desk = Desk(config)
    yield desk
    assert desk.stop(15)


def make_window(desk: Desk, tmp_path: Path, *, read_only: bool = False) -> MainWindow:
    return MainWindow(
        desk.hub,
        desk.state,
        Settings(),
        read_only=read_only,
        terminal_queries=None if read_only else TerminalQueries(desk.host),
        journal_queries=None if read_only else JournalQueries(desk.journal),
        window_state_file=tmp_path / "window.ini",
    )


def connected(desk: Desk) -> bool:
    return desk.state.of(MAIN).status.state is ConnectionState.CONNECTED


def simulator(desk: Desk) -> SimulatorControls:
    controls = desk.simulator  # tests drive the simulated terminal's own controls
    assert controls is not None
    return controls


def test_positions_opened_in_the_terminal_appear_as_rows(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    window = make_window(desk, tmp_path)
    qtbot.addWidget(window)
    desk.start()
    qtbot.waitUntil(lambda: connected(desk), timeout=10_000)
    ticket = simulator(desk).open_external("EURUSD", "buy", 0.4)
    qtbot.waitUntil(lambda: window.positions.model.row_of((MAIN, ticket)) is not None, timeout=5000)
    assert window.positions.model.position((MAIN, ticket)).volume == pytest.approx(0.4)


def test_an_order_from_the_window_reaches_the_terminal(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    window = make_window(desk, tmp_path)
    qtbot.addWidget(window)
    window.order_requested.connect(
        lambda account_id, request: desk.submit(TradeCommand.manual(request, account_id))
    )
    desk.start()
    qtbot.waitUntil(lambda: connected(desk), timeout=10_000)
    window.order_requested.emit(
        MAIN, OrderRequest(action=OrderAction.OPEN, symbol="GBPUSD", side=Side.SELL, volume=0.2)
    )
    qtbot.waitUntil(lambda: window.positions.model.totals().count == 1, timeout=5000)
    (position,) = simulator(desk).positions().values()
    assert (position.symbol, position.side, position.volume) == ("GBPUSD", Side.SELL, 0.2)


def test_the_read_only_window_has_no_trading_actions(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow(EventHub(), DeskState(), Settings(), read_only=True, viewer_host="desk.example:8765")
    qtbot.addWidget(window)
    texts = {action.text() for action in window.findChildren(type(window.menuBar().actions()[0]))}
    assert not {"New order…", "Connect", "Disconnect", "Settings…"} & texts
    assert window.positions.read_only
    assert window.open_order_ticket() is None
    assert "viewing desk.example:8765" in window.windowTitle()


def test_the_toolbar_offers_connect_after_a_disconnect(qtbot: QtBot, tmp_path: Path) -> None:
    hub = EventHub()
    window = MainWindow(hub, DeskState(), Settings())
    qtbot.addWidget(window)
    from app.core.models import TerminalStatus

    hub.publish(StatusUpdate(status=TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)))
    assert window.connect_action.text() == "Connect"
    with qtbot.waitSignal(window.link_requested) as requested:
        window.connect_action.trigger()
    assert requested.args == [True]


def test_window_geometry_and_splitters_are_restored_next_run(qtbot: QtBot, tmp_path: Path) -> None:
    first = MainWindow(EventHub(), DeskState(), Settings(), window_state_file=tmp_path / "window.ini")
    qtbot.addWidget(first)
    first.show()
    first.resize(780, 640)  # the offscreen screen is 800 x 800; geometry is clamped to it
    first.main_split.setSizes([300, 480])
    qtbot.wait(50)
    saved_sizes = first.main_split.sizes()
    first.save_window_state()
    second = MainWindow(EventHub(), DeskState(), Settings(), window_state_file=tmp_path / "window.ini")
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(50)
    assert second.size() == first.size()
    assert second.main_split.sizes() == saved_sizes


def test_the_window_keeps_repainting_while_the_terminal_takes_two_seconds_per_call(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    window = make_window(desk, tmp_path)
    qtbot.addWidget(window)
    window.show()
    desk.start()
    qtbot.waitUntil(lambda: connected(desk), timeout=10_000)
    # Every call now blocks 2 s holding the GIL, as the MetaTrader5 module does: in the terminal host's
    # process, not the window's.
    simulator(desk).set_latency(2.0)
    TerminalQueries(desk.host).request_quote("EURUSD")
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
        started = time.perf_counter()
        window.repaint()  # a full synchronous repaint of the window, as a user's interaction would cause
        gaps[-1] = max(gaps[-1], (time.perf_counter() - started) * 1000)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(20)
    qtbot.wait(3000)
    timer.stop()
    simulator(desk).set_latency(0.0)
    assert len(gaps) > 50
    assert max(gaps) < 100, f"the GUI thread stalled for {max(gaps):.0f} ms"
