"""Every way a terminal call or an order can fail, and the message the trader reads for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import Backend, OrderAction, Side
from app.core.models import OrderRequest
from app.terminal.adapter import Terminal
from app.terminal.convert import to_order_result
from app.terminal.errors import (
    NOT_RUNNING,
    START_AND_RECONNECT,
    TerminalError,
    error_from_last_error,
    explain_rejection,
)
from app.terminal.simulator import ManualClock, SimulatedTerminal

WEDNESDAY_10H = datetime(2026, 11, 18, 10, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 21, 12, tzinfo=UTC)
DONE = 10009
API_FACT_RETCODES = [
    10004, 10006, 10011, 10012, 10014, 10015, 10016, 10017, 10018, 10019, 10020, 10021, 10027, 10030, 10031,
    10033, 10040, 10044,
]  # fmt: skip


@pytest.fixture
def sim(tmp_path: Path) -> SimulatedTerminal:
    return SimulatedTerminal(clock=ManualClock(WEDNESDAY_10H), state_path=tmp_path / "sim.json")


@pytest.fixture
def terminal(sim: SimulatedTerminal) -> Terminal:
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()
    return terminal


def buy(volume: float = 0.1, symbol: str = "EURUSD", **fields: Any) -> OrderRequest:
    return OrderRequest(OrderAction.OPEN, symbol, side=Side.BUY, volume=volume, **fields)


def refused(terminal: Terminal, request: OrderRequest, retcode: int) -> TerminalError:
    result = terminal.send(request)
    assert result.retcode == retcode, result
    return terminal.explain(request, result)


# -- the link -------------------------------------------------------------------------------------------


def test_calls_before_connect_say_not_connected(sim: SimulatedTerminal) -> None:
    terminal = Terminal(sim, Backend.SIM)

    with pytest.raises(TerminalError) as caught:
        terminal.account()

    assert caught.value.code == -10004
    assert caught.value.message == "MT5 Desk is not connected to MetaTrader 5"
    assert caught.value.retryable


def test_calls_after_disconnect_say_not_connected(terminal: Terminal) -> None:
    terminal.disconnect()

    with pytest.raises(TerminalError, match="not connected"):
        terminal.positions()
    assert not terminal.connected


def test_terminal_gone_mid_session_reads_not_running_and_is_retryable(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    sim.disconnect()

    with pytest.raises(TerminalError) as caught:
        terminal.account()

    assert caught.value.message == NOT_RUNNING
    assert caught.value.hint == START_AND_RECONNECT
    assert caught.value.retryable
    assert caught.value.code in {-10001, -10002, -10004, -10005}


def test_positions_of_a_dead_link_raise_instead_of_returning_empty(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    sim.open_external("EURUSD", "buy", 0.1)
    sim.disconnect()

    with pytest.raises(TerminalError, match="not running"):
        terminal.positions()


def test_reconnect_after_the_terminal_is_back(sim: SimulatedTerminal, terminal: Terminal) -> None:
    sim.disconnect()
    sim.restore()

    terminal.connect()

    assert terminal.account().login == 5_012_345


def test_connect_to_a_terminal_that_is_gone_fails_with_not_running(sim: SimulatedTerminal) -> None:
    sim.disconnect()
    terminal = Terminal(sim, Backend.SIM)

    with pytest.raises(TerminalError) as caught:
        terminal.connect(timeout_ms=50)

    assert caught.value.message == NOT_RUNNING
    assert not terminal.connected


def test_wrong_credentials_say_login_password_or_server(sim: SimulatedTerminal) -> None:
    terminal = Terminal(sim, Backend.SIM)

    with pytest.raises(TerminalError) as caught:
        terminal.connect(login=5_012_345, password="s3cret-Pa55", server="MT5Desk-Demo")

    assert caught.value.code == -6
    assert "login, password or server is wrong" in caught.value.message
    assert not caught.value.retryable
    assert "s3cret" not in repr(caught.value) + str(caught.value)  # the password never reaches a message


def test_login_must_be_the_account_number(sim: SimulatedTerminal) -> None:
    with pytest.raises(TerminalError, match="account number"):
        Terminal(sim, Backend.SIM).connect(login="john", password="demo")  # type: ignore[arg-type]  # on purpose


def test_login_given_as_digits_is_accepted(sim: SimulatedTerminal) -> None:
    terminal = Terminal(sim, Backend.SIM)

    terminal.connect(login="5012345", password="demo", server="MT5Desk-Demo")  # type: ignore[arg-type]  # on purpose

    assert terminal.account().login == 5_012_345


def test_unknown_symbol_names_the_symbol(terminal: Terminal) -> None:
    with pytest.raises(TerminalError, match="Symbol EURUSDX is not available"):
        terminal.symbol("EURUSDX")
    with pytest.raises(TerminalError, match="EURUSDX"):
        terminal.tick("EURUSDX")


def test_invalid_arguments_read_as_a_bug_in_the_desk_and_are_logged(
    terminal: Terminal, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(TerminalError) as caught:
        terminal._call("positions_get", "EURUSD")  # positional: the module refuses it

    assert caught.value.code == -2
    assert caught.value.message == "Invalid request (a bug in MT5 Desk); it was logged"
    assert "positions_get" in caplog.text


class _BrokenBridge:
    """An rpyc-style proxy whose server went away: every call raises EOFError."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        def call(*args: object, **kwargs: object) -> None:
            raise EOFError("connection closed by peer")

        return call


def test_a_bridge_that_drops_the_connection_reads_not_running() -> None:
    terminal = Terminal(_BrokenBridge(), Backend.BRIDGE)

    with pytest.raises(TerminalError) as caught:
        terminal.connect()

    assert caught.value.message == NOT_RUNNING
    assert caught.value.retryable
    assert "EOFError" in caught.value.detail


class _LostAnswer:
    """The simulator, except that order_send's answer is lost on the way back (IPC recv failed)."""

    def __init__(self, sim: SimulatedTerminal) -> None:
        self._sim = sim
        self._lost = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim, name)

    def order_send(self, request: Any) -> None:
        self._sim.order_send(request)
        self._lost = True
        return None

    def last_error(self) -> tuple[int, str]:
        if self._lost:
            self._lost = False
            return (-10002, "IPC recv failed")
        error: tuple[int, str] = self._sim.last_error()
        return error


def test_a_lost_order_answer_says_the_order_may_have_been_placed(sim: SimulatedTerminal) -> None:
    terminal = Terminal(_LostAnswer(sim), Backend.SIM)
    terminal.connect()

    with pytest.raises(TerminalError) as caught:
        terminal.send(buy())

    assert "may or may not have been placed" in caught.value.message
    assert "check the positions" in caught.value.hint
    assert not caught.value.retryable


# -- requests the desk refuses to send ------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        OrderRequest(OrderAction.OPEN, "EURUSD", volume=0.1),
        OrderRequest(OrderAction.OPEN, "EURUSD", side=Side.BUY),
        OrderRequest(OrderAction.OPEN, "EURUSD", side=Side.BUY, volume=float("nan")),
        OrderRequest(OrderAction.OPEN, "EURUSD", side=Side.BUY, volume=-1.0),
        OrderRequest(OrderAction.CLOSE, "EURUSD"),
        OrderRequest(OrderAction.MODIFY, "EURUSD", sl=1.0),
    ],
    ids=["no side", "no volume", "nan volume", "negative volume", "close without ticket", "no ticket"],
)
def test_malformed_requests_are_refused_before_sending(terminal: Terminal, request_: OrderRequest) -> None:
    with pytest.raises(TerminalError) as caught:
        terminal.send(request_)

    assert caught.value.code == -2
    assert "bug in MT5 Desk" in caught.value.message
    assert terminal.positions() == {}


def test_closing_a_position_that_is_gone_says_so(sim: SimulatedTerminal, terminal: Terminal) -> None:
    ticket = sim.open_external("EURUSD", "buy", 0.1)
    sim.close_external(ticket)

    with pytest.raises(TerminalError, match=f"Position #{ticket} is no longer open"):
        terminal.send(OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket))


def test_python_api_trading_disabled_points_to_the_mt5_option(
    sim: SimulatedTerminal, terminal: Terminal
) -> None:
    sim.set_api_trading(False)

    with pytest.raises(TerminalError) as caught:
        terminal.send(buy())

    assert caught.value.code == -8
    assert "Tools → Options → Expert Advisors" in caught.value.hint


# -- refusals under real conditions ---------------------------------------------------------------------


def test_invalid_volume_names_min_max_and_step(terminal: Terminal) -> None:
    error = refused(terminal, buy(volume=0.005), 10014)

    assert "0.005 lots is not allowed for EURUSD" in error.message
    assert "between 0.01 and 100.00 lots in steps of 0.01" in error.hint


def test_invalid_stops_name_the_stops_level_in_points_and_price(terminal: Terminal) -> None:
    ask = terminal.tick("EURUSD").ask

    error = refused(terminal, buy(sl=round(ask - 0.00002, 5)), 10016)

    assert "EURUSD" in error.message
    assert "10 points (0.00010)" in error.hint


def test_no_money_names_required_and_free_margin(terminal: Terminal) -> None:
    error = refused(terminal, buy(volume=50.0), 10019)

    account = terminal.account()
    needed = terminal.calc_margin(Side.BUY, "EURUSD", 50.0, terminal.tick("EURUSD").ask)
    assert f"the order needs {needed:,.2f} USD" in error.message
    assert f"free margin is {account.margin_free:,.2f} USD" in error.message


def test_algo_trading_off_says_press_algo_trading(sim: SimulatedTerminal, terminal: Terminal) -> None:
    sim.set_algo_trading(False)

    error = refused(terminal, buy(), 10027)

    assert "Press Algo Trading" in error.hint
    assert terminal.terminal_info().trade_allowed is False


def test_fill_not_allowed_names_the_allowed_fills(sim: SimulatedTerminal, terminal: Terminal) -> None:
    request = buy(volume=0.01, symbol="BTCUSD")
    mt5_request = terminal.build_request(request) | {"type_filling": sim.ORDER_FILLING_FOK}
    answer = sim.order_send(mt5_request)
    assert answer.retcode == 10030

    error = terminal.explain(request, to_order_result(answer))

    assert "BTCUSD" in error.message
    assert "BTCUSD allows: Immediate or Cancel" in error.hint


def test_market_closed_names_the_symbol(tmp_path: Path) -> None:
    sim = SimulatedTerminal(clock=ManualClock(SATURDAY_NOON), state_path=tmp_path / "sim.json")
    terminal = Terminal(sim, Backend.SIM)
    terminal.connect()

    error = refused(terminal, buy(), 10018)

    assert error.message == "The market for EURUSD is closed"


def test_trading_disabled_names_the_symbol(sim: SimulatedTerminal, terminal: Terminal) -> None:
    sim.set_symbol_trade_mode("EURUSD", sim.SYMBOL_TRADE_MODE_DISABLED)

    error = refused(terminal, buy(), 10017)

    assert error.message == "Trading is disabled for EURUSD"


def test_close_only_names_the_symbol(sim: SimulatedTerminal, terminal: Terminal) -> None:
    sim.set_symbol_trade_mode("EURUSD", sim.SYMBOL_TRADE_MODE_CLOSEONLY)

    error = refused(terminal, buy(), 10044)

    assert error.message.startswith("EURUSD is close-only")


def test_position_cap_says_the_cap_was_reached(sim: SimulatedTerminal, terminal: Terminal) -> None:
    sim.set_position_limit(1)
    assert terminal.send(buy()).retcode == DONE

    error = refused(terminal, buy(), 10040)

    assert "limit on open positions was reached" in error.message


# -- refusals the broker makes --------------------------------------------------------------------------


@pytest.mark.parametrize("retcode", [10006, 10011, 10012, 10031])
def test_broker_side_refusals_say_the_order_was_not_placed(
    sim: SimulatedTerminal, terminal: Terminal, retcode: int
) -> None:
    sim.force_next_retcode(retcode)
    result = terminal.send(buy())

    error = terminal.explain(buy(), result)

    assert (error.code, result.retcode) == (retcode, retcode)
    assert "The order was not placed" in error.message
    assert error.detail == result.comment != ""  # the terminal's own words, for the log
    assert not error.retryable
    assert terminal.positions() == {}


@pytest.mark.parametrize("retcode", [10004, 10020, 10021])
def test_price_moves_are_retryable_with_a_fresh_price(
    sim: SimulatedTerminal, terminal: Terminal, retcode: int
) -> None:
    sim.force_next_retcode(retcode)

    error = refused(terminal, buy(), retcode)

    assert error.retryable
    assert "fresh price" in error.hint
    assert terminal.send(buy()).retcode == DONE


def test_pending_order_cap_says_the_cap_was_reached(sim: SimulatedTerminal, terminal: Terminal) -> None:
    sim.force_next_retcode(10033)

    error = refused(terminal, buy(), 10033)

    assert "limit on pending orders was reached" in error.message


def test_unknown_retcode_is_honest_and_names_the_code() -> None:
    error = explain_rejection(10999, buy(), None, None, None)

    assert "10999" in error.message
    assert "does not know" in error.message


def test_unknown_last_error_code_is_honest_and_names_the_code() -> None:
    error = error_from_last_error(-77, "something odd")

    assert "-77" in error.message
    assert error.detail == "something odd"


@pytest.mark.parametrize("code", [-10005, -10004, -10002, -10001, -8, -6, -2])
def test_every_last_error_code_of_the_api_facts_has_its_own_message(code: int) -> None:
    assert "does not know" not in error_from_last_error(code, "").message


@pytest.mark.parametrize("retcode", API_FACT_RETCODES)
def test_every_retcode_of_the_api_facts_has_its_own_message(retcode: int) -> None:
    error = explain_rejection(retcode, buy(), None, None, None)

    assert error.code == retcode
    assert "does not know" not in error.message


def test_terminal_error_reads_as_message_hint_and_code() -> None:
    error = error_from_last_error(-6, "Terminal: Authorization failed")

    assert str(error) == (
        "MetaTrader 5 refused the login: login, password or server is wrong. "
        "Check the account number, password and server name exactly as MT5's login dialog shows them "
        "(code -6: Terminal: Authorization failed)"
    )


class _SlowBridge:
    """The simulator behind a bridge that lets other threads run while symbol_info's answer travels back."""

    def __init__(self, sim: SimulatedTerminal) -> None:
        self._sim = sim
        self.answered = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim, name)

    def symbol_info(self, name: str) -> Any:
        answer = self._sim.symbol_info(name)
        self.answered.set()
        time.sleep(0.05)
        return answer


def test_a_call_and_its_last_error_are_read_together_while_other_threads_wait(sim: SimulatedTerminal) -> None:
    bridge = _SlowBridge(sim)
    terminal = Terminal(bridge, Backend.BRIDGE)
    terminal.connect()
    errors: list[TerminalError] = []

    def query_unknown_symbol() -> None:
        try:
            terminal._call("symbol_info", "NOPE")
        except TerminalError as exc:
            errors.append(exc)

    worker = threading.Thread(target=query_unknown_symbol)
    worker.start()
    assert bridge.answered.wait(5)
    terminal.account()  # would reset the error slot between symbol_info and its last_error without the lock
    worker.join()

    assert [error.message for error in errors] == ["MetaTrader 5 could not complete the request"]
