"""One viewer's outgoing queue: bounded, replies first, overflow coalesced into one snapshot."""

from __future__ import annotations

import pytest

from app.remote.client_queue import ClientQueue, SnapshotDue

DUE = SnapshotDue.SNAPSHOT_DUE


def drained(queue: ClientQueue[str]) -> list[object]:
    items: list[object] = []
    while (item := queue.take()) is not None:
        items.append(item)
    return items


def test_a_new_queue_starts_with_a_snapshot_due() -> None:
    assert drained(ClientQueue[str](4)) == [DUE]


def test_events_come_out_in_order_after_the_snapshot() -> None:
    queue = ClientQueue[str](4)
    assert queue.take() is DUE
    for item in "abc":
        queue.push(item)
    assert drained(queue) == ["a", "b", "c"]


def test_events_pushed_while_a_snapshot_is_due_are_part_of_it() -> None:
    queue = ClientQueue[str](4)
    queue.push("a")
    assert drained(queue) == [DUE]


def test_overflow_drops_the_backlog_for_one_snapshot_and_never_exceeds_the_limit() -> None:
    queue = ClientQueue[str](3, snapshot_due=False)
    for index in range(1000):
        queue.push(str(index))
        assert len(queue) <= 3
    assert queue.overflows >= 1
    assert queue.take() is DUE


def test_replies_go_before_events_and_the_snapshot() -> None:
    queue = ClientQueue[str](4)
    queue.push_reply("hello")
    assert drained(queue) == ["hello", DUE]


def test_unsent_replies_are_bounded() -> None:
    queue = ClientQueue[str](4, snapshot_due=False)
    accepted = [queue.push_reply(str(index)) for index in range(20)]
    assert accepted.count(True) == 8 and len(queue) == 8


def test_a_resync_request_replaces_the_backlog_with_a_snapshot() -> None:
    queue = ClientQueue[str](4, snapshot_due=False)
    queue.push("a")
    queue.request_snapshot()
    assert drained(queue) == [DUE]


def test_a_queue_needs_room_for_one_message() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ClientQueue[str](0)
