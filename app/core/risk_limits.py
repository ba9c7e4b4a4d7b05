"""The risk limits as data: each one's name, bounds, unit and a one-line explanation, declared once.

The settings loader takes its bounds from here (`app.core.settings`), the RiskGuard's refusals name the
limit as the trader sees it in Settings → Risk, and the Risk page builds one row per limit from these,
so the file, the page and the refusals can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.number_format import format_lots, format_money, trimmed

if TYPE_CHECKING:
    from app.core.settings import RiskSettings  # which imports the bounds declared here


@dataclass(frozen=True, slots=True)
class RiskLimit:
    """One limit of `RiskSettings`: `key` is its field, `low`..`high` what the loader accepts."""

    key: str
    label: str
    explanation: str
    low: float
    high: float
    whole: bool
    unit: str = ""  # after the number: "lots", "minutes", "orders"; "" for money (the account currency)

    @property
    def money(self) -> bool:
        """In the account currency (the one limit without a unit of its own)."""
        return not self.unit

    @property
    def decimals(self) -> int:
        """Decimals the value is typed with."""
        if self.whole:
            return 0
        return 3 if self.low < 0.01 else 2

    def bounds_text(self, currency: str = "") -> str:
        """'From 0.001 to 10000 lots.' in the limit's own unit."""
        unit = self.unit or currency
        suffix = f" {unit}" if unit else ""
        return f"From {_plain(self.low)} to {_plain(self.high)}{suffix}."


def _plain(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else trimmed(value)


MAX_LOT = RiskLimit(
    "max_lot_per_trade",
    "Max lot per trade",
    "The largest volume one automatic order may have; a model asking for more is refused.",
    0.001,
    10_000,
    whole=False,
    unit="lots",
)
MAX_OPEN_TOTAL = RiskLimit(
    "max_open_positions_total",
    "Max open positions in total",
    "Positions all models together may hold open; at the limit no model opens another until one closes.",
    1,
    1_000,
    whole=True,
    unit="positions",
)
DAILY_LOSS = RiskLimit(
    "daily_loss_limit",
    "Daily loss limit",
    "The account's loss today (closed deals plus floating P&L since 00:00 UTC) at which automatic "
    "trading pauses until 00:00 UTC.",
    0.01,
    1_000_000_000,
    whole=False,
)
DESK_DAILY_LOSS = RiskLimit(
    "desk_daily_loss_limit",
    "Desk-wide daily loss limit",
    "Every account's loss today together (in risk.desk_currency, else the first account's currency) at "
    "which automatic trading pauses on every account until 00:00 UTC (0: no desk-wide limit).",
    0,
    1_000_000_000,
    whole=False,
)
MAX_TRADES_DAY = RiskLimit(
    "max_trades_per_day",
    "Max trades per day",
    "Orders one model may send in a UTC day; it trades again after 00:00 UTC.",
    1,
    10_000,
    whole=True,
    unit="orders",
)
COOLDOWN_LOSSES = RiskLimit(
    "cooldown_after_losses",
    "Cooldown after losses",
    "Losing automatic trades in a row that pause automatic trading for the cooldown (0: never pause).",
    0,
    100,
    whole=True,
    unit="losses",
)
COOLDOWN_MINUTES = RiskLimit(
    "cooldown_minutes",
    "Cooldown length",
    "How long that pause lasts, counted from the close of the last losing trade.",
    0,
    10_080,
    whole=True,
    unit="minutes",
)

RISK_LIMITS: tuple[RiskLimit, ...] = (
    MAX_LOT,
    MAX_OPEN_TOTAL,
    DAILY_LOSS,
    DESK_DAILY_LOSS,
    MAX_TRADES_DAY,
    COOLDOWN_LOSSES,
    COOLDOWN_MINUTES,
)
ALLOW_REAL_ACCOUNT = "Allow trading on a real account"


def value_text(limit: RiskLimit, value: float, currency: str = "") -> str:
    """A limit's value as the trader reads it: '0.50 lots', '200.00 USD', '3', '60 minutes'."""
    if limit.money:
        return format_money(value, currency)
    if limit.unit == "lots":
        return format_lots(value)
    return f"{int(value):,} {limit.unit}"


def changed_limits(old: RiskSettings, new: RiskSettings, currency: str = "") -> list[str]:
    """What differs between two RiskSettings, one phrase each: 'Max lot per trade 1.00 → 0.50 lots'."""
    said = []
    if old.allow_real_account != new.allow_real_account:
        allowed = "allowed" if new.allow_real_account else "not allowed"
        said.append(f"automatic trading on a real account {allowed}")
    for limit in RISK_LIMITS:
        before, after = getattr(old, limit.key), getattr(new, limit.key)
        if before != after:
            shown = (value_text(limit, value, currency) for value in (before, after))
            said.append(f"{limit.label} {' → '.join(shown)}")
    return said
