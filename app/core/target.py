"""TerminalTarget: which terminal to reach and how, as plain values.

One object for every place that opens a terminal (the desk, `train`, `doctor`, the first-run dialog, the
self-test), so a new backend setting is added once. Plain values only, so it pickles and crosses a process
boundary with the wire codec; the password is never part of it and is handed over separately when the
terminal is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.core.enums import Backend
from app.core.settings import DEFAULT_BRIDGE_HOST, DEFAULT_BRIDGE_PORT, TerminalSettings

__all__ = [
    "BACKEND_SETTINGS",
    "DEFAULT_BRIDGE_HOST",
    "DEFAULT_BRIDGE_PORT",
    "TerminalTarget",
    "settings_of",
    "target_from_settings",
]

# The TerminalTarget fields (and so `terminal.<name>` settings) each backend reads, VeighNa's
# `default_setting`: the backends open their terminals with these, and the settings form offers exactly
# these. "password" stands for the keyring's password, handed over separately, never part of the target.
BACKEND_SETTINGS: dict[Backend, tuple[str, ...]] = {
    Backend.SIM: (),
    Backend.MT5: ("path", "login", "server", "password", "timeout_ms"),
    Backend.BRIDGE: ("bridge_host", "bridge_port", "path", "login", "server", "password", "timeout_ms"),
}


def settings_of(kind: Backend) -> tuple[str, ...]:
    """The `terminal.*` settings a backend choice reads (`auto` tries MetaTrader 5 first)."""
    return BACKEND_SETTINGS[Backend.MT5 if kind is Backend.AUTO else kind]


@dataclass(frozen=True, slots=True)
class TerminalTarget:
    """The backend and its settings; `sim_state_file` "" keeps the simulated account in memory.

    For the simulator, `login` (None: its default demo login) names the demo account, and `sim_currency`
    and `sim_balance` are what a new demo account starts with; each account of a desk has a state file of
    its own, so several demo accounts run side by side.
    """

    backend: Backend = Backend.AUTO
    path: str = ""
    login: int | None = None
    server: str = ""
    timeout_ms: int = 10_000
    bridge_host: str = DEFAULT_BRIDGE_HOST
    bridge_port: int = DEFAULT_BRIDGE_PORT
    sim_state_file: str = ""
    sim_currency: str = "USD"
    sim_balance: float = 10_000.0

    @property
    def bridge_address(self) -> str:
        """HOST:PORT as the trader types it (IPv6 hosts in brackets)."""
        host = f"[{self.bridge_host}]" if ":" in self.bridge_host else self.bridge_host
        return f"{host}:{self.bridge_port}"

    def probe(self) -> TerminalTarget:
        """The same terminal on its current account, the simulator in memory: for checks that must neither
        switch the terminal's account nor touch the demo account a running desk may be using."""
        return replace(self, login=None, server="", sim_state_file="")


def target_from_settings(
    terminal: TerminalSettings,
    *,
    backend: Backend | None = None,
    bridge: tuple[str, int] | None = None,
    sim_state_file: str = "",
) -> TerminalTarget:
    """The target the settings describe; `backend` and `bridge` are this run's command-line overrides."""
    host, port = bridge if bridge is not None else (terminal.bridge_host, terminal.bridge_port)
    return TerminalTarget(
        backend=backend if backend is not None else terminal.backend,
        path=terminal.path,
        login=terminal.login,
        server=terminal.server,
        timeout_ms=terminal.timeout_ms,
        bridge_host=host,
        bridge_port=port,
        sim_state_file=sim_state_file,
        sim_currency=terminal.demo_currency,
        sim_balance=terminal.demo_balance,
    )
