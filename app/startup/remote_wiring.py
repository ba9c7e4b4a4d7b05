"""Starting the read-only remote server beside a desk (GUI or headless), and the desktop viewer's link.

Kept out of app/remote so that package stays unable to reach the engine's command paths: only this
wiring module sees both the Desk and the server, and it hands the server read-only pieces alone.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from app import __version__
from app.core.enums import ConnectionState
from app.core.events import StatusUpdate
from app.core.models import TerminalStatus
from app.core.settings import RemoteSettings
from app.engine.desk import Desk
from app.engine.hub import EventHub
from app.remote.client import ViewerClient
from app.remote.server import RemoteConfigError, RemoteServer
from app.remote.tokens import TokenError, load_token, regenerate_token, viewer_url
from app.resources import resource_path

log = logging.getLogger(__name__)

PAGE_DIR = resource_path("viewer")


class RemoteService:
    """The read-only server beside a desk: started when enabled, stopped at exit, token regenerable."""

    def __init__(
        self,
        desk: Desk,
        settings: RemoteSettings,
        token_file: Path | None,
        *,
        announce: Callable[[str], object] = print,
    ) -> None:
        self._desk = desk
        self._settings = settings
        self._token_file = token_file
        self._announce = announce
        self._server: RemoteServer | None = None
        self._token = ""
        self._address: tuple[str, int] | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str | None:
        """The browser address with the token, while the server runs."""
        if self._address is None:
            return None
        host, port = self._address
        return viewer_url(host, port, self._token, bool(self._settings.tls_cert and self._settings.tls_key))

    @property
    def token_from_file(self) -> bool:
        return self._token_file is not None

    async def start(self) -> None:
        """Start when enabled; prints the viewer URL (with its token) once, as Jupyter does.

        Raises RemoteConfigError, whose text says what to change, for anything it cannot start with.
        """
        if not self._settings.enabled:
            return
        try:
            self._token = load_token(self._token_file).value  # a problem keeping it is logged there
        except TokenError as error:
            raise RemoteConfigError(str(error)) from None
        await self._listen()
        self._announce(f"Remote viewing (read-only) at {self.url}")

    async def regenerate(self) -> str:
        """A new token; the server restarts on the same port, so viewers must use the new link."""
        if self._token_file is not None:
            raise ValueError(f"The token comes from {self._token_file}; change that file and restart.")
        self._token = regenerate_token().value
        if self._server is not None:
            await self.stop()
            await self._listen()
        return self.url or ""

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop()

    async def _listen(self) -> None:
        settings = self._settings
        if self._address is not None:  # keep the port a regenerated link points at
            settings = replace(settings, port=self._address[1])
        server = RemoteServer(
            self._desk.hub,
            self._desk.state.snapshot,
            settings,
            self._token,
            page_dir=PAGE_DIR if PAGE_DIR.is_dir() else None,
            server_version=__version__,
        )
        self._address = await server.start()
        self._server = server


class ViewerLink:
    """The desktop viewer's connection: server events go onto a local hub that the read-only window reads."""

    def __init__(self, url: str, token: str, hub: EventHub) -> None:
        self._hub = hub
        self.client = ViewerClient(url, token, on_event=hub.publish, on_state=self._on_state)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        await self.client.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        try:
            await self.client.run()
        except Exception as error:  # a refused token or version: the window says why and stays open
            log.error("viewer stopped: %s", error)
            self._on_state(ConnectionState.DISCONNECTED, message=str(error))

    def _on_state(self, state: ConnectionState, message: str = "") -> None:
        # While the link is down, every account shows the link; once up, the desk's own STATUS follows.
        if state is not ConnectionState.CONNECTED:
            text = message or (
                "Link to the desk lost; reconnecting" if state is not ConnectionState.DISCONNECTED else ""
            )
            status = TerminalStatus(state=state, mt5_connected=False, message=text)
            for account_id in self.client.state.accounts or [""]:
                self._hub.publish(StatusUpdate(status=status, account_id=account_id))


def print_to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
