"""The wire codec: every event survives a round trip, and every malformed message is a ProtocolError."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.codec import codec_for
from app.core.enums import ConnectionState, NoticeLevel, Side
from app.core.events import (
    EVENT_TYPES,
    PROTOCOL_VERSION,
    WIRE_ONLY_TYPES,
    AccountsUpdate,
    AccountUpdate,
    AutoTradeExecuted,
    ErrorMessage,
    Event,
    Hello,
    ModelsUpdate,
    Notice,
    Ping,
    PnlUpdate,
    PositionsUpdate,
    ProtocolError,
    Resync,
    Snapshot,
    StatusUpdate,
    TradeError,
    decode,
    decode_envelope,
    encode,
)
from app.core.models import Account, AccountView, DeskAccount, ModelSummary, Position, TerminalStatus
from tests import strategies as s
from tests.one_account import single_snapshot

# Timing varies with machine load, correctness does not: no per-example deadline.
relaxed = settings(deadline=None)
T0 = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)
POSITION = Position(
    ticket=501,
    symbol="EURUSD",
    side=Side.BUY,
    volume=0.1,
    price_open=1.1,
    price_current=1.1012,
    sl=None,
    tp=1.12,
    swap=-0.5,
    profit=12.0,
    time=T0,
    comment="desk:ab12",
)
ACCOUNT = Account(
    login=5001,
    name="Demo",
    server="Sim-Demo",
    company="Sim",
    currency="USD",
    leverage=100,
    balance=10_000.0,
    equity=10_012.0,
    margin=110.0,
    margin_free=9_902.0,
    margin_level=9101.8,
    profit=12.0,
)
STATUS = TerminalStatus(
    state=ConnectionState.CONNECTED, mt5_connected=True, account_number=5001, ping_ms=3.5, last_heartbeat=T0
)
EXAMPLES: list[Event] = [
    Hello(protocol_version=PROTOCOL_VERSION, server_version="0.1.0", timestamp=T0),
    single_snapshot(
        account=ACCOUNT,
        positions=(POSITION,),
        status=STATUS,
        models=(ModelSummary("m1", "Trend", "EURUSD", "H1", True),),
        timestamp=T0,
    ),
    PositionsUpdate(positions=(POSITION,), added=(501,), removed=(7,), modified=(), timestamp=T0),
    PnlUpdate(pnl={501: (1.1015, 15.0)}, floating_total=15.0, equity=10_015.0, timestamp=T0),
    AccountUpdate(account=ACCOUNT, timestamp=T0),
    StatusUpdate(status=STATUS, timestamp=T0),
    AutoTradeExecuted("m1", "Trend", "ab12", Side.SELL, "EURUSD", 0.71, 1.1, 1.11, None, 0.2, timestamp=T0),
    TradeError("ab13", "EURUSD", "BUY", "Not enough money", 10019, timestamp=T0),
    Notice(NoticeLevel.WARNING, "Risk", "Daily loss limit reached", timestamp=T0),
    ModelsUpdate(
        models=(
            ModelSummary(
                "3f9a0c1d2e4b",
                "Trend",
                "EURUSD",
                "M1",
                True,
                open_positions=1,
                today_profit=-12.5,
                algorithm="logreg",
                lot_size=0.1,
                last_signal=Side.BUY,
                last_confidence=0.64,
                last_signal_at=T0,
                status="waiting for next bar",
            ),
            ModelSummary("m2", "Idle", "GBPUSD", "H1", False),
        ),
        timestamp=T0,
    ),
    Ping(timestamp=T0),
    Resync(timestamp=T0),
    ErrorMessage(code="bad_message", text="SNAPSHOT.positions: missing", timestamp=T0),
    AccountsUpdate(
        accounts=(DeskAccount("ftmo-1", "FTMO 1"), DeskAccount("demo-eur", "Demo EUR", enabled=False)),
        timestamp=T0,
    ),
]
PING = {"type": "PING", "v": PROTOCOL_VERSION, "timestamp": "2026-11-23T10:00:00.123Z"}


def wire(event: Event, **seq: int) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(encode(event, **seq))
    return message


def status_message(**overrides: Any) -> str:
    message = wire(StatusUpdate(status=STATUS, timestamp=T0)) | overrides
    return json.dumps({k: v for k, v in message.items() if v is not ...})


def test_examples_cover_every_event_type() -> None:
    assert sorted(type(event).type for event in EXAMPLES) == sorted(EVENT_TYPES)


def test_the_account_an_event_is_about_travels_in_the_envelope_beside_the_time() -> None:
    event = PnlUpdate(
        pnl={501: (1.1, 2.0)}, floating_total=2.0, equity=1.0, timestamp=T0, account_id="ftmo-1"
    )
    message = wire(event, seq=4)
    assert list(message)[:5] == ["type", "seq", "timestamp", "account_id", "v"]
    assert message["account_id"] == "ftmo-1"
    assert decode(encode(event)) == event


def test_an_event_about_the_whole_desk_has_no_account_on_the_wire_and_reads_back_as_such() -> None:
    assert "account_id" not in wire(Notice(NoticeLevel.INFO, "Journal", "ok", timestamp=T0))
    assert decode(json.dumps(PING)).account_id == ""


def test_every_account_of_the_desk_is_in_one_snapshot_with_its_own_positions() -> None:
    ours = replace(POSITION, ticket=10_000_001)
    theirs = replace(POSITION, ticket=10_000_001, symbol="GBPUSD")  # another broker, the same ticket
    snapshot = Snapshot(
        accounts=(
            AccountView("ftmo-1", "FTMO 1", ACCOUNT, (ours,), STATUS),
            AccountView("demo-eur", "Demo EUR", None, (theirs,), STATUS, enabled=False),
        ),
        models=(ModelSummary("m1", "Trend", "EURUSD", "H1", True, account_id="ftmo-1"),),
        timestamp=T0,
    )
    decoded = decode(encode(snapshot))
    assert decoded == snapshot
    assert isinstance(decoded, Snapshot)
    view = decoded.view("demo-eur")
    assert view is not None and view.positions[0].symbol == "GBPUSD"


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).type)
def test_every_event_type_round_trips(event: Event) -> None:
    assert decode(encode(event)) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).type)
def test_every_event_type_carries_its_type_name_and_version(event: Event) -> None:
    message = wire(event)
    assert (message["type"], message["v"]) == (type(event).type, PROTOCOL_VERSION)


def test_registry_maps_each_type_name_to_its_class() -> None:
    assert all(cls.type == name for name, cls in EVENT_TYPES.items())


def test_wire_only_types_are_hello_ping_resync_and_error() -> None:
    assert {"HELLO", "PING", "RESYNC", "ERROR"} == WIRE_ONLY_TYPES


@relaxed
@given(s.events(number=s.WIRE_FLOATS), st.none() | st.integers(min_value=0, max_value=2**53))
def test_any_event_round_trips_with_its_seq(event: Event, seq: int | None) -> None:
    assert decode_envelope(encode(event, seq=seq)) == (event, seq)


@relaxed
@given(s.positions(number=s.WIRE_FLOATS))
def test_any_position_round_trips(position: Position) -> None:
    codec = codec_for(Position)
    assert codec.decode(json.loads(json.dumps(codec.encode(position)))) == position


@relaxed
@given(s.accounts(number=s.WIRE_FLOATS))
def test_any_account_round_trips(account: Account) -> None:
    codec = codec_for(Account)
    assert codec.decode(json.loads(json.dumps(codec.encode(account)))) == account


@relaxed
@given(s.terminal_statuses(number=s.WIRE_FLOATS))
def test_any_terminal_status_round_trips(status: TerminalStatus) -> None:
    codec = codec_for(TerminalStatus)
    assert codec.decode(json.loads(json.dumps(codec.encode(status)))) == status


def test_envelope_comes_first_in_order_type_seq_timestamp_v() -> None:
    assert list(wire(Ping(timestamp=T0), seq=4)) == ["type", "seq", "timestamp", "v"]


def test_seq_is_left_out_when_not_given() -> None:
    assert "seq" not in wire(Ping())


def test_timestamp_is_iso_utc_with_milliseconds_and_z() -> None:
    assert wire(Ping(timestamp=T0))["timestamp"] == "2026-11-23T10:00:00.123Z"


def test_sub_millisecond_times_keep_their_microseconds() -> None:
    assert wire(Ping(timestamp=T0.replace(microsecond=123456)))["timestamp"] == "2026-11-23T10:00:00.123456Z"


def test_default_timestamp_is_now_in_utc_to_the_millisecond() -> None:
    stamp = Ping().timestamp
    assert stamp.tzinfo is UTC and stamp.microsecond % 1000 == 0
    assert abs(datetime.now(UTC) - stamp) < timedelta(seconds=5)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", wire(Ping())["timestamp"])


@relaxed
@given(s.aware_datetimes())
def test_other_offsets_are_sent_as_the_same_instant_in_utc(moment: datetime) -> None:
    decoded = decode(encode(Ping(timestamp=moment)))
    assert decoded.timestamp == moment and decoded.timestamp.tzinfo is UTC


def test_positions_update_nests_its_ticket_lists_under_changes() -> None:
    message = wire(EXAMPLES[2])
    assert message["changes"] == {"added": [501], "removed": [7], "modified": []}
    assert message["positions"][0]["ticket"] == 501 and "added" not in message


def test_status_update_spreads_the_status_fields_flat() -> None:
    message = wire(StatusUpdate(status=STATUS, timestamp=T0))
    assert (message["state"], message["mt5_connected"], message["account_number"]) == (
        "connected",
        True,
        5001,
    )
    assert "status" not in message and message["last_heartbeat"] == "2026-11-23T10:00:00.123Z"


def test_pnl_is_keyed_by_ticket_string_with_price_and_profit() -> None:
    assert wire(EXAMPLES[3])["pnl"] == {"501": [1.1015, 15.0]}


def test_enums_travel_as_their_english_values() -> None:
    assert wire(EXAMPLES[6])["direction"] == "SELL" and wire(EXAMPLES[8])["level"] == "warning"


def test_infinity_travels_as_a_string_so_the_json_stays_standard() -> None:
    event = AccountUpdate(account=replace(ACCOUNT, margin_level=float("inf")), timestamp=T0)
    text = encode(event)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))
    assert json.loads(text)["account"]["margin_level"] == "Infinity" and decode(text) == event


def test_nan_is_refused_when_encoding() -> None:
    with pytest.raises(ProtocolError, match=r"PNL_UPDATE\.equity: NaN"):
        encode(PnlUpdate(pnl={}, floating_total=0.0, equity=float("nan")))


def test_naive_datetime_is_refused_when_encoding() -> None:
    with pytest.raises(ProtocolError, match=r"NOTICE\.timestamp: naive datetime"):
        encode(Notice(NoticeLevel.INFO, "t", "x", timestamp=datetime(2026, 1, 1)))


def test_wrongly_typed_field_is_refused_when_encoding() -> None:
    with pytest.raises(
        ProtocolError, match=r"SNAPSHOT\.accounts\[0\]\.positions\[0\]\.volume: expected a number"
    ):
        encode(single_snapshot(None, (replace(POSITION, volume="0.1"),), STATUS, ()))  # type: ignore[arg-type]


def test_object_that_is_not_a_registered_event_is_refused() -> None:
    with pytest.raises(ProtocolError, match="not a registered event"):
        encode(Event())


@pytest.mark.parametrize("seq", [-1, True, 1.0])
def test_seq_must_be_a_non_negative_integer_when_encoding(seq: Any) -> None:
    with pytest.raises(ProtocolError, match=r"PING\.seq"):
        encode(Ping(), seq=seq)


def test_bytes_are_decoded_as_utf8() -> None:
    assert decode(encode(EXAMPLES[8]).encode()) == EXAMPLES[8]


def test_unknown_extra_fields_are_ignored() -> None:
    assert decode(json.dumps(PING | {"future": [1, 2], "v2_hint": "x"})) == Ping(timestamp=T0)


def test_a_field_with_a_default_may_be_absent() -> None:
    message = wire(Hello(protocol_version=1, server_version="0.1.0", timestamp=T0))
    del message["read_only"]
    hello = decode(json.dumps(message))
    assert isinstance(hello, Hello) and hello.read_only is True


def test_an_integer_is_accepted_for_a_float() -> None:
    event = decode(status_message(ping_ms=3))
    assert isinstance(event, StatusUpdate) and type(event.status.ping_ms) is float


def test_a_timestamp_with_an_offset_is_converted_to_utc() -> None:
    event = decode(json.dumps(PING | {"timestamp": "2026-11-23T12:00:00.123+02:00"}))
    assert event.timestamp == T0 and event.timestamp.tzinfo is UTC


REJECTED: list[tuple[str, bytes | str, str]] = [
    ("not json", "{not json", "not valid JSON"),
    ("not utf-8", b"\xff\xfe{}", "not UTF-8"),
    ("too deeply nested", "[" * 100_000, "not valid JSON"),
    ("not an object", "[1, 2]", "must be a JSON object, got an array"),
    ("no type", json.dumps({"v": 1}), "no 'type' field"),
    ("type not a string", json.dumps({"type": 5}), "type must be a string"),
    ("unknown type", json.dumps(PING | {"type": "ORDER_SEND"}), "unknown message type 'ORDER_SEND'"),
    ("no version", json.dumps({"type": "PING", "timestamp": PING["timestamp"]}), r"PING\.v: missing"),
    (
        "wrong version",
        json.dumps(PING | {"v": 2}),
        r"PING\.v: unsupported protocol version: .* sent the integer 2",
    ),
    ("bool version", json.dumps(PING | {"v": True}), r"PING\.v: expected an integer"),
    ("negative seq", json.dumps(PING | {"seq": -1}), r"PING\.seq"),
    ("bool seq", json.dumps(PING | {"seq": False}), r"PING\.seq"),
    ("no timestamp", json.dumps({"type": "PING", "v": 1}), r"PING\.timestamp: missing"),
    (
        "malformed timestamp",
        json.dumps(PING | {"timestamp": "23/11/2026 10:00"}),
        r"PING\.timestamp: malformed",
    ),
    (
        "naive timestamp",
        json.dumps(PING | {"timestamp": "2026-11-23T10:00:00"}),
        r"PING\.timestamp: .*no UTC",
    ),
    ("number timestamp", json.dumps(PING | {"timestamp": 1.7e9}), r"PING\.timestamp: expected an ISO-8601"),
    ("missing field", status_message(mt5_connected=...), r"STATUS_UPDATE\.mt5_connected: missing"),
    ("string for number", status_message(ping_ms="3.5"), r"STATUS_UPDATE\.ping_ms: expected a number"),
    (
        "bool for int",
        status_message(account_number=True),
        r"STATUS_UPDATE\.account_number: expected an integer",
    ),
    (
        "float for int",
        status_message(account_number=5001.0),
        r"STATUS_UPDATE\.account_number: expected an int",
    ),
    (
        "bool for float",
        status_message(account_balance=False),
        r"STATUS_UPDATE\.account_balance: expected a num",
    ),
    ("NaN", status_message(ping_ms=float("nan")), r"STATUS_UPDATE\.ping_ms: NaN is not allowed"),
    (
        "null where required",
        status_message(mt5_connected=None),
        r"STATUS_UPDATE\.mt5_connected: expected true",
    ),
    (
        "unknown enum value",
        status_message(state="online"),
        r"STATUS_UPDATE\.state: expected one of 'connected'",
    ),
    (
        "bad nested datetime",
        status_message(last_heartbeat="yesterday"),
        r"STATUS_UPDATE\.last_heartbeat: malf",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_malformed_message_is_a_protocol_error(text: bytes | str, expected: str) -> None:
    with pytest.raises(ProtocolError, match=expected):
        decode(text)


def mutated(event: Event, path: list[str | int], value: Any) -> str:
    message = wire(event)
    target: Any = message
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(message)


NESTED_REJECTED = [
    (
        "position field",
        EXAMPLES[1],
        ["accounts", 0, "positions", 0, "side"],
        "LONG",
        r"SNAPSHOT\.accounts\[0\]\.positions\[0\]\.side: expected",
    ),
    (
        "positions not array",
        EXAMPLES[1],
        ["accounts", 0, "positions"],
        {},
        r"SNAPSHOT\.accounts\[0\]\.positions: expected an array",
    ),
    ("account id not text", EXAMPLES[3], ["account_id"], 7, r"PNL_UPDATE\.account_id: expected a string"),
    ("account not object", EXAMPLES[4], ["account"], [1], r"ACCOUNT_UPDATE\.account: expected an object"),
    ("changes not object", EXAMPLES[2], ["changes"], [501], r"POSITIONS_UPDATE\.changes: expected an object"),
    ("bool ticket", EXAMPLES[2], ["changes", "removed", 0], True, r"POSITIONS_UPDATE\.changes\.removed\[0\]"),
    ("record not announced", EXAMPLES[2], ["changes", "added"], [], r"POSITIONS_UPDATE: positions must hold"),
    (
        "pnl key not a ticket",
        EXAMPLES[3],
        ["pnl"],
        {"EURUSD": [1.0, 2.0]},
        r"PNL_UPDATE\.pnl: expected integer keys",
    ),
    (
        "pnl pair too long",
        EXAMPLES[3],
        ["pnl", "501"],
        [1.0, 2.0, 3.0],
        r"PNL_UPDATE\.pnl\['501'\]: expected 2",
    ),
    (
        "pnl string profit",
        EXAMPLES[3],
        ["pnl", "501", 1],
        "15",
        r"PNL_UPDATE\.pnl\['501'\]\[1\]: expected a number",
    ),
    (
        "direction",
        EXAMPLES[6],
        ["direction"],
        "buy",
        r"AUTO_TRADE_EXECUTED\.direction: expected one of 'BUY'",
    ),
]


@pytest.mark.parametrize(
    ("event", "path", "value", "expected"),
    [r[1:] for r in NESTED_REJECTED],
    ids=[r[0] for r in NESTED_REJECTED],
)
def test_malformed_nested_field_is_named_by_its_wire_path(
    event: Event, path: list[str | int], value: Any, expected: str
) -> None:
    with pytest.raises(ProtocolError, match=expected):
        decode(mutated(event, path, value))


def test_protocol_error_carries_the_message_type_and_field() -> None:
    with pytest.raises(ProtocolError) as caught:
        decode(mutated(EXAMPLES[1], ["accounts", 0, "positions", 0, "volume"], "lots"))
    assert (caught.value.message_type, caught.value.field) == ("SNAPSHOT", "accounts[0].positions[0].volume")


def test_a_huge_string_is_not_echoed_back_in_the_error() -> None:
    with pytest.raises(ProtocolError) as caught:
        decode(json.dumps(PING | {"type": "X" * 100_000}))
    assert len(str(caught.value)) < 400


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@relaxed
@given(st.sampled_from(EXAMPLES), st.data())
def test_any_corrupted_field_is_either_accepted_or_a_protocol_error(
    event: Event, data: st.DataObject
) -> None:
    message = wire(event)
    key = data.draw(st.sampled_from(sorted(message)))
    message[key] = data.draw(JSON_VALUES)
    with contextlib.suppress(ProtocolError):
        decode(json.dumps(message))


def test_aware_non_utc_nested_times_compare_equal_after_the_trip() -> None:
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    event = single_snapshot(None, (replace(POSITION, time=moment),), STATUS, (), timestamp=T0)
    decoded = decode(encode(event))
    assert isinstance(decoded, Snapshot) and decoded.accounts[0].positions[0].time == moment
