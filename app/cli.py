"""Entry point of `mt5desk` and `python -m app`: parse options, find folders, load settings, start the GUI.

Qt is imported only on the GUI path, so `--help` and `--version` work on a machine with no display and
cost no Qt start-up.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.core.enums import Backend
from app.core.settings import Settings
from app.storage.paths import HOME_VARIABLE, AppPaths
from app.storage.settings_store import load_settings

if TYPE_CHECKING:
    from app.engine.desk import DeskConfig

PROGRAM = "mt5desk"


def _bridge_address(text: str) -> tuple[str, int]:
    """HOST:PORT of an mt5linux bridge; IPv6 hosts go in brackets, e.g. [::1]:18812."""
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
        help="address of the mt5linux bridge server; implies --terminal bridge",
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the program with `argv` (default: the process arguments) and return its exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check_backend_options(parser, args)
    except SystemExit as exit_request:  # --help, --version and usage errors end here, as argparse intends
        return exit_request.code if isinstance(exit_request.code, int) else 0

    if args.data_dir is not None:
        os.environ[HOME_VARIABLE] = str(args.data_dir.expanduser().resolve())
    paths = AppPaths.from_environment()
    try:
        paths.ensure()
    except OSError as error:
        print(
            f"{PROGRAM}: cannot create the app's folders ({error}). "
            f"Choose a writable folder with --data-dir PATH.",
            file=sys.stderr,
        )
        return 1

    loaded = load_settings(paths.settings_file)
    for problem in loaded.problems:
        print(f"{PROGRAM}: settings: {problem}", file=sys.stderr)
    settings = loaded.settings
    # The command line wins over the file for this run only; the file is not rewritten.
    args.terminal = Backend(args.terminal) if args.terminal is not None else settings.terminal.backend
    args.settings_problems = list(loaded.problems)

    if args.headless:
        return _run_headless(args, paths, settings)
    return _run_gui(args, paths, settings)


def desk_config(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> DeskConfig:
    """The engine's configuration from the settings file and this run's options."""
    terminal = settings.terminal
    intervals = settings.intervals
    from app.engine.desk import DeskConfig
    from app.engine.worker import Intervals

    bridge_host, bridge_port = args.bridge if args.bridge else ("127.0.0.1", 18812)
    return DeskConfig(
        backend=args.terminal,
        database_file=paths.database_file,
        sim_state_file=paths.sim_state_file,
        intervals=Intervals(
            pnl_s=intervals.pnl_s,
            positions_s=intervals.positions_s,
            account_s=intervals.account_s,
            heartbeat_s=intervals.heartbeat_s,
        ),
        mt5_path=terminal.path or None,
        login=terminal.login,
        server=terminal.server or None,
        timeout_ms=terminal.timeout_ms,
        bridge_host=bridge_host,
        bridge_port=bridge_port,
        password=_password_provider(terminal.login, terminal.server),
    )


def _password_provider(login: int | None, server: str) -> Callable[[], str | None]:
    """Reads the MT5 password from the OS keyring when connecting; never from a file."""

    def read() -> str | None:
        if login is None:
            return None
        from app.ui.credentials import CredentialStore

        store = CredentialStore()
        return store.get(login, server) if store.available() else None

    return read


def _run_headless(args: argparse.Namespace, paths: AppPaths, settings: Settings) -> int:
    from app.headless import run_headless
    from app.storage.errors import JournalError

    try:
        return run_headless(desk_config(args, paths, settings), paths.lock_file, args.events_jsonl)
    except JournalError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 1


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

    from app.ui.launch import run_gui

    qt_app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else PROGRAM])
    qt_app.setApplicationName("MT5 Desk")
    qt_app.setOrganizationName("MT5Desk")
    qt_app.setApplicationVersion(__version__)
    return int(run_gui(args, paths, settings))


def _no_display() -> bool:
    """True on Linux with no X11/Wayland display and no explicit Qt platform: Qt would abort the process."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
