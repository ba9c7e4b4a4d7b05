"""Settings dialog: round trip, refusals with reasons, and where the MT5 password goes (never the file).

The real keyring is never touched: each test installs an in-memory backend, the fail backend (no keyring
on this system) or a backend that refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.core.enums import Backend
from app.core.settings import (
    IntervalSettings,
    NotificationSettings,
    RemoteSettings,
    RiskSettings,
    Settings,
    TerminalSettings,
    Theme,
    UiSettings,
)
from app.storage.settings_store import save_settings
from app.ui.settings.credentials import (
    NO_KEYRING_MESSAGE,
    SERVICE,
    CredentialStore,
    SessionPasswords,
    find_password,
)
from app.ui.settings.settings_dialog import SettingsDialog
from tests.one_account import one_account_settings

PASSWORD = "s3cret-Pa55word!"
ACCOUNT = "mt5:51234567@Broker-Demo"
WITH_ACCOUNT = one_account_settings(TerminalSettings(login=51234567, server="Broker-Demo"))


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps its entries in a dict."""

    # Below the fail backend: installed explicitly by the tests, never picked by keyring's own discovery.
    priority = -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class RefusingKeyring(MemoryKeyring):
    """A keyring that is there but says no, as a locked or denied one does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("the collection is locked")


_Backend = TypeVar("_Backend", bound=KeyringBackend)


class UseKeyring(Protocol):
    """The use_keyring fixture: installs a keyring backend for the test and returns it."""

    def __call__(self, backend: _Backend) -> _Backend: ...


@pytest.fixture
def use_keyring() -> Iterator[UseKeyring]:
    previous = keyring.get_keyring()

    def install(backend: _Backend) -> _Backend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


@pytest.fixture
def memory(use_keyring: UseKeyring) -> MemoryKeyring:
    return use_keyring(MemoryKeyring())


@pytest.fixture
def no_keyring(use_keyring: UseKeyring) -> None:
    use_keyring(keyring.backends.fail.Keyring())


def open_dialog(
    qtbot: QtBot, settings: Settings = WITH_ACCOUNT, session: SessionPasswords | None = None
) -> SettingsDialog:
    dialog = SettingsDialog(settings, CredentialStore(), session or SessionPasswords())
    qtbot.addWidget(dialog)
    return dialog


# -- round trip and refusals ----------------------------------------------------------------------------

CHANGED = one_account_settings(
    TerminalSettings(
        backend=Backend.BRIDGE,
        path="C:/MT5/terminal64.exe",
        login=777,
        server="Demo-2",
        timeout_ms=20_000,
        bridge_host="192.168.1.20",
        bridge_port=18813,
    ),
    intervals=IntervalSettings(pnl_s=0.5, positions_s=2.5, account_s=10.0, heartbeat_s=60.0),
    notifications=NotificationSettings(auto_trade=False, trade_error=True, connection=False),
    ui=UiSettings(theme=Theme.DARK, close_to_tray=True),
    remote=RemoteSettings(
        enabled=True,
        host="0.0.0.0",
        port=9443,
        tls_cert="/etc/desk/cert.pem",
        tls_key="/etc/desk/key.pem",
        allowed_origins=("https://desk.example.com", "http://localhost:3000"),
        mask_account=False,
        max_clients=5,
    ),
    risk=RiskSettings(allow_real_account=True),
)


@pytest.mark.parametrize("settings", [Settings(), CHANGED], ids=["defaults", "every-value-changed"])
def test_settings_come_back_unchanged_through_the_dialog(
    qtbot: QtBot, memory: MemoryKeyring, settings: Settings
) -> None:
    dialog = open_dialog(qtbot, settings)
    assert dialog.problems() == {}
    assert dialog.ok_button.isEnabled()
    assert dialog.result_settings() == settings


def test_an_interval_out_of_range_is_refused_with_the_reason_next_to_it(
    qtbot: QtBot, memory: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    dialog.intervals["pnl_s"].setValue(0.1)
    error = dialog._errors["intervals.pnl_s"]
    assert error.text() == "Must be a number between 0.2 and 60, got 0.1"
    assert not dialog.ok_button.isEnabled()
    assert dialog.summary.text() == "Fix before saving: Intervals."
    dialog.intervals["pnl_s"].setValue(0.5)
    assert error.text() == "" and dialog.ok_button.isEnabled()


def test_a_login_that_is_not_an_account_number_is_refused(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    dialog.login.setText("trader1")
    assert dialog._errors["terminal.login"].text() == (
        "Must be a positive whole number (the account number), got 'trader1'"
    )
    assert not dialog.ok_button.isEnabled()


def test_remote_values_are_refused_each_under_its_own_field(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    dialog.port.setValue(0)
    dialog.host.setText(" ")
    dialog.origins.setText("https://desk.example.com, desk.example.com")
    dialog.tls_cert.setText("/etc/desk/cert.pem")
    errors = dialog._errors
    assert errors["remote.port"].text() == "Must be a whole number between 1 and 65535, got 0"
    assert errors["remote.host"].text() == "Must be non-empty text of at most 253 characters, got ''"
    assert errors["remote.allowed_origins"].text() == (
        "Must be a web origin like 'https://desk.example.com', got 'desk.example.com'"
    )
    assert errors["remote.tls_key"].text() == "Must be set together with the TLS certificate"
    assert dialog.summary.text() == "Fix before saving: Remote."
    assert not dialog.ok_button.isEnabled()


def test_ok_does_not_accept_while_a_value_is_refused(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    dialog.show()
    dialog.max_clients.setValue(0)
    dialog.accept()
    assert dialog.isVisible()


def test_listening_beyond_this_computer_without_tls_is_pointed_out(
    qtbot: QtBot, memory: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    dialog.remote_enabled.setChecked(True)
    dialog.host.setText("0.0.0.0")
    assert "without TLS" in dialog.exposure_note.text()
    dialog.host.setText("127.0.0.1")
    assert dialog.exposure_note.text() == ""


def test_the_real_account_switch_carries_its_warning(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    assert dialog.real_warning.text().startswith("Real money:")
    dialog.allow_real.setChecked(True)
    assert dialog.result_settings().risk.allow_real_account is True


# -- the password ---------------------------------------------------------------------------------------


def test_with_a_keyring_the_password_goes_there_and_never_into_the_settings_file(
    qtbot: QtBot, memory: MemoryKeyring, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot)
    dialog.password.setText(PASSWORD)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert memory.entries == {(SERVICE, ACCOUNT): PASSWORD}
    settings_file = tmp_path / "settings.toml"
    save_settings(settings_file, dialog.result_settings())
    text = settings_file.read_text(encoding="utf-8")
    assert "51234567" in text
    assert PASSWORD not in text
    assert dialog.password.text() == ""


def test_a_saved_password_is_announced_and_can_be_forgotten(qtbot: QtBot, memory: MemoryKeyring) -> None:
    memory.entries[(SERVICE, ACCOUNT)] = PASSWORD
    dialog = open_dialog(qtbot)
    assert dialog.password.placeholderText() == "saved: type to replace"
    assert dialog.password.text() == ""  # never shown back, not even masked
    assert dialog.forget_button.isEnabled()
    dialog.forget_button.click()
    assert memory.entries == {}
    assert not dialog.forget_button.isEnabled()


def test_a_keyring_that_refuses_the_password_is_reported_and_nothing_is_accepted(
    qtbot: QtBot, use_keyring: UseKeyring
) -> None:
    use_keyring(RefusingKeyring())
    dialog = open_dialog(qtbot)
    dialog.show()
    dialog.password.setText(PASSWORD)
    dialog.accept()
    assert dialog.isVisible()
    assert (
        dialog._errors["terminal.password"]
        .text()
        .startswith("The system keyring refused the password (the collection is locked).")
    )


def test_a_password_without_a_login_is_refused(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot, Settings())
    dialog.password.setText(PASSWORD)
    assert dialog._errors["terminal.password"].text() == "Enter the login this password belongs to"
    assert not dialog.ok_button.isEnabled()


def test_without_a_keyring_the_dialog_says_so(qtbot: QtBot, no_keyring: None) -> None:
    dialog = open_dialog(qtbot)
    assert dialog.password_note.text() == NO_KEYRING_MESSAGE + "."
    assert not CredentialStore().available()


def test_without_a_keyring_the_password_is_kept_in_memory_only(
    qtbot: QtBot, no_keyring: None, tmp_path: Path
) -> None:
    session = SessionPasswords()
    dialog = open_dialog(qtbot, session=session)
    dialog.password.setText(PASSWORD)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert session.get(51234567, "Broker-Demo") == PASSWORD
    assert CredentialStore().get(51234567, "Broker-Demo") is None
    assert find_password(CredentialStore(), session, 51234567, "Broker-Demo") == PASSWORD
    settings_file = tmp_path / "settings.toml"
    save_settings(settings_file, dialog.result_settings())
    assert PASSWORD not in settings_file.read_text(encoding="utf-8")
    assert PASSWORD not in repr(session)


def test_the_null_keyring_counts_as_no_keyring(use_keyring: UseKeyring) -> None:
    use_keyring(keyring.backends.null.Keyring())
    assert not CredentialStore().available()


def test_the_keyring_password_is_preferred_over_the_sessions(memory: MemoryKeyring) -> None:
    memory.entries[(SERVICE, ACCOUNT)] = PASSWORD
    session = SessionPasswords()
    session.set(51234567, "Broker-Demo", "older")
    assert find_password(CredentialStore(), session, 51234567, "Broker-Demo") == PASSWORD


# -- the terminal page follows the backend's declared settings -----------------------------------------


def choose_backend(qtbot, dialog: SettingsDialog, backend: Backend) -> None:  # type: ignore[no-untyped-def]
    """Pick a backend in the Terminal combo with the keyboard, as a trader would."""
    dialog.backend.setFocus()
    target = dialog.backend.findData(backend.value)
    key = Qt.Key.Key_Down if target > dialog.backend.currentIndex() else Qt.Key.Key_Up
    while dialog.backend.currentIndex() != target:
        qtbot.keyClick(dialog.backend, key)


def test_the_bridge_address_is_editable_only_for_the_bridge(qtbot, memory) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, Settings())
    dialog.show()
    assert not dialog.bridge_host.isEnabled() and not dialog.bridge_port.isEnabled()  # auto: MetaTrader 5
    choose_backend(qtbot, dialog, Backend.BRIDGE)
    assert dialog.bridge_host.isEnabled() and dialog.bridge_port.isEnabled()
    choose_backend(qtbot, dialog, Backend.SIM)
    assert not dialog.bridge_host.isEnabled() and not dialog.login.isEnabled()
    assert dialog.backend_note.text() == "The simulated demo terminal needs no settings."


def test_a_bridge_address_typed_in_the_terminal_page_is_saved(qtbot, memory) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, Settings())
    dialog.show()
    choose_backend(qtbot, dialog, Backend.BRIDGE)
    dialog.bridge_host.selectAll()
    qtbot.keyClicks(dialog.bridge_host, "10.0.0.7")
    dialog.bridge_port.selectAll()
    qtbot.keyClicks(dialog.bridge_port, "18900")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    terminal = dialog.result_settings().primary.terminal
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (terminal.backend, terminal.bridge_host, terminal.bridge_port) == (
        Backend.BRIDGE,
        "10.0.0.7",
        18900,
    )


def test_a_bridge_host_with_a_space_is_refused_under_its_field(qtbot, memory) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, Settings())
    dialog.show()
    choose_backend(qtbot, dialog, Backend.BRIDGE)
    dialog.bridge_host.selectAll()
    qtbot.keyClicks(dialog.bridge_host, "my host")
    assert dialog._errors["terminal.bridge_host"].text() == (
        "Must be a host name or IP address such as 127.0.0.1, got 'my host'"
    )
    assert not dialog.ok_button.isEnabled()
