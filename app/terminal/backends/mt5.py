"""The official MetaTrader5 module (Windows): terminal path, account and timeout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.core.enums import Backend
from app.core.target import BACKEND_SETTINGS, TerminalTarget
from app.terminal.adapter import Terminal
from app.terminal.backends import BackendSpec, connect_with_credentials
from app.terminal.errors import CODE_NOT_INSTALLED, TerminalError

if TYPE_CHECKING:
    from app.terminal.simulator.clock import Clock


def import_metatrader5() -> Any:  # the module has no type information
    """The MetaTrader5 module, or a TerminalError saying where it exists and what to use instead."""
    try:
        import MetaTrader5  # Windows only; imported here so that Linux installs work
    except ImportError as exc:
        raise TerminalError(
            CODE_NOT_INSTALLED,
            "The MetaTrader5 Python module is not installed",
            "It exists for Windows only: on Windows run pip install MetaTrader5; elsewhere use "
            "--terminal bridge (MetaTrader 5 under Wine) or --terminal sim",
            repr(exc),
        ) from exc
    return MetaTrader5


def open_mt5(target: TerminalTarget, password: str | None, clock: Clock | None) -> Terminal:
    """A Terminal over the MetaTrader5 module, connected; raises TerminalError saying why not."""
    terminal = Terminal(import_metatrader5(), Backend.MT5)
    connect_with_credentials(terminal, target, password)
    return terminal


SPEC = BackendSpec(
    kind=Backend.MT5,
    title="MetaTrader 5 (Windows)",
    settings=BACKEND_SETTINGS[Backend.MT5],
    open=open_mt5,
    connect=connect_with_credentials,
    reason=lambda _target: "Connected to MetaTrader 5.",
)
