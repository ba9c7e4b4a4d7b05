"""DeskState: what the desk currently knows, per account, folded from events; the source of every SNAPSHOT.

The trader's window, the remote server and a remote viewer all fold the same events through this one
class, so a viewer that applied SNAPSHOT + deltas holds exactly what the desk holds. Every event names its
account (`Event.account_id`); an event about an account not listed yet makes it appear under its id, so a
desk that never announced its accounts (a single-account publisher, account "") folds as before.
Positions are kept per account: two brokers can use the same ticket number.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from app.core.enums import ConnectionState
from app.core.events import (
    AccountsUpdate,
    AccountUpdate,
    Event,
    ModelsUpdate,
    PnlUpdate,
    PositionsUpdate,
    Snapshot,
    StatusUpdate,
)
from app.core.models import Account, AccountView, DeskAccount, ModelSummary, Position, TerminalStatus

PositionKey = tuple[str, int]
"""(account id, ticket): what names one open position on a desk of several accounts."""


def not_connected() -> TerminalStatus:
    """The status of an account nothing has been heard of yet."""
    return TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)


@dataclass(slots=True)
class AccountState:
    """One account's latest figures, open positions (by ticket) and terminal status."""

    account_id: str
    name: str = ""
    enabled: bool = True
    account: Account | None = None
    positions: dict[int, Position] = field(default_factory=dict)
    status: TerminalStatus = field(default_factory=not_connected)
    floating_total: float = 0.0

    @property
    def label(self) -> str:
        """What the trader calls it: its name, else its id."""
        return self.name or self.account_id

    def view(self) -> AccountView:
        ordered = tuple(self.positions[t] for t in sorted(self.positions))
        return AccountView(self.account_id, self.name, self.account, ordered, self.status, self.enabled)

    def refresh_floating(self) -> None:
        self.floating_total = sum(p.profit + p.swap for p in self.positions.values())


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """The sums over the accounts kept in one currency (money of two currencies is never added)."""

    currency: str
    accounts: int
    balance: float
    equity: float
    floating: float
    margin: float


def currency_totals(figures: Iterable[tuple[Account, float]]) -> list[CurrencyTotals]:
    """(account, its floating P&L) pairs summed per account currency, in first-seen order: money of two
    currencies is never added."""
    sums: dict[str, list[float]] = {}
    for account, floating in figures:
        row = sums.setdefault(account.currency, [0, 0.0, 0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += account.balance
        row[2] += account.equity
        row[3] += floating
        row[4] += account.margin
    return [
        CurrencyTotals(currency, int(row[0]), row[1], row[2], row[3], row[4])
        for currency, row in sums.items()
    ]


@dataclass(slots=True)
class DeskState:
    """Every account's state in the trader's order, and the models of each account."""

    accounts: dict[str, AccountState] = field(default_factory=dict)
    models_by_account: dict[str, tuple[ModelSummary, ...]] = field(default_factory=dict)

    def apply(self, event: Event) -> bool:
        """Fold one event in; returns True when the state changed shape or values."""
        if isinstance(event, PnlUpdate):
            state = self.of(event.account_id)
            positions = state.positions
            for ticket, (price, profit) in event.pnl.items():
                current = positions.get(ticket)
                if current is not None:
                    positions[ticket] = current.moved(price, profit)
            state.floating_total = event.floating_total
            if state.account is not None:
                state.account = state.account.moved(event.equity, event.floating_total)
            return bool(event.pnl)
        if isinstance(event, PositionsUpdate):
            state = self.of(event.account_id)
            for ticket in event.removed:
                state.positions.pop(ticket, None)
            for position in event.positions:
                state.positions[position.ticket] = position
            state.refresh_floating()
            return bool(event.positions or event.removed)
        if isinstance(event, AccountUpdate):
            self.of(event.account_id).account = event.account
            return True
        if isinstance(event, StatusUpdate):
            self.of(event.account_id).status = event.status
            return True
        if isinstance(event, ModelsUpdate):
            self.models_by_account[event.account_id] = event.models
            return True
        if isinstance(event, AccountsUpdate):
            self._list(event.accounts)
            return True
        if isinstance(event, Snapshot):
            self._replace(event)
            return True
        return False

    # ---- reading --------------------------------------------------------------------------------------
    def of(self, account_id: str) -> AccountState:
        """The state of an account, made (under its id) the first time anything is heard of it."""
        state = self.accounts.get(account_id)
        if state is None:
            state = self.accounts[account_id] = AccountState(account_id)
        return state

    def get(self, account_id: str) -> AccountState | None:
        return self.accounts.get(account_id)

    @property
    def first(self) -> AccountState | None:
        """The first account listed: the one a screen made for a single account shows."""
        return next(iter(self.accounts.values()), None)

    def position(self, key: PositionKey) -> Position | None:
        """The open position with this (account, ticket), if known."""
        state = self.accounts.get(key[0])
        return None if state is None else state.positions.get(key[1])

    def positions(self) -> Iterator[tuple[str, Position]]:
        """Every open position with its account id, account by account."""
        for account_id, state in self.accounts.items():
            for position in state.positions.values():
                yield account_id, position

    @property
    def position_count(self) -> int:
        return sum(len(state.positions) for state in self.accounts.values())

    @property
    def models(self) -> tuple[ModelSummary, ...]:
        """Every account's models, account by account."""
        return tuple(model for models in self.models_by_account.values() for model in models)

    def snapshot(self, only: Collection[str] | None = None) -> Snapshot:
        """Everything a newcomer needs, as one event; `only` keeps just those accounts (and their models)."""
        views = tuple(
            state.view() for account_id, state in self.accounts.items() if only is None or account_id in only
        )
        models = tuple(
            model
            for account_id, listed in self.models_by_account.items()
            if only is None or account_id in only
            for model in listed
        )
        return Snapshot(accounts=views, models=models)

    # ---- whole-desk changes ---------------------------------------------------------------------------
    def _list(self, listed: tuple[DeskAccount, ...]) -> None:
        """The desk's accounts now: in this order, the others (removed from the desk) forgotten."""
        accounts: dict[str, AccountState] = {}
        for entry in listed:
            state = self.accounts.get(entry.account_id) or AccountState(entry.account_id)
            state.name, state.enabled = entry.name, entry.enabled
            accounts[entry.account_id] = state
        self.accounts = accounts
        self.models_by_account = {
            account_id: models
            for account_id, models in self.models_by_account.items()
            if account_id in accounts
        }

    def _replace(self, snapshot: Snapshot) -> None:
        self.accounts = {}
        for view in snapshot.accounts:
            state = AccountState(
                view.account_id,
                view.name,
                view.enabled,
                view.account,
                {p.ticket: p for p in view.positions},
                view.status,
            )
            state.refresh_floating()
            self.accounts[view.account_id] = state
        models: dict[str, list[ModelSummary]] = {account_id: [] for account_id in self.accounts}
        for model in snapshot.models:
            models.setdefault(model.account_id, []).append(model)
        self.models_by_account = {account_id: tuple(listed) for account_id, listed in models.items()}
