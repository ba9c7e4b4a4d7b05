"""A real HTTP server on loopback that takes what Apprise's json:// and ntfy:// send, as a phone would.

`mode` decides how it answers: "ok" (200), "fail" (500), or "hang" (reads the request and never answers,
as a server behind a dead link). Each received message is kept with its title, text and headers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PyQt6.QtCore import QCoreApplication, QEventLoop


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the server got it."""

    path: str
    title: str
    message: str
    type: str
    topic: str
    headers: dict[str, str] = field(repr=False)
    raw: bytes = field(repr=False)


class Inbox:
    """The server and what it received; thread-safe."""

    def __init__(self) -> None:
        self.mode = "ok"
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if inbox.mode == "hang":
                    inbox._release.wait(30)
                    return
                if inbox.mode == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                inbox._keep(self.path, dict(self.headers), raw)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def json_url(self, path: str = "hook", credentials: str = "") -> str:
        return f"json://{credentials}{'@' if credentials else ''}127.0.0.1:{self.port}/{path}"

    def ntfy_url(self, topic: str = "desk-alerts", token: str = "") -> str:
        return f"ntfy://127.0.0.1:{self.port}/{topic}" + (f"?token={token}" if token else "")

    def _keep(self, path: str, headers: dict[str, str], raw: bytes) -> None:
        data = json.loads(raw or b"{}")
        received = Received(
            path=path,
            title=str(data.get("title", "")),
            message=str(data.get("message", "")),
            type=str(data.get("type", "")),
            topic=str(data.get("topic", "")),
            headers=headers,
            raw=raw,
        )
        with self._lock:
            self._received.append(received)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def titles(self) -> list[str]:
        return [message.title for message in self.received]

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        """At least `count` messages, waiting up to `timeout_s` (fails the test otherwise); Qt's events are
        processed meanwhile, so the desk's timers run while the test waits."""
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} message(s), got {len(self.received)}: {self.titles()}"
                )
            if QCoreApplication.instance() is not None:
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.01)
        return self.received

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


def refused_url() -> str:
    """A json:// URL on a loopback port nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"json://127.0.0.1:{port}/down"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    server = Inbox()
    yield server
    server.close()
