"""Settings > Alerts: the channels (Apprise URLs, kept in the keyring) and what is sent to them.

A URL typed here is checked by Apprise when added, can be tried with "Send a test alert" (the answer
shows on its row), and reaches the keyring only when the dialog is saved. The settings keep the channel's
id and name, never its URL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import pyqtSlot
from PyQt6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.alerts.channel_secrets import (
    NO_KEYRING_MESSAGE,
    ChannelSecrets,
    Kept,
    SecretStoreError,
    masked_url,
)
from app.alerts.tester import ChannelTester
from app.alerts.transport import Delivery, service_name, url_problem
from app.core.settings import MAX_ALERT_CHANNELS, AlertSettings
from app.ui.widgets.order_fields import InlineError, muted_label

KINDS = {
    "auto_trade": "Automatic trade executed",
    "trade_error": "Trade error",
    "model_blocked": "A model disabled or blocked by a risk limit",
    "daily_loss": "Daily loss limit reached",
    "kill_switch": "Kill switch used",
    "connection": "MetaTrader 5 disconnected or not answering, and back again",
    "unclean_stop": "The desk stopped unexpectedly (told at the next start)",
}
URL_HINT = "tgram://BOT_TOKEN/CHAT_ID, ntfys://ntfy.sh/YOUR_TOPIC, pover://USER@TOKEN…"
MISSING_URL = "URL not found: remove this channel and add it again"


@dataclass(slots=True)
class _Channel:
    """A channel as the page holds it: `url` None when its URL could not be found."""

    id: str
    name: str
    url: str | None
    stored: bool  # already in the keyring or this session (else saved by `commit`)


class ChannelRow(QWidget):
    """One channel: on/off, its name and masked URL, "Send a test alert", "Remove", the last answer."""

    def __init__(self, channel: _Channel, enabled: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.channel = channel
        self.enabled = QCheckBox(channel.name)
        self.enabled.setChecked(enabled)
        self.enabled.setToolTip("Send alerts to this channel")
        shown = masked_url(channel.url) if channel.url is not None else MISSING_URL
        self.address = muted_label(shown)
        self.test_button = QPushButton("Send a test alert")
        self.test_button.setAutoDefault(False)
        self.test_button.setEnabled(channel.url is not None)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAutoDefault(False)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.enabled)
        top.addWidget(self.address, 1)
        top.addWidget(self.test_button)
        top.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addLayout(top)
        layout.addWidget(self.result)

    def show_result(self, delivery: Delivery) -> None:
        self.test_button.setEnabled(True)
        if delivery.ok:
            self.result.setText(f"✓ Arrived: the service accepted it in {delivery.seconds:.1f} s.")
        else:
            self.result.setText(f"✗ Not sent: {delivery.reason}")


class AlertsPage(QWidget):
    """The Alerts tab of the settings dialog."""

    def __init__(
        self,
        settings: AlertSettings,
        store: ChannelSecrets,
        tester: ChannelTester | None = None,
        changed: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tester = tester or ChannelTester(parent=self)
        self.tester.finished.connect(self._tested)
        self._changed = changed
        self.rows: list[ChannelRow] = []
        self._removed: list[str] = []
        self.errors = {"alerts.channels": InlineError(), "alerts.connection_after_s": InlineError()}
        layout = QVBoxLayout(self)
        layout.addWidget(self._channels_box(settings))
        layout.addWidget(self._kinds_box(settings))
        layout.addStretch(1)

    # -- building -------------------------------------------------------------------------------------

    def _channels_box(self, settings: AlertSettings) -> QGroupBox:
        box = QGroupBox("Channels")
        self._rows_layout = QVBoxLayout()
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(URL_HINT)
        self.url_edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)  # tokens: hidden once typed
        self.url_edit.textChanged.connect(lambda _text: self._url_changed())
        self.url_edit.returnPressed.connect(self.add_channel)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name (optional), e.g. My phone")
        self.add_button = QPushButton("Add")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda _checked: self.add_channel())
        self.url_error = InlineError()
        adding = QHBoxLayout()
        adding.addWidget(self.url_edit, 3)
        adding.addWidget(self.name_edit, 1)
        adding.addWidget(self.add_button)
        self.store_note = muted_label(
            f"Channel URLs are kept in the system keyring ({self.store.backend_name()}), never in a file."
            if self.store.available()
            else NO_KEYRING_MESSAGE + "."
        )
        help_text = muted_label(
            "One Apprise URL per channel: Telegram, ntfy, Pushover, Discord, Slack, e-mail and many more "
            "(see the README). Bursts arrive as one message every few seconds."
        )
        layout = QVBoxLayout(box)
        layout.addLayout(self._rows_layout)
        layout.addLayout(adding)
        layout.addWidget(self.url_error)
        layout.addWidget(self.errors["alerts.channels"])
        layout.addWidget(self.store_note)
        layout.addWidget(help_text)
        for channel in settings.channels:
            self._add_row(self._known(channel.id, channel.name), channel.enabled)
        return box

    def _kinds_box(self, settings: AlertSettings) -> QGroupBox:
        box = QGroupBox("Send")
        form = QFormLayout(box)
        self.kinds: dict[str, QCheckBox] = {}
        for key, label in KINDS.items():
            check = QCheckBox(label)
            check.setChecked(bool(getattr(settings, key)))
            check.toggled.connect(lambda _on: self._changed())
            self.kinds[key] = check
            form.addRow(check)
        self.after = QSpinBox()
        self.after.setRange(0, 1_000_000)  # wider than allowed: an out-of-range value is refused with why
        self.after.setSuffix(" s")
        self.after.setMaximumWidth(120)
        self.after.setValue(settings.connection_after_s)
        self.after.valueChanged.connect(lambda _value: self._changed())
        form.addRow("…when down or silent for at least", self.after)
        form.addRow(self.errors["alerts.connection_after_s"])
        self.show_account = QCheckBox("Show the full account number and server (masked otherwise)")
        self.show_account.setChecked(settings.show_account)
        self.show_account.toggled.connect(lambda _on: self._changed())
        form.addRow(self.show_account)
        return box

    def _known(self, channel_id: str, name: str) -> _Channel:
        try:
            url = self.store.get(channel_id)
        except SecretStoreError:
            url = None
        return _Channel(channel_id, name or channel_id, url, stored=True)

    def _add_row(self, channel: _Channel, enabled: bool) -> ChannelRow:
        row = ChannelRow(channel, enabled, self)
        row.enabled.toggled.connect(lambda _on: self._changed())
        row.test_button.clicked.connect(lambda _checked, r=row: self.send_test(r))
        row.remove_button.clicked.connect(lambda _checked, r=row: self.remove(r))
        self._rows_layout.addWidget(row)
        self.rows.append(row)
        return row

    # -- trader's actions -------------------------------------------------------------------------------

    @pyqtSlot()
    def add_channel(self) -> None:
        """Add the typed URL as a channel (not stored until the dialog is saved)."""
        url = self.url_edit.text().strip()
        problem = url_problem(url)
        if problem is None and len(self.rows) >= MAX_ALERT_CHANNELS:
            problem = f"At most {MAX_ALERT_CHANNELS} channels"
        if problem is not None:
            self.url_error.show_messages(problem)
            return
        name = self.name_edit.text().strip() or service_name(url) or "Channel"
        self._add_row(_Channel(secrets.token_hex(4), name[:80], url, stored=False), True)
        self.url_edit.clear()
        self.name_edit.clear()
        self._changed()

    def send_test(self, row: ChannelRow) -> None:
        if row.channel.url is None:
            return
        row.test_button.setEnabled(False)
        row.result.setText("Sending…")
        self.tester.test(row.channel.id, row.channel.url)

    def remove(self, row: ChannelRow) -> None:
        self.rows.remove(row)
        if row.channel.stored:
            self._removed.append(row.channel.id)
        row.hide()
        row.deleteLater()
        self._changed()

    @pyqtSlot(str, object)
    def _tested(self, channel_id: str, delivery: Delivery) -> None:
        for row in self.rows:
            if row.channel.id == channel_id:
                row.show_result(delivery)

    def _url_changed(self) -> None:
        self.url_error.show_messages([])
        self._changed()

    # -- the dialog's side ------------------------------------------------------------------------------

    def form_dict(self) -> dict[str, Any]:
        """The `alerts` section as settings_from_dict checks it."""
        values: dict[str, Any] = {key: box.isChecked() for key, box in self.kinds.items()}
        values["connection_after_s"] = self.after.value()
        values["show_account"] = self.show_account.isChecked()
        values["channels"] = [
            {"id": row.channel.id, "name": row.channel.name, "enabled": row.enabled.isChecked()}
            for row in self.rows
        ]
        return values

    def problems(self) -> dict[str, list[str]]:
        """What the page itself refuses: a URL typed but not added would be lost on saving."""
        if self.url_edit.text().strip():
            return {"alerts.channels": ["Click Add to keep the URL typed above, or clear it"]}
        return {}

    def commit(self) -> str | None:
        """Store the new channels' URLs and forget the removed ones; None, or why it failed."""
        kept_in_session = False
        try:
            for row in self.rows:
                if not row.channel.stored and row.channel.url is not None:
                    kept_in_session |= self.store.put(row.channel.id, row.channel.url) is Kept.SESSION
                    row.channel.stored = True
            for channel_id in self._removed:
                self.store.delete(channel_id)
        except SecretStoreError as error:
            return f"{error}. The channel was not saved; try again, or remove it to save the rest."
        self._removed.clear()
        if kept_in_session:
            self.store_note.setText(NO_KEYRING_MESSAGE + ": the new channel works until the desk stops.")
        return None
