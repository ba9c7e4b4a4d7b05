"""SymbolDigits: what the positions told, and what the terminal says of the other symbols, asked once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, ConnectionState
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import TerminalQueries
from app.terminal.simulator import ClockSpec
from app.ui.history.symbol_digits import SymbolDigits
from tests.one_account import MAIN
from tests.ui.positions_events import make_position, opened

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(0.2, 0.5, 0.5, 1.0),
            sim_clock=ClockSpec.manual(WEDNESDAY),
        )
    )
    desk.start()
    yield desk
    assert desk.stop(10), "the desk did not stop"


def test_digits_come_with_the_positions_the_desk_shows(qtbot: QtBot) -> None:
    digits = SymbolDigits()

    with qtbot.waitSignal(digits.learned, timeout=1000):
        digits.apply(opened(make_position(1, "USDJPY", digits=3), make_position(2, "XAUUSD", digits=2)))

    assert (digits.digits("USDJPY"), digits.digits("XAUUSD"), digits.digits("EURUSD")) == (3, 2, None)


def test_a_symbol_no_position_told_of_is_asked_of_the_terminal_once(qtbot: QtBot, desk: Desk) -> None:
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
    queries = TerminalQueries(desk.host)
    asked: list[str] = []
    queries.spec_ready.connect(lambda _id, spec: asked.append(spec.name))
    digits = SymbolDigits(queries)

    with qtbot.waitSignal(digits.learned, timeout=5000):
        digits.want(["BTCUSD", "BTCUSD", "USDJPY"])
        digits.want(["BTCUSD"])  # still being asked: not asked twice
    qtbot.waitUntil(lambda: digits.digits("USDJPY") is not None, timeout=5000)

    assert (digits.digits("BTCUSD"), digits.digits("USDJPY")) == (2, 3)
    digits.want(["BTCUSD", "USDJPY"])  # known: nothing more to ask
    qtbot.wait(200)
    assert sorted(asked) == ["BTCUSD", "USDJPY"]


def test_a_symbol_the_terminal_does_not_know_stays_unknown_and_is_asked_again_later(
    qtbot: QtBot, desk: Desk
) -> None:
    qtbot.waitUntil(lambda: desk.state.of(MAIN).status.state is ConnectionState.CONNECTED, timeout=10_000)
    queries = TerminalQueries(desk.host)
    failures: list[str] = []
    queries.failed.connect(lambda _id, error: failures.append(error))
    digits = SymbolDigits(queries)

    digits.want(["NOSUCH"])
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=5000)
    digits.want(["NOSUCH"])
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=5000)

    assert digits.digits("NOSUCH") is None
    assert "NOSUCH is not available" in failures[0]
