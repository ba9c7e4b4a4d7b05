"""Settings → Accounts: the list of accounts and the chosen one's terminal, checked like the settings file,
each account's password into the keyring under its own login and server."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.enums import Backend
from app.core.settings import AccountSettings, Settings, TerminalSettings
from app.ui.settings.accounts_page import new_account_id
from app.ui.settings.credentials import SERVICE, CredentialStore, SessionPasswords
from app.ui.settings.settings_dialog import SettingsDialog
from tests.ui.settings.test_settings_dialog import MemoryKeyring

TWO = Settings(
    accounts=(
        AccountSettings(
            "ftmo", "FTMO", terminal=TerminalSettings(backend=Backend.MT5, login=111, server="FTMO-Demo")
        ),
        AccountSettings(
            "live", "Live", terminal=TerminalSettings(backend=Backend.MT5, login=222, server="Broker-Live")
        ),
    )
)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the test (the real one is never touched)."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def open_dialog(qtbot: QtBot, settings: Settings = TWO) -> SettingsDialog:
    dialog = SettingsDialog(settings, CredentialStore(), SessionPasswords())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def lines(dialog: SettingsDialog) -> list[str]:
    accounts = dialog.accounts_page.list
    return [
        item.text() for item in (accounts.item(row) for row in range(accounts.count())) if item is not None
    ]


def test_every_account_is_listed_with_its_terminal_and_login(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    assert lines(dialog) == ["FTMO · MetaTrader 5 · 111", "Live · MetaTrader 5 · 222"]
    assert dialog.login.text() == "111"


def test_choosing_another_account_shows_its_terminal_and_keeps_the_first_ones_edits(
    qtbot: QtBot, memory: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    dialog.server.setText("FTMO-Server2")
    dialog.accounts_page.list.setCurrentRow(1)
    assert (dialog.login.text(), dialog.server.text()) == ("222", "Broker-Live")
    accounts = dialog.result_settings().accounts
    assert [a.terminal.server for a in accounts] == ["FTMO-Server2", "Broker-Live"]


def test_a_problem_in_another_account_is_named_in_the_summary_and_marked_on_its_line(
    qtbot: QtBot, memory: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    dialog.login.setText("trader1")
    dialog.accounts_page.list.setCurrentRow(1)
    assert lines(dialog)[0].startswith("⚠ FTMO")
    assert (
        "FTMO: must be a positive whole number (the account number), got 'trader1'" in dialog.summary.text()
    )
    assert dialog.summary.text().startswith("Fix before saving: Accounts.")
    assert not dialog.ok_button.isEnabled()


def test_two_accounts_on_the_same_broker_login_are_refused(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    dialog.accounts_page.list.setCurrentRow(1)
    dialog.login.setText("111")
    dialog.server.setText("FTMO-Demo")
    assert (
        "Account 111 on 'FTMO-Demo' is account 'ftmo' already"
        in dialog.accounts_page.errors["terminal.login"].text()
    )
    assert not dialog.ok_button.isEnabled()


def test_each_accounts_password_goes_to_the_keyring_under_its_own_login(
    qtbot: QtBot, memory: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    dialog.password.setText("first-secret")
    dialog.accounts_page.list.setCurrentRow(1)
    assert dialog.password.text() == ""
    dialog.password.setText("second-secret")
    dialog.accept()
    assert memory.entries == {
        (SERVICE, "mt5:111@FTMO-Demo"): "first-secret",
        (SERVICE, "mt5:222@Broker-Live"): "second-secret",
    }
    assert dialog.password.text() == ""


def test_a_new_account_gets_an_id_from_its_name_until_it_is_saved(
    qtbot: QtBot, memory: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    dialog.accounts_page.add_button.click()
    dialog.accounts_page.name.setText("Prop Firm #2")
    assert dialog.result_settings().accounts[-1].id == "prop-firm-2"
    assert dialog.result_settings().accounts[-1].terminal.backend is Backend.SIM
    assert new_account_id({"ftmo"}, "FTMO") == "ftmo-2"


def test_the_last_account_cannot_be_removed(qtbot: QtBot, memory: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot, Settings())
    told: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        told.append(box.text())
        box.accept()

    QTimer.singleShot(50, answer)
    dialog.accounts_page.remove_button.click()
    assert told == ["The desk needs at least one account. Add another first, or switch this one off."]
    assert len(dialog.result_settings().accounts) == 1
