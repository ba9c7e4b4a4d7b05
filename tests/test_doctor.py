"""mt5desk doctor: each check says OK for a sound machine and "!! … — what to do" for each kind of trouble."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked
from PyQt6.QtWidgets import QApplication

from app.cli import main
from app.core.enums import Backend
from app.core.settings import RemoteSettings
from app.core.target import TerminalTarget
from app.startup.doctor import (
    CheckResult,
    check_database,
    check_display,
    check_folder,
    check_keyring,
    check_log_folder,
    check_mt5_module,
    check_python,
    check_qt_platform,
    check_qt_versions,
    check_remote,
    check_settings_file,
    check_terminal,
    check_tray,
    is_loopback,
    report,
    run_checks,
)
from app.startup.logfile import start_log_file, stop_log_file
from app.storage.database import open_database
from app.storage.paths import AppPaths
from app.terminal.backend import open_terminal


class MemoryKeyring(KeyringBackend):
    """A real, working keyring backend that keeps its entries in a dict."""

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


class LockedKeyring(MemoryKeyring):
    """A keyring that is installed but locked, as a Secret Service collection nobody unlocked."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


def test_an_ok_result_prints_as_one_ok_line() -> None:
    assert CheckResult("keyring", True, "fine").line() == "OK keyring: fine"


def test_a_problem_prints_what_was_seen_and_what_to_do() -> None:
    assert CheckResult("x", False, "broken", "fix it").line() == "!! x: broken — fix it"


def test_python_3_11_or_newer_is_ok() -> None:
    assert check_python((3, 11, 7)).ok


def test_python_older_than_3_11_is_a_problem() -> None:
    result = check_python((3, 10, 12))
    assert not result.ok and "3.11 or newer" in result.advice


def test_qt_versions_are_reported() -> None:
    result = check_qt_versions()
    assert result.ok and "PyQt 6." in result.detail


def test_linux_without_a_display_says_to_use_a_desktop_or_headless() -> None:
    result = check_display({}, "linux")
    assert not result.ok and "--headless" in result.advice


@pytest.mark.parametrize(
    "environ", [{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {"QT_QPA_PLATFORM": "xcb"}]
)
def test_linux_with_a_display_or_a_chosen_platform_is_ok(environ: dict[str, str]) -> None:
    assert check_display(environ, "linux").ok


def test_windows_always_has_a_display() -> None:
    assert check_display({}, "win32").ok


def test_a_desktop_platform_plugin_is_ok() -> None:
    assert check_qt_platform("xcb").ok


def test_the_offscreen_platform_plugin_is_a_problem_since_no_window_shows() -> None:
    result = check_qt_platform("offscreen")
    assert not result.ok and "QT_QPA_PLATFORM" in result.advice


def test_a_tray_is_ok() -> None:
    assert check_tray(available=True, close_to_tray=True).ok


def test_no_tray_is_fine_when_closing_the_window_should_quit() -> None:
    result = check_tray(available=False, close_to_tray=False)
    assert result.ok and "inside the window" in result.detail


def test_no_tray_with_close_to_tray_on_is_a_problem() -> None:
    result = check_tray(available=False, close_to_tray=True)
    assert not result.ok and "close_to_tray" in result.advice


def test_a_working_keyring_is_usable() -> None:
    result = check_keyring(MemoryKeyring())
    assert result.ok and result.detail.endswith("usable")


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()])
def test_the_fail_and_null_keyrings_are_no_password_store(backend: KeyringBackend) -> None:
    result = check_keyring(backend)
    assert not result.ok and "no usable password store" in result.detail
    assert "never written to disk" in result.advice


def test_a_locked_keyring_is_reported_with_its_error() -> None:
    result = check_keyring(LockedKeyring())
    assert not result.ok and "the collection is locked" in result.detail


def test_the_metatrader5_module_is_ok_when_it_is_installed() -> None:
    assert check_mt5_module(Backend.MT5, "win32", find=lambda _name: importlib.util.find_spec("json")).ok


@pytest.mark.skipif(importlib.util.find_spec("MetaTrader5") is not None, reason="MetaTrader5 is installed")
def test_a_missing_metatrader5_module_is_fine_for_the_simulator_or_the_bridge() -> None:
    assert check_mt5_module(Backend.SIM, "linux").ok
    assert check_mt5_module(Backend.BRIDGE, "linux").ok


@pytest.mark.skipif(importlib.util.find_spec("MetaTrader5") is not None, reason="MetaTrader5 is installed")
@pytest.mark.parametrize(("backend", "platform"), [(Backend.MT5, "linux"), (Backend.AUTO, "win32")])
def test_a_missing_metatrader5_module_is_a_problem_where_the_desk_would_use_it(
    backend: Backend, platform: str
) -> None:
    result = check_mt5_module(backend, platform)
    assert not result.ok and "pip install MetaTrader5" in result.advice


def test_the_simulator_needs_no_terminal() -> None:
    assert check_terminal(TerminalTarget(Backend.SIM)).ok


def test_a_terminal_that_answers_is_ok_with_its_build_and_account() -> None:
    # The simulator stands where MetaTrader 5 would: a MetaTrader5-shaped API that answers.
    def opener(target: TerminalTarget) -> Any:
        return open_terminal(replace(target, backend=Backend.SIM))

    result = check_terminal(TerminalTarget(Backend.MT5), opener=opener)
    assert result.ok
    assert result.detail.startswith("MetaTrader 5 answered: MetaTrader 5 build ")
    assert "account 5012345 on MT5Desk-Demo (demo)" in result.detail


@pytest.mark.skipif(importlib.util.find_spec("MetaTrader5") is not None, reason="MetaTrader5 is installed")
def test_the_mt5_backend_without_its_module_says_what_to_install() -> None:
    result = check_terminal(TerminalTarget(Backend.MT5))
    assert not result.ok and "MetaTrader5 Python module is not installed" in result.detail


@pytest.mark.skipif(importlib.util.find_spec("MetaTrader5") is not None, reason="MetaTrader5 is installed")
def test_auto_without_metatrader5_is_fine_and_says_it_uses_the_simulator() -> None:
    result = check_terminal(TerminalTarget(Backend.AUTO))
    assert result.ok and "simulated terminal" in result.detail


def test_a_terminal_that_never_answers_is_given_up_on_after_its_timeout() -> None:
    release = threading.Event()

    def opener(_target: TerminalTarget) -> Any:
        release.wait(5)
        raise OSError("released")

    try:
        result = check_terminal(TerminalTarget(Backend.BRIDGE), opener=opener, timeout_ms=50, grace_s=0.1)
    finally:
        release.set()
    assert not result.ok and "did not answer within 0.05 s" in result.detail


def test_a_writable_folder_is_ok(tmp_path: Path) -> None:
    assert check_folder("data", tmp_path).ok


def test_a_missing_folder_under_a_writable_one_is_ok_and_made_on_first_start(tmp_path: Path) -> None:
    result = check_folder("data", tmp_path / "MT5Desk" / "data")
    assert result.ok and "created on first start" in result.detail
    assert not (tmp_path / "MT5Desk").exists()


def test_a_folder_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("x", encoding="utf-8")
    result = check_folder("data", tmp_path / "plain-file" / "data")
    assert not result.ok and "is a file, not a folder" in result.detail and "--data-dir" in result.advice


def test_the_log_folder_line_says_what_the_apps_log_file_holds(tmp_path: Path) -> None:
    start_log_file(tmp_path / "logs", console=False)
    try:
        logging.getLogger("app.test").warning("quote feed slow")
    finally:
        stop_log_file()
    result = check_log_folder(tmp_path / "logs")
    assert result.ok and result.name == "log folder"
    assert f"{tmp_path / 'logs'}; mt5desk.log " in result.detail and "bytes, last written 20" in result.detail


def test_a_log_folder_nothing_has_written_to_yet_says_so(tmp_path: Path) -> None:
    result = check_log_folder(tmp_path / "logs")
    assert result.ok and result.detail.endswith("mt5desk.log is started by the next run of MT5 Desk")


def test_no_settings_file_means_defaults(tmp_path: Path) -> None:
    result = check_settings_file(tmp_path / "settings.toml")
    assert result.ok and "defaults in use" in result.detail


def test_a_valid_settings_file_is_ok(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('[terminal]\nbackend = "sim"\n', encoding="utf-8")
    assert check_settings_file(tmp_path / "settings.toml").ok


def test_a_bad_value_in_the_settings_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[intervals]\npnl_s = 'fast'\n", encoding="utf-8")
    result = check_settings_file(tmp_path / "settings.toml")
    assert not result.ok and "intervals.pnl_s" in result.detail


def test_a_settings_file_that_is_not_toml_is_reported_and_left_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[terminal\n", encoding="utf-8")
    assert not check_settings_file(path).ok
    assert path.read_text(encoding="utf-8") == "[terminal\n"


def test_no_journal_yet_is_ok(tmp_path: Path) -> None:
    assert check_database(tmp_path / "journal.sqlite3").ok


def test_a_sound_journal_passes_the_integrity_check(tmp_path: Path) -> None:
    open_database(tmp_path / "journal.sqlite3").close()
    result = check_database(tmp_path / "journal.sqlite3")
    assert result.ok and "integrity ok" in result.detail


def test_a_corrupt_journal_is_a_problem_saying_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite3").write_bytes(b"this is not a database" * 100)
    result = check_database(tmp_path / "journal.sqlite3")
    assert not result.ok and "is damaged" in result.detail and "move journal.sqlite3 out" in result.detail


def test_remote_viewing_off_is_ok() -> None:
    assert check_remote(RemoteSettings()).detail == "off"


def test_remote_viewing_on_loopback_without_tls_is_ok() -> None:
    assert check_remote(RemoteSettings(enabled=True, host="127.0.0.1")).ok


def test_remote_viewing_bound_to_every_interface_without_tls_is_a_problem() -> None:
    result = check_remote(RemoteSettings(enabled=True, host="0.0.0.0", allowed_origins=("https://a.b",)))
    assert not result.ok and "unencrypted" in result.detail and "remote.tls_cert" in result.advice
    assert "0.0.0.0:8765" in result.detail and "https://a.b" in result.detail


def test_remote_viewing_beyond_loopback_with_tls_is_ok(tmp_path: Path) -> None:
    for name in ("cert.pem", "key.pem"):
        (tmp_path / name).write_text("pem", encoding="utf-8")
    remote = RemoteSettings(
        enabled=True, host="0.0.0.0", tls_cert=str(tmp_path / "cert.pem"), tls_key=str(tmp_path / "key.pem")
    )
    result = check_remote(remote)
    assert result.ok and "TLS on" in result.detail


def test_missing_tls_files_are_named(tmp_path: Path) -> None:
    remote = RemoteSettings(enabled=True, tls_cert=str(tmp_path / "cert.pem"), tls_key=str(tmp_path / "k"))
    result = check_remote(remote)
    assert not result.ok and str(tmp_path / "cert.pem") in result.detail


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False)],
)
def test_only_loopback_hosts_count_as_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_report_exits_0_when_every_check_is_ok() -> None:
    lines: list[str] = []
    assert report([CheckResult("a", True, "fine")], lines.append) == 0
    assert lines == ["OK a: fine", "mt5desk doctor: all checks passed"]


def test_the_report_exits_1_and_counts_the_problems() -> None:
    lines: list[str] = []
    results = [CheckResult("a", True, "fine"), CheckResult("b", False, "bad", "fix")]
    assert report(results, lines.append) == 1
    assert lines[-1] == "mt5desk doctor: 1 problem(s) found"


def test_every_check_runs_on_a_fresh_machine(qapp: QApplication, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    names = [result.name for result in run_checks(paths, backend=Backend.SIM, environ=environ)]
    assert names == [
        "Python", "keyring", "MetaTrader5 module", "terminal", "config folder", "data folder", "log folder",
        "settings", "trade journal", "private files", "remote viewing", "Qt", "display",
        "Qt system libraries", "Qt platform plugin", "system tray",
    ]  # fmt: skip
    assert not (tmp_path / "config").exists()  # doctor looks, it does not create


def test_the_doctor_command_prints_one_line_per_check(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MT5DESK_HOME", str(tmp_path))  # --data-dir sets it; restored after the test
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "journal.sqlite3").write_bytes(b"garbage" * 200)
    status = main(["doctor", "--data-dir", str(tmp_path), "--terminal", "sim"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert any(line.startswith("!! trade journal:") for line in lines)
    assert all(line.startswith(("OK ", "!! ")) for line in lines[:-1])
