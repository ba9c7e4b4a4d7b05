"""The host's own messages (besides the events it publishes): lifecycle, orders and their outcomes, facts.

Each is a frozen dataclass with a ClassVar `kind`, its name on the pipe; the payload is generated from
the type hints by the same codec as the events (`app.core.codec`). Times that must mean the same in
both processes are `time.monotonic()` seconds (one clock for every process on Linux, macOS, Windows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from app.core.enums import Backend
from app.core.models import Account, Deal, OrderRequest, OrderResult, Position


@dataclass(frozen=True, slots=True)
class HostMessage:
    """Base of every message that only the desk and its terminal host exchange."""

    kind: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class Request(HostMessage):
    """A message the other side answers, tagged so the answer finds its asker."""

    request_id: int


@dataclass(frozen=True, slots=True)
class Answer(HostMessage):
    """The reply to a Request with the same id."""

    request_id: int

    def result(self) -> object:
        """What the asker gets (a query's answer converted to what the Terminal method returns)."""
        return None


# ---- lifecycle, desk -> host ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimSettings:
    """The simulated terminal's lasting switches, replayed into the simulator of a restarted host."""

    terminal_up: bool = True
    algo_trading: bool = True
    api_trading: bool = True
    position_limit: int | None = None
    trade_modes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Start(HostMessage):
    """The first message to a new host: the password (never in its arguments), what the desk shows, and
    the simulator's switches. `positions` seed the host's tracker, so its first read reports exactly
    what changed while no host was watching (closed positions included). `connect` is False when the
    trader had disconnected on purpose: the new host then stays disconnected until asked."""

    kind: ClassVar[str] = "host.start"
    password: str | None
    positions: tuple[Position, ...]
    sim: SimSettings
    connect: bool = True


@dataclass(frozen=True, slots=True)
class Stop(HostMessage):
    """Disconnect from the terminal and end the host process."""

    kind: ClassVar[str] = "host.stop"


@dataclass(frozen=True, slots=True)
class Refresh(HostMessage):
    """Run every loop now and announce the link state again."""

    kind: ClassVar[str] = "host.refresh"


@dataclass(frozen=True, slots=True)
class Link(HostMessage):
    """Connect (True) or disconnect and stay disconnected (False)."""

    kind: ClassVar[str] = "host.link"
    connect: bool


# ---- orders -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderCommand(HostMessage):
    """One order to send, already journaled as pending (its comment carries the trade id).

    `created_at` and `deadline` are `time.monotonic()` seconds: the host refuses the order once the
    deadline has passed instead of sending it late at a price the trader never saw.
    """

    kind: ClassVar[str] = "host.order"
    trade_id: str
    request: OrderRequest
    created_at: float
    deadline: float


class Outcome(StrEnum):
    """How a trade command ended."""

    FILLED = "filled"
    REJECTED = "rejected"  # the terminal or the broker refused it (result holds the retcode)
    FAILED = "failed"  # never executed: not sent, expired, refused before sending
    UNCONFIRMED = "unconfirmed"  # may have executed; the reconcile decides from the terminal's records
    DUPLICATE = "duplicate"  # the journal already had this trade id: not sent again


@dataclass(frozen=True, slots=True)
class OrderOutcome(HostMessage):
    """What became of one OrderCommand; `symbol` is the traded symbol (a close may name only a ticket)."""

    kind: ClassVar[str] = "host.outcome"
    trade_id: str
    outcome: Outcome
    symbol: str
    result: OrderResult | None = None
    position_ticket: int | None = None
    code: int | None = None
    message: str = ""
    link_lost: bool = False


# ---- facts, host -> desk ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Linked(HostMessage):
    """The host (re)connected to its terminal; pending journal rows can be reconciled now."""

    kind: ClassVar[str] = "host.linked"
    backend: Backend
    simulated: bool


@dataclass(frozen=True, slots=True)
class DealsFound(HostMessage):
    """Deals the journal should hold: of positions that closed or shrank, or recent history."""

    kind: ClassVar[str] = "host.deals"
    deals: tuple[Deal, ...]


@dataclass(frozen=True, slots=True)
class HostLog(HostMessage):
    """A warning or error the host logged, for the desk's log file (one writer there too)."""

    kind: ClassVar[str] = "host.log"
    level: int
    logger: str
    text: str


@dataclass(frozen=True, slots=True)
class AccountRead(HostMessage):
    """The account as one 5 s loop read it (an equity sample, whether or not it changed)."""

    kind: ClassVar[str] = "host.account_read"
    account: Account
    at: datetime


@dataclass(frozen=True, slots=True)
class ReconcileQuery(Request):
    """Ask for the terminal's records that decide pending journal rows."""

    kind: ClassVar[str] = "host.reconcile"
    since: datetime
    until: datetime
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReconcileFacts(Answer):
    """Open positions, deals in the asked window, and the point of each asked symbol."""

    kind: ClassVar[str] = "host.facts"
    positions: tuple[Position, ...]
    deals: tuple[Deal, ...]
    points: dict[str, float]


@dataclass(frozen=True, slots=True)
class QueryFailed(Answer):
    """A request the host could not answer: the TerminalError's code and sentences."""

    kind: ClassVar[str] = "host.failed"
    code: int
    message: str
    hint: str = ""
    retryable: bool = False


@dataclass(frozen=True, slots=True)
class ControlDone(Answer):
    """A simulator control was applied (or refused, with `error` saying why)."""

    kind: ClassVar[str] = "host.control_done"
    ticket: int | None = None
    error: str = ""

    def result(self) -> object:
        return self.ticket
