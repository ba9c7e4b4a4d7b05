"""Entry point of `mt5desk` and `python -m app`: parse options, find folders, load settings, start the GUI.

Qt is imported only on the GUI path, so `--help` and `--version` work on a machine with no display and
cost no Qt start-up.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.core.enums import Backend
from app.core.settings import RemoteSettings, Settings
from app.startup.train_command import add_train_parser
from app.storage.paths import HOME_VARIABLE, AppPaths
from app.storage.private_files import restrict_umask, tighten
from app.storage.settings_store import load_settings

if TYPE_CHECKING:
    from app.engine.desk import DeskConfig

PROGRAM = "mt5desk"


def _bridge_address(text: str) -> tuple[str, int]:
    """HOST:PORT of the mt5linux bridge server; IPv6 hosts go in brackets, e.g. [::1]:18812."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65_535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT such as 127.0.0.1:18812, got {text!r}")
    return host, int(port_text)


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar (kept separate so its help text can be checked without running anything)."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="MT5 Desk: a desktop trading desk for MetaTrader 5.",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    parser.add_argument(
        "--terminal",
        choices=[backend.value for backend in Backend],
        default=None,
        help=(
            "which terminal to talk to: auto (the real MetaTrader 5 if it answers, else the simulator), "
            "mt5 (the MetaTrader5 module), sim (a simulated demo terminal), bridge (an mt5linux bridge to "
            "a terminal under Wine). Default: terminal.backend in the settings file, auto unless set there."
        ),
    )
    parser.add_argument(
        "--bridge",
        metavar="HOST:PORT",
        type=_bridge_address,
        default=None,
        help="address of the mt5linux bridge server for this run (default: terminal.bridge_host and "
        "terminal.bridge_port in the settings file, 127.0.0.1:18812); implies --terminal bridge",
    )
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        type=Path,
        default=None,
        help=f"keep settings, journal and models under PATH for this run (same as setting {HOME_VARIABLE})",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="run the engine without a window (for a VPS or a service); stop with Ctrl+C or SIGTERM",
    )
    parser.add_argument(
        "--events-jsonl",
        metavar="PATH|-",
        default=None,
        help="with --headless: append every event as one JSON line to PATH, or to standard output with -",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation end to end: the simulator, the window (offscreen when there is no "
        "display), a demo order placed and closed, the journal; in a temporary folder, exit status 0 if all "
        "went well",
    )
    # The doctor's child process that starts Qt (a broken platform plugin aborts the process loading it).
    parser.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_train_parser(commands, _bridge_address)
    _add_doctor_parser(commands)
    parser.add_argument(
        "--serve",
        metavar="[HOST:]PORT",
        default=None,
        help="serve a read-only view of this desk on PORT (loopback unless HOST is given, e.g. 0.0.0.0:8765)",
    )
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        type=Path,
        default=None,
        help="read the viewer token from PATH (must not be readable by other users); "
        "with --viewer, the token to connect with",
    )
    parser.add_argument(
        "--viewer",
        metavar="URL",
        default=None,
        help="open a read-only window on a desk served elsewhere, e.g. ws://192.168.1.20:8765",
    )
    parser.add_argument(
        "--token", metavar="TOKEN", default=None, help="with --viewer: the desk's viewer token"
    )
    parser.add_argument(
        "--alerts-file",
        metavar="PATH",
        type=Path,
        default=None,
        help="also send alerts to the Apprise URLs in PATH, one a line (for a server with no keyring; the "
        "file must not be readable by other users)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the program with `argv` (default: the process arguments) and return its exit status."""
    # In the frozen bundle the same executable also serves as the terminal host process: when started as
    # one, this runs the host and exits here. Elsewhere it does nothing.
    multiprocessing.freeze_support()
    _attach_to_console()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check_backend_options(parser, args)
    except SystemExit as exit_request:  # --help, --version and usage errors end here, as argparse intends
        return exit_request.code if isinstance(exit_request.code, int) else 0

    restrict_umask()  # whatever the trader's umask, what this process creates is the trader's alone
    if args.qt_probe:
        from app.startup.doctor_qt import run_probe

        return run_probe()
    if args.self_test:
        from app.startup.self_test import (
            run_self_test,  # its own temporary folder: the trader's data is untouched
        )

        return run_self_test()
    if args.data_dir is not None:
        os.environ[HOME_VARIABLE] = str(args.data_dir.expanduser().resolve())
    paths = AppPaths.from_environment()
    if getattr(args, "command", None) == "doctor":  # before creating folders: doctor reports on them
        return _run_doctor(args, paths)
    try:
        paths.ensure()
    except OSError as error:
        print(
            f"{PROGRAM}: cannot create the app's folders ({error}). "
            f"Choose a writable folder with --data-dir PATH.",
            file=sys.stderr,
        )
        return 1
    for entry in tighten(paths):  # left looser by an earlier version, which followed the umask
        print(f"{PROGRAM}: made {entry.path} private (was mode {entry.mode:03o})", file=sys.stderr)

    args.log_file = _start_log(paths)
    loaded = load_settings(paths.settings_file)
    for problem in loaded.problems:
        print(f"{PROGRAM}: settings: {problem}", file=sys.stderr)
    settings = loaded.settings
    # The command line wins over the file for this run only; the file is not rewritten.
    args.terminal = Backend(args.terminal) if args.terminal is not None else settings.primary.terminal.backend
    args.settings_problems = list(loaded.problems)
    args.settings_notes = list(loaded.notes)
    for note in loaded.notes:
        print(f"{PROGRAM}: settings: {note}", file=sys.stderr)

    if getattr(args, "command", None) == "train":
        from app.startup.train_command import run_train

        return run_train(args, paths, settings)
    try:
        args.serve = parse_serve(args.serve) if args.serve else None
    except ValueError as error:
        print(f"{PROGRAM}: --serve: {error}", file=sys.stderr)
        return 2
    args.remote = remote_settings_for_run(settings.remote, args.serve)
    try:
        args.alert_channels = _alert_file_channels(args.alerts_file)
    except ValueError as error:
        print(f"{PROGRAM}: --alerts-file: {error}", file=sys.stderr)
        return 2
    if args.headless:
        return _run_headless(args, paths, settings)
    return _run_gui(args, paths, settings)


def _start_log(paths: AppPaths) -> Path | None:
    """Warnings, errors and tracebacks to the rotating log file in the log folder; None if it cannot be."""
    from app.startup.logfile import start_log_file

    try:
        return start_log_file(paths.log_dir)
    except OSError as error:
        print(
            f"{PROGRAM}: the log file cannot be written in {paths.log_dir} ({error.strerror or error}); "
            "warnings and errors go to this console only. Make the folder writable or choose another "
            "with --data-dir PATH.",
            file=sys.stderr,
        )
        return None


def _attach_to_console() -> None:
    """The windowed Windows build starts with no console: print to the one it was started from, if any.

    Without this, `mt5desk doctor` and `--self-test` typed in a Command Prompt would print nothing.
    """
    # One positive condition: mypy skips the block off Windows instead of calling it unreachable.
    if sys.platform == "win32" and getattr(sys, "frozen", False) and sys.stdout is None:
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            sys.stdout = sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115


def desk_config(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> DeskConfig:
    """The engine's configuration from the settings file and this run's options."""
    from app.engine.desk import config_from_settings

    return config_from_settings(
        settings,
        paths,
        backend=args.terminal,
        bridge=args.bridge,
        password=_keyring_password,
    )


def _keyring_password(login: int, server: str) -> str | None:
    """Reads an account's MT5 password from the OS keyring when its host connects; never from a file."""
    from app.ui.settings.credentials import CredentialStore

    store = CredentialStore()
    return store.get(login, server) if store.available() else None


def _alert_file_channels(path: Path | None) -> tuple[Any, ...]:
    """The channels of --alerts-file (ValueError saying what is wrong); Apprise loads only when given."""
    if path is None:
        return ()
    from app.alerts.alerts_file import AlertsFileError, read_alerts_file

    try:
        return read_alerts_file(path)
    except AlertsFileError as error:
        raise ValueError(str(error)) from None


def _run_headless(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
    from app.alerts.service import AlertSetup
    from app.engine.error_report import settings_problem_notices
    from app.startup.headless import run_headless
    from app.startup.remote_wiring import print_to_stderr
    from app.storage.errors import JournalError

    try:
        return run_headless(
            desk_config(args, paths, settings),
            paths.lock_file,
            args.events_jsonl,
            remote=args.remote if args.remote.enabled else None,
            token_file=args.token_file,
            alerts=AlertSetup(settings.alerts, paths.data_dir, args.alert_channels, announce=print_to_stderr),
            log_file=args.log_file,
            settings_notices=settings_problem_notices(
                args.settings_problems, paths.settings_file, args.settings_notes
            ),
        )
    except JournalError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 1


def parse_serve(text: str) -> tuple[str | None, int]:
    """`--serve [HOST:]PORT`: the host is optional (the settings' host, loopback by default)."""
    host, sep, port_text = text.strip().rpartition(":")
    if not port_text.isdigit() or not 0 <= int(port_text) < 65_536:  # 0: any free port
        raise ValueError(f"expected [HOST:]PORT such as 8765 or 0.0.0.0:8765, got {text!r}")
    return (host.strip("[]") or None) if sep else None, int(port_text)


def remote_settings_for_run(settings: RemoteSettings, serve: tuple[str | None, int] | None) -> RemoteSettings:
    """`--serve` switches the server on for this run (and may move it) without touching the file."""
    if serve is None:
        return settings
    host, port = serve
    return replace(settings, enabled=True, port=port, host=host or settings.host)


def _check_backend_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.bridge is None:
        return
    if args.terminal is None:
        args.terminal = Backend.BRIDGE.value
    elif args.terminal != Backend.BRIDGE.value:
        parser.error(f"--bridge only applies to --terminal bridge, not --terminal {args.terminal}")


def _run_gui(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
    if _no_display():
        print(
            f"{PROGRAM}: no display found (DISPLAY and WAYLAND_DISPLAY are not set), so the window cannot "
            "open. Start mt5desk from a desktop session, or over SSH with X forwarding (ssh -X).",
            file=sys.stderr,
        )
        return 1
    # Imported here, not at the top: --help and --version must not need Qt or a display.
    from PyQt6.QtWidgets import QApplication

    from app.startup.gui import run_gui

    qt_app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else PROGRAM])
    qt_app.setApplicationName("MT5 Desk")
    qt_app.setOrganizationName("MT5Desk")
    qt_app.setApplicationVersion(__version__)
    return int(run_gui(args, paths, settings))


def _no_display() -> bool:
    """True on Linux with no X11/Wayland display and no explicit Qt platform: Qt would abort the process."""
    # A positive platform test: mypy skips the block off Linux instead of calling the rest unreachable.
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


# -- mt5desk doctor ---------------------------------------------------------------------------------------


def _add_doctor_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check this machine: Python and Qt, display and tray, keyring, terminal, folders, journal, "
        "remote viewing; exit status 1 if anything needs attention",
        description="Print one line per check: OK, or !! with what to do. Sends no order and changes no "
        "setting.",
    )
    doctor.add_argument("--terminal", choices=[b.value for b in Backend], default=argparse.SUPPRESS)
    doctor.add_argument("--bridge", metavar="HOST:PORT", type=_bridge_address, default=argparse.SUPPRESS)
    doctor.add_argument("--data-dir", metavar="PATH", type=Path, default=argparse.SUPPRESS)
    doctor.add_argument("--token-file", metavar="PATH", type=Path, default=argparse.SUPPRESS)


def _run_doctor(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.startup.doctor import report, run_checks

    backend = Backend(args.terminal) if args.terminal is not None else None
    return report(run_checks(paths, backend=backend, bridge=args.bridge, token_file=args.token_file))
