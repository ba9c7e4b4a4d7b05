"""Change detection between two polls of the open positions, and its inverse for viewers.

A change of price_current or profit is P&L movement (PNL_UPDATE's job, `pnl_moved`); any other field
changing under the same ticket is a modification (POSITIONS_UPDATE). In practice that is volume, sl, tp,
swap or comment; side, price_open and the rest are included too, so a netting reversal or a partial
fill never leaves a viewer holding a stale record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.core.events import PnlUpdate, PositionsUpdate
from app.core.models import Position

__all__ = [
    "OutOfSyncError",
    "PositionDiff",
    "apply_pnl_update",
    "apply_positions_update",
    "diff_positions",
    "pnl_update_from_diff",
    "positions_update_from_diff",
]


class OutOfSyncError(Exception):
    """An update does not fit the positions this view holds: it missed a message and must resync."""


@dataclass(frozen=True, slots=True)
class PositionDiff:
    """What changed between two polls, as sorted tickets."""

    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    modified: tuple[int, ...] = ()
    pnl_moved: tuple[int, ...] = ()

    @property
    def structural(self) -> bool:
        """True when a POSITIONS_UPDATE is due: a position opened, closed or was modified."""
        return bool(self.added or self.removed or self.modified)


def diff_positions(previous: Mapping[int, Position], current: Mapping[int, Position]) -> PositionDiff:
    """Compare two ticket -> Position maps in linear time; untouched records (`is`) cost one lookup."""
    added: list[int] = []
    modified: list[int] = []
    pnl_moved: list[int] = []
    earlier = previous.get
    for ticket, new in current.items():
        old = earlier(ticket)
        if old is new:
            continue
        if old is None:
            added.append(ticket)
            continue
        # Plain attribute compares, short-circuiting: measured faster than attrgetter tuples or the
        # generated dataclass __eq__ (tests/bench/bench_core.py). A new Position field must be added
        # here; tests/core/test_changes.py fails until it is.
        if old.price_current != new.price_current or old.profit != new.profit:
            pnl_moved.append(ticket)
        if (
            old.volume != new.volume
            or old.sl != new.sl
            or old.tp != new.tp
            or old.swap != new.swap
            or old.comment != new.comment
            or old.symbol != new.symbol
            or old.side != new.side
            or old.price_open != new.price_open
            or old.magic != new.magic
            or old.identifier != new.identifier
            or old.time != new.time
            or old.time_update != new.time_update
            or old.digits != new.digits
        ):
            modified.append(ticket)
    # Every ticket of `current` not added is in `previous`; if that accounts for all of `previous`,
    # nothing was removed and the second pass is skipped.
    removed = [] if len(current) - len(added) == len(previous) else [t for t in previous if t not in current]
    return PositionDiff(
        added=tuple(sorted(added)),
        removed=tuple(sorted(removed)),
        modified=tuple(sorted(modified)),
        pnl_moved=tuple(sorted(pnl_moved)),
    )


def positions_update_from_diff(
    diff: PositionDiff, current: Mapping[int, Position], *, account_id: str = ""
) -> PositionsUpdate:
    """The POSITIONS_UPDATE of a diff: full records of the added and modified tickets from `current`."""
    return PositionsUpdate(
        positions=tuple(current[ticket] for ticket in (*diff.added, *diff.modified)),
        added=diff.added,
        removed=diff.removed,
        modified=diff.modified,
        account_id=account_id,
    )


def pnl_update_from_diff(
    diff: PositionDiff, current: Mapping[int, Position], *, floating_total: float, equity: float
) -> PnlUpdate:
    """The PNL_UPDATE of a diff: (price_current, profit) of each position whose P&L moved."""
    pnl = {ticket: (current[ticket].price_current, current[ticket].profit) for ticket in diff.pnl_moved}
    return PnlUpdate(pnl=pnl, floating_total=floating_total, equity=equity)


def apply_positions_update(previous: Mapping[int, Position], update: PositionsUpdate) -> dict[int, Position]:
    """The positions after `update`; raises OutOfSyncError when it does not fit `previous`."""
    result = dict(previous)
    for ticket in update.removed:
        if result.pop(ticket, None) is None:
            raise OutOfSyncError(f"position {ticket} was closed but this view never had it: resync")
    added = set(update.added)
    for position in update.positions:
        known = position.ticket in result
        if position.ticket in added and known:
            raise OutOfSyncError(
                f"position {position.ticket} was opened but this view already had it: resync"
            )
        if position.ticket not in added and not known:
            raise OutOfSyncError(
                f"position {position.ticket} was modified but this view never had it: resync"
            )
        result[position.ticket] = position
    return result


def apply_pnl_update(previous: Mapping[int, Position], update: PnlUpdate) -> dict[int, Position]:
    """The positions with the new prices and profits of `update`.

    A ticket this view does not hold yet is skipped: the 1 s loop can see a new position before the
    3 s loop reports it, and the POSITIONS_UPDATE that follows brings its full record.
    """
    result = dict(previous)
    for ticket, (price_current, profit) in update.pnl.items():
        position = result.get(ticket)
        if position is not None:
            result[ticket] = position.moved(price_current, profit)
    return result
