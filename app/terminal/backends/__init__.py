"""One module per terminal backend, each declaring its settings and how it opens (VeighNa's
`default_setting`, as data): the desk, `train`, `doctor`, the first-run dialog and the Settings dialog all
go through these declarations instead of knowing each backend's options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.terminal.adapter import Terminal

if TYPE_CHECKING:
    from app.terminal.simulator.clock import Clock


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """A backend: its name for the trader, the `terminal.*` settings it reads, how it opens and reconnects.

    `settings` names TerminalTarget fields (and so `terminal.<name>` settings); "password" stands for the
    keyring's password, handed to `open` and `connect` separately, never part of the target.
    """

    kind: Backend
    title: str
    settings: tuple[str, ...]
    open: Callable[[TerminalTarget, str | None, Clock | None], Terminal]
    connect: Callable[[Terminal, TerminalTarget, str | None], None]
    reason: Callable[[TerminalTarget], str]


def connect_with_credentials(terminal: Terminal, target: TerminalTarget, password: str | None) -> None:
    """initialize() with the target's terminal path and account (MetaTrader 5 itself, or through a bridge)."""
    terminal.connect(
        path=target.path or None,
        login=target.login,
        password=password if target.login is not None else None,
        server=target.server or None,
        timeout_ms=target.timeout_ms,
    )
