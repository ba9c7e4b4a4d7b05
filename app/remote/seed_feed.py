"""The seed protocol: what a client written for the web system this desk replaces expects (SEED_WIRE.md).

A viewer asks for it in the URL (`ws://HOST:PORT/?protocol=seed&token=...`); the default stays the
compact protocol (HELLO, SNAPSHOT, deltas). A seed client never asks for a snapshot: it deletes the
tickets in `changes.removed` and then sets every position in `positions`. So each POSITIONS_UPDATE here
carries the full list of open positions, and `changes` is the difference to what THIS connection was last
sent, by plain inequality of the whole record (price and profit moves count, as they did in the seed
connector). One goes out at join and then on every change, at most once a second.
STATUS_HEARTBEAT goes out at join, every 30 seconds, and at once when `mt5_connected` changes;
TRADE_ERROR and AUTO_TRADE_EXECUTED are passed on as they happen. Every message carries the seed
backend's `connection_id`. Nothing else of the desk's events is sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.core.codec import codec_for, encode_datetime
from app.core.events import (
    AutoTradeExecuted,
    Event,
    PnlUpdate,
    PositionsUpdate,
    Snapshot,
    StatusUpdate,
    TradeError,
    encode,
    utc_now,
)
from app.core.models import Account, Position
from app.remote.outgoing import Outgoing, mask_event

__all__ = [
    "COMPACT",
    "CONNECTION_ID",
    "HEARTBEAT_INTERVAL_S",
    "POSITIONS_MIN_INTERVAL_S",
    "SEED",
    "SeedPositions",
    "SeedViewer",
    "protocol_of",
    "seed_message",
]

COMPACT = "compact"
SEED = "seed"
PROTOCOLS = (COMPACT, SEED)
POSITIONS_MIN_INTERVAL_S = 1.0
HEARTBEAT_INTERVAL_S = 30.0
CONNECTION_ID = "mt5desk"  # the seed backend named the connector a message came from; this desk is one
PASSED_ON = (TradeError, AutoTradeExecuted)

_encode_position = codec_for(Position).encode
_encode_account = codec_for(Account).encode


def protocol_of(path: str) -> str:
    """The protocol a request path asks for (compact when it names none); ValueError saying what is known."""
    asked = parse_qs(urlsplit(path).query, keep_blank_values=True).get("protocol", [])
    if not asked:
        return COMPACT
    if len(asked) == 1 and asked[0].lower() in PROTOCOLS:
        return asked[0].lower()
    shown = ", ".join(repr(value[:20]) for value in asked)
    raise ValueError(
        f"Unknown protocol {shown}: use ?protocol=seed for clients of the earlier web system, or leave "
        "it out for the desk's own protocol.\n"
    )


def seed_message(event: Event) -> Outgoing:
    """A TRADE_ERROR or AUTO_TRADE_EXECUTED in the seed shape: its fields as listed, with connection_id."""
    message = json.loads(encode(event, seq=0))
    del message["v"]
    message["connection_id"] = CONNECTION_ID
    return _outgoing(event.type, message)


def _outgoing(kind: str, message: dict[str, Any]) -> Outgoing:
    """`message` (whose first two keys are type and seq) split around its seq, as Outgoing carries it."""
    text = json.dumps(message, separators=(",", ":"), allow_nan=False)
    head = '{"type":' + json.dumps(kind) + ',"seq":'
    if not text.startswith(head + "0,"):
        raise AssertionError(f"unexpected seed envelope: {text[:60]!r}")
    return Outgoing(type=kind, head=head, tail=text[len(head) + 1 :])


class SeedPositions:
    """The desk's open positions, encoded once per change and shared by every seed viewer."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot
        self._version = 0
        self._cached_version = -1
        self._positions: dict[int, Position] = {}
        self._json = "[]"

    def touch(self) -> None:
        """The positions may have changed (a POSITIONS_UPDATE, PNL_UPDATE or SNAPSHOT went by)."""
        self._version += 1

    def current(self) -> tuple[dict[int, Position], str]:
        """Open positions by ticket, and the same as the JSON array a seed client receives."""
        if self._cached_version != self._version:
            positions = self._snapshot().positions
            self._positions = {position.ticket: position for position in positions}
            self._json = json.dumps(
                [_encode_position(position) for position in positions], separators=(",", ":"), allow_nan=False
            )
            self._cached_version = self._version
        return self._positions, self._json


@dataclass(eq=False, slots=True)
class SeedViewer:
    """What one seed connection has been sent, and what it is due next."""

    positions: SeedPositions
    snapshot: Callable[[], Snapshot]
    mask_account: bool
    sent: dict[int, Position] = field(default_factory=dict)
    positions_due: bool = True
    heartbeat_due: bool = True
    last_positions_at: float = -math.inf
    last_heartbeat_at: float = -math.inf
    told_connected: bool | None = None

    def note(self, event: Event) -> bool:
        """Take in a hub event; True when something became due (the sender should look)."""
        if isinstance(event, PositionsUpdate | PnlUpdate | Snapshot):
            self.positions_due = True
            if isinstance(event, Snapshot):
                self.heartbeat_due |= event.status.mt5_connected != self.told_connected
            return True
        if isinstance(event, StatusUpdate) and event.status.mt5_connected != self.told_connected:
            self.heartbeat_due = True  # "down" must not wait up to 30 s
            return True
        return False

    def resync(self) -> None:
        """After a backlog was dropped: the full list and a heartbeat, whatever was sent before."""
        self.positions_due = self.heartbeat_due = True
        self.last_positions_at = -math.inf

    def take_due(self, now: float, seq: int) -> str | None:
        """The next message due at `now` (monotonic seconds), stamped with `seq`, or None."""
        if self.heartbeat_due or now - self.last_heartbeat_at >= HEARTBEAT_INTERVAL_S:
            self.heartbeat_due = False
            self.last_heartbeat_at = now
            return self._heartbeat(seq)
        if self.positions_due and now - self.last_positions_at >= POSITIONS_MIN_INTERVAL_S:
            self.positions_due = False
            text = self._positions_update(seq)
            if text is not None:
                self.last_positions_at = now
            return text
        return None

    def seconds_until_due(self, now: float) -> float:
        """How long the sender may sleep before something falls due by time."""
        until = self.last_heartbeat_at + HEARTBEAT_INTERVAL_S - now
        if self.positions_due:
            until = min(until, self.last_positions_at + POSITIONS_MIN_INTERVAL_S - now)
        return max(0.0, until)

    def _positions_update(self, seq: int) -> str | None:
        current, listed = self.positions.current()
        first = self.last_positions_at == -math.inf and not self.sent
        added = [ticket for ticket in current if ticket not in self.sent]
        removed = [ticket for ticket in self.sent if ticket not in current]
        modified = [
            ticket
            for ticket, position in current.items()
            if ticket in self.sent and self.sent[ticket] is not position and self.sent[ticket] != position
        ]
        if not (first or added or removed or modified):
            return None
        self.sent = current
        changes = json.dumps(
            {"added": added, "removed": removed, "modified": modified}, separators=(",", ":")
        )
        stamp = json.dumps(encode_datetime(utc_now()))
        return (
            f'{{"type":"POSITIONS_UPDATE","seq":{seq},"timestamp":{stamp},'
            f'"connection_id":"{CONNECTION_ID}","positions":{listed},"changes":{changes}}}'
        )

    def _heartbeat(self, seq: int) -> str:
        snapshot = self.snapshot()
        if self.mask_account:
            masked = mask_event(snapshot)
            assert isinstance(masked, Snapshot)
            snapshot = masked
        status, account = snapshot.status, snapshot.account
        self.told_connected = status.mt5_connected
        message = {
            "type": "STATUS_HEARTBEAT",
            "seq": seq,
            "timestamp": encode_datetime(utc_now()),
            "connection_id": CONNECTION_ID,
            "mt5_connected": status.mt5_connected,
            "account_balance": account.balance if account is not None else status.account_balance,
            "positions_count": len(snapshot.positions),
            "account_info": _encode_account(account) if account is not None else None,
        }
        return json.dumps(message, separators=(",", ":"), allow_nan=False)
