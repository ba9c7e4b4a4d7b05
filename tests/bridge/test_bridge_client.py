"""The bridge client against rpyc's classic server (what mt5linux runs under Wine), in this process.

The server's MetaTrader5 is the stand-in: the simulator behind records that pickle cannot find by name,
as the official module's. What a trader's desk needs must come through whole, one round trip a call.
"""

from __future__ import annotations

import ast
import pickle
import socket
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from app.core.enums import Backend, OrderAction, Side, Timeframe
from app.core.models import OrderRequest
from app.terminal.adapter import Terminal
from app.terminal.backend import open_terminal
from app.terminal.bridge_client import (
    STAGE_HANDSHAKE,
    STAGE_MODULE,
    STAGE_REACH,
    BridgeApi,
    BridgeFailure,
)
from app.terminal.bridge_wire import SERVER_SOURCE
from app.terminal.errors import TerminalError
from app.terminal.simulator import constants as mt5c
from tests.bridge.servers import InProcessBridge, free_port, in_process_bridge


@pytest.fixture
def bridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessBridge]:
    with in_process_bridge(monkeypatch, balance=1_000_000.0) as server:
        yield server


@pytest.fixture
def terminal(bridge: InProcessBridge) -> Iterator[Terminal]:
    selection = open_terminal(bridge.target())
    yield selection.terminal
    selection.terminal.disconnect()


def api_of(terminal: Terminal) -> BridgeApi:
    api = terminal.api
    assert isinstance(api, BridgeApi)
    return api


def test_the_stand_in_records_refuse_pickle_as_the_official_ones_do(bridge: InProcessBridge) -> None:
    import MetaTrader5  # the stand-in this test's server imports

    MetaTrader5.initialize()
    with pytest.raises(pickle.PicklingError, match="attribute lookup AccountInfo on builtins failed"):
        pickle.dumps(MetaTrader5.account_info())


def test_the_account_comes_through_the_bridge(terminal: Terminal, bridge: InProcessBridge) -> None:
    account = terminal.account()
    assert (account.login, account.server, account.balance) == (5_012_345, "MT5Desk-Demo", 1_000_000.0)


def test_records_are_rebuilt_in_the_modules_shape(terminal: Terminal, bridge: InProcessBridge) -> None:
    ticket = bridge.sim.open_external("EURUSD", "buy", 0.1, comment="by hand")
    (record,) = terminal._call("positions_get", ticket=ticket)
    assert type(record).__name__ == "TradePosition"
    assert (record.ticket, record.symbol, record.comment) == (ticket, "EURUSD", "by hand")
    assert record._asdict()["volume"] == 0.1
    assert repr(record).startswith(f"TradePosition(ticket={ticket}, time=")
    assert not hasattr(record, "_fields") and not hasattr(record, "_replace")


def test_one_call_is_one_round_trip_even_for_a_thousand_positions(
    terminal: Terminal, bridge: InProcessBridge
) -> None:
    for _ in range(1_000):
        bridge.sim.open_external("EURUSD", "buy", 0.01)
    api = api_of(terminal)
    terminal.symbol("EURUSD")  # its digits, which positions carry, are read once per connection
    before = api.messages_sent
    positions = terminal.positions()
    assert len(positions) == 1_000
    assert api.messages_sent - before == 1  # the answer and its last_error() together


def test_the_digits_of_a_positions_symbol_cost_one_round_trip_once_per_connection(
    terminal: Terminal, bridge: InProcessBridge
) -> None:
    for symbol in ("EURUSD", "USDJPY", "EURUSD"):
        bridge.sim.open_external(symbol, "buy", 0.01)
    api = api_of(terminal)
    before = api.messages_sent
    first = terminal.positions()
    after_first = api.messages_sent
    bridge.sim.open_external("USDJPY", "sell", 0.02)
    terminal.positions()
    assert after_first - before == 3  # the positions, then EURUSD's and USDJPY's spec
    assert api.messages_sent - after_first == 1  # a new position of a known symbol: no spec read
    assert sorted(p.digits or 0 for p in first.values()) == [3, 5, 5]


def test_bars_arrive_as_the_modules_numpy_array_whole(terminal: Terminal, bridge: InProcessBridge) -> None:
    api = api_of(terminal)
    before = api.messages_sent
    rates = terminal.rates("EURUSD", Timeframe.H1, 500, start_pos=1)
    expected = bridge.sim.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 1, 500)
    assert api.messages_sent - before == 1
    assert rates.dtype == expected.dtype and rates.dtype.itemsize == 60  # packed, as the module's
    assert np.array_equal(rates, expected)
    assert rates.flags.writeable


def test_an_order_goes_through_and_its_reply_carries_its_request(
    terminal: Terminal, bridge: InProcessBridge
) -> None:
    result = terminal.send(OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.SELL, volume=0.2))
    assert result.retcode == 10009 and result.volume == 0.2
    (position,) = bridge.sim.positions_get(ticket=result.order)
    assert position.type == mt5c.POSITION_TYPE_SELL
    reply = terminal._call("order_check", terminal.build_request(OrderRequest(
        action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1
    )))  # fmt: skip
    assert type(reply.request).__name__ == "TradeRequest" and reply.request.volume == 0.1


def test_history_comes_through_with_every_deal(terminal: Terminal, bridge: InProcessBridge) -> None:
    ticket = bridge.sim.open_external("GBPUSD", "buy", 0.3)
    bridge.clock.advance(60)
    bridge.sim.close_external(ticket)
    deals = terminal.deals_for_position(ticket)
    assert [(deal.entry.value, deal.volume) for deal in deals] == [("in", 0.3), ("out", 0.3)]


def test_a_refusal_keeps_its_last_error(terminal: Terminal) -> None:
    with pytest.raises(TerminalError) as caught:
        terminal.symbol("NOTASYMBOL")
    assert caught.value.message == "Symbol NOTASYMBOL is not available in MetaTrader 5"


def test_constants_are_the_servers_modules(terminal: Terminal, bridge: InProcessBridge) -> None:
    api = api_of(terminal)
    assert (api.TIMEFRAME_H1, api.ORDER_TYPE_SELL) == (mt5c.TIMEFRAME_H1, mt5c.ORDER_TYPE_SELL)
    with pytest.raises(AttributeError):
        _ = api.NO_SUCH_CONSTANT


def test_every_initialize_opens_a_fresh_connection(terminal: Terminal, bridge: InProcessBridge) -> None:
    api = api_of(terminal)
    first = api._connection
    terminal.connect(timeout_ms=3_000)
    assert api._connection is not first and first is not None and first.closed
    assert terminal.account().login == 5_012_345


def test_after_disconnect_a_call_says_the_desk_is_not_connected(terminal: Terminal) -> None:
    api = api_of(terminal)
    api.shutdown()
    with pytest.raises(BridgeFailure) as caught:
        api.account_info()
    assert caught.value.code == -10004 and caught.value.retryable


def test_a_server_without_the_metatrader5_module_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_process_bridge(monkeypatch, module=False) as server, pytest.raises(BridgeFailure) as caught:
        open_terminal(server.target())
    assert caught.value.stage == STAGE_MODULE
    assert caught.value.message == (
        f"The bridge server at 127.0.0.1:{server.port} runs, but its Python has no working MetaTrader5 module"
    )
    assert "wine python.exe -m pip install MetaTrader5" in caught.value.hint


def test_nothing_listening_is_named_with_the_address_to_check() -> None:
    port = free_port()
    with pytest.raises(BridgeFailure) as caught:
        BridgeApi("127.0.0.1", port, 1_000).connect()
    assert caught.value.stage == STAGE_REACH
    assert caught.value.message == f"No mt5linux bridge server is listening at 127.0.0.1:{port}"


class _Listener:
    """A TCP server that is not the bridge: it either says something else or nothing at all."""

    def __init__(self, reply: bytes | None) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = int(self.socket.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self.reply = reply
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            client, _ = self.socket.accept()
        except OSError:
            return
        self.accepted.append(client)
        if self.reply is not None:
            client.recv(65536)
            client.sendall(self.reply)
            client.close()

    def close(self) -> None:
        for client in self.accepted:
            client.close()
        self.socket.close()


def test_another_program_on_the_port_is_told_apart_from_the_bridge() -> None:
    listener = _Listener(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    try:
        with pytest.raises(BridgeFailure) as caught:
            BridgeApi("127.0.0.1", listener.port, 2_000).connect()
    finally:
        listener.close()
    assert caught.value.stage == STAGE_HANDSHAKE
    assert (
        caught.value.message
        == f"Something answers at 127.0.0.1:{listener.port}, but not the mt5linux bridge server"
    )


def test_a_server_of_another_rpyc_version_is_told_to_update() -> None:
    from rpyc.core import brine
    from rpyc.core.channel import Channel

    # What an rpyc 5 server (mt5linux 0.1.x setups) answers rpyc 6's first request with: message type 18.
    data = bytes([18]) + brine.dump((1, ()))
    listener = _Listener(Channel.FRAME_HEADER.pack(len(data), 0) + data + Channel.FLUSHER)
    try:
        with pytest.raises(BridgeFailure) as caught:
            BridgeApi("127.0.0.1", listener.port, 2_000).connect()
    finally:
        listener.close()
    assert caught.value.message == (
        f"The bridge server at 127.0.0.1:{listener.port} runs another rpyc version than MT5 Desk (6.x)"
    )
    assert 'pip install "rpyc>=6,<7"' in caught.value.hint


def test_a_server_that_never_answers_is_given_up_on_after_the_timeout() -> None:
    listener = _Listener(None)
    try:
        with pytest.raises(BridgeFailure) as caught:
            BridgeApi("127.0.0.1", listener.port, 500).connect()
    finally:
        listener.close()
    assert caught.value.code == -10005
    assert caught.value.message == (
        f"127.0.0.1:{listener.port} accepted the connection but did not answer within 0.5 s"
    )


def test_the_server_side_helper_is_python_3_8(  # mt5server.exe, mt5linux's Wine build, is Python 3.8
) -> None:
    ast.parse(SERVER_SOURCE, feature_version=(3, 8))


def test_the_bridge_backend_is_reported_as_the_bridge(bridge: InProcessBridge) -> None:
    selection = open_terminal(bridge.target())
    try:
        assert (selection.kind, selection.simulated) == (Backend.BRIDGE, False)
        assert selection.reason == (
            f"Connected to MetaTrader 5 through the mt5linux bridge at 127.0.0.1:{bridge.port}."
        )
    finally:
        selection.terminal.disconnect()
