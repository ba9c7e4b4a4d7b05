"""MetaTrader 5 under Wine through mt5linux's rpyc server: its address, plus what MetaTrader 5 takes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.enums import Backend
from app.core.target import BACKEND_SETTINGS, TerminalTarget
from app.terminal.adapter import Terminal
from app.terminal.backends import BackendSpec, connect_with_credentials
from app.terminal.bridge_client import BridgeApi

if TYPE_CHECKING:
    from app.terminal.simulator.clock import Clock


def open_bridge(target: TerminalTarget, password: str | None, clock: Clock | None) -> Terminal:
    """A Terminal over a fresh bridge connection; raises TerminalError (a BridgeFailure) saying why not."""
    api = BridgeApi(target.bridge_host, target.bridge_port, target.timeout_ms)
    terminal = Terminal(api, Backend.BRIDGE)
    connect_with_credentials(terminal, target, password)  # initialize() connects afresh every time
    return terminal


SPEC = BackendSpec(
    kind=Backend.BRIDGE,
    title="MetaTrader 5 under Wine (mt5linux bridge)",
    settings=BACKEND_SETTINGS[Backend.BRIDGE],
    open=open_bridge,
    connect=connect_with_credentials,
    reason=lambda target: (
        f"Connected to MetaTrader 5 through the mt5linux bridge at {target.bridge_address}."
    ),
)
