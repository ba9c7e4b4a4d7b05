"""`mt5desk doctor`: what this machine gives the desk, one line per check, each "OK …" or "!! … — what to do".

Every check is a small function returning a CheckResult, with what it looks at passed in, so the tests
drive each one on real objects (a folder under a file, a damaged journal, the keyring's fail backend).
`run_doctor` only gathers them. Nothing here changes the trader's settings or sends an order; the
journal is opened the way the app opens it, and a real terminal is only asked for its version, terminal
and account records, on its current account.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core.enums import Backend
from app.core.settings import RemoteSettings, Settings, settings_from_dict
from app.core.target import TerminalTarget, target_from_settings
from app.startup.logfile import log_file_in
from app.storage.paths import HOME_VARIABLE, AppPaths
from app.storage.toml_file import TomlProblem, read_toml

TERMINAL_TIMEOUT_MS = 5_000
MIN_PYTHON = (3, 11)
_WINDOWLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One finding: `detail` says what was seen, `advice` what to do when it is not ok."""

    name: str
    ok: bool
    detail: str
    advice: str = ""

    def line(self) -> str:
        if self.ok:
            return f"OK {self.name}: {self.detail}"
        return f"!! {self.name}: {self.detail} — {self.advice or 'see the detail'}"


def _ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, True, detail)


def _bad(name: str, detail: str, advice: str) -> CheckResult:
    return CheckResult(name, False, detail, advice)


# -- Python and Qt -----------------------------------------------------------------------------------------


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> CheckResult:
    """The interpreter's version (3.11 or newer) and whether this is the frozen build."""
    shown = ".".join(map(str, version))
    where = "frozen build" if getattr(sys, "frozen", False) else sys.executable
    if tuple(version[:2]) < MIN_PYTHON:
        return _bad("Python", f"{shown} ({where})", "MT5 Desk needs Python 3.11 or newer; install it")
    return _ok("Python", f"{shown} ({where})")


def check_qt_versions() -> CheckResult:
    """Qt's and PyQt's versions (compiled against and running)."""
    try:
        from PyQt6.QtCore import PYQT_VERSION_STR, QT_VERSION_STR, qVersion
    except ImportError as error:
        return _bad("Qt", f"PyQt6 does not import ({error})", "reinstall MT5 Desk (pip install -e .)")
    return _ok("Qt", f"Qt {qVersion()} (built for {QT_VERSION_STR}), PyQt {PYQT_VERSION_STR}")


def check_display(environ: Mapping[str, str], platform: str = sys.platform) -> CheckResult:
    """Whether a window can open: on Linux a display (X11/Wayland) or an explicit Qt platform is needed."""
    if not platform.startswith("linux"):
        return _ok("display", f"{platform} desktop")
    chosen = environ.get("QT_QPA_PLATFORM", "")
    shown = ", ".join(f"{key}={environ[key]}" for key in ("DISPLAY", "WAYLAND_DISPLAY") if environ.get(key))
    if shown or chosen:
        return _ok("display", shown or f"QT_QPA_PLATFORM={chosen}")
    return _bad(
        "display",
        "none (DISPLAY and WAYLAND_DISPLAY are not set), so the window cannot open",
        "start MT5 Desk in a desktop session or over ssh -X; on a server use mt5desk --headless",
    )


def check_qt_platform(name: str) -> CheckResult:
    """The Qt platform plugin in use; offscreen and friends show no window to the trader."""
    if name in _WINDOWLESS_PLATFORMS:
        return _bad(
            "Qt platform plugin",
            f"'{name}': windows are drawn but never shown on screen",
            "unset QT_QPA_PLATFORM to use the desktop's own plugin",
        )
    return _ok("Qt platform plugin", f"'{name}'")


def check_tray(available: bool, close_to_tray: bool) -> CheckResult:
    """The system tray; without one, notifications show inside the window and closing it quits."""
    if available:
        return _ok("system tray", "available (tray icon and tray notifications)")
    if close_to_tray:
        return _bad(
            "system tray",
            "not available, but ui.close_to_tray is on: closing the window will quit the desk instead",
            "enable a tray (GNOME: the AppIndicator extension) or set ui.close_to_tray = false",
        )
    return _ok("system tray", "not available; notifications appear inside the window")


def qt_checks(settings: Settings, environ: Mapping[str, str] = os.environ) -> Iterator[CheckResult]:
    """Versions, display, system libraries, platform plugin and tray; Qt starts in a child process only."""
    from app.startup.doctor_qt import qt_checks as checks_in_child  # a broken plugin aborts only the child

    yield from checks_in_child(settings.ui.close_to_tray, environ)


# -- keyring -----------------------------------------------------------------------------------------------


def check_keyring(backend: Any | None = None) -> CheckResult:
    """The OS password store the MT5 password goes to; a fail/null backend means asking every start."""
    import keyring
    import keyring.backends.chainer
    import keyring.backends.fail
    import keyring.backends.null

    backend = keyring.get_keyring() if backend is None else backend
    name = str(getattr(backend, "name", type(backend).__name__))
    no_store = isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring) or (
        isinstance(backend, keyring.backends.chainer.ChainerBackend) and not backend.backends
    )
    advice = (
        "install or unlock a password store (Linux: GNOME Keyring or KWallet with Secret Service); "
        "until then the MT5 password is asked for at each start and never written to disk"
    )
    if no_store:
        return _bad("keyring", f"{name}: no usable password store", advice)
    try:
        backend.get_password("MT5Desk", "mt5desk-doctor-probe")  # a read only, of an entry never written
    except Exception as error:  # any backend failure means the password cannot be kept there
        return _bad("keyring", f"{name}: does not answer ({type(error).__name__}: {error})", advice)
    return _ok("keyring", f"{name}: usable")


# -- the terminal ------------------------------------------------------------------------------------------


def check_mt5_module(
    backend: Backend, platform: str = sys.platform, find: Callable[[str], Any] = importlib.util.find_spec
) -> CheckResult:
    """Whether the MetaTrader5 package is installed; a problem only where this desk would use it."""
    if find("MetaTrader5") is not None:
        return _ok("MetaTrader5 module", "installed")
    needed = backend is Backend.MT5 or (backend is Backend.AUTO and platform == "win32")
    if needed:
        return _bad(
            "MetaTrader5 module",
            f"not installed, and terminal.backend is '{backend.value}'",
            "on Windows run pip install MetaTrader5 (the installer build includes it)",
        )
    return _ok("MetaTrader5 module", f"not installed (Windows only); this desk uses '{backend.value}'")


Opener = Callable[[TerminalTarget], Any]


def check_terminal(
    target: TerminalTarget,
    opener: Opener | None = None,
    timeout_ms: int = TERMINAL_TIMEOUT_MS,
    grace_s: float = 5.0,
) -> CheckResult:
    """Whether the configured terminal answers within `timeout_ms` with its version, terminal and account
    records (its current account: no login, nothing sent).

    `grace_s` is how much longer than its own timeout the backend is waited for before giving up on it.
    """
    from app.terminal.backend import open_terminal

    if target.backend is Backend.SIM:
        return _ok("terminal", "backend 'sim': the simulated demo terminal, nothing to reach")
    opener = opener or open_terminal
    # `auto` is asked as MetaTrader 5: whether the real terminal answers is what there is to know.
    backend = Backend.MT5 if target.backend is Backend.AUTO else target.backend
    probe = replace(target.probe(), backend=backend, timeout_ms=min(timeout_ms, target.timeout_ms))
    bridge = target.backend is Backend.BRIDGE
    where = f"the mt5linux bridge at {target.bridge_address}" if bridge else "MetaTrader 5"
    outcome: list[Any] = []

    def ask() -> None:
        try:
            selection = opener(probe)
            try:
                outcome.append(_terminal_answer(selection.terminal, where))
            finally:
                selection.terminal.disconnect()
        except Exception as error:  # reported below as the terminal's problem, never raised at the trader
            outcome.append(error)

    # A thread so that a transport without its own timeout cannot hang the doctor.
    worker = threading.Thread(target=ask, name="doctor-terminal", daemon=True)
    worker.start()
    worker.join(timeout_ms / 1000 + grace_s)
    if not outcome:
        return _bad("terminal", f"{where} did not answer within {timeout_ms / 1000:g} s", _START)
    answer = outcome[0]
    if isinstance(answer, CheckResult):
        return answer
    return _terminal_failure(answer, target.backend, where)


def _terminal_answer(terminal: Any, where: str) -> CheckResult:
    """Version, terminal and account read through the link, in one line."""
    from app.terminal.bridge_client import BridgeApi

    _major, build, _date = terminal.version()
    info = terminal.terminal_info()
    account = terminal.account()
    seen = (
        f"{where} answered: MetaTrader 5 build {build}, account {account.login} on "
        f"{account.server or 'its server'} ({account.trade_mode.value})"
    )
    api = terminal.api
    if isinstance(api, BridgeApi) and api.server is not None:
        seen += (
            f"; bridge server Python {api.server.python}, rpyc {api.server.rpyc}, "
            f"MetaTrader5 {api.server.metatrader5}"
        )
    if not info.connected:
        return _bad(
            "terminal",
            f"{seen}, but MetaTrader 5 is not connected to the broker's server",
            "check the connection status in the bottom-right corner of MetaTrader 5 and log in again",
        )
    return _ok("terminal", seen)


def _terminal_failure(error: Any, backend: Backend, where: str) -> CheckResult:
    from app.terminal.bridge_client import BridgeFailure
    from app.terminal.errors import CODE_BAD_RECORD, CODE_NOT_INSTALLED, TerminalError

    if not isinstance(error, TerminalError):
        return _bad("terminal", f"{where}: {type(error).__name__}: {error}", _START)
    if error.code == CODE_NOT_INSTALLED and backend is Backend.AUTO:
        return _ok("terminal", "no MetaTrader 5 on this system; backend 'auto' uses the simulated terminal")
    if isinstance(error, BridgeFailure) or error.code == CODE_NOT_INSTALLED:
        return _bad("terminal", error.message, error.hint or _START)
    if error.code == CODE_BAD_RECORD:
        return _bad(
            "terminal", f"{where} answered with {error.message[0].lower()}{error.message[1:]}", error.hint
        )
    if backend is Backend.BRIDGE:
        return _bad(
            "terminal",
            f"{where} runs, but MetaTrader 5 under Wine did not answer it: {error.message}",
            "start MetaTrader 5 under Wine (wine terminal64.exe) in the same Wine prefix as the bridge "
            "server, log in, then run mt5desk doctor again",
        )
    detail = f"{where} did not answer: {error.message}"
    if backend is Backend.AUTO:
        detail += " (backend 'auto' falls back to the simulated terminal)"
    return _bad("terminal", detail, error.hint or _START)


_START = "start MetaTrader 5 and log in (or its mt5linux server under Wine), then run mt5desk doctor again"


# -- folders, settings and the journal ----------------------------------------------------------------------


def check_folder(label: str, folder: Path) -> CheckResult:
    """Whether the app can write in `folder` (or create it): probed with a temporary file, then removed."""
    name = f"{label} folder"
    advice = f"make {folder} writable, or choose another folder with --data-dir PATH or {HOME_VARIABLE}"
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return _bad(name, f"{folder} cannot be created: {existing} is a file, not a folder", advice)
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        return _bad(name, f"{folder} is not writable ({error.strerror or error})", advice)
    return _ok(name, f"{folder}" + ("" if existing == folder else " (created on first start)"))


def check_log_folder(folder: Path) -> CheckResult:
    """The log folder is writable, and what the app's log file in it holds (its size, its last entry)."""
    result = check_folder("log", folder)
    if not result.ok:
        return result
    log_file = log_file_in(folder)
    try:
        state = log_file.stat()
    except FileNotFoundError:
        return _ok(result.name, f"{result.detail}; {log_file.name} is started by the next run of MT5 Desk")
    except OSError as error:
        return _bad(
            result.name,
            f"{log_file} cannot be read ({error.strerror or error})",
            f"make {log_file} readable and writable for your user",
        )
    if state.st_size == 0:
        return _ok(result.name, f"{result.detail}; {log_file.name} holds no warnings or errors")
    written = datetime.fromtimestamp(state.st_mtime).strftime("%Y-%m-%d %H:%M")
    size = f"{state.st_size / 1024:.0f} KB" if state.st_size >= 1024 else f"{state.st_size} bytes"
    return _ok(result.name, f"{result.detail}; {log_file.name} {size}, last written {written}")


def check_settings_file(path: Path) -> CheckResult:
    """The settings file parses and every value is valid (read only: a bad file is not moved aside)."""
    name = "settings"
    try:
        data = read_toml(path)
    except TomlProblem as problem:
        if problem.missing:
            return _ok(name, f"{path} not present; defaults in use")
        return _bad(name, f"{path} {problem}", "fix the file or delete it to start from defaults")
    _settings, problems = settings_from_dict(data)
    if problems:
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
        return _bad(name, f"{path}: {shown}", "fix these lines; until then their defaults are used")
    return _ok(name, f"{path}")


def check_database(path: Path) -> CheckResult:
    """The journal opens (schema up to date) and passes SQLite's integrity check."""
    from app.storage.database import open_database
    from app.storage.errors import JournalError

    name = "trade journal"
    if not path.exists():
        return _ok(name, f"{path} not created yet (it is made on first start)")
    try:
        with open_database(path) as database:
            problems = database.integrity_problems()
            revision = database.schema_revision()
    except JournalError as error:
        return _bad(name, str(error), "follow the steps above; your positions are still in the terminal")
    if problems:
        return _bad(
            name,
            f"{path}: SQLite's integrity check found: " + "; ".join(problems[:3]),
            "close MT5 Desk, keep a copy of the file and move it out of the folder; a new journal is made",
        )
    return _ok(name, f"{path} (schema {revision}, integrity ok)")


# -- remote viewing ----------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_remote(remote: RemoteSettings) -> CheckResult:
    """Remote viewing: off, or on with TLS when reachable from other machines."""
    name = "remote viewing"
    if not remote.enabled:
        return _ok(name, "off")
    tls = bool(remote.tls_cert and remote.tls_key)
    origins = ", ".join(remote.allowed_origins) or "none"
    detail = (
        f"on at {remote.host}:{remote.port}, TLS {'on' if tls else 'off'}, browser origins: {origins}, "
        f"up to {remote.max_clients} viewers"
    )
    missing = [file for file in (remote.tls_cert, remote.tls_key) if file and not Path(file).is_file()]
    if missing:
        return _bad(
            name, f"{detail}; missing: {', '.join(missing)}", "fix remote.tls_cert and remote.tls_key"
        )
    if not tls and not is_loopback(remote.host):
        return _bad(
            name,
            f"{detail}: the token and your account travel unencrypted over the network",
            "set remote.tls_cert and remote.tls_key, or bind remote.host to 127.0.0.1 and use an SSH tunnel",
        )
    return _ok(name, detail)


# -- all together ------------------------------------------------------------------------------------------


def run_checks(
    paths: AppPaths,
    *,
    backend: Backend | None = None,
    bridge: tuple[str, int] | None = None,
    environ: Mapping[str, str] = os.environ,
    token_file: Path | None = None,
) -> Iterator[CheckResult]:
    """Every check, one at a time as it finishes; `backend` overrides the settings file's for this run.

    Qt comes last: a display that is set but unreachable makes Qt abort the process, and by then every
    other finding has been printed.
    """
    from app.startup.doctor_privacy import check_private_files, check_token_file  # they import CheckResult

    settings = _settings_or_defaults(paths.settings_file)
    target = target_from_settings(settings.primary.terminal, backend=backend, bridge=bridge)
    yield check_python()
    yield check_keyring()
    yield check_mt5_module(target.backend)
    yield check_terminal(target)
    for label, folder in (("config", paths.config_dir), ("data", paths.data_dir)):
        yield check_folder(label, folder)
    yield check_log_folder(paths.log_dir)
    yield check_settings_file(paths.settings_file)
    yield check_database(paths.database_file)
    yield check_private_files(paths)
    if token_file is not None:
        yield check_token_file(token_file)
    yield check_remote(settings.remote)
    yield from qt_checks(settings, environ)


def _settings_or_defaults(path: Path) -> Settings:
    try:
        return settings_from_dict(read_toml(path))[0]
    except TomlProblem:
        return Settings()


def report(results: Iterable[CheckResult], out: Callable[[str], None] = print) -> int:
    """Print one line per result and a closing line; 0 when every check is ok, 1 otherwise."""
    failed = 0
    for result in results:
        out(result.line())  # as each finishes: a slow terminal check must not hide the lines before it
        failed += not result.ok
    out("mt5desk doctor: all checks passed" if not failed else f"mt5desk doctor: {failed} problem(s) found")
    return 0 if not failed else 1
