"""Commands the desk takes (orders, refresh, link, models), and the ids that make each trade idempotent.

Every order names the account it goes to (`account_id`): a command for an account the desk does not run is
refused, never sent to another. Refresh, link and the kill switch take a scope: one account, or None for
every account.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

# The comment tag lives in core (the journal and the widgets read it too); re-exported for the engine.
from app.core.comments import COMMENT_TAG, MT5_COMMENT_LIMIT, TRADE_ID_LENGTH, tagged_comment, trade_id_in
from app.core.enums import TradeSource
from app.core.models import ModelSettings, OrderRequest
from app.core.settings import RiskSettings

if TYPE_CHECKING:
    from app.ml.manifest import ModelManifest


def new_trade_id() -> str:
    """A fresh random trade id for a manual order."""
    return secrets.token_hex(TRADE_ID_LENGTH // 2)


def auto_trade_id(model_id: str, bar_time: datetime) -> str:
    """The same (model, bar) always gives the same id: a bar can be traded once, across restarts too."""
    key = f"{model_id}|{int(bar_time.timestamp())}".encode()
    return hashlib.sha256(key).hexdigest()[:TRADE_ID_LENGTH]


@dataclass(frozen=True, slots=True)
class AutoContext:
    """Who asked for an automatic trade, so the fill can be announced as AUTO_TRADE_EXECUTED."""

    model_id: str
    model_name: str
    confidence: float
    bar_time: datetime


@dataclass(frozen=True, slots=True)
class TradeCommand:
    """Place, close or modify on one account: the request plus who asked, the idempotency id, and when
    it was asked.

    `created_at` is `time.monotonic()` at creation; the order is dropped rather than sent once it has
    waited `max_wait_s` (None: the account's setting) behind a busy terminal.
    """

    request: OrderRequest
    trade_id: str
    account_id: str
    source: TradeSource = TradeSource.MANUAL
    auto: AutoContext | None = None
    created_at: float = field(default_factory=time.monotonic)
    max_wait_s: float | None = None

    @classmethod
    def manual(cls, request: OrderRequest, account_id: str) -> TradeCommand:
        """A trader's order for `account_id`, with a fresh trade id."""
        return cls(request=request, trade_id=new_trade_id(), account_id=account_id)


@dataclass(frozen=True, slots=True)
class RefreshCommand:
    """Ask the terminal host of one account (None: of every account) to poll everything now."""

    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class LinkCommand:
    """The trader asks to connect (connect=True) or to disconnect and stay disconnected: one account, or
    every account with None."""

    connect: bool
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class AutoTradingCommand:
    """The master switch: off stops new automatic orders; open positions stay as they are."""

    enabled: bool


@dataclass(frozen=True, slots=True)
class ModelCommand:
    """Enable or disable one model and/or replace its settings (None leaves that part unchanged)."""

    model_id: str
    enabled: bool | None = None
    settings: ModelSettings | None = None


@dataclass(frozen=True, slots=True)
class KillSwitchCommand:
    """Stop the models of one account (`account_id`), or of every account with None (the master switch
    goes off too); optionally close their positions."""

    close_positions: bool
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterModelCommand:
    """Add a saved model file (its sha256 is checked against the manifest) to the registry, disabled, to
    trade on `account_id`."""

    model_file: Path
    manifest: ModelManifest
    settings: ModelSettings
    account_id: str


@dataclass(frozen=True, slots=True)
class RemoveModelCommand:
    """Take a model out of the registry; refused while it has open positions."""

    model_id: str


@dataclass(frozen=True, slots=True)
class RiskLimitsCommand:
    """New risk limits (Settings → Risk) for every automatic order of one account (`account_id`) from now
    on; `currency` is the account's, for the notice that says what changed."""

    limits: RiskSettings
    account_id: str
    currency: str = ""


# The commands the desk hands to its AutoTrader.
AUTO_COMMANDS = (
    AutoTradingCommand,
    ModelCommand,
    KillSwitchCommand,
    RegisterModelCommand,
    RemoveModelCommand,
    RiskLimitsCommand,
)
AutoCommand = (
    AutoTradingCommand
    | ModelCommand
    | KillSwitchCommand
    | RegisterModelCommand
    | RemoveModelCommand
    | RiskLimitsCommand
)
DeskCommand = TradeCommand | RefreshCommand | LinkCommand | AutoCommand

__all__ = [
    "AUTO_COMMANDS",
    "COMMENT_TAG",
    "MT5_COMMENT_LIMIT",
    "TRADE_ID_LENGTH",
    "AutoCommand",
    "AutoContext",
    "AutoTradingCommand",
    "DeskCommand",
    "KillSwitchCommand",
    "LinkCommand",
    "ModelCommand",
    "RefreshCommand",
    "RegisterModelCommand",
    "RemoveModelCommand",
    "RiskLimitsCommand",
    "TradeCommand",
    "auto_trade_id",
    "new_trade_id",
    "tagged_comment",
    "trade_id_in",
]
