"""Reads the desk asks of its terminal host by name, with typed arguments, and their typed answers.

No lambda crosses a pipe: each query is a dataclass that knows which Terminal method answers it
(`answer`), and each answer knows what the asker gets back (`result`), the same value the Terminal
method would have returned in-process. Bars travel in a compact form (the MT5 rates array's bytes).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np

from app.core.enums import Side, Timeframe
from app.core.models import Account, Deal, Position, SymbolSpec, Tick
from app.engine.host.messages import Answer, HostMessage, Request
from app.terminal.adapter import Terminal, TerminalInfoView

# copy_rates_*'s dtype as the MetaTrader5 module returns it (packed, 60 bytes per bar).
RATES_DTYPE = np.dtype([
    ("time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"), ("close", "<f8"),
    ("tick_volume", "<u8"), ("spread", "<i4"), ("real_volume", "<u8"),
])  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rates:
    """A copy_rates array as base64 of its bytes in RATES_DTYPE: ~80 bytes a bar instead of ~250 in JSON."""

    count: int
    data: str

    @classmethod
    def of(cls, rates: np.ndarray) -> Rates:
        packed = np.zeros(len(rates), dtype=RATES_DTYPE)
        for name in RATES_DTYPE.names or ():
            packed[name] = rates[name]
        return cls(len(packed), base64.b64encode(packed.tobytes()).decode("ascii"))

    def array(self) -> np.ndarray:
        """The structured array back, as the Terminal's `rates` returns it."""
        try:
            raw = base64.b64decode(self.data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError(f"the terminal host sent bars that are not base64: {error}") from None
        if len(raw) != self.count * RATES_DTYPE.itemsize:
            raise ValueError(f"the terminal host sent {len(raw)} bytes of bars, not {self.count} bars")
        return np.frombuffer(raw, dtype=RATES_DTYPE).copy()


class Query(Request):
    """A read of the terminal; `answer` runs in the host (TerminalError propagates)."""

    __slots__ = ()

    def answer(self, terminal: Terminal) -> Answer:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class SymbolsAnswer(Answer):
    kind: ClassVar[str] = "host.a.symbols"
    value: tuple[str, ...]

    def result(self) -> object:
        return list(self.value)


@dataclass(frozen=True, slots=True)
class SymbolsQuery(Query):
    """Names of every symbol the broker offers."""

    kind: ClassVar[str] = "host.q.symbols"

    def answer(self, terminal: Terminal) -> Answer:
        return SymbolsAnswer(self.request_id, tuple(terminal.symbols()))


@dataclass(frozen=True, slots=True)
class SpecAnswer(Answer):
    kind: ClassVar[str] = "host.a.spec"
    value: SymbolSpec

    def result(self) -> object:
        return self.value


@dataclass(frozen=True, slots=True)
class SpecQuery(Query):
    """A symbol's specification."""

    kind: ClassVar[str] = "host.q.spec"
    symbol: str

    def answer(self, terminal: Terminal) -> Answer:
        return SpecAnswer(self.request_id, terminal.symbol(self.symbol))


@dataclass(frozen=True, slots=True)
class TickAnswer(Answer):
    kind: ClassVar[str] = "host.a.tick"
    value: Tick

    def result(self) -> object:
        return self.value


@dataclass(frozen=True, slots=True)
class TickQuery(Query):
    """A symbol's latest prices."""

    kind: ClassVar[str] = "host.q.tick"
    symbol: str

    def answer(self, terminal: Terminal) -> Answer:
        return TickAnswer(self.request_id, terminal.tick(self.symbol))


@dataclass(frozen=True, slots=True)
class NumberAnswer(Answer):
    kind: ClassVar[str] = "host.a.number"
    value: float

    def result(self) -> object:
        return self.value


@dataclass(frozen=True, slots=True)
class MarginQuery(Query):
    """Margin in account currency that opening this volume at this price needs."""

    kind: ClassVar[str] = "host.q.margin"
    side: Side
    symbol: str
    volume: float
    price: float

    def answer(self, terminal: Terminal) -> Answer:
        return NumberAnswer(
            self.request_id, terminal.calc_margin(self.side, self.symbol, self.volume, self.price)
        )


@dataclass(frozen=True, slots=True)
class RatesAnswer(Answer):
    kind: ClassVar[str] = "host.a.rates"
    value: Rates

    def result(self) -> object:
        return self.value.array()


@dataclass(frozen=True, slots=True)
class RatesQuery(Query):
    """copy_rates_from_pos: `count` bars ending `start_pos` bars back (0 = the forming bar)."""

    kind: ClassVar[str] = "host.q.rates"
    symbol: str
    timeframe: Timeframe
    count: int
    start_pos: int = 0

    def answer(self, terminal: Terminal) -> Answer:
        rates = terminal.rates(self.symbol, self.timeframe, self.count, self.start_pos)
        return RatesAnswer(self.request_id, Rates.of(rates))


@dataclass(frozen=True, slots=True)
class AccountAnswer(Answer):
    kind: ClassVar[str] = "host.a.account"
    value: Account

    def result(self) -> object:
        return self.value


@dataclass(frozen=True, slots=True)
class AccountQuery(Query):
    """The account as of now."""

    kind: ClassVar[str] = "host.q.account"

    def answer(self, terminal: Terminal) -> Answer:
        return AccountAnswer(self.request_id, terminal.account())


@dataclass(frozen=True, slots=True)
class TerminalInfoAnswer(Answer):
    kind: ClassVar[str] = "host.a.terminal_info"
    value: TerminalInfoView

    def result(self) -> object:
        return self.value


@dataclass(frozen=True, slots=True)
class TerminalInfoQuery(Query):
    """Connection, Algo Trading button, ping, paths."""

    kind: ClassVar[str] = "host.q.terminal_info"

    def answer(self, terminal: Terminal) -> Answer:
        return TerminalInfoAnswer(self.request_id, terminal.terminal_info())


@dataclass(frozen=True, slots=True)
class PositionsAnswer(Answer):
    kind: ClassVar[str] = "host.a.positions"
    value: tuple[Position, ...]

    def result(self) -> object:
        return {position.ticket: position for position in self.value}


@dataclass(frozen=True, slots=True)
class PositionsQuery(Query):
    """Every open position (the Terminal method's dict by ticket on the asking side)."""

    kind: ClassVar[str] = "host.q.positions"

    def answer(self, terminal: Terminal) -> Answer:
        return PositionsAnswer(self.request_id, tuple(terminal.positions().values()))


@dataclass(frozen=True, slots=True)
class DealsAnswer(Answer):
    kind: ClassVar[str] = "host.a.deals"
    value: tuple[Deal, ...]

    def result(self) -> object:
        return list(self.value)


@dataclass(frozen=True, slots=True)
class DealsQuery(Query):
    """Deals between two broker-time moments."""

    kind: ClassVar[str] = "host.q.deals"
    since: datetime
    until: datetime

    def answer(self, terminal: Terminal) -> Answer:
        return DealsAnswer(self.request_id, tuple(terminal.deals(self.since, self.until)))


QUERY_MESSAGES: tuple[type[HostMessage], ...] = (
    SymbolsQuery,
    SymbolsAnswer,
    SpecQuery,
    SpecAnswer,
    TickQuery,
    TickAnswer,
    MarginQuery,
    NumberAnswer,
    RatesQuery,
    RatesAnswer,
    AccountQuery,
    AccountAnswer,
    TerminalInfoQuery,
    TerminalInfoAnswer,
    PositionsQuery,
    PositionsAnswer,
    DealsQuery,
    DealsAnswer,
)
