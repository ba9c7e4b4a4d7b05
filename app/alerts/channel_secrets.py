"""Where alert channel URLs live: the OS keyring, or this process's memory when there is no keyring.

A channel URL carries its service's secrets (a bot token, a password, an ntfy topic that anyone who knows
it can read), and which parts are secret differs per service, so the whole URL is treated as the secret:
the settings file holds only the channel's id, the name of its keyring entry. The `Redactor` takes the
URLs' parts out of any text that may reach a log or the Event log.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from enum import StrEnum
from urllib.parse import unquote

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.keyring_status import keyring_available, keyring_name

log = logging.getLogger(__name__)

SERVICE = "MT5Desk"
NO_KEYRING_MESSAGE = (
    "No secure password store found on this system: channel URLs are kept in memory until the desk "
    "stops and never written to disk; on a server, give them in a private file with --alerts-file PATH"
)
HIDDEN = "•••"


class SecretStoreError(Exception):
    """The keyring refused or failed (locked, denied, broken); the text says so for a person."""


class Kept(StrEnum):
    """Where a channel URL was put."""

    KEYRING = "keyring"
    SESSION = "session"


def secret_key(channel_id: str) -> str:
    """The keyring user name of an alert channel."""
    return f"alert-channel:{channel_id}"


class ChannelSecrets:
    """Channel URLs by channel id: the keyring first, this run's memory when the system has none."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._session: dict[str, str] = {}

    def available(self) -> bool:
        """Whether a real keyring is there (not keyring's fail or null backend)."""
        return keyring_available()

    def backend_name(self) -> str:
        return keyring_name()

    def get(self, channel_id: str) -> str | None:
        """The URL, or None when neither the keyring nor this session holds one."""
        held = self._session.get(channel_id)
        if held is not None or not self.available():
            return held
        try:
            url = keyring.get_password(self.service, secret_key(channel_id))
        except KeyringError as error:
            raise SecretStoreError(f"The system keyring could not be read ({error})") from error
        if url is not None:
            REDACTOR.add(url)
        return url

    def put(self, channel_id: str, url: str) -> Kept:
        """Store (or replace) a URL; in memory only when there is no keyring, which the caller must say."""
        REDACTOR.add(url)
        if not self.available():
            self._session[channel_id] = url
            return Kept.SESSION
        try:
            keyring.set_password(self.service, secret_key(channel_id), url)
        except KeyringError as error:
            raise SecretStoreError(f"The system keyring refused the channel URL ({error})") from error
        self._session.pop(channel_id, None)
        log.info("alert channel %s stored in the system keyring", channel_id)
        return Kept.KEYRING

    def delete(self, channel_id: str) -> None:
        """Forget a channel's URL wherever it is."""
        self._session.pop(channel_id, None)
        if not self.available():
            return
        try:
            keyring.delete_password(self.service, secret_key(channel_id))
        except PasswordDeleteError:
            return
        except KeyringError as error:
            raise SecretStoreError(
                f"The system keyring could not delete the channel URL ({error})"
            ) from error

    def __repr__(self) -> str:  # never show a URL, even in a debugger or a traceback
        return f"ChannelSecrets({len(self._session)} held in memory)"


_HOST_LIKE = re.compile(r"^(localhost|[\w-]+(\.[\w-]+)+|\[[0-9a-fA-F:.]+\])$")


def secret_parts(url: str) -> set[str]:
    """Every part of a channel URL that may be a secret: user, password, a host that is no host name
    (Telegram's bot token), path segments, query values; also their decoded and Basic-auth forms."""
    _scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return {url.strip()} - {""}
    parts = {rest}
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    authority, _, path = rest.partition("/")
    userinfo, at, hostport = authority.rpartition("@")
    if at:
        parts.update(userinfo.split(":", 1))
        parts.add(base64.b64encode(unquote(userinfo).encode()).decode())
    host, _, port = hostport.rpartition(":") if hostport.count(":") == 1 else (hostport, "", "")
    if not _HOST_LIKE.match(host):
        parts.add(host)
    if port and not port.isdigit():
        parts.add(port)
    parts.update(path.split("/"))
    parts.update(pair.partition("=")[2] for pair in query.split("&"))
    parts.add(fragment)
    parts |= {unquote(part) for part in parts}
    return {part for part in parts if len(part) >= 3}


class Redactor:
    """Replaces every known secret part in a text with •••; thread-safe (the senders use it too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: tuple[str, ...] = ()

    def add(self, url: str) -> None:
        with self._lock:
            known = set(self._parts) | secret_parts(url)
            self._parts = tuple(sorted(known, key=len, reverse=True))  # longest first: no half-hidden token

    def redact(self, text: str) -> str:
        for part in self._parts:
            if part in text:
                text = text.replace(part, HIDDEN)
        return text


REDACTOR = Redactor()


def masked_url(url: str) -> str:
    """A channel URL as it may be shown: the service and a host name, every other part hidden."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return HIDDEN
    authority = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    host = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
    shown = authority if _HOST_LIKE.match(host) else HIDDEN
    return f"{scheme}://{shown}" + (f"/{HIDDEN}" if rest.strip("/") != authority else "")
