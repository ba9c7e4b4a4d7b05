"""The first-run welcome dialog: each choice saves the right settings, the connection test runs off the GUI
thread and shows its answer, the password goes to the keyring (or this session), and Cancel saves nothing.

The real keyring is never touched: each test that needs one installs an in-memory backend or the fail
backend, and puts the previous one back.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QDialogButtonBox, QLineEdit, QRadioButton
from pytestqt.qtbot import QtBot

from app.core.enums import Backend
from app.core.settings import Settings, TerminalSettings
from app.startup.connection_test import try_connection
from app.storage.settings_store import load_settings, save_settings
from app.ui.settings.first_run import FirstRunDialog, parse_bridge
from tests.bridge.servers import free_port, in_process_bridge
from tests.one_account import one_account_settings

PASSWORD = "s3cret-Pa55word!"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps its entries in a dict."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring leaves it unannotated
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


class RefusingKeyring(MemoryKeyring):
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
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


def open_dialog(qtbot: QtBot, settings_file: Path, platform: str = "win32") -> FirstRunDialog:
    """The dialog shown as on `platform` (by default Windows, where every choice is offered), with the
    connection test and settings writer the launcher hands it."""
    dialog = FirstRunDialog(
        settings_file, test_connection=try_connection, write_settings=save_settings, platform=platform
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose_by_click(qtbot: QtBot, dialog: FirstRunDialog, backend: Backend) -> None:
    button = next(b for b in dialog.choices.buttons() if b.property("backend") == backend.value)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(4, button.height() // 2))
    assert dialog.backend() is backend


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def click_save(qtbot: QtBot, dialog: FirstRunDialog) -> None:
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save is not None
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)


def click_test(qtbot: QtBot, dialog: FirstRunDialog) -> None:
    """Press "Test connection" and wait for its answer."""
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.testing, timeout=15_000)


def choice_texts(dialog: FirstRunDialog) -> list[str]:
    return [button.text() for button in dialog.findChildren(QRadioButton) if button.isVisible()]


def test_metatrader5_on_this_pc_is_offered_only_on_windows(qtbot: QtBot, settings_file: Path) -> None:
    for platform, offered in (("linux", False), ("darwin", False), ("win32", True)):
        dialog = open_dialog(qtbot, settings_file, platform)
        texts = choice_texts(dialog)
        assert ("MetaTrader 5 on this PC (Windows)" in texts) is offered
        assert texts[0].startswith("Demo") and any("mt5linux bridge" in text for text in texts)


def test_on_linux_clicking_the_bridge_shows_its_address_and_saves_it(
    qtbot: QtBot, settings_file: Path
) -> None:
    dialog = open_dialog(qtbot, settings_file, "linux")
    (bridge,) = [b for b in dialog.findChildren(QRadioButton) if "mt5linux bridge" in b.text()]
    qtbot.mouseClick(bridge, Qt.MouseButton.LeftButton)
    assert dialog.bridge.isVisible()
    click_save(qtbot, dialog)
    assert saved(settings_file).primary.terminal.backend is Backend.BRIDGE


def saved(settings_file: Path) -> Settings:
    loaded = load_settings(settings_file)
    assert settings_file.exists() and not loaded.problems
    return loaded.settings


def test_demo_is_the_preselected_choice_and_saves_the_simulator(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    assert dialog.backend() is Backend.SIM
    click_save(qtbot, dialog)
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted
    assert saved(settings_file) == one_account_settings(TerminalSettings(backend=Backend.SIM), "Demo")
    assert dialog.saved == saved(settings_file)


def test_metatrader5_on_this_pc_saves_path_login_and_server(
    qtbot: QtBot, settings_file: Path, use_keyring: UseKeyring
) -> None:
    use_keyring(MemoryKeyring())
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    type_into(qtbot, dialog.path, r"C:\Program Files\MetaTrader 5\terminal64.exe")
    type_into(qtbot, dialog.login, "51234567")
    type_into(qtbot, dialog.server, "Broker-Demo")
    click_save(qtbot, dialog)
    expected = TerminalSettings(
        backend=Backend.MT5,
        path=r"C:\Program Files\MetaTrader 5\terminal64.exe",
        login=51234567,
        server="Broker-Demo",
    )
    assert saved(settings_file).primary.terminal == expected


def test_the_password_goes_to_the_keyring_and_never_into_the_settings_file(
    qtbot: QtBot, settings_file: Path, use_keyring: UseKeyring
) -> None:
    memory = use_keyring(MemoryKeyring())
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    type_into(qtbot, dialog.login, "51234567")
    type_into(qtbot, dialog.server, "Broker-Demo")
    type_into(qtbot, dialog.password, PASSWORD)
    click_save(qtbot, dialog)
    assert memory.entries == {("MT5Desk", "mt5:51234567@Broker-Demo"): PASSWORD}
    assert PASSWORD not in settings_file.read_text(encoding="utf-8")


def test_without_a_keyring_the_dialog_says_so_and_keeps_the_password_for_this_session(
    qtbot: QtBot, settings_file: Path, use_keyring: UseKeyring
) -> None:
    use_keyring(keyring.backends.fail.Keyring())
    dialog = open_dialog(qtbot, settings_file)
    assert "No secure password store" in dialog.password_note.text()
    assert "this session only" in dialog.password_note.text()
    choose_by_click(qtbot, dialog, Backend.MT5)
    type_into(qtbot, dialog.login, "51234567")
    type_into(qtbot, dialog.password, PASSWORD)
    click_save(qtbot, dialog)
    assert dialog.session.get(51234567, "") == PASSWORD
    assert PASSWORD not in settings_file.read_text(encoding="utf-8")


def test_a_keyring_that_refuses_keeps_the_dialog_open_and_saves_nothing_yet(
    qtbot: QtBot, settings_file: Path, use_keyring: UseKeyring
) -> None:
    use_keyring(RefusingKeyring())
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    type_into(qtbot, dialog.login, "51234567")
    type_into(qtbot, dialog.password, PASSWORD)
    click_save(qtbot, dialog)
    assert "the collection is locked" in dialog.save_error.text()
    assert dialog.isVisible() and not settings_file.exists()
    assert dialog.session.get(51234567, "") == PASSWORD
    click_save(qtbot, dialog)  # a second Save goes on with the session's copy
    assert saved(settings_file).primary.terminal.login == 51234567


def test_an_account_number_that_is_not_a_number_is_refused(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    type_into(qtbot, dialog.login, "51234x")
    click_save(qtbot, dialog)
    assert "Login" in dialog.save_error.text()
    assert dialog.isVisible() and not settings_file.exists()


def test_the_bridge_saves_its_backend_and_address_in_the_settings(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.BRIDGE)
    type_into(qtbot, dialog.bridge, "192.168.1.20:18813")
    click_save(qtbot, dialog)
    terminal = saved(settings_file).primary.terminal
    assert (terminal.backend, terminal.bridge_host, terminal.bridge_port) == (
        Backend.BRIDGE,
        "192.168.1.20",
        18813,
    )


def test_testing_the_bridge_reaches_metatrader5_through_its_server(
    qtbot: QtBot, settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with in_process_bridge(monkeypatch) as bridge:
        dialog = open_dialog(qtbot, settings_file)
        choose_by_click(qtbot, dialog, Backend.BRIDGE)
        type_into(qtbot, dialog.bridge, f"127.0.0.1:{bridge.port}")
        click_test(qtbot, dialog)
    assert dialog.test_result.text() == (
        f"Connected to MetaTrader 5 through the bridge at 127.0.0.1:{bridge.port}: account 5012345 on "
        "MT5Desk-Demo, balance 10,000.00 USD"
    )
    assert not settings_file.exists()  # testing is not saving


def test_testing_a_bridge_with_no_server_says_to_start_it(qtbot: QtBot, settings_file: Path) -> None:
    port = free_port()
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.BRIDGE)
    type_into(qtbot, dialog.bridge, f"127.0.0.1:{port}")
    click_test(qtbot, dialog)
    assert f"No mt5linux bridge server is listening at 127.0.0.1:{port}" in dialog.test_error.text()
    assert "wine mt5server.exe" in dialog.test_error.text()


def test_a_bad_bridge_address_is_refused(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.BRIDGE)
    type_into(qtbot, dialog.bridge, "localhost")
    click_save(qtbot, dialog)
    assert "HOST:PORT" in dialog.save_error.text()
    assert dialog.isVisible() and not settings_file.exists()


@pytest.mark.parametrize(
    ("text", "address"),
    [("127.0.0.1:18812", ("127.0.0.1", 18812)), ("[::1]:9", ("::1", 9)), (":18812", None), ("h:0", None)],
)
def test_bridge_addresses_are_host_and_port(text: str, address: tuple[str, int] | None) -> None:
    assert parse_bridge(text) == address


def test_cancel_saves_nothing(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    type_into(qtbot, dialog.login, "51234567")
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.saved is None
    assert not settings_file.exists()


def test_testing_the_simulator_connects_and_shows_the_account(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.test_button.isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: not dialog.testing, timeout=15_000)
    assert dialog.test_result.text().startswith("Connected to the simulated demo terminal: account ")
    assert dialog.test_error.isHidden()
    assert dialog.test_button.isEnabled()
    assert not settings_file.exists()  # testing is not saving


@pytest.mark.skipif(importlib.util.find_spec("MetaTrader5") is not None, reason="MetaTrader5 is installed")
def test_testing_metatrader5_where_it_cannot_be_installed_says_so_clearly(
    qtbot: QtBot, settings_file: Path
) -> None:
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    click_test(qtbot, dialog)
    assert "The MetaTrader5 Python module is not installed" in dialog.test_error.text()
    assert "--terminal bridge" in dialog.test_error.text()
    assert dialog.test_result.text() == ""


def test_switching_the_choice_clears_the_last_test_result(qtbot: QtBot, settings_file: Path) -> None:
    dialog = open_dialog(qtbot, settings_file)
    click_test(qtbot, dialog)
    assert dialog.test_result.text().startswith("Connected")
    choose_by_click(qtbot, dialog, Backend.BRIDGE)
    assert dialog.test_result.text() == "" and dialog.pages.currentIndex() == 2


def test_several_accounts_can_be_set_up_before_the_first_start(
    qtbot: QtBot, settings_file: Path, use_keyring: UseKeyring
) -> None:
    memory = use_keyring(MemoryKeyring())
    dialog = open_dialog(qtbot, settings_file)
    qtbot.keyClicks(dialog.name, "Demo USD")
    qtbot.mouseClick(dialog.add_another_button, Qt.MouseButton.LeftButton)
    assert dialog.added_note.text() == "Accounts kept so far: Demo USD. Set up the next one, then Save."
    assert dialog.name.text() == ""

    (mt5,) = [b for b in dialog.findChildren(QRadioButton) if b.text().startswith("MetaTrader 5 on this PC")]
    qtbot.mouseClick(mt5, Qt.MouseButton.LeftButton, pos=QPoint(12, mt5.height() // 2))  # on its caption
    qtbot.keyClicks(dialog.name, "FTMO 1")
    qtbot.keyClicks(dialog.login, "51234567")
    qtbot.keyClicks(dialog.server, "FTMO-Demo")
    qtbot.keyClicks(dialog.password, PASSWORD)
    click_save(qtbot, dialog)

    accounts = saved(settings_file).accounts
    assert [(a.id, a.name, a.terminal.backend, a.terminal.login) for a in accounts] == [
        ("main", "Demo USD", Backend.SIM, None),
        ("ftmo-1", "FTMO 1", Backend.MT5, 51234567),
    ]
    assert list(memory.entries.values()) == [PASSWORD]
    assert PASSWORD not in settings_file.read_text(encoding="utf-8")


def test_the_same_broker_account_twice_is_refused_with_the_reason(
    qtbot: QtBot, settings_file: Path, use_keyring: UseKeyring
) -> None:
    use_keyring(MemoryKeyring())
    dialog = open_dialog(qtbot, settings_file)
    choose_by_click(qtbot, dialog, Backend.MT5)
    for _ in range(2):
        qtbot.keyClicks(dialog.login, "777")
        qtbot.keyClicks(dialog.server, "Broker-Live")
        qtbot.mouseClick(dialog.add_another_button, Qt.MouseButton.LeftButton)
    assert "account 777 on 'Broker-Live' is account 'main' already" in dialog.save_error.text()
    click_save(qtbot, dialog)
    assert dialog.isVisible() and not settings_file.exists()


def test_a_settings_folder_that_cannot_be_made_says_what_to_do_and_keeps_the_dialog_open(
    qtbot: QtBot, tmp_path: Path
) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the settings folder should be", encoding="utf-8")
    settings_file = blocker / "settings.toml"
    dialog = open_dialog(qtbot, settings_file)

    click_save(qtbot, dialog)

    assert f"The settings could not be saved to {settings_file}" in dialog.save_error.text()
    assert "--data-dir PATH" in dialog.save_error.text()
    assert dialog.isVisible() and dialog.saved is None
