"""ViewerClient: the desktop viewer's link to a desk's remote server.

It keeps a DeskState folded from HELLO, SNAPSHOT and the deltas, hands every event to `on_event` (the
viewer window republishes them on its own EventHub) and reports the link on `on_state` for the
connection indicator. A `seq` gap means a message was missed: deltas are ignored until the RESYNC it
sends brings a fresh SNAPSHOT. A lost link is retried with backoff; a refused token, origin or protocol
version is not (retrying cannot fix it) and is reported as a Notice with what to do.

The client never sends anything but RESYNC: it has no way to trade, by construction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from app.core.backoff import Backoff
from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import (
    ErrorMessage,
    Event,
    Hello,
    Notice,
    Ping,
    ProtocolError,
    Resync,
    Snapshot,
    decode_envelope,
    encode,
)
from app.core.state import DeskState
from app.remote.wire_log import VIEWER_WIRE_LOGGER_NAME, redacting_logger

__all__ = ["MAX_INCOMING_BYTES", "ViewerClient", "ViewerRefused"]

log = logging.getLogger(__name__)

MAX_INCOMING_BYTES = 64 * 1024 * 1024  # a SNAPSHOT of many thousand positions still fits
_FATAL_STATUSES = {
    401: "the desk refused the viewer token: check --token (the desk's settings show the current one)",
    403: "the desk refused this viewer's origin",
    404: "nothing answers at this address: the viewer connects to ws[s]://HOST:PORT/",
}


class ViewerRefused(Exception):
    """The desk refused this viewer for a reason retrying cannot fix; the text says what to do."""


class ViewerClient:
    """Connects to `url` (ws:// or wss://) with the viewer token and mirrors the desk's state."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        on_event: Callable[[Event], None] | None = None,
        on_state: Callable[[ConnectionState], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
    ) -> None:
        scheme = urlsplit(url).scheme
        if scheme not in ("ws", "wss"):
            raise ValueError(f"the viewer address must start with ws:// or wss://, got {url!r}")
        if scheme == "ws" and ssl_context is not None:
            raise ValueError("a TLS context was given for a ws:// address; use wss:// for TLS")
        self.url = url
        self._token = token
        self._on_event = on_event
        self._on_state = on_state
        self._ssl = ssl_context
        self._backoff = backoff if backoff is not None else Backoff()
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self.state = DeskState()
        self.hello: Hello | None = None
        self.connection_state = ConnectionState.DISCONNECTED
        self.last_error = ""
        self.resyncs = 0
        self._connection: ClientConnection | None = None
        self._stopping = asyncio.Event()
        self._awaiting_snapshot = True
        self._next_seq: int | None = None

    # -- public ----------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and follow the desk until `stop()`; raises ViewerRefused when retrying cannot help."""
        self._stopping.clear()
        wire_logger, redact = redacting_logger(self._token, VIEWER_WIRE_LOGGER_NAME)
        try:
            while not self._stopping.is_set():
                self._set_state(ConnectionState.RECONNECTING)
                try:
                    await self._connect_once(wire_logger)
                except ViewerRefused as refused:
                    self._report(NoticeLevel.ERROR, "Viewer refused", str(refused))
                    raise
                except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, ProtocolError) as error:
                    self.last_error = _describe(error)
                    log.info("link to the desk lost: %s", self.last_error)
                if self._stopping.is_set():
                    break
                delay = self._backoff.next_delay()
                self._set_state(ConnectionState.RECONNECTING)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
        finally:
            wire_logger.removeFilter(redact)
            self._connection = None
            self._set_state(ConnectionState.DISCONNECTED)

    async def stop(self) -> None:
        """End `run()`: close the link and stop retrying."""
        self._stopping.set()
        connection = self._connection
        if connection is not None:
            await connection.close()

    async def resync(self) -> None:
        """Ask the desk for a fresh SNAPSHOT (the deltas until then are ignored)."""
        self._awaiting_snapshot = True
        if self.connection_state is ConnectionState.CONNECTED:
            self._set_state(ConnectionState.STALE)
        connection = self._connection
        if connection is not None:
            self.resyncs += 1
            await connection.send(encode(Resync()))

    # -- one connection --------------------------------------------------------------------------------

    async def _connect_once(self, wire_logger: logging.Logger) -> None:
        try:
            async with connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self._token}"},
                ssl=self._ssl,
                open_timeout=self._open_timeout,
                ping_interval=self._ping_interval,
                ping_timeout=self._ping_timeout,
                max_size=MAX_INCOMING_BYTES,
                compression="deflate",
                logger=wire_logger,
            ) as connection:
                self._connection = connection
                self._awaiting_snapshot = True
                self._next_seq = None
                await self._follow(connection)
        except InvalidStatus as refused:
            status = refused.response.status_code
            if status in _FATAL_STATUSES:
                raise ViewerRefused(f"{_FATAL_STATUSES[status]} (HTTP {status})") from refused
            raise
        except InvalidURI as error:
            raise ViewerRefused(f"the viewer address {self.url!r} is not valid: {error}") from error
        finally:
            self._connection = None

    async def _follow(self, connection: ClientConnection) -> None:
        try:
            hello, seq = decode_envelope(await connection.recv())
        except ProtocolError as error:
            raise ViewerRefused(f"the desk's greeting cannot be read by this viewer: {error}") from error
        if not isinstance(hello, Hello):
            raise ViewerRefused(f"this server is not an MT5 Desk (its first message was {hello.type})")
        self.hello = hello
        self._next_seq = None if seq is None else seq + 1
        async for message in connection:
            try:
                event, seq = decode_envelope(message)
            except ProtocolError as error:
                log.error("the desk sent a message this viewer cannot read: %s", error)
                await self.resync()
                continue
            await self._receive(event, seq)

    async def _receive(self, event: Event, seq: int | None) -> None:
        expected = self._next_seq
        self._next_seq = None if seq is None else seq + 1
        if seq is None or (expected is not None and seq != expected):
            log.warning("message sequence gap (expected %s, got %s): resyncing", expected, seq)
            if not isinstance(event, Snapshot):
                await self.resync()
        if isinstance(event, Snapshot):
            self._awaiting_snapshot = False
            self.state.apply(event)
            self._backoff.reset()
            self._set_state(ConnectionState.CONNECTED)
            self._deliver(event)
        elif isinstance(event, ErrorMessage):
            self._report(
                NoticeLevel.WARNING, "The desk refused a viewer message", f"{event.code}: {event.text}"
            )
        elif isinstance(event, Ping | Hello | Resync):
            return
        elif not self._awaiting_snapshot:
            self.state.apply(event)
            self._deliver(event)

    # -- reporting -------------------------------------------------------------------------------------

    def _deliver(self, event: Event) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:  # a failing window must not take the link down
            log.exception("viewer event handler failed on %s", event.type)

    def _report(self, level: NoticeLevel, title: str, text: str) -> None:
        self.last_error = text
        log.log(logging.ERROR if level is NoticeLevel.ERROR else logging.WARNING, "%s: %s", title, text)
        self._deliver(Notice(level=level, title=title, text=text))

    def _set_state(self, state: ConnectionState) -> None:
        if state is self.connection_state:
            return
        self.connection_state = state
        if self._on_state is None:
            return
        try:
            self._on_state(state)
        except Exception:
            log.exception("viewer state handler failed on %s", state)


def _describe(error: BaseException) -> str:
    if isinstance(error, ConnectionClosed):
        reason = f" ({error.rcvd.reason})" if error.rcvd is not None and error.rcvd.reason else ""
        code = error.rcvd.code if error.rcvd is not None else "none"
        return f"connection closed, code {code}{reason}"
    return f"{type(error).__name__}: {error}"
