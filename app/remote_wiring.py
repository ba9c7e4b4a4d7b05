"""Starting the read-only remote server beside a desk (GUI or headless), and the desktop viewer's link.

Kept out of app/remote so that package stays unable to reach the engine's command paths: only this
wiring module sees both the Desk and the server, and it hands the server read-only pieces alone.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from app import __version__
from app.core.enums import ConnectionState
from app.core.events import StatusUpdate
from app.core.models import TerminalStatus
from app.core.settings import RemoteSettings
from app.engine.desk import Desk
from app.engine.hub import EventHub
from app.remote.client import ViewerClient
from app.remote.server import RemoteServer
from app.remote.tokens import load_token, viewer_url

log = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent.parent / "resources" / "viewer"


async def start_remote_server(
    desk: Desk, settings: RemoteSettings, token_file: Path | None, *, announce=print
) -> RemoteServer | None:
    """Start the server when enabled; prints the viewer URL (with its token) once, like Jupyter."""
    if not settings.enabled:
        return None
    token = load_token(token_file)  # a problem keeping the token is logged there, with what to do
    server = RemoteServer(
        desk.hub,
        desk.state.snapshot,
        settings,
        token.value,
        page_dir=PAGE_DIR if PAGE_DIR.is_dir() else None,
        server_version=__version__,
    )
    host, port = await server.start()
    tls = bool(settings.tls_cert and settings.tls_key)
    announce(f"Remote viewing (read-only) at {viewer_url(host, port, token.value, tls)}")
    return server


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
        # While the link is down, the indicator shows the link; once up, the desk's own STATUS follows.
        if state is not ConnectionState.CONNECTED:
            text = message or (
                "Link to the desk lost; reconnecting" if state is not ConnectionState.DISCONNECTED else ""
            )
            self._hub.publish(
                StatusUpdate(status=TerminalStatus(state=state, mt5_connected=False, message=text))
            )


def print_to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
