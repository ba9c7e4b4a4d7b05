"""Where the MT5 password lives: the OS keyring, or this process's memory when the system has no keyring.

Never the settings file, a log line or an event. Only the account key ("mt5:<login>@<server>") is ever
logged; the password itself never is.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.keyring_status import keyring_available, keyring_name

log = logging.getLogger(__name__)

SERVICE = "MT5Desk"
NO_KEYRING_MESSAGE = (
    "No secure password store found on this system: the password will be asked for each time and never "
    "written to disk"
)


class CredentialError(Exception):
    """The keyring refused or failed (locked, denied, broken); the text says so for a person."""


def account_key(login: int, server: str) -> str:
    """The keyring user name of an MT5 account."""
    return f"mt5:{login}@{server}"


class CredentialStore:
    """MT5 passwords in the OS keyring (service 'MT5Desk', one entry per login and server)."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def available(self) -> bool:
        """False when keyring fell back to its fail or null backend, or a chainer with nothing to chain."""
        return keyring_available()

    def backend_name(self) -> str:
        """The keyring's display name, e.g. 'SecretService Keyring' (for the settings dialog)."""
        return keyring_name()

    def get(self, login: int, server: str) -> str | None:
        """The stored password, or None when there is none (or no keyring)."""
        if not self.available():
            return None
        key = account_key(login, server)
        try:
            return keyring.get_password(self.service, key)
        except KeyringError as error:
            log.warning("could not read the password of %s from the keyring: %s", key, error)
            raise CredentialError(f"The system keyring could not be read ({error})") from error

    def set(self, login: int, server: str, password: str) -> None:
        """Store (or replace) the password; raises CredentialError when the keyring refuses."""
        key = account_key(login, server)
        if not self.available():
            raise CredentialError(NO_KEYRING_MESSAGE)
        try:
            keyring.set_password(self.service, key, password)
        except KeyringError as error:
            log.warning("could not store the password of %s in the keyring: %s", key, error)
            raise CredentialError(f"The system keyring refused the password ({error})") from error
        log.info("password of %s stored in the system keyring", key)

    def delete(self, login: int, server: str) -> bool:
        """Forget the password; False when there was none to forget."""
        if not self.available():
            return False
        key = account_key(login, server)
        try:
            keyring.delete_password(self.service, key)
        except PasswordDeleteError:
            return False
        except KeyringError as error:
            raise CredentialError(f"The system keyring could not delete the password ({error})") from error
        log.info("password of %s removed from the system keyring", key)
        return True


class SessionPasswords:
    """Passwords held in memory for this run only, when the system has no keyring."""

    def __init__(self) -> None:
        self._passwords: dict[str, str] = {}

    def get(self, login: int, server: str) -> str | None:
        return self._passwords.get(account_key(login, server))

    def set(self, login: int, server: str, password: str) -> None:
        self._passwords[account_key(login, server)] = password

    def delete(self, login: int, server: str) -> bool:
        return self._passwords.pop(account_key(login, server), None) is not None

    def __repr__(self) -> str:  # never show a password, even in a debugger or a traceback
        return f"SessionPasswords({len(self._passwords)} held)"


def find_password(store: CredentialStore, session: SessionPasswords, login: int, server: str) -> str | None:
    """The keyring's password first, then this session's; None means the trader must be asked."""
    try:
        stored = store.get(login, server)
    except CredentialError:
        stored = None  # already logged by the store; the session copy or asking the trader still works
    return stored if stored is not None else session.get(login, server)
