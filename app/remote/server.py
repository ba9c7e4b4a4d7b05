"""RemoteServer: the read-only WebSocket server that lets viewers watch the desk.

Read-only by construction: it holds the EventHub (it only listens to its `event` signal) and a function
that returns the current SNAPSHOT; nothing it can reach places, closes or modifies an order or changes a
setting. Viewers see every account of the desk, or only those `remote.accounts` names: events about
another account, and its part of every snapshot and accounts list, never leave the desk. Viewers may send
PING (answered with a PING) and RESYNC (answered with a fresh SNAPSHOT); anything else is answered with an
ERROR and changes nothing.

Protocol, per connection: HELLO, SNAPSHOT, then every hub event as it happens, each with the next `seq`
(1, 2, 3...; gap-free unless the viewer misses one, which it answers with RESYNC). A client of the
earlier web system asks for `?protocol=seed` and gets that system's messages instead (seed_feed.py).

Threads: the server runs on the asyncio loop of the thread that calls `start()` (the GUI thread under
qasync). Its hub listener is a QObject of that thread, so events published from other threads (the
terminal host's reader) reach it through Qt's queued connection, which needs the Qt event loop running
(qasync); events published in the loop's own thread are delivered directly.

The snapshot function must already include every event the server has been given: fold the DeskState
from the hub in this same thread, connected before the server (Desk does this in its constructor).
Then a snapshot taken between two events, and the events queued after it, add up to the desk's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSlot
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from app.core.events import (
    PROTOCOL_VERSION,
    AccountsUpdate,
    ErrorMessage,
    Event,
    Hello,
    Ping,
    PnlUpdate,
    PositionsUpdate,
    ProtocolError,
    Resync,
    Snapshot,
    decode,
)
from app.core.settings import RemoteSettings
from app.engine.hub import EventHub
from app.remote.auth import OriginPolicy, TokenCheck, refusal
from app.remote.client_queue import DEFAULT_LIMIT, ClientQueue, SnapshotDue
from app.remote.outgoing import Outgoing, mask_event, prepare
from app.remote.seed_feed import PASSED_ON, SEED, SeedPositions, SeedViewer, protocol_of, seed_message
from app.remote.static_page import StaticPage
from app.remote.tls import server_ssl_context
from app.remote.tokens import TokenError, check_token
from app.remote.wire_log import redacting_logger

__all__ = [
    "CLOSE_INTERNAL_ERROR",
    "CLOSE_POLICY_VIOLATION",
    "CLOSE_TRY_AGAIN_LATER",
    "MAX_BAD_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "RemoteConfigError",
    "RemoteServer",
]

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 4096  # a bigger frame from a viewer closes the connection with 1009
MAX_BAD_MESSAGES = 5  # the fifth refused message closes the connection with 1008
CLOSE_POLICY_VIOLATION = 1008
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013
_CLOSE_TIMEOUT_S = 3.0
_WEBSOCKET_PATHS = frozenset({"/"})
_READ_ONLY = "This server is read-only: viewers may send only PING and RESYNC."


class RemoteConfigError(Exception):
    """The server cannot start as configured; the text says what to change."""


class _HubListener(QObject):
    """Receives hub events in the thread it was created in (the server's loop thread)."""

    def __init__(self, deliver: Callable[[Event], None]) -> None:
        super().__init__()
        self._deliver = deliver

    @pyqtSlot(object)
    def on_event(self, event: Event) -> None:
        self._deliver(event)


@dataclass(eq=False, slots=True)
class _Viewer:
    connection: ServerConnection
    queue: ClientQueue[Outgoing]
    seq: int = 1
    bad_messages: int = 0
    ping_reply_pending: bool = False
    peer: str = field(default="?")
    seed: SeedViewer | None = None  # set for a client of the earlier web system (?protocol=seed)


class RemoteServer:
    """Serves the desk's events to read-only viewers over WebSocket, and the browser page over HTTP."""

    def __init__(
        self,
        hub: EventHub,
        snapshot: Callable[[], Snapshot],
        settings: RemoteSettings,
        token: str,
        *,
        page_dir: Path | None = None,
        server_version: str,
        queue_limit: int = DEFAULT_LIMIT,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
    ) -> None:
        self._hub = hub
        self._desk_snapshot = snapshot
        self._settings = settings
        visible = settings.accounts
        self._visible: frozenset[str] | None = None if visible is None else frozenset(visible)
        try:
            self._token = check_token(token, "the viewer token")
        except TokenError as error:
            raise RemoteConfigError(str(error)) from error
        self._tokens = TokenCheck(token)
        self._origins = OriginPolicy(
            settings.allowed_origins, tls=bool(settings.tls_cert or settings.tls_key)
        )
        self._page = StaticPage(page_dir)
        self._page_dir = page_dir
        self._hello = prepare(Hello(protocol_version=PROTOCOL_VERSION, server_version=server_version))
        self._queue_limit = queue_limit
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._viewers: set[_Viewer] = set()
        self._seed_positions = SeedPositions(self._snapshot)
        self._server: Server | None = None
        self._listener: _HubListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._wire_logger: logging.Logger | None = None
        self._redact: logging.Filter | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> tuple[str, int]:
        """Listen on settings.host:port (port 0: any free port); returns the address actually bound."""
        if self._server is not None:
            raise RuntimeError("the remote server is already running")
        ssl_context = self._ssl_context()
        if self._page_dir is not None and not self._page_dir.is_dir():
            log.warning("browser viewer page folder %s is missing; GET / will answer 404", self._page_dir)
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wire_logger, redact = redacting_logger(self._token)
        try:
            self._server = await serve(
                self._serve_viewer,
                self._settings.host,
                self._settings.port,
                process_request=self._process_request,
                ssl=ssl_context,
                max_size=MAX_MESSAGE_BYTES,
                ping_interval=self._ping_interval,
                ping_timeout=self._ping_timeout,
                # A viewer that stopped reading cannot take our closing frame: do not wait long for it.
                close_timeout=_CLOSE_TIMEOUT_S,
                logger=self._wire_logger,
                server_header=None,
            )
        except OSError as error:
            self._wire_logger.removeFilter(redact)
            raise RemoteConfigError(
                f"cannot listen on {self._settings.host}:{self._settings.port}: {error.strerror or error}; "
                "choose another address or port (--serve HOST:PORT, or remote.host/remote.port in the "
                "settings) or stop the program that uses it"
            ) from error
        self._redact = redact
        self._listener = _HubListener(self._on_hub_event)
        self._hub.stream.connect(self._listener.on_event)
        host, port = self._server.sockets[0].getsockname()[:2]
        log.info(
            "remote viewing server listening on %s:%s (%s)", host, port, "TLS" if ssl_context else "plain"
        )
        return str(host), int(port)

    async def stop(self) -> None:
        """Stop listening and close every viewer connection (1001, going away)."""
        if self._server is None:
            return
        if self._listener is not None:
            self._hub.stream.disconnect(self._listener.on_event)
            self._listener = None
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        if self._wire_logger is not None and self._redact is not None:
            self._wire_logger.removeFilter(self._redact)
        log.info("remote viewing server stopped")

    @property
    def viewer_count(self) -> int:
        """Viewers connected now."""
        return len(self._viewers)

    def queued_messages(self) -> list[int]:
        """How many messages wait for each viewer (bounded by the queue limit, whatever they do)."""
        return [len(viewer.queue) for viewer in self._viewers]

    @property
    def overflows(self) -> int:
        """How often connected viewers' backlogs were replaced by a snapshot because they read too slowly."""
        return sum(viewer.queue.overflows for viewer in self._viewers)

    def _ssl_context(self) -> ssl.SSLContext | None:
        try:
            return server_ssl_context(self._settings.tls_cert, self._settings.tls_key)
        except ValueError as error:
            raise RemoteConfigError(str(error)) from error

    # -- the handshake ---------------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        upgrade = request.headers.get("Upgrade", "")
        if "websocket" not in upgrade.lower():
            return self._page.respond(getattr(request, "method", "GET"), request.path)
        if request.path.partition("?")[0] not in _WEBSOCKET_PATHS:
            return refusal(HTTPStatus.NOT_FOUND, "The viewer connection is at / (ws://HOST:PORT/).\n")
        refused = self._origins.refuse(request) or self._tokens.refuse(request)
        if refused is None:
            try:
                protocol_of(request.path)
            except ValueError as error:
                refused = refusal(HTTPStatus.BAD_REQUEST, str(error))
        if refused is not None:
            log.warning(
                "refused a viewer connection from %s: HTTP %d", _peer(connection), refused.status_code
            )
        return refused

    # -- one viewer ------------------------------------------------------------------------------------

    async def _serve_viewer(self, connection: ServerConnection) -> None:
        peer = _peer(connection)
        if len(self._viewers) >= self._settings.max_clients:
            log.warning("refused viewer %s: already serving %d viewers", peer, len(self._viewers))
            await connection.close(
                CLOSE_TRY_AGAIN_LATER,
                f"the desk serves at most {self._settings.max_clients} viewers; try again later",
            )
            return
        viewer = _Viewer(connection, ClientQueue(self._queue_limit), peer=peer)
        if connection.request is not None and protocol_of(connection.request.path) == SEED:
            viewer.seed = SeedViewer(self._seed_positions, self._snapshot, self._settings.mask_account)
        else:
            viewer.queue.push_reply(self._hello)
        # Registered before the sender runs: every event from now on is either in the snapshot it takes
        # first or queued behind it.
        self._viewers.add(viewer)
        log.info(
            "viewer %s connected%s (%d now)",
            peer,
            " (seed protocol)" if viewer.seed else "",
            len(self._viewers),
        )
        sender = asyncio.create_task(
            self._send_loop(viewer) if viewer.seed is None else self._seed_loop(viewer)
        )
        try:
            await self._receive_loop(viewer)
        finally:
            self._viewers.discard(viewer)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            log.info("viewer %s disconnected (%d now)", peer, len(self._viewers))

    async def _send_loop(self, viewer: _Viewer) -> None:
        queue, connection = viewer.queue, viewer.connection
        try:
            while True:
                item = queue.take()
                if item is None:
                    await queue.wait()
                    continue
                if item is SnapshotDue.SNAPSHOT_DUE:
                    item = self._snapshot_message()
                elif item.type == Ping.type:
                    viewer.ping_reply_pending = False
                text = item.stamped(viewer.seq)
                viewer.seq += 1
                await connection.send(text)
        except ConnectionClosed:
            pass
        except Exception:
            # A snapshot that cannot be built or encoded: the viewer would see a wrong desk; tell it so.
            log.exception("cannot send to viewer %s; closing its connection", viewer.peer)
            await connection.close(CLOSE_INTERNAL_ERROR, "the desk could not build its state; reconnect")

    async def _seed_loop(self, viewer: _Viewer) -> None:
        """A seed client's sender: replies and passed-on events first, then whatever fell due."""
        queue, connection, seed = viewer.queue, viewer.connection, viewer.seed
        assert seed is not None
        clock = asyncio.get_running_loop().time
        try:
            while True:
                item = queue.take()
                if item is SnapshotDue.SNAPSHOT_DUE:  # at join, and after a backlog was dropped
                    seed.resync()
                    continue
                text = item.stamped(viewer.seq) if item is not None else seed.take_due(clock(), viewer.seq)
                if text is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(queue.wait(), seed.seconds_until_due(clock()))
                    continue
                viewer.seq += 1
                await connection.send(text)
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("cannot send to seed viewer %s; closing its connection", viewer.peer)
            await connection.close(CLOSE_INTERNAL_ERROR, "the desk could not build its state; reconnect")

    async def _receive_loop(self, viewer: _Viewer) -> None:
        try:
            async for message in viewer.connection:
                if not self._answer(viewer, message):
                    await viewer.connection.close(CLOSE_POLICY_VIOLATION, "too many invalid messages")
                    return
        except ConnectionClosed:
            pass

    def _answer(self, viewer: _Viewer, message: str | bytes) -> bool:
        """Handle one viewer message; False when the viewer has now sent too many refused ones."""
        if isinstance(message, bytes):
            return self._refuse(
                viewer, "binary", "binary frames are not part of the protocol; send JSON text"
            )
        try:
            event = decode(message)
        except ProtocolError as error:
            if error.field == "type":
                return self._refuse(viewer, "unknown_type", f"{error}. {_READ_ONLY}")
            return self._refuse(viewer, "malformed", str(error))
        if isinstance(event, Ping):
            if not viewer.ping_reply_pending:
                viewer.ping_reply_pending = viewer.queue.push_reply(prepare(Ping()))
            return True
        if isinstance(event, Resync):
            viewer.queue.request_snapshot()
            return True
        return self._refuse(
            viewer,
            "read_only",
            f"{event.type} is not accepted. {_READ_ONLY}",
        )

    def _refuse(self, viewer: _Viewer, code: str, text: str) -> bool:
        viewer.bad_messages += 1
        # The viewer's own text may be echoed in `text`, so only the code is logged.
        log.info("viewer %s sent a refused message (%s), %d so far", viewer.peer, code, viewer.bad_messages)
        if viewer.bad_messages >= MAX_BAD_MESSAGES:
            return False
        viewer.queue.push_reply(prepare(ErrorMessage(code=code, text=text)))
        return True

    # -- what viewers may see ----------------------------------------------------------------------------

    def _snapshot(self) -> Snapshot:
        """The desk's snapshot, of the accounts viewers may see only."""
        snapshot = self._desk_snapshot()
        if self._visible is None:
            return snapshot
        visible = self._visible
        return Snapshot(
            accounts=tuple(view for view in snapshot.accounts if view.account_id in visible),
            models=tuple(model for model in snapshot.models if model.account_id in visible),
            timestamp=snapshot.timestamp,
        )

    def _visible_event(self, event: Event) -> Event | None:
        """The event as viewers may see it: None when it is about an account they may not see."""
        visible = self._visible
        if visible is None:
            return event
        if event.account_id:
            return event if event.account_id in visible else None
        if isinstance(event, AccountsUpdate):
            return AccountsUpdate(
                accounts=tuple(a for a in event.accounts if a.account_id in visible),
                timestamp=event.timestamp,
            )
        return event

    # -- the fan-out -----------------------------------------------------------------------------------

    def _snapshot_message(self) -> Outgoing:
        snapshot = self._snapshot()
        return prepare(self._masked(snapshot))

    def _masked(self, event: Event) -> Event:
        return mask_event(event) if self._settings.mask_account else event

    def _on_hub_event(self, event: Event) -> None:
        """Queue `event` for every viewer; never waits for any of them."""
        if threading.get_ident() != self._loop_thread:
            assert self._loop is not None
            self._loop.call_soon_threadsafe(self._on_hub_event, event)
            return
        if not self._viewers:
            return
        shown = self._visible_event(event)
        if shown is None:
            return
        event = shown
        if isinstance(event, PositionsUpdate | PnlUpdate | Snapshot):
            self._seed_positions.touch()
        if any(viewer.seed is not None for viewer in self._viewers):
            self._fan_out_seed(event)
        if isinstance(event, Snapshot):
            # The desk's state was replaced: one fresh snapshot per viewer, taken when it can be sent.
            for viewer in self._viewers:
                if viewer.seed is None:
                    viewer.queue.request_snapshot()
            return
        try:
            message = prepare(self._masked(event))
        except ProtocolError as error:
            log.error("hub event %s cannot be sent to viewers (%s); resyncing them", event.type, error)
            for viewer in self._viewers:
                viewer.queue.request_snapshot()
            return
        for viewer in self._viewers:
            if viewer.seed is None:
                viewer.queue.push(message)

    def _fan_out_seed(self, event: Event) -> None:
        passed_on = seed_message(event) if isinstance(event, PASSED_ON) else None
        for viewer in self._viewers:
            if viewer.seed is None:
                continue
            if passed_on is not None:
                viewer.queue.push(passed_on)
            elif viewer.seed.note(event):
                viewer.queue.wake()


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)
