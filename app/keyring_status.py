"""Whether the OS keyring can really keep a secret: shared by the MT5 password and the alert channels."""

from __future__ import annotations

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null


def keyring_available() -> bool:
    """False when keyring fell back to its fail or null backend, or a chainer with nothing to chain."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return False
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def keyring_name() -> str:
    """The keyring's display name, e.g. 'SecretService Keyring' (for the settings dialog)."""
    backend = keyring.get_keyring()
    return str(getattr(backend, "name", type(backend).__name__))
