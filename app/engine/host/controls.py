"""The simulated terminal's test controls as messages, so tests and demos drive it in the terminal host.

Each control is applied by the host to its SimulatedTerminal (`apply`) and answered with ControlDone;
a control the simulator refuses (ValueError) comes back with the reason. Latency and hang are not here:
they live in shared memory (app.terminal.simulator.conditions) so they work while the host is stuck.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from app.engine.host.messages import Answer, ControlDone, HostMessage, Request, SimSettings
from app.terminal.simulator.clock import ManualClock

if TYPE_CHECKING:
    from app.terminal.simulator import SimulatedTerminal


class Control(Request):
    """A change to the simulated world; `apply` runs in the host."""

    __slots__ = ()

    def apply(self, sim: SimulatedTerminal) -> Answer:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class OpenExternal(Control):
    """A trader at the terminal opens a position; the answer carries its ticket."""

    kind: ClassVar[str] = "host.c.open"
    symbol: str
    side: str
    volume: float
    sl: float = 0.0
    tp: float = 0.0
    comment: str = ""
    magic: int = 0

    def apply(self, sim: SimulatedTerminal) -> Answer:
        ticket = sim.open_external(
            self.symbol,
            self.side,
            self.volume,
            sl=self.sl,
            tp=self.tp,
            comment=self.comment,
            magic=self.magic,
        )
        return ControlDone(self.request_id, ticket=ticket)


@dataclass(frozen=True, slots=True)
class CloseExternal(Control):
    """A trader at the terminal closes a position, fully or `volume` of it."""

    kind: ClassVar[str] = "host.c.close"
    ticket: int
    volume: float | None = None

    def apply(self, sim: SimulatedTerminal) -> Answer:
        sim.close_external(self.ticket, self.volume)
        return ControlDone(self.request_id)


@dataclass(frozen=True, slots=True)
class ModifyExternal(Control):
    """A trader at the terminal changes SL and/or TP (None keeps one, 0.0 removes it)."""

    kind: ClassVar[str] = "host.c.modify"
    ticket: int
    sl: float | None = None
    tp: float | None = None

    def apply(self, sim: SimulatedTerminal) -> Answer:
        sim.modify_external(self.ticket, sl=self.sl, tp=self.tp)
        return ControlDone(self.request_id)


@dataclass(frozen=True, slots=True)
class ForceRetcode(Control):
    """The next `count` order_send calls answer `retcode` and execute nothing."""

    kind: ClassVar[str] = "host.c.retcode"
    retcode: int
    count: int = 1

    def apply(self, sim: SimulatedTerminal) -> Answer:
        sim.force_next_retcode(self.retcode, self.count)
        return ControlDone(self.request_id)


@dataclass(frozen=True, slots=True)
class Deposit(Control):
    """A balance operation: positive deposits, negative withdraws."""

    kind: ClassVar[str] = "host.c.deposit"
    amount: float
    comment: str = "Deposit"

    def apply(self, sim: SimulatedTerminal) -> Answer:
        sim.deposit(self.amount, self.comment)
        return ControlDone(self.request_id)


@dataclass(frozen=True, slots=True)
class ApplySimSettings(Control):
    """Set the lasting switches: terminal up or away, Algo Trading, API trading, position cap, modes."""

    kind: ClassVar[str] = "host.c.settings"
    settings: SimSettings

    def apply(self, sim: SimulatedTerminal) -> Answer:
        apply_settings(sim, self.settings)
        return ControlDone(self.request_id)


@dataclass(frozen=True, slots=True)
class MoveClock(Control):
    """Move the simulator's manual clock forward by `seconds`, or to `until` (never backwards)."""

    kind: ClassVar[str] = "host.c.clock"
    seconds: float = 0.0
    until: datetime | None = None

    def apply(self, sim: SimulatedTerminal) -> Answer:
        clock = sim.clock
        if not isinstance(clock, ManualClock):
            raise ValueError("the simulator runs on the wall clock here; only a manual clock can be moved")
        if self.until is not None:
            clock.set(self.until)
        else:
            clock.advance(self.seconds)
        return ControlDone(self.request_id)


@dataclass(frozen=True, slots=True)
class SentOrdersAnswer(Answer):
    kind: ClassVar[str] = "host.a.sent_orders"
    value: tuple[tuple[float, str], ...]

    def result(self) -> object:
        return self.value


@dataclass(frozen=True, slots=True)
class SentOrders(Control):
    """What the simulated trade server received: (time.monotonic() of order_send, comment) pairs."""

    kind: ClassVar[str] = "host.c.sent_orders"

    def apply(self, sim: SimulatedTerminal) -> Answer:
        return SentOrdersAnswer(self.request_id, sim.sent_orders())


def apply_settings(sim: SimulatedTerminal, settings: SimSettings) -> None:
    """Make the simulator's lasting switches what `settings` says (idempotent)."""
    if settings.terminal_up:
        sim.restore()
    else:
        sim.disconnect()
    sim.set_algo_trading(settings.algo_trading)
    sim.set_api_trading(settings.api_trading)
    sim.set_position_limit(settings.position_limit)
    for symbol, mode in settings.trade_modes.items():
        sim.set_symbol_trade_mode(symbol, mode)


CONTROL_MESSAGES: tuple[type[HostMessage], ...] = (
    OpenExternal,
    CloseExternal,
    ModifyExternal,
    ForceRetcode,
    Deposit,
    ApplySimSettings,
    MoveClock,
    SentOrders,
    SentOrdersAnswer,
)
