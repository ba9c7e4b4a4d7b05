"""Settings → Accounts: the desk's accounts in a list (add, remove, switch on and off) and the chosen one's
terminal below it (name, backend and the settings it reads, login, server, password, demo currency and
balance for the simulator).

The page edits the `[[accounts]]` tables the settings file holds, so every value is checked by the same
`settings_from_dict` as the file: the chosen account's refusals show under its fields (keys `terminal.*`),
another account's in the dialog's summary and as a mark on its line. Passwords never enter the tables:
each typed one waits here, keyed by account, until the dialog's OK puts it in the keyring under that
account's login and server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QSignalBlocker, pyqtSlot
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.accounts import MAX_ACCOUNTS, is_account_id
from app.core.enums import Backend
from app.core.settings import DEMO_CURRENCIES
from app.core.target import settings_of
from app.ui.settings.credentials import NO_KEYRING_MESSAGE, CredentialError, CredentialStore, SessionPasswords
from app.ui.widgets.order_fields import InlineError, muted_label, stack

BACKENDS = {
    Backend.AUTO: "Automatic: MetaTrader 5 if it answers, else the simulator",
    Backend.MT5: "MetaTrader 5 (Windows)",
    Backend.SIM: "Simulated demo terminal",
    Backend.BRIDGE: "Bridge to MT5 under Wine (mt5linux)",
}
_SHORT = {
    Backend.AUTO: "automatic",
    Backend.MT5: "MetaTrader 5",
    Backend.SIM: "demo",
    Backend.BRIDGE: "bridge",
}
BACKEND_NOTES = {
    Backend.SIM: "The simulated demo terminal: a demo account of its own, kept in the data folder.",
    Backend.BRIDGE: "The bridge host and port are where the mt5linux server listens under Wine "
    "(wine mt5server.exe, or wine python.exe -m mt5linux); login and server are optional.",
}
_SIM_KEYS = ("demo_currency", "demo_balance")
_TERMINAL_FILES = "MetaTrader 5 terminal (terminal64.exe terminal.exe);;All files (*)"


def _line(text: str, changed: Callable[[], None], placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setPlaceholderText(placeholder)
    edit.textChanged.connect(lambda _text: changed())
    return edit


def _button(text: str, clicked: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    button.clicked.connect(lambda _checked: clicked())
    return button


def _beside(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    return row


def new_account_id(taken: set[str], name: str) -> str:
    """An id for a new account from its name ("FTMO 2" -> "ftmo-2"), unique among `taken`."""
    base = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower()).strip("-_")
    base = "-".join(part for part in base.split("-") if part)[:24] or "account"
    candidate, number = base, 2
    while candidate in taken or not is_account_id(candidate):
        candidate = f"{base}-{number}"
        number += 1
    return candidate


class AccountsPage(QWidget):
    """The accounts list and the chosen account's form; `tables()` gives the `[[accounts]]` as edited."""

    def __init__(
        self,
        tables: list[dict[str, Any]],
        credentials: CredentialStore,
        session: SessionPasswords,
        changed: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.credentials, self.session = credentials, session
        self._changed = changed
        self._tables = [dict(table) for table in tables]
        self._typed: dict[str, str] = {}  # account id -> password typed in this dialog
        self._new: set[str] = set()  # accounts added in this dialog: their id follows the name typed
        self._problems_of: dict[str, list[str]] = {}
        self._current = 0
        self.errors: dict[str, InlineError] = {}
        self._loading = False
        self._build()
        if not self._tables:
            self._tables.append({"id": "main", "name": "MetaTrader 5", "enabled": True})
        self._fill_list()
        self.list.setCurrentRow(0)
        self._load(0)

    # -- layout --------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.list = QListWidget()
        self.list.setObjectName("accounts-list")
        self.list.currentRowChanged.connect(self._on_row)
        self.add_button = _button("Add account", self.add_account)
        self.remove_button = _button("Remove…", self.remove_account)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.list, 1)
        top.addLayout(buttons)
        self.list.setMaximumHeight(120)

        form = QFormLayout()
        self.name = _line("", self._edited, "what you call it: FTMO 1, Live, Demo EUR")
        self.account_id = muted_label(wrap=False)
        self._row(form, "Name", "terminal.name", stack(self.name, self.account_id))
        self.enabled = QCheckBox("Switched on: the desk connects to this account's terminal")
        self.enabled.toggled.connect(lambda _checked: self._edited())
        self._row(form, "", "terminal.enabled", self.enabled)
        self.backend = QComboBox()
        for kind, label in BACKENDS.items():
            self.backend.addItem(label, kind.value)
        self.backend.currentIndexChanged.connect(lambda _index: self._edited())
        self._row(form, "Terminal", "terminal.backend", self.backend)
        self.path = _line("", self._edited, "terminal64.exe; empty lets MetaTrader5 find it")
        self.browse = _button("Browse…", self._pick_terminal)
        self._row(form, "Terminal path", "terminal.path", _beside(self.path, self.browse))
        self.login = _line("", self._edited, "account number")
        self.login.editingFinished.connect(self._show_password_state)
        self._row(form, "Login", "terminal.login", self.login)
        self.server = _line("", self._edited, "e.g. Broker-Demo")
        self.server.editingFinished.connect(self._show_password_state)
        self._row(form, "Server", "terminal.server", self.server)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(self._on_password)
        self.forget_button = _button("Forget saved password", self._forget_password)
        self.password_note = muted_label()
        password_row = stack(_beside(self.password, self.forget_button), self.password_note)
        self._row(form, "Password", "terminal.password", password_row)
        self.timeout = QSpinBox()
        self.timeout.setRange(0, 1_000_000)  # wider than allowed: a bad value is refused with its reason
        self.timeout.setSuffix(" ms")
        self.timeout.valueChanged.connect(lambda _value: self._edited())
        self._row(form, "Connect timeout", "terminal.timeout_ms", self.timeout)
        self.bridge_host = _line("", self._edited, "127.0.0.1 when Wine runs on this computer")
        self._row(form, "Bridge host", "terminal.bridge_host", self.bridge_host)
        self.bridge_port = QSpinBox()
        self.bridge_port.setRange(0, 99_999)
        self.bridge_port.valueChanged.connect(lambda _value: self._edited())
        self._row(form, "Bridge port", "terminal.bridge_port", self.bridge_port)
        self.demo_currency = QComboBox()
        self.demo_currency.addItems(DEMO_CURRENCIES)
        self.demo_currency.currentIndexChanged.connect(lambda _index: self._edited())
        self._row(form, "Demo currency", "terminal.demo_currency", self.demo_currency)
        self.demo_balance = QDoubleSpinBox()
        self.demo_balance.setRange(0, 10_000_000_000)
        self.demo_balance.setDecimals(2)
        self.demo_balance.setGroupSeparatorShown(True)
        self.demo_balance.valueChanged.connect(lambda _value: self._edited())
        self._row(form, "Demo balance", "terminal.demo_balance", self.demo_balance)
        self.backend_note = muted_label()
        form.addRow(self.backend_note)
        self._backend_fields: dict[str, tuple[QWidget, ...]] = {
            "path": (self.path, self.browse),
            "login": (self.login,),
            "server": (self.server,),
            "password": (self.password,),
            "timeout_ms": (self.timeout,),
            "bridge_host": (self.bridge_host,),
            "bridge_port": (self.bridge_port,),
            "demo_currency": (self.demo_currency,),
            "demo_balance": (self.demo_balance,),
        }
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(muted_label("Each switched-on account gets a terminal of its own. Changes apply "
                                     "when you press OK, without restarting the desk."))  # fmt: skip
        layout.addLayout(form)

    def _row(
        self, form: QFormLayout, label: str, key: str, field: QWidget | QHBoxLayout | QVBoxLayout
    ) -> None:
        error = self.errors[key] = InlineError()
        if isinstance(field, QVBoxLayout):
            field.addWidget(error)
            form.addRow(label, field)
        else:
            form.addRow(label, stack(field, error))

    # -- the list ------------------------------------------------------------------------------------

    def _fill_list(self) -> None:
        with QSignalBlocker(self.list):
            row = self.list.currentRow()
            self.list.clear()
            for table in self._tables:
                self.list.addItem(QListWidgetItem(self._line_text(table)))
            if 0 <= row < self.list.count():
                self.list.setCurrentRow(row)

    def _line_text(self, table: dict[str, Any]) -> str:
        try:
            kind = _SHORT[Backend(table.get("backend", Backend.AUTO.value))]
        except ValueError:
            kind = str(table.get("backend"))
        login = table.get("login")
        parts = [str(table.get("name") or table["id"]), kind]
        if login not in (None, ""):
            parts.append(str(login))
        text = " · ".join(parts)
        if not table.get("enabled", True):
            text += " (switched off)"
        if self._problems_of.get(table["id"]):
            text = "⚠ " + text
        return text

    @property
    def current_id(self) -> str:
        return str(self._tables[self._current]["id"])

    def tables(self) -> list[dict[str, Any]]:
        """The `[[accounts]]` tables as edited (the chosen account's form included)."""
        return [dict(table) for table in self._tables]

    def select(self, account_id: str) -> None:
        """Show this account's form."""
        for row, table in enumerate(self._tables):
            if table["id"] == account_id:
                self.list.setCurrentRow(row)

    @pyqtSlot(int)
    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self._tables) and row != self._current:
            self._load(row)
            self._changed()

    @pyqtSlot()
    def add_account(self) -> None:
        """A new account (a demo one until the trader picks its terminal), chosen for editing."""
        if len(self._tables) >= MAX_ACCOUNTS:
            QMessageBox.information(self, "Add account", f"A desk holds at most {MAX_ACCOUNTS} accounts.")
            return
        taken = {str(table["id"]) for table in self._tables}
        name = f"Account {len(self._tables) + 1}"
        ident = new_account_id(taken, name)
        self._tables.append({"id": ident, "name": name, "enabled": True, "backend": Backend.SIM.value})
        self._new.add(ident)
        self._fill_list()
        self.list.setCurrentRow(len(self._tables) - 1)
        self.name.setFocus()
        self.name.selectAll()

    @pyqtSlot()
    def remove_account(self) -> None:
        """Take the chosen account off the desk, once the trader confirms (its journal rows stay)."""
        if len(self._tables) == 1:
            QMessageBox.information(
                self,
                "Remove account",
                "The desk needs at least one account. Add another first, or switch this one off.",
            )
            return
        table = self._tables[self._current]
        label = table.get("name") or table["id"]
        answer = QMessageBox.question(
            self,
            "Remove account",
            f"Remove {label} from the desk? Its terminal is disconnected and its models stop trading; its "
            "trades stay in the journal and come back if you add the account again with the same id.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._typed.pop(str(table["id"]), None)
        del self._tables[self._current]
        self._current = min(self._current, len(self._tables) - 1)
        self._fill_list()
        self.list.setCurrentRow(self._current)
        self._load(self._current)
        self._changed()

    # -- form <-> table ------------------------------------------------------------------------------

    def _load(self, row: int) -> None:
        self._current = row
        table = self._tables[row]
        defaults = {"backend": Backend.AUTO.value, "timeout_ms": 10_000, "bridge_host": "127.0.0.1",
                    "bridge_port": 18812, "demo_currency": "USD", "demo_balance": 10_000.0}  # fmt: skip
        value = {**defaults, **table}
        self._loading = True
        try:
            self.name.setText(str(value.get("name", "")))
            self.account_id.setText(self._id_text(str(table["id"])))
            self.enabled.setChecked(bool(value.get("enabled", True)))
            self.backend.setCurrentIndex(max(0, self.backend.findData(str(value["backend"]))))
            self.path.setText(str(value.get("path", "")))
            login = value.get("login")
            self.login.setText("" if login is None else str(login))
            self.server.setText(str(value.get("server", "")))
            self.timeout.setValue(int(value["timeout_ms"]))
            self.bridge_host.setText(str(value["bridge_host"]))
            self.bridge_port.setValue(int(value["bridge_port"]))
            self.demo_currency.setCurrentIndex(
                max(0, self.demo_currency.findText(str(value["demo_currency"])))
            )
            self.demo_balance.setValue(float(value["demo_balance"]))
            self.password.setText(self._typed.get(str(table["id"]), ""))
        finally:
            self._loading = False
        self._show_backend_fields()
        self._show_password_state()

    @staticmethod
    def _id_text(ident: str) -> str:
        return f"id {ident}: how the journal files this account's trades (it never changes once saved)"

    def _store(self) -> None:
        table = self._tables[self._current]
        login_text = self.login.text().strip()
        table.update(
            {
                "name": self.name.text().strip(),
                "enabled": self.enabled.isChecked(),
                "backend": self.backend.currentData(),
                "path": self.path.text().strip(),
                "server": self.server.text().strip(),
                "timeout_ms": self.timeout.value(),
                "bridge_host": self.bridge_host.text().strip(),
                "bridge_port": self.bridge_port.value(),
                "demo_currency": self.demo_currency.currentText(),
                "demo_balance": self.demo_balance.value(),
            }
        )
        ident = str(table["id"])
        if ident in self._new and table["name"]:  # not saved yet: the id can still follow the name
            taken = {str(other["id"]) for other in self._tables if other is not table}
            renamed = new_account_id(taken, str(table["name"]))
            if renamed != ident:
                table["id"] = renamed
                self._new.discard(ident)
                self._new.add(renamed)
                if ident in self._typed:
                    self._typed[renamed] = self._typed.pop(ident)
                self.account_id.setText(self._id_text(renamed))
        table.pop("login", None)
        if login_text:
            table["login"] = int(login_text) if login_text.isdigit() else login_text

    def _edited(self) -> None:
        if self._loading:
            return
        self._store()
        self._show_backend_fields()
        item = self.list.item(self._current)
        if item is not None:
            item.setText(self._line_text(self._tables[self._current]))
        self._changed()

    def _show_backend_fields(self) -> None:
        kind = Backend(self.backend.currentData())
        used = set(settings_of(kind))
        if kind in (Backend.SIM, Backend.AUTO):  # auto falls back to the simulator
            used.update(_SIM_KEYS)
        for key, widgets in self._backend_fields.items():
            for widget in widgets:
                widget.setEnabled(key in used)
        self.backend_note.setText(BACKEND_NOTES.get(kind, ""))

    # -- checking ------------------------------------------------------------------------------------

    def show_problems(self, lines: list[str]) -> dict[str, list[str]]:
        """Sort the loader's problem lines about accounts: the chosen account's by `terminal.<key>`, the
        others' by `accounts.<id>` (their lines get a mark); returns them all."""
        found: dict[str, list[str]] = {}
        self._problems_of = {}
        current = f"accounts.{self.current_id}."
        ids = [str(table["id"]) for table in self._tables]
        for line in lines:
            key, _, rest = line.partition(":")
            if not key.startswith("accounts"):
                continue
            reason = rest.strip().split("; ")[0]
            if key.startswith(current):
                found.setdefault("terminal." + key.removeprefix(current).split(".")[0], []).append(reason)
                self._problems_of.setdefault(self.current_id, []).append(reason)
                continue
            owner = next((i for i in ids if key.startswith(f"accounts.{i}.") or key == f"accounts.{i}"), None)
            label = next((str(t.get("name") or t["id"]) for t in self._tables if t["id"] == owner), key)
            found.setdefault(f"accounts.{owner or 'list'}", []).append(f"{label}: {reason}")
            if owner is not None:
                self._problems_of.setdefault(owner, []).append(reason)
        for account_id, password in self._typed.items():
            table = next((t for t in self._tables if t["id"] == account_id), None)
            if password and table is not None and str(table.get("login", "")).strip() == "":
                key = "terminal.password" if account_id == self.current_id else f"accounts.{account_id}"
                found.setdefault(key, []).append("enter the login this password belongs to")
        for row, table in enumerate(self._tables):
            item = self.list.item(row)
            if item is not None:
                item.setText(self._line_text(table))
        return found

    # -- passwords -----------------------------------------------------------------------------------

    @pyqtSlot(str)
    def _on_password(self, text: str) -> None:
        if self._loading:
            return
        self._typed[self.current_id] = text
        self._changed()

    def _login_of(self, table: dict[str, Any]) -> tuple[int, str] | None:
        login = table.get("login")
        return (login, str(table.get("server", ""))) if isinstance(login, int) else None

    def typed_passwords(self) -> list[tuple[str, int, str, str]]:
        """(account id, login, server, password) of each password typed for an account with a login."""
        found = []
        for table in self._tables:
            password = self._typed.get(str(table["id"]), "")
            where = self._login_of(table)
            if password and where is not None:
                found.append((str(table["id"]), where[0], where[1], password))
        return found

    def clear_passwords(self) -> None:
        """Forget every typed password (stored or abandoned, none lingers in a widget)."""
        self._typed.clear()
        self._loading = True
        try:
            self.password.clear()
        finally:
            self._loading = False

    @pyqtSlot()
    def _show_password_state(self) -> None:
        where = self._login_of(self._tables[self._current])
        if not self.credentials.available():
            saved = where is not None and self.session.get(*where) is not None
            note = NO_KEYRING_MESSAGE + "."
            self.password.setPlaceholderText(
                "held for this session" if saved else "asked for when connecting"
            )
        else:
            try:
                saved = where is not None and self.credentials.get(*where) is not None
                note = f"Kept in the system keyring ({self.credentials.backend_name()}), never in a file."
            except CredentialError as error:
                saved, note = False, f"{error}. The password will be asked for when connecting."
            self.password.setPlaceholderText("saved: type to replace" if saved else "MT5 password")
        self.password_note.setText(note)
        self.forget_button.setEnabled(saved)

    def _forget_password(self) -> None:
        where = self._login_of(self._tables[self._current])
        if where is None:
            return
        self.session.delete(*where)
        try:
            self.credentials.delete(*where)
        except CredentialError as error:
            self.errors["terminal.password"].show_messages(str(error))
            return
        self._show_password_state()

    def _pick_terminal(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "MetaTrader 5 terminal", self.path.text(), _TERMINAL_FILES
        )
        if chosen:
            self.path.setText(chosen)
