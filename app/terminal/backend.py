"""Choosing the MetaTrader5-shaped API behind `--terminal auto|mt5|sim|bridge`, and saying why."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from app.core.enums import Backend
from app.terminal.adapter import Terminal
from app.terminal.errors import CODE_NO_CONNECTION, CODE_NOT_INSTALLED, TerminalError

log = logging.getLogger(__name__)

SIM_BADGE = "using the simulated demo terminal"


@dataclass(frozen=True, slots=True)
class BackendSelection:
    """The connected terminal, which backend it is, and a sentence for the trader on why."""

    terminal: Terminal
    kind: Backend
    simulated: bool
    reason: str
    # The simulator stands in for a terminal that was asked for (`auto`): worth a warning. A simulator
    # the trader chose is not.
    fell_back: bool = False


class _Credentials(TypedDict):
    path: str | None
    login: int | None
    password: str | None
    server: str | None


def open_terminal(
    choice: Backend,
    *,
    sim_state_path: Path | None,
    mt5_path: str | None = None,
    login: int | None = None,
    password: str | None = None,
    server: str | None = None,
    bridge_host: str = "127.0.0.1",
    bridge_port: int = 18812,
    timeout_ms: int = 10_000,
    sim_clock: Any = None,
) -> BackendSelection:
    """A connected Terminal for the choice; only `auto` falls back to the simulator, and says so."""
    credentials: _Credentials = {"path": mt5_path, "login": login, "password": password, "server": server}
    if choice is Backend.SIM:
        return _open_sim(
            sim_state_path, sim_clock, "Simulated demo terminal, as chosen (--terminal sim).", fell_back=False
        )
    if choice is Backend.MT5:
        terminal = Terminal(_import_metatrader5(), Backend.MT5)
        terminal.connect(**credentials, timeout_ms=timeout_ms)
        return BackendSelection(terminal, Backend.MT5, False, "Connected to MetaTrader 5.")
    if choice is Backend.BRIDGE:
        terminal = Terminal(_bridge_api(bridge_host, bridge_port), Backend.BRIDGE)
        terminal.connect(**credentials, timeout_ms=timeout_ms)
        return BackendSelection(
            terminal,
            Backend.BRIDGE,
            False,
            f"Connected to MetaTrader 5 through mt5linux at {bridge_host}:{bridge_port}.",
        )
    if choice is Backend.AUTO:
        try:
            api = _import_metatrader5()
        except TerminalError as exc:
            log.info("auto backend: %s", exc)
            return _open_sim(
                sim_state_path,
                sim_clock,
                f"MetaTrader5 module not installed (it exists for Windows only): {SIM_BADGE}.",
                fell_back=True,
            )
        terminal = Terminal(api, Backend.MT5)
        try:
            terminal.connect(**credentials, timeout_ms=timeout_ms)
        except TerminalError as exc:
            log.warning("auto backend: MetaTrader 5 did not answer: %s", exc)
            return _open_sim(
                sim_state_path,
                sim_clock,
                f"MetaTrader 5 did not answer: {exc.message}; {SIM_BADGE}.",
                fell_back=True,
            )
        return BackendSelection(terminal, Backend.MT5, False, "Connected to MetaTrader 5.")
    raise ValueError(f"unknown terminal backend {choice!r}")


def _open_sim(state_path: Path | None, clock: Any, reason: str, *, fell_back: bool) -> BackendSelection:
    from app.terminal.simulator import SimulatedTerminal  # the simulator loads only when it is used

    terminal = Terminal(SimulatedTerminal(state_path=state_path, clock=clock), Backend.SIM)
    terminal.connect()
    return BackendSelection(terminal, Backend.SIM, True, reason, fell_back)


def _import_metatrader5() -> Any:
    try:
        import MetaTrader5  # Windows only; imported here so that Linux installs work
    except ImportError as exc:
        raise TerminalError(
            CODE_NOT_INSTALLED,
            "The MetaTrader5 Python module is not installed",
            "It exists for Windows only: on Windows run pip install MetaTrader5; elsewhere use "
            "--terminal bridge (mt5linux with MT5 under Wine) or --terminal sim",
            repr(exc),
        ) from exc
    return MetaTrader5


def _bridge_api(host: str, port: int) -> Any:
    try:
        from mt5linux import MetaTrader5
    except ImportError as exc:
        raise TerminalError(
            CODE_NOT_INSTALLED,
            "The mt5linux bridge is not installed",
            "pip install mt5linux, then run its server under Wine's Python next to the terminal",
            repr(exc),
        ) from exc
    try:
        return MetaTrader5(host=host, port=port)
    except (OSError, EOFError) as exc:
        raise TerminalError(
            CODE_NO_CONNECTION,
            f"The mt5linux bridge at {host}:{port} did not answer",
            "Start its server under Wine's Python next to the terminal "
            "(python -m mt5linux <Wine python.exe>), then reconnect",
            repr(exc),
            retryable=True,
        ) from exc
