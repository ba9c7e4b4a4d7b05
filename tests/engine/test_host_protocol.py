"""The pipe protocol between the desk and its terminal host: JSON through the events' codec, never pickle,
as strict as the remote wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from app.core.codec import ProtocolError
from app.core.enums import Backend, DealEntry, DealType, NoticeLevel, OrderAction, Side, Timeframe
from app.core.events import Notice, PnlUpdate
from app.core.models import Account, Deal, OrderRequest, OrderResult, Position, SymbolSpec, Tick
from app.engine.host.controls import (
    ApplySimSettings,
    CloseExternal,
    Deposit,
    ForceRetcode,
    ModifyExternal,
    MoveClock,
    OpenExternal,
    SentOrders,
    SentOrdersAnswer,
)
from app.engine.host.messages import (
    AccountRead,
    ControlDone,
    DealsFound,
    HostLog,
    HostMessage,
    Link,
    Linked,
    OrderCommand,
    OrderOutcome,
    Outcome,
    QueryFailed,
    ReconcileFacts,
    ReconcileQuery,
    Refresh,
    SimSettings,
    Start,
    Stop,
)
from app.engine.host.protocol import HOST_TYPES, decode_message, encode_message
from app.engine.host.queries import (
    RATES_DTYPE,
    AccountAnswer,
    AccountQuery,
    DealsAnswer,
    DealsQuery,
    MarginQuery,
    NumberAnswer,
    PositionsAnswer,
    PositionsQuery,
    Rates,
    RatesAnswer,
    RatesQuery,
    SpecAnswer,
    SpecQuery,
    SymbolsAnswer,
    SymbolsQuery,
    TerminalInfoAnswer,
    TerminalInfoQuery,
    TickAnswer,
    TickQuery,
)
from app.terminal.adapter import TerminalInfoView

AT = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
POSITION = Position(
    ticket=7, symbol="EURUSD", side=Side.BUY, volume=0.1, price_open=1.08, price_current=1.09, sl=None,
    tp=1.1, swap=0.0, profit=10.0, time=AT, comment="MD-0123456789",
)  # fmt: skip
DEAL = Deal(
    ticket=9, order=8, time=AT, type=DealType.BUY, entry=DealEntry.IN, position_id=7, symbol="EURUSD",
    volume=0.1, price=1.08, profit=0.0, commission=0.0, swap=0.0, fee=0.0, magic=0, reason=0, comment="x",
)  # fmt: skip
ACCOUNT = Account(
    login=1, name="n", server="s", company="c", currency="USD", leverage=100, balance=1.0, equity=1.0,
    margin=0.0, margin_free=1.0, margin_level=0.0, profit=0.0,
)  # fmt: skip
SPEC = SymbolSpec(
    name="EURUSD", description="Euro", digits=5, point=1e-5, spread=10, trade_mode=4, stops_level=0,
    filling_mode=1, volume_min=0.01, volume_max=100.0, volume_step=0.01, contract_size=100_000.0,
    tick_size=1e-5, tick_value=1.0, currency_base="EUR", currency_profit="USD", currency_margin="EUR",
)  # fmt: skip
REQUEST = OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, 0.1, comment="MD-0123456789")
RESULT = OrderResult(10009, 5, 6, 0.1, 1.08, 1.07, 1.08, "done")
RATES = np.array([(1_700_000_000, 1.0, 1.2, 0.9, 1.1, 10, 2, 0)], dtype=RATES_DTYPE)

EXAMPLES: list[HostMessage] = [
    Start("secret", (POSITION,), SimSettings(terminal_up=False, trade_modes={"EURUSD": 3})),
    Stop(),
    Refresh(),
    Link(connect=False),
    OrderCommand("0123456789", REQUEST, 10.5, 15.5),
    OrderOutcome("0123456789", Outcome.FILLED, "EURUSD", RESULT, position_ticket=6),
    Linked(Backend.SIM, simulated=True),
    DealsFound((DEAL,)),
    HostLog(
        40, "app.engine.host.loop", "handling OrderCommand failed\nTraceback (most recent call last): ..."
    ),
    AccountRead(ACCOUNT, AT),
    ReconcileQuery(1, AT, AT, ("EURUSD",)),
    ReconcileFacts(1, (POSITION,), (DEAL,), {"EURUSD": 1e-5}),
    QueryFailed(2, -10004, "MetaTrader 5 is not running", "Start it"),
    ControlDone(3, ticket=12),
    SymbolsQuery(4),
    SymbolsAnswer(4, ("EURUSD", "GBPUSD")),
    SpecQuery(5, "EURUSD"),
    SpecAnswer(5, SPEC),
    TickQuery(6, "EURUSD"),
    TickAnswer(6, Tick("EURUSD", AT, 1.08, 1.09)),
    MarginQuery(7, Side.SELL, "EURUSD", 0.1, 1.08),
    NumberAnswer(7, 108.5),
    RatesQuery(8, "EURUSD", Timeframe.H1, 100, 1),
    RatesAnswer(8, Rates.of(RATES)),
    AccountQuery(9),
    AccountAnswer(9, ACCOUNT),
    TerminalInfoQuery(10),
    TerminalInfoAnswer(10, TerminalInfoView(True, True, 28.4, 5430, "/p", "co", "MetaTrader 5", "/d")),
    PositionsQuery(11),
    PositionsAnswer(11, (POSITION,)),
    DealsQuery(12, AT, AT),
    DealsAnswer(12, (DEAL,)),
    OpenExternal(13, "EURUSD", "buy", 0.1, comment="by hand"),
    CloseExternal(14, 7, 0.05),
    ModifyExternal(15, 7, sl=None, tp=0.0),
    ForceRetcode(16, 10004, 2),
    Deposit(17, -50.0),
    ApplySimSettings(18, SimSettings(position_limit=3)),
    MoveClock(19, until=AT),
    SentOrders(20),
    SentOrdersAnswer(20, ((12.5, "MD-0123456789"),)),
]


def test_every_registered_host_message_has_an_example_here() -> None:
    assert {type(message).kind for message in EXAMPLES} == set(HOST_TYPES)


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).kind)
def test_a_host_message_comes_back_equal_from_its_json(message: HostMessage) -> None:
    data = encode_message(message)
    assert json.loads(data)["type"] == type(message).kind
    assert decode_message(data) == message


def test_an_event_crosses_in_its_wire_shape_and_comes_back_as_the_event() -> None:
    event = PnlUpdate(pnl={7: (1.09, 10.0)}, floating_total=10.0, equity=1010.0, timestamp=AT)
    data = encode_message(event)
    assert json.loads(data)["type"] == "PNL_UPDATE" and json.loads(data)["pnl"] == {"7": [1.09, 10.0]}
    assert decode_message(data) == event


def test_bars_come_back_as_the_same_structured_array() -> None:
    answer = decode_message(encode_message(RatesAnswer(1, Rates.of(RATES))))
    assert isinstance(answer, RatesAnswer)
    back = answer.result()
    assert isinstance(back, np.ndarray) and back.dtype == RATES_DTYPE
    assert back.tolist() == RATES.tolist()


def test_bars_of_the_wrong_size_are_refused_with_a_reason() -> None:
    answer = RatesAnswer(1, Rates(count=2, data=Rates.of(RATES).data))
    with pytest.raises(ValueError, match="not 2 bars"):
        answer.result()


def test_an_unknown_message_type_is_refused() -> None:
    with pytest.raises(ProtocolError, match="unknown host message"):
        decode_message(b'{"type":"host.nonsense"}')


def test_a_field_of_the_wrong_type_is_refused_naming_the_field() -> None:
    data = b'{"type":"host.order","trade_id":"x","request":{"action":"open","symbol":"EURUSD"},'
    data += b'"created_at":"soon","deadline":1.0}'
    with pytest.raises(ProtocolError, match=r"host\.order\.created_at: expected a number"):
        decode_message(data)


def test_a_message_that_is_not_json_is_refused() -> None:
    with pytest.raises(ProtocolError, match="not valid JSON"):
        decode_message(b'{"type":"host.stop",')


def test_a_wire_only_event_is_not_a_host_message() -> None:
    with pytest.raises(ProtocolError):
        decode_message(
            b'{"type":"HELLO","timestamp":"2026-11-18T10:00:00.000Z","v":1,"protocol_version":1,"server_version":"x"}'
        )


def test_an_event_crossing_keeps_its_level_and_text() -> None:
    notice = Notice(level=NoticeLevel.ERROR, title="Connection to MetaTrader 5 lost", text="IPC timeout.")
    assert decode_message(encode_message(notice)) == notice
