"""The viewer token: from a file the trader names, else the OS keyring, else a new random one.

A new token is stored in the keyring when there is one; with no keyring it lasts until the desk stops
(it is never written to a plain file behind the trader's back) and `ViewerToken.problem` says so.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from app.core.bounded_file import FileRefusal, RefusedFile, read_bounded

__all__ = [
    "KEYRING_SERVICE",
    "KEYRING_USERNAME",
    "MIN_TOKEN_LENGTH",
    "KeyringLike",
    "TokenError",
    "TokenSource",
    "ViewerToken",
    "check_token",
    "load_token",
    "read_token_file",
    "regenerate_token",
    "viewer_url",
    "websocket_url",
]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "MT5Desk"
KEYRING_USERNAME = "viewer-token"
MIN_TOKEN_LENGTH = 16
_MAX_TOKEN_LENGTH = 512
_MAX_TOKEN_FILE_BYTES = 4096
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})


class TokenError(Exception):
    """A token that cannot be used (unsafe file, too short...); the text says what to do."""


class TokenSource(StrEnum):
    """Where the token in use came from."""

    FILE = "file"
    KEYRING = "keyring"
    GENERATED = "generated"


class KeyringLike(Protocol):
    """The part of a `keyring` backend used here."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ViewerToken:
    """The token, where it came from, and whether it survives a restart (kept out of repr)."""

    value: str = field(repr=False)
    source: TokenSource
    stored: bool
    problem: str = ""


def check_token(token: str, origin: str = "the token") -> str:
    """`token` if it is usable in an HTTP header and a URL and long enough; else TokenError."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise TokenError(
            f"{origin} is too short: a viewer token needs at least {MIN_TOKEN_LENGTH} characters"
        )
    if len(token) > _MAX_TOKEN_LENGTH:
        raise TokenError(f"{origin} is too long: at most {_MAX_TOKEN_LENGTH} characters")
    if not (token.isascii() and token.isprintable()) or " " in token:
        raise TokenError(f"{origin} must be printable ASCII without spaces")
    return token


def read_token_file(path: Path) -> str:
    """The token in `path` (surrounding whitespace ignored); refused unless it is a private regular file.

    A symbolic link is refused (it can be pointed elsewhere behind the desk's back), a FIFO is refused
    at once instead of waiting for a writer, and the checks apply to the file actually opened.
    """
    try:
        data, info = read_bounded(path, _MAX_TOKEN_FILE_BYTES, follow_symlinks=False)
    except RefusedFile as refused:
        raise TokenError(f"token file {path} {refused}{_ADVICE[refused.reason]}") from None
    # Windows has no POSIX mode bits to speak of (its ACLs are not checked here).
    if os.name == "posix" and info.st_mode & 0o077:
        raise TokenError(
            f"token file {path} can be read by other users (mode {stat.S_IMODE(info.st_mode):03o}); "
            f"make it private with: chmod 600 {path}"
        )
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise TokenError(f"cannot read token file {path}: {error}") from None
    if not text:
        raise TokenError(f"token file {path} is empty; put the viewer token on its first line")
    return check_token(text, f"the token in {path}")


_ADVICE = {
    FileRefusal.MISSING: "",
    FileRefusal.SYMLINK: "; give the real file's path to --token-file",
    FileRefusal.NOT_REGULAR: "; write the token into a plain file and give its path",
    FileRefusal.TOO_BIG: f"; a token file holds one token of at most {_MAX_TOKEN_LENGTH} characters",
    FileRefusal.UNREADABLE: "; check the file's permissions",
}


def default_keyring() -> KeyringLike | None:
    """The OS keyring backend, or None when the keyring package cannot be loaded."""
    try:
        import keyring
    except Exception as error:  # the package or one of its backends failed to import
        log.warning("the OS keyring cannot be used: %s", error)
        return None
    return keyring.get_keyring()


def load_token(token_file: Path | None = None, *, keyring: KeyringLike | None = None) -> ViewerToken:
    """The token to serve with: `token_file`, else the keyring's, else a new one (stored if possible)."""
    if token_file is not None:
        return ViewerToken(read_token_file(token_file), TokenSource.FILE, stored=True)
    backend = keyring if keyring is not None else default_keyring()
    problem = ""
    if backend is not None:
        try:
            kept = backend.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
        except Exception as error:  # backends raise their own types (no backend, locked, D-Bus down)
            kept, problem = None, _keyring_problem(error)
        if kept:
            try:
                return ViewerToken(check_token(kept, "the token in the keyring"), TokenSource.KEYRING, True)
            except TokenError as error:
                log.warning("%s; generating a new one", error)
    return _generate(backend, problem)


def regenerate_token(*, keyring: KeyringLike | None = None) -> ViewerToken:
    """A new random token, replacing the stored one; viewers using the old one are refused from now on."""
    return _generate(keyring if keyring is not None else default_keyring(), "")


def _generate(backend: KeyringLike | None, problem: str) -> ViewerToken:
    token = secrets.token_urlsafe(32)
    if backend is None:
        problem = problem or _keyring_problem(None)
    elif not problem:
        try:
            backend.set_password(KEYRING_SERVICE, KEYRING_USERNAME, token)
            return ViewerToken(token, TokenSource.GENERATED, stored=True)
        except Exception as error:  # as above: any backend failure means "not stored"
            problem = _keyring_problem(error)
    log.warning("%s", problem)
    return ViewerToken(token, TokenSource.GENERATED, stored=False, problem=problem)


def _keyring_problem(error: Exception | None) -> str:
    why = f" ({type(error).__name__}: {error})" if error is not None else ""
    return (
        f"the viewer token cannot be kept in the OS keyring{why}: a new token is made at every start; "
        "to keep one, write it to a private file (chmod 600) and pass --token-file PATH"
    )


def websocket_url(host: str, port: int, tls: bool) -> str:
    """The address a desktop viewer connects to: ws[s]://HOST:PORT/ (the token goes in a header)."""
    return f"{'wss' if tls else 'ws'}://{_url_host(host)}:{port}/"


def viewer_url(host: str, port: int, token: str, tls: bool) -> str:
    """The browser address with the token, printed once at start (as Jupyter does)."""
    return f"{'https' if tls else 'http'}://{_url_host(host)}:{port}/?token={quote(token, safe='')}"


def _url_host(host: str) -> str:
    if host in _WILDCARD_HOSTS:
        # Bound to every interface: the machine's name is what another device can try.
        host = socket.gethostname()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
