"""The pipe between the desk and a terminal host: every message as one JSON text, never a pickle.

Events (POSITIONS_UPDATE, PNL_UPDATE, ...) travel exactly as on the remote wire (`app.core.events`);
the host's own messages (`messages`, `queries`, `controls`) as `{"type": kind, ...payload}` with the
payload generated from their type hints by the same codec. Decoding is as strict as for the wire: a
malformed message raises ProtocolError naming the type and the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.core.codec import FieldProblem, ProtocolError, codec_for, format_path, shown
from app.core.events import EVENT_TYPES, WIRE_ONLY_TYPES, Event, decode, encode
from app.engine.host.controls import CONTROL_MESSAGES
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
    QueryFailed,
    ReconcileFacts,
    ReconcileQuery,
    Refresh,
    Start,
    Stop,
)
from app.engine.host.queries import QUERY_MESSAGES

Message = Event | HostMessage

_HOST_CLASSES: tuple[type[HostMessage], ...] = (
    Start,
    Stop,
    Refresh,
    Link,
    OrderCommand,
    OrderOutcome,
    Linked,
    DealsFound,
    HostLog,
    AccountRead,
    ReconcileQuery,
    ReconcileFacts,
    QueryFailed,
    ControlDone,
    *QUERY_MESSAGES,
    *CONTROL_MESSAGES,
)
HOST_TYPES: dict[str, type[HostMessage]] = {cls.kind: cls for cls in _HOST_CLASSES}
# The events a host may publish (the wire-only ones belong to the remote protocol).
HOST_EVENT_TYPES = frozenset(EVENT_TYPES) - WIRE_ONLY_TYPES
_TYPE = re.compile(rb'^\{"type":"([^"\\]{1,64})"')


def encode_message(message: Message) -> bytes:
    """One message as UTF-8 JSON."""
    if isinstance(message, Event):
        return encode(message).encode("utf-8")
    cls: type[HostMessage] = type(message)
    if HOST_TYPES.get(cls.kind) is not cls:
        raise ProtocolError(f"cannot encode {cls.__name__}: it is not a registered host message")
    try:
        payload = codec_for(cls).encode(message)
    except FieldProblem as problem:
        raise _problem(cls.kind, problem) from None
    return json.dumps({"type": cls.kind, **payload}, separators=(",", ":"), allow_nan=False).encode("utf-8")


def decode_message(data: bytes) -> Message:
    """The message in `data`; ProtocolError when it is not one this side understands."""
    match = _TYPE.match(data)
    name = match.group(1).decode("utf-8", "replace") if match else None
    if name in HOST_EVENT_TYPES:
        return decode(data)
    cls = HOST_TYPES.get(name) if name is not None else None
    if cls is None:
        raise ProtocolError(f"unknown host message {data[:80]!r}", field="type")
    try:
        payload: Any = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"{name}: not valid JSON: {error}", message_type=name) from None
    if type(payload) is not dict:
        raise ProtocolError(f"{name}: expected an object, got {shown(payload)}", message_type=name)
    try:
        message: HostMessage = codec_for(cls).decode(payload)
    except FieldProblem as problem:
        raise _problem(cls.kind, problem) from None
    return message


def _problem(name: str, problem: FieldProblem) -> ProtocolError:
    where = format_path(problem.path)
    text = f"{name}.{where}: {problem.problem}" if where else f"{name}: {problem.problem}"
    return ProtocolError(text, message_type=name, field=where or None)


# Compile every codec at import: a field the codec cannot carry fails here, not on the first message.
for _cls in HOST_TYPES.values():
    codec_for(_cls)
