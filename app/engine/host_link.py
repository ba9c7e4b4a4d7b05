"""HostLink: the desk's end of one terminal host's channel, served by two plain threads.

The reader thread turns every incoming message into a callback as soon as it arrives (the hub's publish
is thread-safe), so nothing waits on the GUI thread. The sender thread drains a bounded queue into the
channel, so whoever sends (the GUI thread included) never blocks on a full pipe behind a busy host: a
full queue is refused at once. On close, messages never written are handed back: they certainly did
not reach the host.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from app.core.codec import ProtocolError
from app.engine.host.channel import Channel
from app.engine.host.protocol import Message

log = logging.getLogger(__name__)

SEND_QUEUE_SIZE = 256
_TURN_S = 0.2


class HostLink:
    """Reader and sender threads over one channel; `close()` returns what was never written."""

    def __init__(
        self,
        channel: Channel,
        on_message: Callable[[Message], None],
        on_closed: Callable[[str], None],
        on_bad_message: Callable[[str], None],
        *,
        name: str = "host",
        capacity: int = SEND_QUEUE_SIZE,
    ) -> None:
        self._channel = channel
        self._on_message = on_message
        self._on_closed = on_closed
        self._on_bad_message = on_bad_message
        self._outbox: queue.Queue[Message] = queue.Queue(maxsize=capacity)
        self._stop = threading.Event()
        self._broken = threading.Event()
        self._gate = threading.Lock()  # a message is either queued before close() or refused
        self._unsent: list[Message] = []
        self._reader = threading.Thread(target=self._read, name=f"{name}-reader", daemon=True)
        self._sender = threading.Thread(target=self._write, name=f"{name}-sender", daemon=True)

    def start(self) -> None:
        self._reader.start()
        self._sender.start()

    def send(self, message: Message) -> bool:
        """Queue a message for the host; False (at once) when the queue is full or the link is down."""
        with self._gate:
            if self._stop.is_set() or self._broken.is_set():
                return False
            try:
                self._outbox.put_nowait(message)
            except queue.Full:
                return False
            return True

    def close(self, timeout_s: float = 2.0) -> tuple[Message, ...]:
        """Stop both threads and close the channel; the messages that never reached the pipe."""
        with self._gate:
            self._stop.set()
        self._sender.join(timeout_s)
        while True:
            try:
                self._unsent.append(self._outbox.get_nowait())
            except queue.Empty:
                break
        self._reader.join(timeout_s)
        try:
            self._channel.close()
        except OSError as error:
            log.debug("closing the host channel: %s", error)
        return tuple(self._unsent)

    def _write(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._outbox.get(timeout=_TURN_S)
            except queue.Empty:
                continue
            try:
                self._channel.send(message)
            except (OSError, EOFError, ValueError) as error:
                log.info("the terminal host's pipe broke: %s", error)
                self._unsent.append(message)
                self._broken.set()
                return

    def _read(self) -> None:
        while True:
            try:
                message = self._channel.receive()
            except (EOFError, OSError) as error:
                self._broken.set()
                self._on_closed(str(error) or type(error).__name__)
                return
            except ProtocolError as error:
                log.error("unreadable message from the terminal host: %s", error)
                self._on_bad_message(str(error))
                continue
            try:
                self._on_message(message)
            except Exception:  # a failing consumer must not stop the flow of the others
                log.exception("handling %s from the terminal host failed", type(message).__name__)
