"""The settings dialog: every field goes through `settings_from_dict`, the same check the settings file gets.

A refused value shows its reason under the field and OK stays disabled until it is fixed. The MT5
password never becomes a setting: it goes to the OS keyring, or to memory for this session only when the
system has no keyring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import pyqtSlot
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.alerts.channel_secrets import ChannelSecrets
from app.alerts.tester import ChannelTester
from app.core.accounts import accounts_to_list
from app.core.enums import Backend
from app.core.settings import Settings, Theme, settings_from_dict
from app.terminal.backend import settings_of
from app.ui.settings.alerts_page import AlertsPage
from app.ui.settings.credentials import NO_KEYRING_MESSAGE, CredentialError, CredentialStore, SessionPasswords
from app.ui.settings.risk_page import RiskPage
from app.ui.settings.viewer_access_box import ViewerAccess, ViewerAccessBox
from app.ui.widgets.order_fields import InlineError, muted_label, stack

_BACKENDS = {
    Backend.AUTO: "Automatic: MetaTrader 5 if it answers, else the simulator",
    Backend.MT5: "MetaTrader 5 (Windows)",
    Backend.SIM: "Simulated demo terminal",
    Backend.BRIDGE: "Bridge to MT5 under Wine (mt5linux)",
}
_BACKEND_NOTES = {
    Backend.SIM: "The simulated demo terminal needs no settings.",
    Backend.BRIDGE: "The bridge host and port are where the mt5linux server listens under Wine "
    "(wine mt5server.exe, or wine python.exe -m mt5linux); login and server are optional.",
}
# Settings section -> tab, in tab order.
_TABS = {
    "terminal": "Terminal",
    "intervals": "Intervals",
    "notifications": "Notifications",
    "ui": "Appearance",
    "remote": "Remote",
    "risk": "Risk",
    "alerts": "Alerts",
}
_THEMES = {Theme.SYSTEM: "Follow the system", Theme.LIGHT: "Light", Theme.DARK: "Dark"}
_INTERVALS = {
    "pnl_s": "Floating P&L",
    "positions_s": "Positions",
    "account_s": "Account",
    "heartbeat_s": "Heartbeat",
}
_NOTIFICATIONS = {
    "auto_trade": "Automatic trade executed",
    "trade_error": "Trade error",
    "connection": "Connection lost or restored",
}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SettingsDialog(QDialog):
    """Edit all settings; `result_settings()` gives the checked Settings after OK."""

    def __init__(
        self,
        settings: Settings,
        credentials: CredentialStore | None = None,
        session: SessionPasswords | None = None,
        parent: QWidget | None = None,
        viewer_access: ViewerAccess | None = None,
        alert_secrets: ChannelSecrets | None = None,
        alert_tester: ChannelTester | None = None,
        account_currency: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.viewer_access = ViewerAccessBox(viewer_access)
        self.credentials = credentials or CredentialStore()
        self.session = session or SessionPasswords()
        self._errors: dict[str, InlineError] = {}
        self.alerts_page = AlertsPage(
            settings.alerts, alert_secrets or ChannelSecrets(), alert_tester, changed=self._revalidate
        )
        self._errors.update(self.alerts_page.errors)
        self.risk_page = RiskPage(settings.risk, self._revalidate, currency=account_currency)
        self.allow_real, self.real_warning = self.risk_page.allow_real, self.risk_page.real_warning
        self._errors.update(self.risk_page.errors)
        self.tabs = QTabWidget()
        pages = (self._terminal_tab, self._intervals_tab, self._notifications_tab, self._appearance_tab,
                 self._remote_tab, self._risk_tab, lambda _settings: self.alerts_page)  # fmt: skip
        for build, name in zip(pages, _TABS.values(), strict=True):
            self.tabs.addTab(build(settings), name)
        self.summary = InlineError()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok_button is not None  # a standard button asked for in the constructor
        self.ok_button = ok_button
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._show_password_state()
        self._revalidate()

    # -- tabs ----------------------------------------------------------------------------------------

    def _terminal_tab(self, settings: Settings) -> QWidget:
        # The first switched-on account's terminal; the other accounts are kept as they are (the account
        # editor of issue 15 replaces this page).
        self._settings = settings
        self._primary = settings.primary
        t = self._primary.terminal
        form = QFormLayout()
        self.backend = _combo(_BACKENDS, t.backend, self._revalidate)
        self._row(form, "Terminal", "terminal.backend", self.backend)
        self.path = _line(t.path, self._revalidate, "terminal64.exe; empty lets MetaTrader5 find it")
        browse = _button("Browse…", lambda: self._pick(self.path, "MetaTrader 5 terminal", _TERMINAL_FILES))
        self._row(form, "Terminal path", "terminal.path", _beside(self.path, browse))
        self.login = _line("" if t.login is None else str(t.login), self._revalidate, "account number")
        self.login.editingFinished.connect(self._show_password_state)
        self._row(form, "Login", "terminal.login", self.login)
        self.server = _line(t.server, self._revalidate, "e.g. Broker-Demo")
        self.server.editingFinished.connect(self._show_password_state)
        self._row(form, "Server", "terminal.server", self.server)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(lambda _text: self._revalidate())
        self.forget_button = _button("Forget saved password", self._forget_password)
        self.password_note = muted_label()
        self._row(
            form,
            "Password",
            "terminal.password",
            stack(_beside(self.password, self.forget_button), self.password_note),
        )
        self.timeout = _spin(QSpinBox(), 0, 1_000_000, t.timeout_ms, " ms", self._revalidate)
        self._row(form, "Connect timeout", "terminal.timeout_ms", self.timeout)
        self.bridge_host = _line(t.bridge_host, self._revalidate, "127.0.0.1 when Wine runs on this computer")
        self._row(form, "Bridge host", "terminal.bridge_host", self.bridge_host)
        self.bridge_port = _spin(QSpinBox(), 0, 99_999, t.bridge_port, "", self._revalidate)
        self._row(form, "Bridge port", "terminal.bridge_port", self.bridge_port)
        self.backend_note = muted_label()
        form.addRow(self.backend_note)
        # Which fields the chosen backend reads is declared by the backend itself (its `settings`).
        self._backend_fields: dict[str, tuple[QWidget, ...]] = {
            "path": (self.path, browse),
            "login": (self.login,),
            "server": (self.server,),
            "password": (self.password,),
            "timeout_ms": (self.timeout,),
            "bridge_host": (self.bridge_host,),
            "bridge_port": (self.bridge_port,),
        }
        self.backend.currentIndexChanged.connect(lambda _index: self._show_backend_fields())
        self._show_backend_fields()
        return _page(form)

    @pyqtSlot()
    def _show_backend_fields(self) -> None:
        kind = Backend(self.backend.currentData())
        used = settings_of(kind)
        for key, widgets in self._backend_fields.items():
            for widget in widgets:
                widget.setEnabled(key in used)
        self.backend_note.setText(_BACKEND_NOTES.get(kind, ""))

    def _intervals_tab(self, settings: Settings) -> QWidget:
        form = QFormLayout()
        self.intervals: dict[str, QDoubleSpinBox] = {}
        for key, label in _INTERVALS.items():
            box = QDoubleSpinBox()
            box.setDecimals(2)
            self.intervals[key] = _spin(
                box, 0, 100_000, getattr(settings.intervals, key), " s", self._revalidate
            )
            self._row(form, label, f"intervals.{key}", box)
        form.addRow(muted_label("How often the terminal is asked; shorter is livelier and busier."))
        return _page(form)

    def _notifications_tab(self, settings: Settings) -> QWidget:
        form = QFormLayout()
        self.notifications = {
            key: _check(label, getattr(settings.notifications, key), self._revalidate)
            for key, label in _NOTIFICATIONS.items()
        }
        for key, box in self.notifications.items():
            self._row(form, "", f"notifications.{key}", box)
        form.addRow(muted_label("Muted notifications are still written to the event log."))
        return _page(form)

    def _appearance_tab(self, settings: Settings) -> QWidget:
        form = QFormLayout()
        self.theme = _combo(_THEMES, settings.ui.theme, self._revalidate)
        self._row(form, "Theme", "ui.theme", self.theme)
        self.close_to_tray = _check(
            "Closing the window keeps the desk running in the tray",
            settings.ui.close_to_tray,
            self._revalidate,
        )
        self._row(form, "", "ui.close_to_tray", self.close_to_tray)
        return _page(form)

    def _remote_tab(self, settings: Settings) -> QWidget:
        r = settings.remote
        form = QFormLayout()
        self.remote_enabled = _check("Let read-only viewers watch this desk", r.enabled, self._revalidate)
        self._row(form, "", "remote.enabled", self.remote_enabled)
        self.host = _line(r.host, self._revalidate, "127.0.0.1 keeps it on this computer")
        self._row(form, "Listen on", "remote.host", self.host)
        self.port = _spin(QSpinBox(), 0, 99_999, r.port, "", self._revalidate)
        self._row(form, "Port", "remote.port", self.port)
        self.tls_cert = _line(r.tls_cert, self._revalidate, "certificate file (.pem), empty for no TLS")
        cert_pick = _button("Browse…", lambda: self._pick(self.tls_cert, "TLS certificate", _CERT_FILES))
        self._row(form, "TLS certificate", "remote.tls_cert", _beside(self.tls_cert, cert_pick))
        self.tls_key = _line(r.tls_key, self._revalidate, "private key file (.pem)")
        key_pick = _button("Browse…", lambda: self._pick(self.tls_key, "TLS private key", _KEY_FILES))
        self._row(form, "TLS key", "remote.tls_key", _beside(self.tls_key, key_pick))
        self.origins = _line(", ".join(r.allowed_origins), self._revalidate, "https://desk.example.com, …")
        self._row(form, "Allowed origins", "remote.allowed_origins", self.origins)
        self.mask_account = _check("Hide the account number from viewers", r.mask_account, self._revalidate)
        self._row(form, "", "remote.mask_account", self.mask_account)
        self.max_clients = _spin(QSpinBox(), 0, 100_000, r.max_clients, "", self._revalidate)
        self._row(form, "Most viewers", "remote.max_clients", self.max_clients)
        self.exposure_note = muted_label()
        form.addRow(self.exposure_note)
        form.addRow("Viewer link", self.viewer_access)
        return _page(form)

    def _risk_tab(self, settings: Settings) -> QWidget:
        return self.risk_page

    def _row(
        self, form: QFormLayout, label: str, key: str, field: QWidget | QHBoxLayout | QVBoxLayout
    ) -> None:
        error = self._errors[key] = InlineError()
        if isinstance(field, QVBoxLayout):
            field.addWidget(error)
            form.addRow(label, field)
        else:
            form.addRow(label, stack(field, error))

    # -- form to settings ----------------------------------------------------------------------------

    def form_dict(self) -> dict[str, Any]:
        """The form as the TOML-shaped dict `settings_from_dict` checks (unset values left out)."""
        login_text = self.login.text().strip()
        terminal: dict[str, Any] = {
            "backend": self.backend.currentData(),
            "path": self.path.text().strip(),
            "server": self.server.text().strip(),
            "timeout_ms": self.timeout.value(),
            "bridge_host": self.bridge_host.text().strip(),
            "bridge_port": self.bridge_port.value(),
        }
        if login_text:
            terminal["login"] = int(login_text) if login_text.isdigit() else login_text
        accounts = accounts_to_list(self._settings.with_primary(self._primary).accounts, self._settings.risk)
        for table in accounts:
            if table["id"] == self._primary.id:
                table.pop("login", None)
                table.update(terminal)
        origins = [part for part in self.origins.text().replace(",", " ").split() if part]
        return {
            "accounts": accounts,
            "intervals": {key: box.value() for key, box in self.intervals.items()},
            "notifications": {key: box.isChecked() for key, box in self.notifications.items()},
            "ui": {"theme": self.theme.currentData(), "close_to_tray": self.close_to_tray.isChecked()},
            "remote": {
                "enabled": self.remote_enabled.isChecked(),
                "host": self.host.text().strip(),
                "port": self.port.value(),
                "tls_cert": self.tls_cert.text().strip(),
                "tls_key": self.tls_key.text().strip(),
                "allowed_origins": origins,
                "mask_account": self.mask_account.isChecked(),
                "max_clients": self.max_clients.value(),
            },
            "risk": self.risk_page.form_dict(),
            "alerts": self.alerts_page.form_dict(),
        }

    def result_settings(self) -> Settings:
        """The settings the form holds, checked exactly as the settings file is."""
        return settings_from_dict(self.form_dict())[0]

    def problems(self) -> dict[str, list[str]]:
        """Refused values by setting key ('remote.port'), each with its reason."""
        _settings, lines = settings_from_dict(self.form_dict())
        found: dict[str, list[str]] = {}
        primary = f"accounts.{self._primary.id}."
        for line in lines:
            key, _, rest = line.partition(":")
            if key.startswith(primary):  # the Terminal page edits the primary account
                key = "terminal." + key.removeprefix(primary)
            # "got X; using Y" is the file loader's fallback; here the value is refused instead.
            found.setdefault(key.split("[")[0], []).append(rest.strip().split("; ")[0])
        for key, texts in self.alerts_page.problems().items():
            found.setdefault(key, []).extend(texts)
        if self.password.text() and self.login.text().strip() == "":
            found.setdefault("terminal.password", []).append("enter the login this password belongs to")
        return found

    @pyqtSlot()
    def _revalidate(self) -> None:
        found = self.problems()
        for key, label in self._errors.items():
            label.show_messages([_sentence(text) for text in found.get(key, [])])
        unplaced = [
            f"{key}: {text}" for key, texts in found.items() if key not in self._errors for text in texts
        ]
        sections = {key.split(".")[0] for key in found}
        tabs = [name for section, name in _TABS.items() if section in sections]
        summary = [f"Fix before saving: {', '.join(tabs)}."] if tabs else []
        self.summary.show_messages(summary + unplaced)
        self.ok_button.setEnabled(not found)
        remote = self.form_dict()["remote"]
        exposed = remote["enabled"] and remote["host"] not in _LOOPBACK and not remote["tls_cert"]
        self.exposure_note.setText(
            "Listening beyond this computer without TLS: the token and the account figures cross the "
            "network in clear text. Add a certificate and key."
            if exposed
            else ""
        )

    # -- password ------------------------------------------------------------------------------------

    def _account(self) -> tuple[int, str] | None:
        login = self.login.text().strip()
        return (int(login), self.server.text().strip()) if login.isdigit() else None

    @pyqtSlot()
    def _show_password_state(self) -> None:
        account = self._account()
        if not self.credentials.available():
            saved = account is not None and self.session.get(*account) is not None
            note = NO_KEYRING_MESSAGE + "."
            self.password.setPlaceholderText(
                "held for this session" if saved else "asked for when connecting"
            )
        else:
            try:
                saved = account is not None and self.credentials.get(*account) is not None
                note = f"Kept in the system keyring ({self.credentials.backend_name()}), never in a file."
            except CredentialError as error:
                saved, note = False, f"{error}. The password will be asked for when connecting."
            self.password.setPlaceholderText("saved: type to replace" if saved else "MT5 password")
        self.password_note.setText(note)
        self.forget_button.setEnabled(saved)

    def _forget_password(self) -> None:
        account = self._account()
        if account is None:
            return
        self.session.delete(*account)
        try:
            self.credentials.delete(*account)
        except CredentialError as error:
            self._errors["terminal.password"].show_messages(str(error))
            return
        self._show_password_state()

    def accept(self) -> None:
        if self.problems():
            self._revalidate()
            return
        password, account = self.password.text(), self._account()
        if password and account is not None:
            if self.credentials.available():
                try:
                    self.credentials.set(*account, password)
                except CredentialError as error:
                    self._errors["terminal.password"].show_messages(
                        f"{error}. Clear the field to save the other settings; the password will then be "
                        "asked for when connecting."
                    )
                    return
            else:
                self.session.set(*account, password)
        failed = self.alerts_page.commit()
        if failed is not None:
            self._errors["alerts.channels"].show_messages(failed)
            self.tabs.setCurrentWidget(self.alerts_page)
            return
        super().accept()

    def done(self, result: int) -> None:
        self.password.clear()  # stored or abandoned, it should not linger in a widget
        super().done(result)

    def _pick(self, edit: QLineEdit, title: str, filters: str) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, title, edit.text(), filters)
        if chosen:
            edit.setText(chosen)
            self._revalidate()


_TERMINAL_FILES = "MetaTrader 5 terminal (terminal64.exe terminal.exe);;All files (*)"
_CERT_FILES = "Certificates (*.pem *.crt *.cer);;All files (*)"
_KEY_FILES = "Private keys (*.pem *.key);;All files (*)"


def _sentence(reason: str) -> str:
    for key, name in (("remote.tls_cert", "the TLS certificate"), ("remote.tls_key", "the TLS key")):
        reason = reason.replace(key, name)
    return reason[:1].upper() + reason[1:]


def _page(form: QFormLayout) -> QWidget:
    page = QWidget()
    page.setLayout(form)
    return page


def _beside(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row


def _combo(choices: dict[Any, str], current: Any, changed: Callable[[], None]) -> QComboBox:
    box = QComboBox()
    for value, label in choices.items():
        box.addItem(label, value.value)
    box.setCurrentIndex(max(0, box.findData(current.value)))
    box.currentIndexChanged.connect(lambda _index: changed())
    return box


def _line(text: str, changed: Callable[[], None], placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    edit.textChanged.connect(lambda _text: changed())
    return edit


def _check(text: str, checked: bool, changed: Callable[[], None]) -> QCheckBox:
    box = QCheckBox(text)
    box.setChecked(checked)
    box.toggled.connect(lambda _checked: changed())
    return box


def _spin(
    box: QSpinBox | QDoubleSpinBox,
    low: float,
    high: float,
    value: float,
    suffix: str,
    changed: Callable[[], None],
) -> Any:
    # Wider than the settings' own limits on purpose: an out-of-range value is refused with its reason.
    # A QSpinBox is always given whole numbers by its callers; mypy cannot pair the union's two signatures.
    box.setRange(low, high)  # type: ignore[arg-type]
    box.setValue(value)  # type: ignore[arg-type]
    box.setSuffix(suffix)
    box.valueChanged.connect(lambda _value: changed())
    return box


def _button(text: str, clicked: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.clicked.connect(lambda _checked: clicked())
    return button
