"""Fixtures of the alert specs: the loopback inbox, an in-memory keyring, a desk with one alert channel."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend

from tests.alerts.desk_fixture import make_alert_desk  # noqa: F401  (fixture)
from tests.alerts.inbox import inbox  # noqa: F401  (fixture)
from tests.ui.settings.test_settings_dialog import MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous: KeyringBackend = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
