"""The outgoing queue of one viewer: bounded, and a backlog that overflows becomes one fresh SNAPSHOT.

A viewer that reads slowly (or never) must not make the server's memory grow nor hold up the others:
the fan-out only ever calls the non-blocking `push`, and when the backlog reaches `limit` it is thrown
away and replaced by "snapshot due". The sender takes the snapshot at the moment it can send it, so
the viewer receives the latest state in one message instead of every step that led to it.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from typing import Generic, TypeVar

__all__ = ["DEFAULT_LIMIT", "ClientQueue", "SnapshotDue"]

DEFAULT_LIMIT = 256
_REPLY_LIMIT = 8

Item = TypeVar("Item")


class SnapshotDue(enum.Enum):
    """What `take` returns when the next message must be a fresh SNAPSHOT of the current state."""

    SNAPSHOT_DUE = "snapshot due"


class ClientQueue(Generic[Item]):
    """Pending messages of one connection; replies (HELLO, PING echo, ERROR) go before events."""

    def __init__(self, limit: int = DEFAULT_LIMIT, *, snapshot_due: bool = True) -> None:
        if limit < 1:
            raise ValueError(f"a client queue needs room for at least one message, got limit={limit}")
        self._limit = limit
        self._events: deque[Item] = deque()
        self._replies: deque[Item] = deque()
        self._snapshot_due = snapshot_due
        self._ready = asyncio.Event()
        self.overflows = 0
        self.high_water = 0
        if snapshot_due:
            self._ready.set()

    def __len__(self) -> int:
        return len(self._events) + len(self._replies)

    @property
    def snapshot_due(self) -> bool:
        return self._snapshot_due

    def push(self, item: Item) -> None:
        """Queue an event; never blocks. While a snapshot is due the event is already part of it."""
        if self._snapshot_due:
            return
        if len(self._events) >= self._limit:
            self.overflows += 1
            self.request_snapshot()
            return
        self._events.append(item)
        self.high_water = max(self.high_water, len(self))
        self._ready.set()

    def push_reply(self, item: Item) -> bool:
        """Queue an answer to the viewer; False (dropped) when it already has `_REPLY_LIMIT` unsent."""
        if len(self._replies) >= _REPLY_LIMIT:
            return False
        self._replies.append(item)
        self.high_water = max(self.high_water, len(self))
        self._ready.set()
        return True

    def wake(self) -> None:
        """Make `wait` return: the sender has something of its own to look at (a seed viewer's due list)."""
        self._ready.set()

    def request_snapshot(self) -> None:
        """Drop the event backlog: the next event message will be a SNAPSHOT taken when it is sent."""
        self._events.clear()
        self._snapshot_due = True
        self._ready.set()

    def take(self) -> Item | SnapshotDue | None:
        """The next message to send, SNAPSHOT_DUE, or None when there is nothing to send.

        After SNAPSHOT_DUE the caller must take the snapshot before its next `await`, so that no event
        can slip in between what the snapshot holds and what the queue holds.
        """
        if self._replies:
            return self._replies.popleft()
        if self._snapshot_due:
            self._snapshot_due = False
            self._events.clear()
            return SnapshotDue.SNAPSHOT_DUE
        if self._events:
            return self._events.popleft()
        self._ready.clear()
        return None

    async def wait(self) -> None:
        """Return once `take` has something to give."""
        await self._ready.wait()
