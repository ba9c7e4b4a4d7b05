"""Channels between the desk and a terminal host: encoded over OS pipes, or objects within one process.

The product always uses PipeChannel (one simplex multiprocessing pipe each way, so reading and writing
never share a connection). QueueChannel carries the same messages as objects between two threads of one
process, with no encoding: the in-thread design the benchmarks compare the host process against.
"""

from __future__ import annotations

import queue
from multiprocessing.connection import Connection
from typing import Protocol

from app.engine.host.protocol import Message, decode_message, encode_message


class Channel(Protocol):
    """One end of a two-way message link."""

    def send(self, message: Message) -> None:
        """Send one message (OSError/EOFError when the other end is gone)."""

    def poll(self, timeout: float) -> bool:
        """True when a message (or the end of the link) can be received without waiting."""

    def receive(self) -> Message:
        """The next message; EOFError when the other end is gone, ProtocolError for a bad message."""

    def close(self) -> None:
        """Close this end; the other end's receive() then raises EOFError."""


class PipeChannel:
    """Messages encoded as JSON over a reading and a writing multiprocessing Connection."""

    def __init__(self, reader: Connection, writer: Connection) -> None:
        self._reader = reader
        self._writer = writer

    def send(self, message: Message) -> None:
        self._writer.send_bytes(encode_message(message))

    def poll(self, timeout: float) -> bool:
        return self._reader.poll(max(0.0, timeout))

    def receive(self) -> Message:
        return decode_message(self._reader.recv_bytes())

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


_CLOSED = object()


class QueueChannel:
    """Messages as objects through two queues; `QueueChannel.pair()` gives both ends."""

    def __init__(self, inbox: queue.SimpleQueue[object], outbox: queue.SimpleQueue[object]) -> None:
        self._inbox = inbox
        self._outbox = outbox
        self._held: list[object] = []
        self._closed = False

    @classmethod
    def pair(cls) -> tuple[QueueChannel, QueueChannel]:
        a: queue.SimpleQueue[object] = queue.SimpleQueue()
        b: queue.SimpleQueue[object] = queue.SimpleQueue()
        return cls(a, b), cls(b, a)

    def send(self, message: Message) -> None:
        if self._closed:
            raise OSError("the channel is closed")
        self._outbox.put(message)

    def poll(self, timeout: float) -> bool:
        if self._held:
            return True
        try:
            self._held.append(self._inbox.get(timeout=max(0.0, timeout)))
        except queue.Empty:
            return False
        return True

    def receive(self) -> Message:
        item = self._held.pop() if self._held else self._inbox.get()
        if item is _CLOSED:
            self._inbox.put(_CLOSED)  # every later receive ends the same way
            raise EOFError("the other end closed the channel")
        return item  # type: ignore[return-value]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._outbox.put(_CLOSED)
