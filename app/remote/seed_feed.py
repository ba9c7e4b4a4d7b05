"""The seed protocol: what a client written for the web system this desk replaces expects (SEED_WIRE.md).

A viewer asks for it in the URL (`ws://HOST:PORT/?protocol=seed&token=...`); the default stays the
compact protocol (HELLO, SNAPSHOT, deltas). The seed backend served several connectors (terminals) to one
client and put `connection_id` on every message: here each account of the desk is one connector, and
every message carries its account id as `connection_id`.

A seed client never asks for a snapshot: it deletes the tickets in `changes.removed` and then sets every
position in `positions`. So each POSITIONS_UPDATE here carries the full list of one account's open
positions, and `changes` is the difference to what THIS connection was last sent of that account, by
plain inequality of the whole record (price and profit moves count, as they did in the seed connector).
One goes out per account at join and then on every change of that account, at most once a second each.
STATUS_HEARTBEAT (one per account) goes out at join, every 30 seconds, and at once when an account's
`mt5_connected` changes; TRADE_ERROR and AUTO_TRADE_EXECUTED are passed on as they happen. Nothing else
of the desk's events is sent. A client of one account sees exactly what it saw from a single-account desk.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.core.codec import codec_for, encode_datetime
from app.core.events import (
    AccountsUpdate,
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
from app.core.models import Account, AccountView, Position
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
CONNECTION_ID = "mt5desk"  # the connector of a message about the desk as a whole (no account)
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


def connection_id(account_id: str) -> str:
    """The seed connector an account is: its id (the desk's own name for a message about no account)."""
    return account_id or CONNECTION_ID


def seed_message(event: Event) -> Outgoing:
    """A TRADE_ERROR or AUTO_TRADE_EXECUTED in the seed shape: its fields as listed, with connection_id."""
    message = json.loads(encode(event, seq=0))
    del message["v"]
    message.pop("account_id", None)  # said as connection_id, the seed backend's name for it
    message["connection_id"] = connection_id(event.account_id)
    return _outgoing(event.type, message)


def _outgoing(kind: str, message: dict[str, Any]) -> Outgoing:
    """`message` (whose first two keys are type and seq) split around its seq, as Outgoing carries it."""
    text = json.dumps(message, separators=(",", ":"), allow_nan=False)
    head = '{"type":' + json.dumps(kind) + ',"seq":'
    if not text.startswith(head + "0,"):
        raise AssertionError(f"unexpected seed envelope: {text[:60]!r}")
    return Outgoing(type=kind, head=head, tail=text[len(head) + 1 :])


class SeedPositions:
    """Each account's open positions, encoded once per change and shared by every seed viewer."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot
        self._version = 0
        self._cached_version = -1
        self._accounts: dict[str, tuple[dict[int, Position], str]] = {}

    def touch(self) -> None:
        """The positions may have changed (a POSITIONS_UPDATE, PNL_UPDATE or SNAPSHOT went by)."""
        self._version += 1

    def accounts(self) -> list[str]:
        """The accounts the viewers may see, in the desk's order."""
        self._refresh()
        return list(self._accounts)

    def current(self, account_id: str) -> tuple[dict[int, Position], str]:
        """An account's open positions by ticket, and the same as the JSON array a seed client receives."""
        self._refresh()
        return self._accounts.get(account_id, ({}, "[]"))

    def _refresh(self) -> None:
        if self._cached_version == self._version:
            return
        self._accounts = {view.account_id: _encoded(view) for view in self._snapshot().accounts}
        self._cached_version = self._version


def _encoded(view: AccountView) -> tuple[dict[int, Position], str]:
    listed = json.dumps([_encode_position(p) for p in view.positions], separators=(",", ":"), allow_nan=False)
    return {position.ticket: position for position in view.positions}, listed


@dataclass(eq=False, slots=True)
class SeedViewer:
    """What one seed connection has been sent of each account, and what it is due next."""

    positions: SeedPositions
    snapshot: Callable[[], Snapshot]
    mask_account: bool
    sent: dict[str, dict[int, Position]] = field(default_factory=dict)
    positions_due: set[str] = field(default_factory=set)
    last_positions_at: dict[str, float] = field(default_factory=dict)
    heartbeat_due: bool = True
    last_heartbeat_at: float = -math.inf
    told_connected: dict[str, bool] = field(default_factory=dict)
    _heartbeats: deque[str] = field(default_factory=deque)  # accounts whose heartbeat is being sent

    def __post_init__(self) -> None:
        self.resync()  # a viewer that joins gets a heartbeat and every account's full list at once

    def note(self, event: Event) -> bool:
        """Take in a hub event; True when something became due (the sender should look)."""
        if isinstance(event, PositionsUpdate | PnlUpdate):
            self.positions_due.add(event.account_id)
            return True
        if isinstance(event, Snapshot | AccountsUpdate):
            self.resync()
            return True
        connected = isinstance(event, StatusUpdate) and event.status.mt5_connected
        if isinstance(event, StatusUpdate) and connected != self.told_connected.get(event.account_id):
            self.heartbeat_due = True  # "down" must not wait up to 30 s
            return True
        return False

    def resync(self) -> None:
        """After a backlog was dropped: every account's full list and a heartbeat, whatever was sent."""
        self.heartbeat_due = True
        self.positions_due.update(self.positions.accounts())
        self.positions_due.update(self.sent)  # an account gone from the desk: its positions removed
        self.last_positions_at.clear()

    def take_due(self, now: float, seq: int) -> str | None:
        """The next message due at `now` (monotonic seconds), stamped with `seq`, or None."""
        if not self._heartbeats and (
            self.heartbeat_due or now - self.last_heartbeat_at >= HEARTBEAT_INTERVAL_S
        ):
            self.heartbeat_due = False
            self.last_heartbeat_at = now
            self._heartbeats.extend(view.account_id for view in self._views())
        while self._heartbeats:
            text = self._heartbeat(self._heartbeats.popleft(), seq)
            if text is not None:
                return text
        for account_id in list(self.positions_due):
            if now - self.last_positions_at.get(account_id, -math.inf) < POSITIONS_MIN_INTERVAL_S:
                continue
            self.positions_due.discard(account_id)
            text = self._positions_update(account_id, seq)
            if text is not None:
                self.last_positions_at[account_id] = now
                return text
        return None

    def seconds_until_due(self, now: float) -> float:
        """How long the sender may sleep before something falls due by time."""
        until = self.last_heartbeat_at + HEARTBEAT_INTERVAL_S - now
        for account_id in self.positions_due:
            until = min(
                until, self.last_positions_at.get(account_id, -math.inf) + POSITIONS_MIN_INTERVAL_S - now
            )
        return max(0.0, until)

    def _views(self) -> tuple[AccountView, ...]:
        snapshot = self.snapshot()
        if self.mask_account:
            masked = mask_event(snapshot)
            assert isinstance(masked, Snapshot)
            snapshot = masked
        return snapshot.accounts

    def _positions_update(self, account_id: str, seq: int) -> str | None:
        current, listed = self.positions.current(account_id)
        before = self.sent.get(account_id)
        first = before is None
        before = before or {}
        added = [ticket for ticket in current if ticket not in before]
        removed = [ticket for ticket in before if ticket not in current]
        modified = [
            ticket
            for ticket, position in current.items()
            if ticket in before and before[ticket] is not position and before[ticket] != position
        ]
        if not (first or added or removed or modified):
            return None
        self.sent[account_id] = current
        changes = json.dumps(
            {"added": added, "removed": removed, "modified": modified}, separators=(",", ":")
        )
        stamp = json.dumps(encode_datetime(utc_now()))
        connector = json.dumps(connection_id(account_id))
        return (
            f'{{"type":"POSITIONS_UPDATE","seq":{seq},"timestamp":{stamp},'
            f'"connection_id":{connector},"positions":{listed},"changes":{changes}}}'
        )

    def _heartbeat(self, account_id: str, seq: int) -> str | None:
        view = next((view for view in self._views() if view.account_id == account_id), None)
        if view is None:
            return None  # the account left the desk meanwhile
        status, account = view.status, view.account
        self.told_connected[account_id] = status.mt5_connected
        message = {
            "type": "STATUS_HEARTBEAT",
            "seq": seq,
            "timestamp": encode_datetime(utc_now()),
            "connection_id": connection_id(account_id),
            "mt5_connected": status.mt5_connected,
            "account_balance": account.balance if account is not None else status.account_balance,
            "positions_count": len(view.positions),
            "account_info": _encode_account(account) if account is not None else None,
        }
        return json.dumps(message, separators=(",", ":"), allow_nan=False)
