"""Messages encoded once and stamped per connection; account numbers masked on the way out."""

from __future__ import annotations

from hypothesis import given

from app.core.events import AccountUpdate, Event, Snapshot, StatusUpdate, decode_envelope, encode
from app.remote.outgoing import mask_account_number, mask_event, prepare
from tests.one_account import only_view, single_snapshot
from tests.remote.conftest import account, status
from tests.strategies import events


@given(events())
def test_a_stamped_message_is_exactly_what_encode_gives_for_that_seq(event: Event) -> None:
    outgoing = prepare(event)
    for seq in (0, 1, 987_654_321):
        assert outgoing.stamped(seq) == encode(event, seq=seq)


def test_a_stamped_message_decodes_with_its_seq() -> None:
    event = AccountUpdate(account=account())
    assert decode_envelope(prepare(event).stamped(41)) == (event, 41)


def test_masking_keeps_the_last_four_digits() -> None:
    assert [mask_account_number(n) for n in (50_123_456, 1234, 7, 90_000)] == [3456, 1234, 7, 0]


def test_masking_covers_the_account_the_status_and_the_snapshot() -> None:
    snapshot = single_snapshot(
        account=account(12_345_678), positions=(), status=status(12_345_678), models=()
    )
    masked = mask_event(snapshot)
    assert isinstance(masked, Snapshot)
    assert (only_view(masked).account.login, only_view(masked).status.account_number) == (5678, 5678)
    account_update = mask_event(AccountUpdate(account=account(12_345_678)))
    assert isinstance(account_update, AccountUpdate) and account_update.account.login == 5678
    status_update = mask_event(StatusUpdate(status=status(12_345_678)))
    assert isinstance(status_update, StatusUpdate) and status_update.status.account_number == 5678
    assert masked.timestamp == snapshot.timestamp
