"""Which accounts the desk has and what the trader calls them, as the screens and alerts learn it from
events; and which one a screen made for a single account follows.

Texts name the account only when the desk has more than one (a one-account desk reads as it always did):
"FTMO 1: Connection to MetaTrader 5 lost".
"""

from __future__ import annotations

from app.core.events import AccountsUpdate, Event, ModelsUpdate, Snapshot
from app.core.models import AccountView, ModelSummary


class AccountDirectory:
    """The desk's accounts in the trader's order, folded from ACCOUNTS_UPDATE and SNAPSHOT; an account
    only heard of in another event joins under its id."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def apply(self, event: Event) -> None:
        """Take in one event (any kind; only the ones that list or name accounts matter)."""
        if isinstance(event, AccountsUpdate):
            self._names = {entry.account_id: entry.label for entry in event.accounts}
        elif isinstance(event, Snapshot):
            self._names = {view.account_id: view.name or view.account_id for view in event.accounts}
        elif event.account_id and event.account_id not in self._names:
            self._names[event.account_id] = event.account_id

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._names)

    @property
    def several(self) -> bool:
        """More than one account: texts then say which one they are about."""
        return len(self._names) > 1

    def label(self, account_id: str) -> str:
        """The trader's name for the account (its id when it has none)."""
        return self._names.get(account_id, account_id)

    def prefixed(self, account_id: str, text: str) -> str:
        """`text` after the account's name when the desk has several accounts and the text is about one."""
        if not account_id or not self.several:
            return text
        return f"{self.label(account_id)}: {text}"


class AccountFocus:
    """The account a single-account screen shows: the one it was told to follow, else the first account
    the desk lists (the first heard of, until a list comes)."""

    def __init__(self, account_id: str | None = None) -> None:
        self._chosen = account_id
        self._first: str | None = None

    @property
    def account_id(self) -> str | None:
        return self._chosen if self._chosen is not None else self._first

    def follow(self, account_id: str | None) -> None:
        """Show this account from now on (None: the first the desk lists)."""
        self._chosen = account_id

    def shows(self, event: Event) -> bool:
        """Whether the event is about the followed account (learning the desk's first account on the way)."""
        if isinstance(event, AccountsUpdate | Snapshot):
            self._first = event.accounts[0].account_id if event.accounts else None
        elif self._first is None:
            self._first = event.account_id
        return event.account_id == self.account_id

    def view(self, snapshot: Snapshot) -> AccountView | None:
        """The followed account's part of a snapshot."""
        self.shows(snapshot)
        account_id = self.account_id
        return None if account_id is None else snapshot.view(account_id)


class ModelsByAccount:
    """The desk's models as the MODELS_UPDATEs of every account and the last SNAPSHOT say: each account's
    update replaces that account's models only."""

    def __init__(self) -> None:
        self._by_account: dict[str, tuple[ModelSummary, ...]] = {}

    def replace(self, snapshot: Snapshot) -> None:
        grouped: dict[str, list[ModelSummary]] = {}
        for model in snapshot.models:
            grouped.setdefault(model.account_id, []).append(model)
        self._by_account = {account_id: tuple(models) for account_id, models in grouped.items()}

    def update(self, event: ModelsUpdate) -> None:
        self._by_account[event.account_id] = event.models

    def all(self) -> tuple[ModelSummary, ...]:
        """Every account's models, account by account."""
        return tuple(model for models in self._by_account.values() for model in models)
