"""The events of the desk: one frozen dataclass per message, the same on the EventHub and on the wire.

Every event has a ClassVar `type` (its wire name) and two keyword-only fields: `timestamp`, when it
happened, an aware UTC datetime that defaults to now, cut to whole milliseconds (the wire's precision, so
a decoded event equals the one that was sent); for AUTO_TRADE_EXECUTED and TRADE_ERROR it is also the
seed system's payload `timestamp`. And `account_id`: which of the desk's accounts the event is about
("" for the desk as a whole: the accounts list, a journal notice). HELLO, PING, RESYNC and ERROR are
wire-only: the remote protocol's own messages, never emitted on the hub.

Wire format (`encode` / `decode`): one JSON object per message, `{"type", "seq"?, "timestamp",
"account_id"?, "v", ...payload}`. The account sits in the envelope beside the time, not in each payload:
it is the same routing fact for every event type, so the hub, the journal and the remote server file and
filter by it without knowing any payload, and the payloads keep the seed system's shapes (a client that
ignores unknown keys reads them as before). The payload is generated from the dataclass type hints (rules
in `app.core.codec`); three events keep the seed system's shapes through small adapters: POSITIONS_UPDATE
nests its ticket lists under `changes`, STATUS_UPDATE spreads the TerminalStatus fields flat, PNL_UPDATE
keys `pnl` by the ticket as a string (`{"123": [price_current, profit]}`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar

from app.core.codec import FieldProblem, ProtocolError, codec_for, format_path, quoted, shown
from app.core.enums import NoticeLevel, Side
from app.core.models import Account, AccountView, DeskAccount, ModelSummary, Position, TerminalStatus

__all__ = [
    "EVENT_TYPES",
    "PROTOCOL_VERSION",
    "WIRE_ONLY_TYPES",
    "AccountUpdate",
    "AccountsUpdate",
    "AutoTradeExecuted",
    "ErrorMessage",
    "Event",
    "Hello",
    "ModelsUpdate",
    "Notice",
    "Ping",
    "PnlUpdate",
    "PositionsUpdate",
    "ProtocolError",
    "Resync",
    "Snapshot",
    "StatusUpdate",
    "TradeError",
    "decode",
    "decode_envelope",
    "encode",
    "utc_now",
]

PROTOCOL_VERSION = 1


def utc_now() -> datetime:
    """Now in UTC, cut to whole milliseconds (the precision the wire carries)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event: `type` names it on the bus and the wire, `timestamp` says when (UTC),
    `account_id` which account it is about ("" for the desk as a whole)."""

    type: ClassVar[str] = ""
    timestamp: datetime = field(default_factory=utc_now, kw_only=True)
    account_id: str = field(default="", kw_only=True)


@dataclass(frozen=True, slots=True)
class Hello(Event):
    """Wire only, the server's first message: which protocol it speaks; viewers are always read-only."""

    type: ClassVar[str] = "HELLO"
    protocol_version: int
    server_version: str
    read_only: bool = True


@dataclass(frozen=True, slots=True)
class Snapshot(Event):
    """Everything a viewer needs to start from, every account in one message (the unit a resync
    replaces): sent on connect, reconnect and resync. Its own `account_id` is "" (the whole desk)."""

    type: ClassVar[str] = "SNAPSHOT"
    accounts: tuple[AccountView, ...]
    models: tuple[ModelSummary, ...]

    def view(self, account_id: str) -> AccountView | None:
        """The part of one account, or None when the snapshot does not hold it."""
        return next((view for view in self.accounts if view.account_id == account_id), None)


@dataclass(frozen=True, slots=True)
class AccountsUpdate(Event):
    """The desk's accounts changed (added, removed, renamed, switched on or off): all of them, in the
    trader's order, replacing the previous list."""

    type: ClassVar[str] = "ACCOUNTS_UPDATE"
    accounts: tuple[DeskAccount, ...]


@dataclass(frozen=True, slots=True)
class PositionsUpdate(Event):
    """Positions opened, closed or modified; `positions` holds the full added and modified records."""

    type: ClassVar[str] = "POSITIONS_UPDATE"
    positions: tuple[Position, ...]
    added: tuple[int, ...]
    removed: tuple[int, ...]
    modified: tuple[int, ...]

    def __post_init__(self) -> None:
        # A record without its ticket in the lists (or the reverse) would leave a viewer silently wrong.
        listed = (*self.added, *self.removed, *self.modified)
        if len(set(listed)) != len(listed):
            raise ValueError("a ticket appears more than once in added/removed/modified")
        carried = [position.ticket for position in self.positions]
        if len(set(carried)) != len(carried) or set(carried) != {*self.added, *self.modified}:
            raise ValueError("positions must hold exactly one full record per added and modified ticket")


@dataclass(frozen=True, slots=True)
class PnlUpdate(Event):
    """Prices and floating profit of the positions whose P&L moved: ticket -> (price_current, profit).

    The dict is shared, not copied: treat it as read-only.
    """

    type: ClassVar[str] = "PNL_UPDATE"
    pnl: dict[int, tuple[float, float]]
    floating_total: float
    equity: float


@dataclass(frozen=True, slots=True)
class AccountUpdate(Event):
    """The account figures changed."""

    type: ClassVar[str] = "ACCOUNT_UPDATE"
    account: Account


@dataclass(frozen=True, slots=True)
class StatusUpdate(Event):
    """Heartbeat result or a change of link state."""

    type: ClassVar[str] = "STATUS_UPDATE"
    status: TerminalStatus


@dataclass(frozen=True, slots=True)
class AutoTradeExecuted(Event):
    """A model's signal became a filled order; `digits` is the symbol's price precision (None: unknown)."""

    type: ClassVar[str] = "AUTO_TRADE_EXECUTED"
    model_id: str
    model_name: str
    trade_id: str
    direction: Side
    symbol: str
    confidence: float
    entry_price: float
    stop_loss: float | None
    take_profit: float | None
    lot_size: float
    digits: int | None = None


@dataclass(frozen=True, slots=True)
class TradeError(Event):
    """An order that did not execute; `error` is for a person, `code` the terminal's (None if never sent)."""

    type: ClassVar[str] = "TRADE_ERROR"
    trade_id: str
    symbol: str
    order_type: str
    error: str
    code: int | None


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """Anything else a person should know: a risk block, a reconnect, a disabled model."""

    type: ClassVar[str] = "NOTICE"
    level: NoticeLevel
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class ModelsUpdate(Event):
    """One account's models as they stand now (all of that account's, replacing its previous list), and
    whether the master switch is on."""

    type: ClassVar[str] = "MODELS_UPDATE"
    models: tuple[ModelSummary, ...]
    auto_trading: bool = False


@dataclass(frozen=True, slots=True)
class Ping(Event):
    """Wire only, client -> server: keep-alive."""

    type: ClassVar[str] = "PING"


@dataclass(frozen=True, slots=True)
class Resync(Event):
    """Wire only, client -> server: send a fresh SNAPSHOT (the client saw a `seq` gap)."""

    type: ClassVar[str] = "RESYNC"


@dataclass(frozen=True, slots=True)
class ErrorMessage(Event):
    """Wire only: the other side refused a message or the connection; `code` is machine-readable."""

    type: ClassVar[str] = "ERROR"
    code: str
    text: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        Hello,
        Snapshot,
        AccountsUpdate,
        PositionsUpdate,
        PnlUpdate,
        AccountUpdate,
        StatusUpdate,
        AutoTradeExecuted,
        TradeError,
        Notice,
        ModelsUpdate,
        Ping,
        Resync,
        ErrorMessage,
    )
}
WIRE_ONLY_TYPES = frozenset({Hello.type, Ping.type, Resync.type, ErrorMessage.type})

# --- wire shapes that differ from the dataclass ------------------------------------------------------

_Reshape = Callable[[dict[str, Any]], dict[str, Any]]
_Repath = Callable[[list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class _WireShape:
    to_wire: _Reshape
    from_wire: _Reshape
    wire_path: _Repath  # dataclass field path -> where that field sits on the wire


_CHANGE_LISTS = ("added", "removed", "modified")


def _nest_changes(payload: dict[str, Any]) -> dict[str, Any]:
    payload["changes"] = {name: payload.pop(name) for name in _CHANGE_LISTS}
    return payload


def _lift_changes(message: dict[str, Any]) -> dict[str, Any]:
    changes = message.get("changes")
    if changes is None:
        raise FieldProblem(
            "missing" if "changes" not in message else "expected an object, got null", ["changes"]
        )
    if type(changes) is not dict:
        raise FieldProblem(f"expected an object, got {shown(changes)}", ["changes"])
    lifted = {key: value for key, value in message.items() if key not in _CHANGE_LISTS}
    lifted.update({name: changes[name] for name in _CHANGE_LISTS if name in changes})
    return lifted


def _changes_path(path: list[str]) -> list[str]:
    return ["changes", *path] if path and path[0] in _CHANGE_LISTS else path


# A TerminalStatus field named like an envelope key (type, seq, timestamp, v) would clash on the wire;
# the round-trip tests catch it.
_STATUS_FIELDS = tuple(f.name for f in fields(TerminalStatus))


def _spread_status(payload: dict[str, Any]) -> dict[str, Any]:
    payload.update(payload.pop("status"))
    return payload


def _gather_status(message: dict[str, Any]) -> dict[str, Any]:
    gathered = {key: value for key, value in message.items() if key not in _STATUS_FIELDS}
    gathered["status"] = {name: message[name] for name in _STATUS_FIELDS if name in message}
    return gathered


def _status_path(path: list[str]) -> list[str]:
    return path[1:] if path[:1] == ["status"] and len(path) > 1 else path


def _same(value: Any) -> Any:
    return value


_SHAPES: dict[type[Event], _WireShape] = {
    PositionsUpdate: _WireShape(_nest_changes, _lift_changes, _changes_path),
    StatusUpdate: _WireShape(_spread_status, _gather_status, _status_path),
}
_PLAIN = _WireShape(_same, _same, _same)


# --- envelope -----------------------------------------------------------------------------------------


def encode(event: Event, *, seq: int | None = None) -> str:
    """One event as a JSON message: `type`, `seq` (when given), `timestamp`, `account_id` (when it is about
    one account), `v`, then the payload."""
    cls = type(event)
    name = cls.type
    if EVENT_TYPES.get(name) is not cls:
        raise ProtocolError(f"cannot encode {cls.__name__}: it is not a registered event type")
    if seq is not None and (type(seq) is not int or seq < 0):
        raise ProtocolError(
            f"{name}.seq: expected a non-negative integer, got {shown(seq)}", message_type=name, field="seq"
        )
    try:
        payload = _SHAPES.get(cls, _PLAIN).to_wire(codec_for(cls).encode(event))
    except FieldProblem as problem:
        raise _protocol_error(name, _SHAPES.get(cls, _PLAIN).wire_path(problem.path), problem) from None
    message: dict[str, Any] = {"type": name}
    if seq is not None:
        message["seq"] = seq
    message["timestamp"] = payload.pop("timestamp")
    account_id = payload.pop("account_id")
    if account_id:
        message["account_id"] = account_id
    message["v"] = PROTOCOL_VERSION
    message.update(payload)
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def decode(text: str | bytes) -> Event:
    """Parse and check one message; anything malformed raises ProtocolError naming the type and field."""
    return decode_envelope(text)[0]


def decode_envelope(text: str | bytes) -> tuple[Event, int | None]:
    """Like `decode`, also returning the message's `seq` (None when it has none)."""
    message = _parse(text)
    if "type" not in message:
        raise ProtocolError("message has no 'type' field", field="type")
    name = message["type"]
    if type(name) is not str:
        raise ProtocolError(f"message type must be a string, got {shown(name)}", field="type")
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise ProtocolError(
            f"unknown message type {quoted(name)}; this program knows {', '.join(EVENT_TYPES)}", field="type"
        )
    _check_version(name, message)
    seq = message.get("seq")
    if seq is not None and (type(seq) is not int or seq < 0):
        raise ProtocolError(
            f"{name}.seq: expected a non-negative integer, got {shown(seq)}", message_type=name, field="seq"
        )
    if "timestamp" not in message:
        raise ProtocolError(f"{name}.timestamp: missing", message_type=name, field="timestamp")
    shape = _SHAPES.get(cls, _PLAIN)
    try:
        event = codec_for(cls).decode(shape.from_wire(message))
    except FieldProblem as problem:
        raise _protocol_error(name, shape.wire_path(problem.path), problem) from None
    return event, seq


def _parse(text: str | bytes) -> dict[str, Any]:
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("message is not UTF-8 text") from None
    if not isinstance(text, str):
        raise ProtocolError(f"message must be text, got {type(text).__name__}")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"message is not valid JSON: {exc}") from None
    if type(message) is not dict:
        raise ProtocolError(f"message must be a JSON object, got {shown(message)}")
    return message


def _check_version(name: str, message: dict[str, Any]) -> None:
    if "v" not in message:
        raise ProtocolError(f"{name}.v: missing protocol version", message_type=name, field="v")
    version = message["v"]
    if type(version) is not int:
        raise ProtocolError(
            f"{name}.v: expected an integer protocol version, got {shown(version)}",
            message_type=name,
            field="v",
        )
    if version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"{name}.v: unsupported protocol version: this program speaks version {PROTOCOL_VERSION}, "
            f"the other side sent {shown(version)}; update the older side",
            message_type=name,
            field="v",
        )


def _protocol_error(name: str, path: list[str], problem: FieldProblem) -> ProtocolError:
    where = format_path(path)
    return ProtocolError(
        f"{name}.{where}: {problem.problem}" if where else f"{name}: {problem.problem}",
        message_type=name,
        field=where or None,
    )


# Compile every codec at import: a field type the wire cannot carry fails here, not on the first send.
for _cls in EVENT_TYPES.values():
    codec_for(_cls)
