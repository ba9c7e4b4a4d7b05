"""PositionTracker: turns successive position reads into the events the desk publishes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.core.changes import diff_positions, positions_update_from_diff
from app.core.events import PnlUpdate, PositionsUpdate
from app.core.models import Account, Position


@dataclass(frozen=True, slots=True)
class TrackedChange:
    """What one read of the positions changed: structure (added/removed/modified) and P&L."""

    positions: PositionsUpdate | None
    pnl: PnlUpdate | None
    closed: tuple[Position, ...] = ()
    reduced: tuple[Position, ...] = ()


class PositionTracker:
    """Holds the last known positions; `None` until the terminal has answered once.

    A read that failed is never fed in here, so an unanswered call can never look like "no positions".
    Its events name `account_id`, the account whose terminal it reads.
    """

    def __init__(self, account_id: str = "") -> None:
        self._account_id = account_id
        self._known: dict[int, Position] | None = None

    @property
    def known(self) -> Mapping[int, Position]:
        return self._known or {}

    @property
    def initialised(self) -> bool:
        return self._known is not None

    def seed(self, positions: Iterable[Position]) -> None:
        """Start from what the desk already shows, so the next update reports only what changed since."""
        self._known = {position.ticket: position for position in positions}

    def update(self, current: dict[int, Position], account: Account | None) -> TrackedChange:
        """Diff `current` against the last read and keep it as the new truth."""
        previous = self._known or {}
        diff = diff_positions(previous, current)
        positions_event = (
            positions_update_from_diff(diff, current, account_id=self._account_id)
            if diff.structural
            else None
        )
        pnl_event = None
        if diff.pnl_moved:
            floating = sum(p.profit + p.swap for p in current.values())
            balance = account.balance + account.credit if account is not None else 0.0
            pnl_event = PnlUpdate(
                pnl={t: (current[t].price_current, current[t].profit) for t in diff.pnl_moved},
                floating_total=round(floating, 2),
                equity=round(balance + floating, 2),
                account_id=self._account_id,
            )
        closed = tuple(previous[t] for t in diff.removed)
        reduced = tuple(
            current[t] for t in diff.modified if t in previous and current[t].volume < previous[t].volume
        )
        self._known = dict(current)
        return TrackedChange(positions_event, pnl_event, closed, reduced)
