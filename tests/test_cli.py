"""The command line: --version and --help without display or Qt, option checks, the hand-over to the GUI."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import __version__
from app.cli import main
from app.core.enums import Backend
from app.core.settings import Settings
from app.startup.logfile import stop_log_file
from app.storage.paths import AppPaths

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_app(*arguments: str, python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`python -m app ...` in a fresh process with no display and no Qt platform, as on a bare server."""
    env = {key: value for key, value in os.environ.items() if key not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.pop("QT_QPA_PLATFORM", None)
    env["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "app", *arguments],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_version_prints_the_program_name_and_version() -> None:
    result = run_app("--version")
    assert (result.returncode, result.stdout) == (0, f"mt5desk {__version__}\n")


def test_help_describes_every_option() -> None:
    result = run_app("--help")
    assert result.returncode == 0, result.stderr
    for option in ("--version", "--terminal {auto,mt5,sim,bridge}", "--bridge HOST:PORT", "--data-dir PATH"):
        assert option in result.stdout


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_never_import_qt(option: str) -> None:
    result = run_app(option, python_flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert "app.cli" in imported  # the import log is really there, so the next line can fail
    assert not [name for name in imported if name.startswith(("PyQt6", "pyqtgraph", "qasync"))]


def test_without_a_display_the_gui_path_explains_instead_of_crashing(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux needs DISPLAY or WAYLAND_DISPLAY for a window")
    result = run_app("--data-dir", str(tmp_path), python_flags=("-X", "importtime"))
    assert result.returncode == 1
    assert "mt5desk: no display found" in result.stderr
    assert "PyQt6" not in result.stderr


def test_settings_problems_are_printed_at_start_and_data_dir_is_used(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.toml").write_text('[intervals]\npnl_s = "fast"\n', encoding="utf-8")
    result = run_app("--data-dir", str(tmp_path))
    assert (
        "mt5desk: settings: intervals.pnl_s: must be a number between 0.2 and 60, got 'fast'; using 1.0"
        in result.stderr
    )
    assert (tmp_path / "data").is_dir() and (tmp_path / "logs").is_dir()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--terminal", "metatrader"], "invalid choice: 'metatrader'"),
        (["--bridge", "localhost"], "expected HOST:PORT such as 127.0.0.1:18812"),
        (["--bridge", "localhost:70000"], "expected HOST:PORT"),
        (["--bridge", ":18812"], "expected HOST:PORT"),
        (["--bridge", "127.0.0.1:18812", "--terminal", "sim"], "--bridge only applies to --terminal bridge"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_a_bad_command_line_exits_2_with_a_message(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(arguments) == 2
    assert message in capsys.readouterr().err


class RecordingLauncher:
    """Stands in for app.startup.gui (the GUI launch) to see what the CLI hands over."""

    def __init__(self) -> None:
        self.calls: list[tuple[argparse.Namespace, AppPaths, Settings]] = []

    def run_gui(self, args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
        self.calls.append((args, paths, settings))
        return 7


@pytest.fixture
def launcher(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[RecordingLauncher]:
    recorder = RecordingLauncher()
    module: Any = types.ModuleType("app.startup.gui")
    module.run_gui = recorder.run_gui
    monkeypatch.setitem(sys.modules, "app.startup.gui", module)
    monkeypatch.setenv("MT5DESK_HOME", str(tmp_path / "home"))  # restored after the test, whatever main sets
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    yield recorder
    stop_log_file()  # main() started the app's log file in this test's folder


def write_settings(home: Path, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.toml").write_text(text, encoding="utf-8")


def test_the_gui_gets_the_backend_from_the_settings_file(launcher: RecordingLauncher, tmp_path: Path) -> None:
    write_settings(tmp_path / "home", '[terminal]\nbackend = "sim"\n')
    assert main([]) == 7
    [(args, paths, settings)] = launcher.calls
    assert args.terminal is Backend.SIM and settings.primary.terminal.backend is Backend.SIM
    assert paths.config_dir == (tmp_path / "home" / "config").resolve()


def test_the_command_line_backend_wins_over_the_settings_file(
    launcher: RecordingLauncher, tmp_path: Path
) -> None:
    write_settings(tmp_path / "home", '[terminal]\nbackend = "sim"\n')
    main(["--terminal", "mt5"])
    [(args, _, settings)] = launcher.calls
    assert args.terminal is Backend.MT5
    assert settings.primary.terminal.backend is Backend.SIM  # the file's value is kept for the next runs


def test_a_bridge_address_implies_the_bridge_backend(launcher: RecordingLauncher) -> None:
    main(["--bridge", "[::1]:18812"])
    [(args, _, _)] = launcher.calls
    assert (args.terminal, args.bridge) == (Backend.BRIDGE, ("::1", 18812))


def test_data_dir_moves_every_app_folder_for_this_run(launcher: RecordingLauncher, tmp_path: Path) -> None:
    main(["--data-dir", str(tmp_path / "portable")])
    [(_, paths, _)] = launcher.calls
    assert paths.settings_file == (tmp_path / "portable" / "config" / "settings.toml").resolve()
    assert paths.data_dir.is_dir()


def test_settings_problems_reach_the_gui_as_well_as_stderr(
    launcher: RecordingLauncher, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_settings(tmp_path / "home", "[remote]\nport = 0\n")
    main([])
    [(args, _, settings)] = launcher.calls
    assert args.settings_problems == [
        "remote.port: must be a whole number between 1 and 65535, got 0; using 8765"
    ]
    assert settings.remote.port == 8765
    assert "mt5desk: settings: remote.port" in capsys.readouterr().err


def test_an_unusable_data_dir_is_reported_with_what_to_do(
    launcher: RecordingLauncher, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert main(["--data-dir", str(blocker)]) == 1
    assert "Choose a writable folder with --data-dir PATH" in capsys.readouterr().err
    assert launcher.calls == []


def test_the_app_logs_warnings_errors_and_tracebacks_to_a_file_in_the_log_folder(
    launcher: RecordingLauncher, tmp_path: Path
) -> None:
    main([])
    [(args, paths, _)] = launcher.calls
    assert args.log_file == paths.log_dir / "mt5desk.log"
    logging.getLogger("app.engine.worker").error("positions loop failed")
    assert "ERROR app.engine.worker [MainThread] positions loop failed" in args.log_file.read_text("utf-8")
