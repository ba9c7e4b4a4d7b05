"""Settings > Alerts, driven as the trader does: type a channel URL, Add, "Send a test alert", OK. The URL
goes to the keyring and never to the settings file or a log; bad input is refused with what to do."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QCheckBox, QWidget
from pytestqt.qtbot import QtBot

from app.alerts.channel_secrets import NO_KEYRING_MESSAGE, SERVICE, ChannelSecrets, secret_key
from app.alerts.texts import TEST_TITLE
from app.alerts.transport import UNKNOWN_URL
from app.core.settings import AlertChannel, AlertSettings, Settings
from app.storage.settings_store import save_settings
from app.ui.settings.credentials import CredentialStore, SessionPasswords
from app.ui.settings.settings_dialog import SettingsDialog
from tests.alerts.inbox import Inbox, refused_url
from tests.ui.settings.test_settings_dialog import MemoryKeyring

TOKEN = "tk_Zq8vXs2LmN4pR7tY"
TOPIC = "desk-k2j9f7w3"


def open_dialog(
    qtbot: QtBot, settings: Settings | None = None, secrets: ChannelSecrets | None = None
) -> SettingsDialog:
    dialog = SettingsDialog(
        settings or Settings(),
        CredentialStore(),
        SessionPasswords(),
        alert_secrets=secrets or ChannelSecrets(),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    bar = dialog.tabs.tabBar()
    assert bar is not None
    index = dialog.tabs.indexOf(dialog.alerts_page)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert dialog.tabs.currentWidget() is dialog.alerts_page
    return dialog


def click(qtbot: QtBot, widget: QWidget | None) -> None:
    assert widget is not None
    # A check box reacts on its box and label only, which sit at the left of a wide row.
    pos = QPoint(8, widget.height() // 2) if isinstance(widget, QCheckBox) else widget.rect().center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def add(qtbot: QtBot, dialog: SettingsDialog, url: str, name: str = "") -> None:
    page = dialog.alerts_page
    qtbot.keyClicks(page.url_edit, url)
    if name:
        qtbot.keyClicks(page.name_edit, name)
    click(qtbot, page.add_button)


def test_a_channel_typed_tested_and_saved_goes_to_the_keyring_never_to_the_file_or_a_log(
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    inbox: Inbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = inbox.ntfy_url(TOPIC, token=TOKEN)
    dialog = open_dialog(qtbot)
    add(qtbot, dialog, url, "My phone")
    [row] = dialog.alerts_page.rows
    assert row.address.text() == f"ntfy://127.0.0.1:{inbox.port}/•••"
    click(qtbot, row.test_button)
    qtbot.waitUntil(lambda: row.result.text().startswith("✓ Arrived"), timeout=10_000)
    [message] = inbox.received
    assert (message.topic, message.title) == (TOPIC, TEST_TITLE)
    assert message.headers["Authorization"] == f"Bearer {TOKEN}"

    click(qtbot, dialog.ok_button)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert memory_keyring.entries == {(SERVICE, secret_key(row.channel.id)): url}
    settings_file = tmp_path / "settings.toml"
    save_settings(settings_file, dialog.result_settings())
    text = settings_file.read_text(encoding="utf-8")
    assert dialog.result_settings().alerts.channels == (AlertChannel(row.channel.id, "My phone", True),)
    for secret in (TOKEN, TOPIC, url):
        assert secret not in text
        assert secret not in caplog.text


def test_even_with_apprise_debug_logging_on_no_secret_reaches_a_log(
    qtbot: QtBot, memory_keyring: MemoryKeyring, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("apprise").setLevel(1)  # a trader debugging Apprise itself
    try:
        dialog = open_dialog(qtbot)
        add(qtbot, dialog, inbox.json_url(credentials=f"trader:{TOKEN}"))
        [row] = dialog.alerts_page.rows
        click(qtbot, row.test_button)
        qtbot.waitUntil(lambda: row.result.text().startswith("✓"), timeout=10_000)
    finally:
        logging.getLogger("apprise").setLevel(logging.WARNING)
    assert "apprise" in {record.name for record in caplog.records}  # Apprise did log, in detail
    assert TOKEN not in caplog.text
    assert "dHJhZGVyOnRrX1pxOHZYczJMbU40cFI3dFk=" not in caplog.text  # trader:TOKEN as Basic auth


def test_a_test_alert_to_a_channel_that_is_down_says_why(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    add(qtbot, dialog, refused_url())
    [row] = dialog.alerts_page.rows
    click(qtbot, row.test_button)
    qtbot.waitUntil(lambda: row.result.text().startswith("✗"), timeout=10_000)
    assert (
        row.result.text() == "✗ Not sent: A Connection error occurred sending JSON notification to 127.0.0.1."
    )


def test_a_url_apprise_does_not_know_is_refused_under_the_field(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    add(qtbot, dialog, "telegram:12345/abc")
    page = dialog.alerts_page
    assert page.rows == []
    assert page.url_error.text() == UNKNOWN_URL
    assert page.url_edit.text() == "telegram:12345/abc"  # kept, to be corrected


def test_a_url_typed_but_not_added_keeps_ok_disabled_with_the_reason(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    dialog = open_dialog(qtbot)
    qtbot.keyClicks(dialog.alerts_page.url_edit, "ntfys://ntfy.sh/my-topic")
    assert not dialog.ok_button.isEnabled()
    assert dialog._errors["alerts.channels"].text() == "Click Add to keep the URL typed above, or clear it"
    assert dialog.summary.text() == "Fix before saving: Alerts."
    click(qtbot, dialog.alerts_page.add_button)
    assert dialog.ok_button.isEnabled()


def test_a_removed_channel_is_forgotten_by_the_keyring_on_ok(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    secrets = ChannelSecrets()
    secrets.put("abcd1234", "ntfys://ntfy.sh/old-topic")
    settings = Settings(alerts=AlertSettings(channels=(AlertChannel("abcd1234", "Old phone"),)))
    dialog = open_dialog(qtbot, settings, secrets)
    [row] = dialog.alerts_page.rows
    assert row.enabled.text() == "Old phone" and row.address.text() == "ntfys://ntfy.sh/•••"
    click(qtbot, row.remove_button)
    click(qtbot, dialog.ok_button)
    assert memory_keyring.entries == {}
    assert dialog.result_settings().alerts.channels == ()


def test_what_is_sent_is_chosen_with_the_check_boxes(qtbot: QtBot, memory_keyring: MemoryKeyring) -> None:
    dialog = open_dialog(qtbot)
    page = dialog.alerts_page
    click(qtbot, page.kinds["trade_error"])
    click(qtbot, page.show_account)
    page.after.selectAll()
    qtbot.keyClicks(page.after, "300")
    alerts = dialog.result_settings().alerts
    assert (alerts.trade_error, alerts.show_account, alerts.connection_after_s) == (False, True, 300)
    assert alerts.auto_trade and alerts.kill_switch


def test_without_a_keyring_a_channel_lasts_this_session_and_the_page_says_so(
    qtbot: QtBot, inbox: Inbox, tmp_path: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        secrets = ChannelSecrets()
        dialog = open_dialog(qtbot, secrets=secrets)
        assert dialog.alerts_page.store_note.text() == NO_KEYRING_MESSAGE + "."
        add(qtbot, dialog, inbox.json_url())
        [row] = dialog.alerts_page.rows
        click(qtbot, dialog.ok_button)
        assert secrets.get(row.channel.id) == inbox.json_url()
        assert "until the desk stops" in dialog.alerts_page.store_note.text()
        settings_file = tmp_path / "settings.toml"
        save_settings(settings_file, dialog.result_settings())
        assert str(inbox.port) not in settings_file.read_text(encoding="utf-8")
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize("line", ["url = 'tgram://1:A/2'", "token = 'abc'"])
def test_a_channel_url_written_into_the_settings_file_is_refused_with_what_to_do(
    tmp_path: Path, line: str
) -> None:
    from app.storage.settings_store import load_settings

    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(f"[[alerts.channels]]\nid = 'abcd1234'\n{line}\n", encoding="utf-8")
    loaded = load_settings(settings_file)
    [problem] = loaded.problems
    key = line.split(" ")[0]
    assert problem.startswith(
        f"alerts.channels[0].{key}: alert channel URLs and their secrets are never read"
    )
    assert "--alerts-file PATH" in problem
    assert loaded.settings.alerts.channels == (AlertChannel("abcd1234"),)
