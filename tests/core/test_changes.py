"""Change detection: what the 3 s loop reports as modified, what the 1 s loop reports as P&L, and how
a viewer applies both to reach the terminal's state."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from app.core.changes import (
    OutOfSyncError,
    PositionDiff,
    apply_pnl_update,
    apply_positions_update,
    diff_positions,
    pnl_update_from_diff,
    positions_update_from_diff,
)
from app.core.enums import Side
from app.core.events import PnlUpdate, PositionsUpdate, decode, encode
from app.core.models import Position
from tests import strategies as s

# Timing varies with machine load, correctness does not: no per-example deadline.
relaxed = settings(deadline=None)
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def position(ticket: int = 1, **overrides: Any) -> Position:
    base = Position(
        ticket=ticket,
        symbol="EURUSD",
        side=Side.BUY,
        volume=0.1,
        price_open=1.1,
        price_current=1.1005,
        sl=1.09,
        tp=None,
        swap=0.0,
        profit=5.0,
        time=T0,
    )
    return replace(base, **overrides)


def by_ticket(*records: Position) -> dict[int, Position]:
    return {p.ticket: p for p in records}


def reference_diff(previous: dict[int, Position], current: dict[int, Position]) -> PositionDiff:
    """The obvious quadratic-free but field-by-field definition the fast version must agree with."""
    both = previous.keys() & current.keys()
    non_pnl = [f.name for f in fields(Position) if f.name not in ("price_current", "profit")]

    def differ(ticket: int, names: list[str]) -> bool:
        return any(getattr(previous[ticket], n) != getattr(current[ticket], n) for n in names)

    return PositionDiff(
        added=tuple(sorted(current.keys() - previous.keys())),
        removed=tuple(sorted(previous.keys() - current.keys())),
        modified=tuple(sorted(t for t in both if differ(t, non_pnl))),
        pnl_moved=tuple(sorted(t for t in both if differ(t, ["price_current", "profit"]))),
    )


def test_empty_maps_have_no_changes() -> None:
    diff = diff_positions({}, {})
    assert diff == PositionDiff() and not diff.structural


def test_same_records_have_no_changes() -> None:
    positions = by_ticket(position(1), position(2))
    assert diff_positions(positions, dict(positions)) == PositionDiff()


def test_equal_but_distinct_records_have_no_changes() -> None:
    assert diff_positions(by_ticket(position(1)), by_ticket(position(1))) == PositionDiff()


def test_new_ticket_is_added() -> None:
    diff = diff_positions(by_ticket(position(1)), by_ticket(position(1), position(2)))
    assert diff == PositionDiff(added=(2,)) and diff.structural


def test_missing_ticket_is_removed() -> None:
    diff = diff_positions(by_ticket(position(1), position(2)), by_ticket(position(2)))
    assert diff == PositionDiff(removed=(1,)) and diff.structural


def test_everything_closed_is_all_removed() -> None:
    assert diff_positions(by_ticket(position(3), position(1)), {}) == PositionDiff(removed=(1, 3))


def test_closing_one_and_opening_another_is_one_removed_one_added() -> None:
    diff = diff_positions(by_ticket(position(1)), by_ticket(position(2)))
    assert diff == PositionDiff(added=(2,), removed=(1,))


@pytest.mark.parametrize(
    ("name", "value"), [("volume", 0.05), ("sl", None), ("tp", 1.2), ("swap", -1.25), ("comment", "hedge")]
)
def test_trader_visible_field_alone_is_a_modification(name: str, value: object) -> None:
    diff = diff_positions(by_ticket(position(1)), by_ticket(position(1, **{name: value})))
    assert diff == PositionDiff(modified=(1,)) and diff.structural


@pytest.mark.parametrize(("name", "value"), [("price_current", 1.1010), ("profit", 10.0)])
def test_price_or_profit_move_alone_is_pnl_only(name: str, value: float) -> None:
    diff = diff_positions(by_ticket(position(1)), by_ticket(position(1, **{name: value})))
    assert diff == PositionDiff(pnl_moved=(1,)) and not diff.structural


TRADER_FIELDS = {"volume", "sl", "tp", "swap", "comment"}
PNL_FIELDS = {"price_current", "profit"}
OTHER_FIELD_VALUES = {
    "symbol": "GBPUSD",
    "side": Side.SELL,
    "price_open": 1.2,
    "time": datetime(2026, 11, 24, tzinfo=UTC),
    "magic": 7,
    "identifier": 99,
    "time_update": T0,
    "digits": 3,
}


def test_every_position_field_is_classified_by_these_tests() -> None:
    # A new Position field must be added to diff_positions and to OTHER_FIELD_VALUES.
    assert {f.name for f in fields(Position)} == {"ticket", *TRADER_FIELDS, *PNL_FIELDS, *OTHER_FIELD_VALUES}


@pytest.mark.parametrize(("name", "value"), OTHER_FIELD_VALUES.items())
def test_any_other_record_field_is_a_modification_so_viewers_never_go_stale(name: str, value: object) -> None:
    assert diff_positions(by_ticket(position(1)), by_ticket(position(1, **{name: value}))).modified == (1,)


def test_modified_position_whose_price_also_moved_is_in_both() -> None:
    diff = diff_positions(by_ticket(position(1)), by_ticket(position(1, sl=1.095, profit=8.0)))
    assert (diff.modified, diff.pnl_moved) == ((1,), (1,))


def test_result_tickets_are_sorted() -> None:
    previous = by_ticket(*(position(t) for t in (9, 4, 7, 1)))
    current = by_ticket(*(position(t, volume=1.0) for t in (9, 4, 7)), position(8), position(2))
    diff = diff_positions(previous, current)
    assert (diff.added, diff.removed, diff.modified) == ((2, 8), (1,), (4, 7, 9))


@relaxed
@given(s.position_map_pairs())
def test_diff_agrees_with_the_field_by_field_definition(
    pair: tuple[dict[int, Position], dict[int, Position]],
) -> None:
    previous, current = pair
    assert diff_positions(previous, current) == reference_diff(previous, current)


@relaxed
@given(s.position_map_pairs())
def test_positions_then_pnl_update_turn_the_old_map_into_the_new(
    pair: tuple[dict[int, Position], dict[int, Position]],
) -> None:
    previous, current = pair
    diff = diff_positions(previous, current)
    structural = apply_positions_update(previous, positions_update_from_diff(diff, current))
    pnl = pnl_update_from_diff(diff, current, floating_total=0.0, equity=0.0)
    assert apply_pnl_update(structural, pnl) == current


@relaxed
@given(s.position_map_pairs())
def test_the_same_holds_after_both_updates_cross_the_wire(
    pair: tuple[dict[int, Position], dict[int, Position]],
) -> None:
    previous, current = pair
    diff = diff_positions(previous, current)
    update = decode(encode(positions_update_from_diff(diff, current)))
    pnl = decode(encode(pnl_update_from_diff(diff, current, floating_total=1.0, equity=2.0)))
    assert isinstance(update, PositionsUpdate) and isinstance(pnl, PnlUpdate)
    assert apply_pnl_update(apply_positions_update(previous, update), pnl) == current


def test_positions_update_carries_full_records_of_added_then_modified() -> None:
    moved = position(1, tp=1.2)
    opened = position(5)
    update = positions_update_from_diff(
        diff_positions(by_ticket(position(1), position(2)), by_ticket(moved, opened)),
        by_ticket(moved, opened),
    )
    assert (update.positions, update.added, update.removed, update.modified) == (
        (opened, moved),
        (5,),
        (2,),
        (1,),
    )


def test_pnl_update_carries_price_and_profit_of_moved_positions_only() -> None:
    current = by_ticket(position(1, price_current=1.2, profit=99.0), position(2))
    diff = diff_positions(by_ticket(position(1), position(2)), current)
    update = pnl_update_from_diff(diff, current, floating_total=104.0, equity=10_104.0)
    assert (update.pnl, update.floating_total, update.equity) == ({1: (1.2, 99.0)}, 104.0, 10_104.0)


def test_applying_leaves_the_previous_map_untouched() -> None:
    previous = by_ticket(position(1))
    apply_positions_update(previous, PositionsUpdate(positions=(), added=(), removed=(1,), modified=()))
    apply_pnl_update(previous, PnlUpdate(pnl={1: (2.0, 3.0)}, floating_total=3.0, equity=0.0))
    assert previous == by_ticket(position(1))


def test_pnl_for_a_position_the_view_does_not_hold_yet_is_skipped() -> None:
    update = PnlUpdate(pnl={9: (2.0, 3.0)}, floating_total=3.0, equity=0.0)
    assert apply_pnl_update(by_ticket(position(1)), update) == by_ticket(position(1))


def test_removing_an_unknown_position_means_the_view_is_out_of_sync() -> None:
    with pytest.raises(OutOfSyncError, match="position 2 was closed"):
        apply_positions_update(by_ticket(position(1)), PositionsUpdate((), (), (2,), ()))


def test_adding_a_known_position_means_the_view_is_out_of_sync() -> None:
    with pytest.raises(OutOfSyncError, match="position 1 was opened"):
        apply_positions_update(by_ticket(position(1)), PositionsUpdate((position(1),), (1,), (), ()))


def test_modifying_an_unknown_position_means_the_view_is_out_of_sync() -> None:
    with pytest.raises(OutOfSyncError, match="position 3 was modified"):
        apply_positions_update(by_ticket(position(1)), PositionsUpdate((position(3),), (), (), (3,)))


@pytest.mark.parametrize(
    ("records", "added", "removed", "modified"),
    [
        ((), (1,), (), ()),  # announced without its record
        ((position(1),), (), (), ()),  # record without announcement
        ((position(1),), (1,), (1,), ()),  # same ticket in two lists
        ((position(1), position(1)), (1,), (), ()),  # duplicate record
    ],
)
def test_inconsistent_positions_update_cannot_be_built(
    records: tuple[Position, ...], added: tuple[int, ...], removed: tuple[int, ...], modified: tuple[int, ...]
) -> None:
    with pytest.raises(ValueError):
        PositionsUpdate(positions=records, added=added, removed=removed, modified=modified)
