"""The simulated demo terminal: no settings for the trader; its account lives in the data folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.terminal.adapter import Terminal
from app.terminal.backends import BackendSpec

if TYPE_CHECKING:
    from app.terminal.simulator import SimulatedTerminal
    from app.terminal.simulator.clock import Clock


def open_sim(target: TerminalTarget, password: str | None, clock: Clock | None) -> Terminal:
    """A connected simulator; `target.sim_state_file` "" keeps its account in memory."""
    from app.terminal.simulator import SimulatedTerminal  # loaded only when it is used

    state = Path(target.sim_state_file) if target.sim_state_file else None
    terminal = Terminal(SimulatedTerminal(state_path=state, clock=clock), Backend.SIM)
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
    settings=(),
    open=open_sim,
    connect=connect_sim,
    reason=lambda _target: "Simulated demo terminal, as chosen (--terminal sim).",
)
