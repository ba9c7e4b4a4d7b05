"""The simulated account's books: balance, open positions, deal and order history, ticket counter.

Plain mutable dataclasses owned by the broker (always under the terminal's lock); they turn into the
module's records on the way out and into JSON for the state file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATE_VERSION = 1
FIRST_TICKET = 10_000_001


@dataclass
class OpenPosition:
    """A position as the trade server holds it; price_current and profit are computed on demand."""

    ticket: int
    symbol: str
    type: int
    volume: float
    price_open: float
    sl: float
    tp: float
    time_msc: int
    time_update_msc: int
    magic: int
    reason: int
    swap: float = 0.0
    comment: str = ""
    external_id: str = ""


@dataclass
class DealRow:
    """One executed deal (or balance operation) in the history."""

    ticket: int
    order: int
    time_msc: int
    type: int
    entry: int
    magic: int
    position_id: int
    reason: int
    volume: float
    price: float
    commission: float
    swap: float
    profit: float
    fee: float
    symbol: str
    comment: str
    external_id: str = ""


@dataclass
class OrderRow:
    """One order in the history (market orders are filled at once, so none stay pending)."""

    ticket: int
    time_setup_msc: int
    time_done_msc: int
    type: int
    type_time: int
    type_filling: int
    state: int
    magic: int
    position_id: int
    position_by_id: int
    reason: int
    volume_initial: float
    volume_current: float
    price_open: float
    sl: float
    tp: float
    price_current: float
    price_stoplimit: float
    symbol: str
    comment: str
    time_expiration: int = 0
    external_id: str = ""


@dataclass
class Ledger:
    """Everything that must survive a restart of the simulated terminal."""

    login: int
    balance: float
    processed_until: float
    next_ticket: int = FIRST_TICKET
    currency: str = "USD"
    positions: dict[int, OpenPosition] = field(default_factory=dict)
    deals: list[DealRow] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)

    def new_ticket(self) -> int:
        """A ticket never used before on this account (orders, positions and deals share the counter)."""
        ticket = self.next_ticket
        self.next_ticket += 1
        return ticket

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "login": self.login,
            "currency": self.currency,
            "balance": self.balance,
            "processed_until": self.processed_until,
            "next_ticket": self.next_ticket,
            "positions": [asdict(p) for p in self.positions.values()],
            "deals": [asdict(d) for d in self.deals],
            "orders": [asdict(o) for o in self.orders],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ledger:
        """Rebuild the books; any missing, extra or mistyped item raises (the caller treats it as corrupt)."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown state version {data.get('version')!r}")
        ledger = cls(
            login=_typed(data["login"], int),
            balance=_typed(data["balance"], float),
            processed_until=_typed(data["processed_until"], float),
            next_ticket=_typed(data["next_ticket"], int),
            # Files written before demo accounts had a currency of their own were all USD.
            currency=_typed(data.get("currency", "USD"), str),
        )
        for raw in data["positions"]:
            position = OpenPosition(**raw)
            ledger.positions[position.ticket] = position
        ledger.deals = [DealRow(**raw) for raw in data["deals"]]
        ledger.orders = [OrderRow(**raw) for raw in data["orders"]]
        used = [*ledger.positions, *(d.ticket for d in ledger.deals), *(o.ticket for o in ledger.orders)]
        if used and max(used) >= ledger.next_ticket:
            raise ValueError("ticket counter is behind tickets already used")
        return ledger


def _typed(value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"expected {kind.__name__}, got {value!r}")
    return value
