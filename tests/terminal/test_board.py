"""CallBoard: what the terminal's thread is doing, readable from outside while it is stuck in a call."""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any

import pytest

from app.core.enums import Backend
from app.terminal.adapter import Terminal
from app.terminal.board import CallBoard
from app.terminal.errors import TerminalError


class WatchingApi:
    """A MetaTrader5-shaped stand-in whose calls read the board while they run."""

    def __init__(self, board: CallBoard) -> None:
        self.board = board
        self.seen_during_call: list[str] = []

    def initialize(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def account_info(self) -> None:
        self.seen_during_call.append(self.board.read().call)
        return None

    def last_error(self) -> tuple[int, str]:
        return (1, "Success")


def test_a_fresh_board_says_no_call_runs_and_the_host_is_alive() -> None:
    board = CallBoard()
    board.reset()
    reading = board.read()
    assert (reading.call, reading.pid) == ("", os.getpid())
    assert reading.busy_for(time.monotonic()) == 0.0
    assert reading.silent_for(time.monotonic()) < 1.0


def test_a_running_call_shows_its_name_and_how_long_it_has_run() -> None:
    board = CallBoard()
    board.begin("order_send")
    reading = board.read()
    assert reading.call == "order_send"
    assert 1.9 < reading.busy_for(reading.call_started + 2.0) < 2.1
    assert 1.9 < reading.silent_for(reading.call_started + 2.0) < 2.1


def test_a_call_that_returned_leaves_the_board_idle_and_alive() -> None:
    board = CallBoard()
    board.begin("positions_get")
    board.end()
    reading = board.read()
    assert reading.call == "" and reading.busy_for(time.monotonic() + 5) == 0.0
    assert reading.silent_for(time.monotonic()) < 1.0


def test_the_terminal_writes_every_call_on_the_board_before_it_starts() -> None:
    board = CallBoard()
    api = WatchingApi(board)
    terminal = Terminal(api, Backend.SIM, board=board)
    terminal.connect()
    with pytest.raises(TerminalError):  # account_info answered None; only the board matters here
        terminal.account()
    assert api.seen_during_call == ["account_info"]
    assert board.read().call == ""


def _stuck_in_a_call(board: CallBoard) -> None:
    board.begin("order_send")
    time.sleep(30)


def test_another_process_reads_the_call_a_stuck_process_is_in() -> None:
    board = CallBoard.shared()
    stuck = multiprocessing.get_context("spawn").Process(target=_stuck_in_a_call, args=(board,), daemon=True)
    stuck.start()
    try:
        deadline = time.monotonic() + 20
        while board.read().call != "order_send" and time.monotonic() < deadline:
            time.sleep(0.02)
        reading = board.read()
        assert reading.call == "order_send"
        assert reading.busy_for(time.monotonic()) >= 0.0
    finally:
        stuck.kill()
        stuck.join(5)
