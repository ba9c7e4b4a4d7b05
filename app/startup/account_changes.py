"""The accounts of saved settings applied to the running desk: added, removed, switched on or off, renamed,
or given another terminal, each through the Desk's account API while the other accounts carry on.

A changed terminal (backend, path, login, server, bridge address, demo currency...) needs a new terminal
host: the account is taken off the desk and added again under the same id, so its journal rows, models
and limits are its own as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.core.settings import AccountSettings
from app.engine.desk import AccountConfig, Desk


@dataclass(frozen=True, slots=True)
class AccountChanges:
    """What applying the settings did, by account id."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    restarted: tuple[str, ...] = ()  # a new terminal host on the account's new terminal settings
    switched_on: tuple[str, ...] = ()
    switched_off: tuple[str, ...] = ()
    renamed: tuple[str, ...] = ()

    @property
    def new_hosts(self) -> tuple[str, ...]:
        """Accounts whose terminal host object is new (their read paths must follow it)."""
        return (*self.added, *self.restarted)

    def __bool__(self) -> bool:
        return any(
            (self.added, self.removed, self.restarted, self.switched_on, self.switched_off, self.renamed)
        )


def apply_account_changes(
    desk: Desk,
    before: tuple[AccountSettings, ...],
    after: tuple[AccountSettings, ...],
    config_of: Callable[[AccountSettings], AccountConfig],
) -> AccountChanges:
    """Make the desk's accounts what `after` says, starting from `before` (what the desk was built from)."""
    old = {account.id: account for account in before if account.id in desk.account_ids}
    new = {account.id: account for account in after}
    removed = [account_id for account_id in old if account_id not in new]
    for account_id in removed:
        desk.remove_account(account_id)
    added, restarted, on, off, renamed = [], [], [], [], []
    for account_id, account in new.items():
        previous = old.get(account_id)
        if previous is None:
            desk.add_account(config_of(account))
            added.append(account_id)
        elif previous.terminal != account.terminal:
            desk.remove_account(account_id)
            desk.add_account(config_of(account))
            restarted.append(account_id)
        else:
            if previous.name != account.name:
                desk.rename_account(account_id, account.name)
                renamed.append(account_id)
            if account.enabled and not previous.enabled:
                desk.enable_account(account_id)
                on.append(account_id)
            elif previous.enabled and not account.enabled:
                desk.disable_account(account_id)
                off.append(account_id)
    return AccountChanges(
        tuple(added), tuple(removed), tuple(restarted), tuple(on), tuple(off), tuple(renamed)
    )
