"""AccountLines: each account's figures and link state as the account strip and the connection indicator
show them, folded from events (ACCOUNTS_UPDATE, SNAPSHOT, ACCOUNT_UPDATE, PNL_UPDATE, STATUS_UPDATE).

Kept apart from DeskState on purpose: the widgets fold only what they show (no positions), and also keep
when each account's link last went down, which the strip writes as "Disconnected 3 min ago".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.core.enums import ConnectionState
from app.core.events import AccountsUpdate, AccountUpdate, Event, PnlUpdate, Snapshot, StatusUpdate
from app.core.models import Account, TerminalStatus
from app.core.state import CurrencyTotals, currency_totals, not_connected


@dataclass(slots=True)
class AccountLine:
    """One account as the strip shows it. `down_since`: when its link was last seen leaving CONNECTED
    (None while connected, or before anything was heard)."""

    account_id: str
    name: str = ""
    enabled: bool = True
    account: Account | None = None
    status: TerminalStatus = field(default_factory=not_connected)
    down_since: datetime | None = None

    @property
    def label(self) -> str:
        return self.name or self.account_id

    @property
    def connected(self) -> bool:
        return self.status.state is ConnectionState.CONNECTED


class AccountLines:
    """Every account of the desk in the trader's order; an account only heard of in an event joins under
    its id (a single-account publisher's events carry "")."""

    def __init__(self) -> None:
        self._lines: dict[str, AccountLine] = {}

    def apply(self, event: Event) -> bool:
        """Fold one event in; True when something the strip shows changed."""
        if isinstance(event, AccountsUpdate):
            lines: dict[str, AccountLine] = {}
            for entry in event.accounts:
                line = self._lines.get(entry.account_id) or AccountLine(entry.account_id)
                line.name, line.enabled = entry.name, entry.enabled
                lines[entry.account_id] = line
            self._lines = lines
            return True
        if isinstance(event, Snapshot):
            lines = {}
            for view in event.accounts:
                old = self._lines.get(view.account_id)
                # No account in a snapshot means the terminal did not answer, not that the account is gone.
                account = view.account if view.account is not None else (old.account if old else None)
                line = AccountLine(view.account_id, view.name, view.enabled, account)
                line.status = view.status
                line.down_since = self._down_since(old, view.status, event.timestamp)
                lines[view.account_id] = line
            self._lines = lines
            return True
        if isinstance(event, AccountUpdate):
            self.of(event.account_id).account = event.account
            return True
        if isinstance(event, PnlUpdate):
            line = self.of(event.account_id)
            if line.account is None:
                return False  # an equity computed without a known balance is not shown
            line.account = line.account.moved(event.equity, event.floating_total)
            return True
        if isinstance(event, StatusUpdate):
            line = self.of(event.account_id)
            line.down_since = self._down_since(line, event.status, event.timestamp)
            line.status = event.status
            return True
        return False

    @staticmethod
    def _down_since(old: AccountLine | None, status: TerminalStatus, at: datetime) -> datetime | None:
        if status.state is ConnectionState.CONNECTED:
            return None
        if old is not None and old.down_since is not None:
            return old.down_since  # still down: the age counts from when it went
        return status.last_heartbeat or at

    def of(self, account_id: str) -> AccountLine:
        """The line of an account, made under its id the first time it is heard of."""
        line = self._lines.get(account_id)
        if line is None:
            line = self._lines[account_id] = AccountLine(account_id)
        return line

    def get(self, account_id: str) -> AccountLine | None:
        return self._lines.get(account_id)

    @property
    def lines(self) -> tuple[AccountLine, ...]:
        return tuple(self._lines.values())

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._lines)

    @property
    def several(self) -> bool:
        """More than one account: the strip and one light per account are shown."""
        return len(self._lines) > 1

    def totals(self) -> list[CurrencyTotals]:
        """Balance, equity, floating P&L and margin summed per account currency (money of two currencies
        is never added), in first-seen order; switched-off accounts and unread ones are left out."""
        return currency_totals(
            (line.account, line.account.profit)
            for line in self._lines.values()
            if line.account is not None and line.enabled
        )
