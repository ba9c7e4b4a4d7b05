"""The "Terminal backend" notice at start: a chosen simulator is news; one standing in is a warning."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, NoticeLevel
from app.core.events import Notice
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.terminal.simulator.clock import ClockSpec
from tests.engine.conftest import WEDNESDAY, EventRecorder


@contextmanager
def started(backend: Backend, tmp_path: Path) -> Iterator[tuple[Desk, EventRecorder]]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(backend, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(0.1, 0.3, 0.3, 1.0),
            sim_clock=ClockSpec.manual(WEDNESDAY),
        )
    )
    recorder = EventRecorder(desk.hub)
    desk.start()
    try:
        yield desk, recorder
    finally:
        assert desk.stop(10), "the desk did not stop"


def backend_notice(qtbot: QtBot, recorder: EventRecorder) -> Notice:
    def said() -> list[Notice]:
        return [n for n in recorder.of(Notice) if n.title == "Terminal backend"]

    qtbot.waitUntil(lambda: bool(said()), timeout=10_000)
    (notice,) = said()
    return notice


def test_the_demo_the_trader_chose_is_announced_as_information_not_a_warning(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with started(Backend.SIM, tmp_path) as (_desk, recorder):
        notice = backend_notice(qtbot, recorder)
        assert notice.level is NoticeLevel.INFO
        assert "as chosen" in notice.text


@pytest.mark.skipif(sys.platform == "win32", reason="there, auto may find a real MetaTrader 5")
def test_the_simulator_standing_in_for_a_missing_metatrader_5_is_a_warning(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with started(Backend.AUTO, tmp_path) as (_desk, recorder):
        notice = backend_notice(qtbot, recorder)
        assert notice.level is NoticeLevel.WARNING
        assert "using the simulated demo terminal" in notice.text
