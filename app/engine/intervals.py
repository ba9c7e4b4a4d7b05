"""Loop periods of the terminal host, and the thresholds derived from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Intervals:
    """Loop periods in seconds (settings `intervals.*`)."""

    pnl_s: float = 1.0
    positions_s: float = 3.0
    account_s: float = 5.0
    heartbeat_s: float = 30.0
    # Between P&L reads, how often the count of open positions is asked (one cheap call), so a position
    # opened or closed at the terminal shows within a quarter second instead of up to a whole P&L period.
    count_probe_s: float = 0.25

    @property
    def stale_after_s(self) -> float:
        """No successful call (or one call running) for this long means the link is stale."""
        return 2 * self.positions_s
