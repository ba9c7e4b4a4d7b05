"""The simulated demo terminal: no settings for the trader; its account lives in the data folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.core.enums import Backend
from app.core.target import BACKEND_SETTINGS, TerminalTarget
from app.terminal.adapter import Terminal
from app.terminal.backends import BackendSpec

if TYPE_CHECKING:
    from app.terminal.simulator import SimulatedTerminal
    from app.terminal.simulator.clock import Clock
    from app.terminal.simulator.conditions import Conditions


def simulator_for(
    target: TerminalTarget, clock: Clock | None, conditions: Conditions | None = None
) -> SimulatedTerminal:
    """The demo account the target names: its login (None: the default demo login), its state file ("" keeps
    it in memory), and the currency and balance a new one starts with."""
    from app.terminal.simulator import SimulatedTerminal  # loaded only when it is used
    from app.terminal.simulator.api import DEFAULT_LOGIN

    return SimulatedTerminal(
        clock=clock,
        state_path=Path(target.sim_state_file) if target.sim_state_file else None,
        login=target.login if target.login is not None else DEFAULT_LOGIN,
        currency=target.sim_currency,
        balance=target.sim_balance,
        conditions=conditions,
    )


def open_sim(target: TerminalTarget, password: str | None, clock: Clock | None) -> Terminal:
    """A connected simulator on the target's demo account."""
    terminal = Terminal(simulator_for(target, clock), Backend.SIM)
    terminal.connect(timeout_ms=target.timeout_ms)
    return terminal


def connect_simulator(simulator: SimulatedTerminal, target: TerminalTarget) -> Terminal:
    """A connected Terminal over a simulator built elsewhere (the terminal host keeps one)."""
    terminal = Terminal(simulator, Backend.SIM)
    terminal.connect(timeout_ms=target.timeout_ms)
    return terminal


def connect_sim(terminal: Terminal, target: TerminalTarget, password: str | None) -> None:
    terminal.connect(timeout_ms=target.timeout_ms)


SPEC = BackendSpec(
    kind=Backend.SIM,
    title="Simulated demo terminal",
    settings=BACKEND_SETTINGS[Backend.SIM],
    open=open_sim,
    connect=connect_sim,
    reason=lambda _target: "Simulated demo terminal, as chosen (--terminal sim).",
)
