"""Choosing the MetaTrader5-shaped API behind `--terminal auto|mt5|sim|bridge`, and saying why."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.enums import Backend
from app.core.target import TerminalTarget
from app.terminal.adapter import Terminal
from app.terminal.backends import BackendSpec
from app.terminal.backends import bridge as bridge_backend
from app.terminal.backends import mt5 as mt5_backend
from app.terminal.backends import sim as sim_backend
from app.terminal.errors import TerminalError

if TYPE_CHECKING:
    from app.terminal.simulator import SimulatedTerminal
    from app.terminal.simulator.clock import Clock

log = logging.getLogger(__name__)

SIM_BADGE = "using the simulated demo terminal"

BACKENDS: dict[Backend, BackendSpec] = {
    spec.kind: spec for spec in (sim_backend.SPEC, mt5_backend.SPEC, bridge_backend.SPEC)
}


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


def open_terminal(
    target: TerminalTarget,
    *,
    password: str | None = None,
    sim_clock: Clock | None = None,
    simulator: SimulatedTerminal | None = None,
) -> BackendSelection:
    """A connected Terminal for the target; only `auto` falls back to the simulator, and says so.

    `simulator` is the simulated terminal to connect to, when the simulator is chosen or fallen back to,
    instead of a new one (the terminal host keeps one, whose controls work while it is away).
    """
    if simulator is not None and target.backend is Backend.SIM:
        terminal = sim_backend.connect_simulator(simulator, target)
        return BackendSelection(terminal, Backend.SIM, True, sim_backend.SPEC.reason(target))
    if target.backend is not Backend.AUTO:
        spec = BACKENDS[target.backend]
        terminal = spec.open(target, password, sim_clock)
        return BackendSelection(terminal, spec.kind, terminal.simulated, spec.reason(target))
    try:
        api = mt5_backend.import_metatrader5()
    except TerminalError as exc:
        log.info("auto backend: %s", exc)
        return _fallback(
            target,
            sim_clock,
            simulator,
            f"MetaTrader5 module not installed (it exists for Windows only): {SIM_BADGE}.",
        )
    terminal = Terminal(api, Backend.MT5)
    try:
        mt5_backend.SPEC.connect(terminal, target, password)
    except TerminalError as exc:
        log.warning("auto backend: MetaTrader 5 did not answer: %s", exc)
        return _fallback(
            target, sim_clock, simulator, f"MetaTrader 5 did not answer: {exc.message}; {SIM_BADGE}."
        )
    return BackendSelection(terminal, Backend.MT5, False, mt5_backend.SPEC.reason(target))


def reconnect_terminal(terminal: Terminal, target: TerminalTarget, password: str | None) -> None:
    """Connect an opened terminal again, the way its backend connects (the bridge on a fresh link)."""
    BACKENDS[terminal.kind].connect(terminal, target, password)


def _fallback(
    target: TerminalTarget, clock: Clock | None, simulator: SimulatedTerminal | None, reason: str
) -> BackendSelection:
    if simulator is not None:
        terminal = sim_backend.connect_simulator(simulator, target)
    else:
        terminal = sim_backend.open_sim(target, None, clock)
    return BackendSelection(terminal, Backend.SIM, True, reason, fell_back=True)
