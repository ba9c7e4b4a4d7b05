"""Events of a desk with one account, as most specs need them (the multi-account specs build their own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.enums import ConnectionState
from app.core.events import Snapshot, utc_now
from app.core.models import Account, AccountView, ModelSummary, Position, TerminalStatus
from app.core.settings import FIRST_ACCOUNT_ID, AccountSettings, Settings, TerminalSettings

NOT_CONNECTED = TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)


def single_snapshot(
    account: Account | None = None,
    positions: tuple[Position, ...] = (),
    status: TerminalStatus = NOT_CONNECTED,
    models: tuple[ModelSummary, ...] = (),
    *,
    account_id: str = "",
    name: str = "",
    timestamp: datetime | None = None,
) -> Snapshot:
    """The SNAPSHOT of a desk whose one account is `account_id` ("" as single-account events carry)."""
    view = AccountView(account_id, name, account, positions, status)
    return Snapshot(accounts=(view,), models=models, timestamp=timestamp or utc_now())


# The id of a desk built with DeskConfig(target=...): its one account, as the hosts stamp their events.
MAIN = FIRST_ACCOUNT_ID


def only_view(snapshot: Snapshot) -> AccountView:
    """The one account of a single-account desk's snapshot."""
    [view] = snapshot.accounts
    return view


def one_account_settings(terminal: TerminalSettings, name: str = "MetaTrader 5", **sections: Any) -> Settings:
    """Settings of a desk whose one account ('main') runs on `terminal`, as the welcome dialog saves them."""
    return Settings(accounts=(AccountSettings(FIRST_ACCOUNT_ID, name, terminal=terminal),), **sections)
