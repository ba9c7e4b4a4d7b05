"""The desk-wide daily loss: every account's loss today, in one currency, for the RiskGuard's desk rule.

Accounts may be kept in different currencies (a USD and an EUR account): each account's loss is converted
to the desk currency at the rate the asking account's terminal quotes now (its EURUSD, or 1/USDEUR). A
loss that cannot be converted is never taken as zero: the sum is then unknown and the rule refuses, saying
which rate is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.core.number_format import format_money


@dataclass(frozen=True, slots=True)
class AccountLoss:
    """One account's P&L today: closed deals since 00:00 UTC and the floating P&L, in its currency."""

    account_id: str
    label: str
    currency: str
    closed: float
    floating: float

    @property
    def loss(self) -> float:
        return -(self.closed + self.floating)


@dataclass(frozen=True, slots=True)
class DeskLoss:
    """Today's loss of every account in `currency`, or (loss None) why it cannot be told."""

    limit: float
    currency: str
    loss: float | None
    parts: tuple[AccountLoss, ...] = ()
    problem: str = ""

    def breakdown(self) -> str:
        """'FTMO 1: 120.00 USD, Demo EUR: 80.00 EUR' as each account lost it."""
        return ", ".join(f"{part.label}: {format_money(part.loss, part.currency)}" for part in self.parts)


Rate = Callable[[str, str], float | None]
"""How many units of the second currency one unit of the first is worth now (None: no quote)."""


def desk_loss(parts: Iterable[AccountLoss], limit: float, currency: str, rate: Rate) -> DeskLoss:
    """The sum of the accounts' losses in `currency`; unknown when any account's rate is missing."""
    parts = tuple(parts)
    total = 0.0
    for part in parts:
        if part.currency == currency or part.loss == 0.0:
            total += part.loss
            continue
        factor = rate(part.currency, currency)
        if factor is None:
            problem = (
                f"{part.label}'s loss in {part.currency} cannot be converted to {currency}: this terminal "
                f"quotes neither {part.currency}{currency} nor {currency}{part.currency}"
            )
            return DeskLoss(limit, currency, None, parts, problem)
        total += part.loss * factor
    return DeskLoss(limit, currency, round(total, 2), parts)
