"""The viewer link box in Settings: masked until shown, copyable, regenerable unless it comes from a file."""

from __future__ import annotations

from PyQt6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from app.ui.settings.viewer_access_box import ViewerAccessBox

URL = "http://127.0.0.1:8765/?token=abcdefghijklmnopqrstuvwx"


class Access:
    """A running service as the box sees it."""

    def __init__(self, url: str | None, token_from_file: bool = False) -> None:
        self.url = url
        self.token_from_file = token_from_file

    async def regenerate(self) -> str:
        self.url = URL.replace("abcdefgh", "zyxwvuts")
        return self.url


def test_the_link_is_masked_until_shown(qtbot: QtBot) -> None:
    box = ViewerAccessBox(Access(URL))
    qtbot.addWidget(box)
    assert box.field.echoMode() is QLineEdit.EchoMode.Password
    box.show_button.setChecked(True)
    assert box.field.echoMode() is QLineEdit.EchoMode.Normal and box.field.text() == URL


def test_copy_puts_the_link_on_the_clipboard(qtbot: QtBot) -> None:
    box = ViewerAccessBox(Access(URL))
    qtbot.addWidget(box)
    box.copy_button.click()
    assert QApplication.clipboard().text() == URL


def test_with_remote_viewing_off_there_is_nothing_to_show_or_regenerate(qtbot: QtBot) -> None:
    box = ViewerAccessBox(Access(None))
    qtbot.addWidget(box)
    assert not box.copy_button.isEnabled() and not box.regenerate_button.isEnabled()
    assert "off" in box.field.placeholderText()


def test_a_token_from_a_file_cannot_be_regenerated_here(qtbot: QtBot) -> None:
    box = ViewerAccessBox(Access(URL, token_from_file=True))
    qtbot.addWidget(box)
    assert not box.regenerate_button.isEnabled()
    assert "--token-file" in box.regenerate_button.toolTip()
