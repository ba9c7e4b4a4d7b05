"""Messages as the server sends them: encoded once per event, stamped with each connection's `seq`.

An event fanned out to many viewers is turned into JSON once; only the `seq`, which differs per
connection, is spliced in when the message leaves. Account numbers can be masked on the way out:
`Account.login` and `TerminalStatus.account_number` keep their last four digits only (123456789 -> 6789),
which stays an integer the codec and every viewer accept while no longer naming the account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from app.core.events import AccountUpdate, Event, Snapshot, StatusUpdate, encode
from app.core.models import Account, TerminalStatus

__all__ = ["MASK_MODULUS", "Outgoing", "mask_account_number", "mask_event", "prepare"]

MASK_MODULUS = 10_000  # keep the last four digits


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One encoded message waiting for its `seq`: `head + str(seq) + tail` is the wire text."""

    type: str
    head: str
    tail: str

    def stamped(self, seq: int) -> str:
        """The message as sent on a connection whose next sequence number is `seq`."""
        return f"{self.head}{seq}{self.tail}"

    @property
    def size(self) -> int:
        """Bytes of the UTF-8 text without the seq digits (what one more viewer costs, roughly)."""
        return len(self.head.encode()) + len(self.tail.encode())


def prepare(event: Event) -> Outgoing:
    """Encode `event` once; raises ProtocolError when a value cannot travel (the caller reports it)."""
    text = encode(event, seq=0)
    head = '{"type":' + json.dumps(event.type) + ',"seq":'
    # encode() puts type then seq first, always; if that ever changes this must fail loudly.
    if not text.startswith(head + "0,"):
        raise AssertionError(f"unexpected envelope layout from encode(): {text[:60]!r}")
    return Outgoing(type=event.type, head=head, tail=text[len(head) + 1 :])


def mask_account_number(number: int) -> int:
    """The last four digits of an account number (as an integer: leading zeros are not kept)."""
    return abs(number) % MASK_MODULUS


def _mask_account(account: Account) -> Account:
    return replace(account, login=mask_account_number(account.login))


def _mask_status(status: TerminalStatus) -> TerminalStatus:
    if status.account_number is None:
        return status
    return replace(status, account_number=mask_account_number(status.account_number))


def mask_event(event: Event) -> Event:
    """`event` with its account numbers masked; events that carry none are returned as they are."""
    if isinstance(event, AccountUpdate):
        return replace(event, account=_mask_account(event.account))
    if isinstance(event, StatusUpdate):
        return replace(event, status=_mask_status(event.status))
    if isinstance(event, Snapshot):
        views = tuple(
            replace(
                view,
                account=None if view.account is None else _mask_account(view.account),
                status=_mask_status(view.status),
            )
            for view in event.accounts
        )
        return replace(event, accounts=views)
    return event
