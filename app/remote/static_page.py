"""The browser viewer's files, answered to plain HTTP GETs on the server's port.

The page holds no data (everything arrives over the authenticated WebSocket), so it is served without
the token. Only regular files directly inside `page_dir`, asked for by their exact name, are served:
no sub-folders, no dot-files, no percent-decoding, no symlinks, so no request can reach another file.
Every answer carries headers that keep the page from being framed, sniffed or leaking its URL (which
may hold the token) in a Referer.
"""

from __future__ import annotations

import http
import re
from pathlib import Path
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Response

from app.remote.auth import refusal

__all__ = ["CONTENT_SECURITY_POLICY", "CONTENT_TYPES", "StaticPage"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
}
_INDEX = "index.html"
_NAME = re.compile(r"/([A-Za-z0-9][A-Za-z0-9_.-]{0,99})")
_MAX_BYTES = 2 * 1024 * 1024
_SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)


class StaticPage:
    """Answers GET requests with files of `page_dir` (None: the page is not installed)."""

    def __init__(self, page_dir: Path | None) -> None:
        self._dir = page_dir

    def respond(self, method: str, path: str) -> Response:
        """The HTTP response to a request that is not a WebSocket upgrade."""
        if method != "GET":
            response = refusal(http.HTTPStatus.METHOD_NOT_ALLOWED, "Only GET is served here.\n")
            response.headers["Allow"] = "GET"
            return response
        name = self._file_name(path)
        if name is None:
            return _not_found()
        if self._dir is None:
            return refusal(
                http.HTTPStatus.NOT_FOUND,
                "The browser viewer page is not installed with this desk; use the desktop viewer "
                "(mt5desk --viewer ws://HOST:PORT --token TOKEN).\n",
            )
        body = self._read(name)
        if body is None:
            return _not_found()
        headers = Headers(
            [
                ("Connection", "close"),
                ("Content-Type", CONTENT_TYPES[Path(name).suffix]),
                ("Content-Length", str(len(body))),
                *_SECURITY_HEADERS,
            ]
        )
        return Response(http.HTTPStatus.OK.value, http.HTTPStatus.OK.phrase, headers, body)

    @staticmethod
    def _file_name(path: str) -> str | None:
        target = urlsplit(path).path
        if target == "/":
            return _INDEX
        match = _NAME.fullmatch(target)
        if match is None or Path(match.group(1)).suffix not in CONTENT_TYPES:
            return None
        return match.group(1)

    def _read(self, name: str) -> bytes | None:
        assert self._dir is not None
        try:
            # Only names the folder itself lists: no request can name its way out of it.
            if name not in {entry.name for entry in self._dir.iterdir()}:
                return None
            file = self._dir / name
            if file.is_symlink() or not file.is_file() or file.stat().st_size > _MAX_BYTES:
                return None
            return file.read_bytes()
        except OSError:
            return None


def _not_found() -> Response:
    response = refusal(http.HTTPStatus.NOT_FOUND, "Not found.\n")
    for key, value in _SECURITY_HEADERS:
        response.headers[key] = value
    return response
