"""Which account(s) a chart shows on a desk of several: one account, or all the accounts kept in one
currency added up (money of two currencies is never added).

A sum moves whenever one of its accounts moves: it is each account's latest equity and floating P&L added
together, live as the events come and, for the history, as the journal's samples say (each account's last
sample carried forward until its next one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.core.account_lines import AccountLines
from app.storage.records import EquitySample


@dataclass(frozen=True, slots=True)
class ChartChoice:
    """One entry of a chart's account selector: its label, the accounts it adds up (one for a single
    account) and their currency ("" while unknown)."""

    label: str
    members: tuple[str, ...]
    currency: str = ""

    @property
    def key(self) -> str:
        return "+".join(self.members)

    @property
    def summed(self) -> bool:
        return len(self.members) > 1


def chart_choices(lines: AccountLines) -> list[ChartChoice]:
    """Each switched-on account, then for every currency kept by two or more of them, their sum."""
    singles: list[ChartChoice] = []
    by_currency: dict[str, list[str]] = {}
    for line in lines.lines:
        if not line.enabled:
            continue
        currency = line.account.currency if line.account is not None else ""
        singles.append(ChartChoice(line.label, (line.account_id,), currency))
        if currency:
            by_currency.setdefault(currency, []).append(line.account_id)
    sums = [
        ChartChoice(f"All {currency} accounts ({len(members)})", tuple(members), currency)
        for currency, members in by_currency.items()
        if len(members) > 1
    ]
    return singles + sums


class AccountSum:
    """The latest equity and floating P&L of each member account, added up once every member is known."""

    def __init__(self, members: Iterable[str]) -> None:
        self._members = tuple(members)
        self._latest: dict[str, tuple[float, float]] = {}

    def update(self, account_id: str, equity: float, floating: float) -> tuple[float, float] | None:
        """Take one account's figures; the sum (equity, floating), or None while a member is unknown."""
        if account_id not in self._members:
            return None
        self._latest[account_id] = (equity, floating)
        if len(self._latest) < len(self._members):
            return None
        return (sum(e for e, _ in self._latest.values()), sum(f for _, f in self._latest.values()))


def summed_history(samples: Sequence[EquitySample], members: Sequence[str]) -> list[EquitySample]:
    """The members' samples (oldest first) as one sum per sample time, from the time every member has one
    on; each member's last sample counts until its next."""
    latest: dict[str, EquitySample] = {}
    summed: list[EquitySample] = []
    wanted = set(members)
    for sample in samples:
        if sample.account_id not in wanted:
            continue
        latest[sample.account_id] = sample
        if len(latest) < len(wanted):
            continue
        parts = latest.values()
        summed.append(_sum_at(sample.time, parts))
    return summed


def _sum_at(time: datetime, parts: Iterable[EquitySample]) -> EquitySample:
    listed = list(parts)
    return EquitySample(
        time=time,
        balance=sum(p.balance for p in listed),
        equity=sum(p.equity for p in listed),
        margin=sum(p.margin for p in listed),
        floating=sum(p.floating for p in listed),
    )
