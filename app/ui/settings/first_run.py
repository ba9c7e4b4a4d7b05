"""The welcome dialog of the first start: which terminal to use, a connection test, then the settings file.

Shown by the launcher when no settings file exists, which hands in the connection test (app.startup's
`try_connection`: the backend's own bounded timeout, the simulator in memory so the demo account in the
data folder is not touched) and the settings writer. The test runs on a QThreadPool thread (initialize()
can take seconds and holds the GIL in bursts). The password goes
to the OS keyring, or to this session's memory when the system has none, never to the settings file.
"Save this account and add another" keeps the account filled in and clears the form for the next one, so a
trader with several terminals sets them all up before the desk first starts.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import Backend
from app.core.settings import FIRST_ACCOUNT_ID, Settings, settings_from_dict
from app.core.target import DEFAULT_BRIDGE_HOST, DEFAULT_BRIDGE_PORT, TerminalTarget
from app.ui.settings.accounts_page import new_account_id
from app.ui.settings.credentials import NO_KEYRING_MESSAGE, CredentialError, CredentialStore, SessionPasswords
from app.ui.widgets.order_fields import InlineError, WrappingLabel, muted_label

TEST_TIMEOUT_MS = 10_000
_CHOICES = {
    Backend.SIM: "Demo: the simulated terminal (no broker, no real money)",
    Backend.MT5: "MetaTrader 5 on this PC (Windows)",
    Backend.BRIDGE: "MetaTrader 5 under Wine, through the mt5linux bridge (Linux, macOS)",
}
# The MetaTrader5 module exists for Windows only: elsewhere that choice could never connect.
_WINDOWS_ONLY = frozenset({Backend.MT5})
_TERMINAL_FILES = "MetaTrader 5 terminal (terminal64.exe terminal.exe);;All files (*)"


@dataclass(frozen=True, slots=True)
class ConnectionAttempt:
    """What the connection test should reach; the password only lives as long as the test."""

    target: TerminalTarget
    password: str | None = field(default=None, repr=False)


ConnectionTest = Callable[[ConnectionAttempt], tuple[bool, str]]
"""Connect, read the account, disconnect: (True, what answered) or (False, what to do). Runs on a worker
thread and never raises."""
SettingsWriter = Callable[[Path, Settings], None]
"""Write the settings file (atomically); raises OSError when it cannot."""


class _ProbeSignals(QObject):
    finished = pyqtSignal(bool, str)


class _Probe(QRunnable):
    def __init__(self, attempt: ConnectionAttempt, test: ConnectionTest, signals: _ProbeSignals) -> None:
        super().__init__()
        self._attempt = attempt
        self._test = test
        self._signals = signals

    def run(self) -> None:
        ok, text = self._test(self._attempt)
        # The dialog may have been closed (and deleted) while the test ran: then there is nobody to tell.
        with contextlib.suppress(RuntimeError):
            self._signals.finished.emit(ok, text)


def parse_bridge(text: str) -> tuple[str, int] | None:
    """HOST:PORT (IPv6 in brackets); None when it is not one."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65_535:
        return None
    return host, int(port)


class FirstRunDialog(QDialog):
    """Pick demo, MetaTrader 5 or the bridge; "Test connection"; Save writes `settings_file`.

    The launcher hands in how to test a connection and how to write the settings file: the dialog itself
    reaches neither a terminal nor the disk."""

    def __init__(
        self,
        settings_file: Path,
        *,
        test_connection: ConnectionTest,
        write_settings: SettingsWriter,
        credentials: CredentialStore | None = None,
        session: SessionPasswords | None = None,
        parent: QWidget | None = None,
        pool: QThreadPool | None = None,
        platform: str = sys.platform,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to MT5 Desk")
        self.settings_file = settings_file
        self._test_connection = test_connection
        self._write_settings = write_settings
        self.credentials = credentials or CredentialStore()
        self.session = session or SessionPasswords()
        self.saved: Settings | None = None
        # Its own pool of one thread: the test never overlaps itself, and the launcher can wait for it to
        # end before the desk starts (the MetaTrader5 module must not be used from two threads at once).
        self._pool = pool or QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _ProbeSignals(self)
        self._signals.finished.connect(self._show_test_result)
        self.testing = False

        intro = WrappingLabel(
            "Choose the terminal MT5 Desk should watch. You can change this later in Settings. "
            "Cancel starts with the automatic choice and asks again next time."
        )
        self._added: list[dict[str, Any]] = []  # accounts kept with "add another", in order
        self.name = QLineEdit()
        self.name.setPlaceholderText("optional: what you call this account, e.g. FTMO 1")
        self.added_note = WrappingLabel()
        self.added_note.hide()
        self.choices = QButtonGroup(self)
        self.pages = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.added_note)
        name_row = QFormLayout()
        name_row.addRow("Account name", self.name)
        layout.addLayout(name_row)
        for index, (backend, text) in enumerate(_CHOICES.items()):
            if backend in _WINDOWS_ONLY and platform != "win32":
                continue
            button = QRadioButton(text)
            button.setProperty("backend", backend.value)
            self.choices.addButton(button, index)
            layout.addWidget(button)
        self.pages.addWidget(WrappingLabel("A demo account with simulated prices; nothing reaches a broker."))
        self.pages.addWidget(self._mt5_page())
        self.pages.addWidget(self._bridge_page())
        layout.addWidget(self.pages)
        self.test_button = QPushButton("Test connection")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = WrappingLabel()
        self.test_error = InlineError()
        self.add_another_button = QPushButton("Save this account and add another")
        self.add_another_button.setAutoDefault(False)
        self.add_another_button.setToolTip("Keep this account and set up the next terminal; Save ends")
        self.add_another_button.clicked.connect(self.add_another)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.add_another_button)
        layout.addLayout(row)
        layout.addWidget(self.test_result)
        layout.addWidget(self.test_error)
        self.save_error = InlineError()
        layout.addWidget(self.save_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.choices.idToggled.connect(self._choice_changed)
        self.choose(next(iter(_CHOICES)))
        self.setMinimumWidth(520)

    def _mt5_page(self) -> QWidget:
        form = QFormLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText("terminal64.exe; empty: the installed terminal")
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._pick_terminal)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path)
        path_row.addWidget(browse)
        form.addRow("Terminal", path_row)
        self.login = QLineEdit()
        self.login.setPlaceholderText("account number; empty: the terminal's current account")
        form.addRow("Login", self.login)
        self.server = QLineEdit()
        self.server.setPlaceholderText("e.g. MetaQuotes-Demo")
        form.addRow("Server", self.server)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Password", self.password)
        self.password_note = muted_label()
        if self.credentials.available():
            note = f"Kept in the system keyring ({self.credentials.backend_name()}), never in a file."
        else:
            note = f"{NO_KEYRING_MESSAGE}. It is kept for this session only."
        self.password_note.setText(note)
        form.addRow("", self.password_note)
        page = QWidget()
        page.setLayout(form)
        return page

    def _bridge_page(self) -> QWidget:
        form = QFormLayout()
        self.bridge = QLineEdit(f"{DEFAULT_BRIDGE_HOST}:{DEFAULT_BRIDGE_PORT}")
        form.addRow("Bridge address", self.bridge)
        form.addRow(
            "",
            muted_label(
                "The address of the mt5linux bridge server running under Wine next to MetaTrader 5 "
                "(wine mt5server.exe, or wine python.exe -m mt5linux). Saved in Settings → Accounts."
            ),
        )
        page = QWidget()
        page.setLayout(form)
        return page

    # -- what the trader chose --------------------------------------------------------------------------

    def backend(self) -> Backend:
        checked = self.choices.checkedButton()
        assert checked is not None  # the group is exclusive and one choice is checked from the start
        return Backend(checked.property("backend"))

    def choose(self, backend: Backend) -> None:
        """Select a choice as a click on it would (for the launcher's and the tests' use)."""
        button = self.choices.button(list(_CHOICES).index(backend))  # id = its place in _CHOICES
        if button is None:
            raise ValueError(f"{backend.value} is not offered on this system")
        button.setChecked(True)

    def attempt(self) -> ConnectionAttempt | str:
        """What the fields ask for, or a sentence saying which field is wrong."""
        backend = self.backend()
        if backend is Backend.BRIDGE:
            address = parse_bridge(self.bridge.text())
            if address is None:
                return (
                    f"Bridge address: expected HOST:PORT such as 127.0.0.1:18812, got {self.bridge.text()!r}"
                )
            host, port = address
            return ConnectionAttempt(TerminalTarget(Backend.BRIDGE, bridge_host=host, bridge_port=port))
        if backend is Backend.SIM:
            return ConnectionAttempt(TerminalTarget(Backend.SIM))
        login_text = self.login.text().strip()
        if login_text and (not login_text.isdigit() or int(login_text) <= 0):
            return f"Login: the account number is a whole number, got {login_text!r}"
        target = TerminalTarget(
            Backend.MT5,
            path=self.path.text().strip(),
            login=int(login_text) if login_text else None,
            server=self.server.text().strip(),
        )
        return ConnectionAttempt(target, password=self.password.text() or None)

    def _table(self) -> dict[str, Any] | str:
        """The account the form holds, as its `[[accounts]]` table, or what is wrong."""
        attempt = self.attempt()
        if isinstance(attempt, str):
            return attempt
        target = attempt.target
        terminal: dict[str, Any] = {"backend": target.backend.value}
        if target.backend is Backend.MT5:
            terminal.update(path=target.path, server=target.server)
            if target.login is not None:
                terminal["login"] = target.login
        elif target.backend is Backend.BRIDGE:
            terminal.update(bridge_host=target.bridge_host, bridge_port=target.bridge_port)
        name = self.name.text().strip() or _ACCOUNT_NAMES[target.backend]
        taken = {str(table["id"]) for table in self._added}
        ident = new_account_id(taken, name) if self._added else FIRST_ACCOUNT_ID
        return {"id": ident, "name": name, **terminal}

    def result_settings(self) -> Settings | str:
        """The settings for the accounts added and the one in the form (checked like the settings file),
        or what is wrong."""
        table = self._table()
        if isinstance(table, str):
            return table
        settings, problems = settings_from_dict({"accounts": [*self._added, table]})
        return "; ".join(problems) if problems else settings

    @pyqtSlot()
    def add_another(self) -> None:
        """Keep the account in the form (its password in the keyring) and clear the form for the next."""
        settings = self.result_settings()
        table = self._table()
        if isinstance(settings, str) or isinstance(table, str):
            self.save_error.show_messages(settings if isinstance(settings, str) else str(table))
            return
        if not self._keep_password(table):
            return
        self._added.append(table)
        for edit in (self.name, self.login, self.password, self.path, self.server):
            edit.clear()
        self.save_error.show_messages([])
        self.test_result.setText("")
        kept = " · ".join(str(added["name"]) for added in self._added)
        self.added_note.setText(f"Accounts kept so far: {kept}. Set up the next one, then Save.")
        self.added_note.show()

    # -- actions ----------------------------------------------------------------------------------------

    @pyqtSlot()
    def test_connection(self) -> None:
        attempt = self.attempt()
        self.test_error.show_messages([])
        if isinstance(attempt, str):
            self.test_result.setText("")
            self.test_error.show_messages(attempt)
            return
        self.testing = True
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing the connection…")
        self._pool.start(_Probe(attempt, self._test_connection, self._signals))

    @pyqtSlot(bool, str)
    def _show_test_result(self, ok: bool, text: str) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        self.test_result.setText(text if ok else "")
        self.test_error.show_messages([] if ok else text)

    def accept(self) -> None:
        settings = self.result_settings()
        if isinstance(settings, str):
            self.save_error.show_messages(settings)
            return
        table = self._table()
        if isinstance(table, dict) and not self._keep_password(table):
            return
        try:
            self._write_settings(self.settings_file, settings)
        except OSError as error:
            self.save_error.show_messages(
                f"The settings could not be saved to {self.settings_file} ({error.strerror or error}). "
                "Check that the folder is writable, or start MT5 Desk with --data-dir PATH."
            )
            return
        self.saved = settings
        super().accept()

    def wait_for_test(self, timeout_ms: int = TEST_TIMEOUT_MS + 5_000) -> bool:
        """Block until a running connection test has ended; False if it is still running after timeout."""
        return self._pool.waitForDone(timeout_ms)

    def _keep_password(self, table: dict[str, Any]) -> bool:
        """Keyring first; this session's memory when there is none. False keeps the dialog open."""
        login, server, password = table.get("login"), str(table.get("server", "")), self.password.text()
        if table["backend"] != Backend.MT5.value or not isinstance(login, int) or not password:
            return True
        if not self.credentials.available():
            self.session.set(login, server, password)
            return True
        try:
            self.credentials.set(login, server, password)
        except CredentialError as error:
            self.session.set(login, server, password)
            self.save_error.show_messages(
                f"{error}. The password is kept for this session only; press Save again to go on."
            )
            self.password.clear()  # a second Save goes on without asking the keyring again
            return False
        return True

    @pyqtSlot(int, bool)
    def _choice_changed(self, index: int, checked: bool) -> None:
        if checked:
            self.pages.setCurrentIndex(index)
            self.test_result.setText("")
            self.test_error.show_messages([])
            self.save_error.show_messages([])

    def _pick_terminal(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, "MetaTrader 5 terminal", "", _TERMINAL_FILES)
        if chosen:
            self.path.setText(chosen)


_ACCOUNT_NAMES = {
    Backend.SIM: "Demo",
    Backend.MT5: "MetaTrader 5",
    Backend.BRIDGE: "MetaTrader 5 (Wine)",
    Backend.AUTO: "MetaTrader 5",
}


@dataclass(frozen=True, slots=True)
class FirstRunOutcome:
    """What the welcome dialog settled: the saved settings and the passwords held in memory."""

    settings: Settings
    session: SessionPasswords


def offer_first_run(
    settings_file: Path,
    *,
    test_connection: ConnectionTest,
    write_settings: SettingsWriter,
    parent: QWidget | None = None,
) -> FirstRunOutcome | None:
    """Show the welcome dialog; None when the trader cancelled (nothing saved, defaults for this run)."""
    dialog = FirstRunDialog(
        settings_file, test_connection=test_connection, write_settings=write_settings, parent=parent
    )
    accepted = dialog.exec()
    dialog.wait_for_test()
    if not accepted or dialog.saved is None:
        return None
    return FirstRunOutcome(dialog.saved, dialog.session)
