"""RiskGuard: the hard limits every automatic opening order must pass, as a pure function of the facts.

The auto-trader gathers the facts (a RiskContext) and asks before each opening order; closing orders are
never refused here, since they only take risk away. Each refusal names its rule and gives the numbers,
so the trader reading the NOTICE knows what tripped and when trading resumes.

Definitions: "today" is the current UTC day. The daily loss is the account's: realized P&L of today's
deals plus the floating P&L (profit + swap) of every open position. The desk-wide daily loss is the same
summed over every account of the desk, in the desk currency (app.engine.desk_loss). The position limits
count the account's positions carrying the model's magic number (per model) and those of every model of
the account (total). Consecutive losses are counted over the account's automatic trades, newest first.
Every limit but the desk-wide one is the account's own (its `[accounts.risk]`, else the desk's `[risk]`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from app.core import risk_limits
from app.core.enums import AccountTradeMode
from app.core.models import Account, ModelSettings, OrderRequest, Position
from app.core.number_format import format_lots, format_money, format_volume
from app.core.settings import RiskSettings
from app.engine.desk_loss import DeskLoss


class Rule:
    """The rule names a refusal carries (the NOTICE title is "Risk limit: <rule>")."""

    ALGO_TRADING_OFF = "Algo Trading off"
    NO_ACCOUNT = "Account unknown"
    REAL_ACCOUNT = "Real account"
    # Named as Settings → Risk names the limit (app.core.risk_limits), so a refusal points at its field.
    MAX_LOT = risk_limits.MAX_LOT.label
    MAX_OPEN_MODEL = "Max open positions per model"
    MAX_OPEN_TOTAL = risk_limits.MAX_OPEN_TOTAL.label
    DAILY_LOSS = risk_limits.DAILY_LOSS.label
    DESK_DAILY_LOSS = risk_limits.DESK_DAILY_LOSS.label
    MAX_TRADES_DAY = risk_limits.MAX_TRADES_DAY.label
    COOLDOWN = risk_limits.COOLDOWN_LOSSES.label


class RiskSubject(Protocol):
    """What the guard reads of a model: its id, name and the magic number its positions carry."""

    @property
    def model_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def magic(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The facts at the moment of an order; money in the account currency, times UTC."""

    now: datetime
    account: Account | None
    positions: Mapping[int, Position]
    closed_today: float
    trades_today: Mapping[str, int]
    consecutive_losses: int
    last_loss_at: datetime | None
    terminal_trade_allowed: bool
    model_magics: frozenset[int] = field(default_factory=frozenset)
    desk_loss: DeskLoss | None = None  # None: no desk-wide limit set

    @property
    def floating(self) -> float:
        return sum(position.profit + position.swap for position in self.positions.values())


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an order may not go: the rule's name, a sentence with the numbers, and the numbers alone
    (`summary`, short enough for the model dock's status column)."""

    rule: str
    text: str
    summary: str = field(default="", compare=False)


class RiskGuard:
    """Checks an automatic opening order against the risk settings; pure and cheap."""

    def __init__(self, limits: RiskSettings) -> None:
        self.limits = limits

    def check(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        """The first rule the order breaks, or None when every rule allows it."""
        for rule in (
            self._algo_trading,
            self._account_mode,
            self._max_lot,
            self._max_open_model,
            self._max_open_total,
            self._daily_loss,
            self._desk_daily_loss,
            self._max_trades,
            self._cooldown,
        ):
            refusal = rule(model, settings, request, context)
            if refusal is not None:
                return refusal
        return None

    def _algo_trading(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        account = context.account
        if context.terminal_trade_allowed and (account is None or account.trade_expert):
            return None
        where = (
            "the terminal's Algo Trading button is off"
            if not context.terminal_trade_allowed
            else "the account does not allow expert (automatic) trading"
        )
        return Refusal(
            Rule.ALGO_TRADING_OFF,
            f"Automatic orders are refused because {where}. Switch Algo Trading on in MetaTrader 5 "
            "(toolbar button) to let the models trade.",
            "switch Algo Trading on in MetaTrader 5",
        )

    def _account_mode(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        account = context.account
        if account is None:
            return Refusal(
                Rule.NO_ACCOUNT,
                "The account has not been read from MetaTrader 5 yet, so its limits cannot be checked; "
                "the order waits for the next bar.",
                "account not read yet",
            )
        if account.trade_mode is AccountTradeMode.REAL and not self.limits.allow_real_account:
            return Refusal(
                Rule.REAL_ACCOUNT,
                f"Account {account.login} is a real-money account and automatic trading on real accounts "
                f"is off (Settings → Risk: {risk_limits.ALLOW_REAL_ACCOUNT}). Turn it on only if you mean "
                "the models to trade real money.",
                "real account, not allowed in Settings",
            )
        return None

    def _max_lot(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        volume = request.volume or 0.0
        limit = self.limits.max_lot_per_trade
        if volume <= limit + 1e-9:
            return None
        return Refusal(
            Rule.MAX_LOT,
            f"{model.name} asked for {format_lots(volume)} > limit {format_lots(limit)} per trade; "
            f"lower the model's lot size or raise {Rule.MAX_LOT} in Settings → Risk.",
            f"{format_volume(volume)} > {format_lots(limit)}",
        )

    def _max_open_model(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        count = sum(1 for p in context.positions.values() if p.magic == model.magic)
        if count < settings.max_open_positions:
            return None
        return Refusal(
            Rule.MAX_OPEN_MODEL,
            f"{model.name} has {count} open position(s) ≥ its limit {settings.max_open_positions}; "
            "no new order until one closes.",
            f"{count} of {settings.max_open_positions} open",
        )

    def _max_open_total(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        magics = context.model_magics | {model.magic}
        count = sum(1 for p in context.positions.values() if p.magic in magics)
        limit = self.limits.max_open_positions_total
        if count < limit:
            return None
        return Refusal(
            Rule.MAX_OPEN_TOTAL,
            f"The models hold {count} open position(s) in total ≥ limit {limit} "
            f"({Rule.MAX_OPEN_TOTAL} in Settings → Risk); no new automatic order until one closes.",
            f"{count} of {limit} open in total",
        )

    def _daily_loss(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        closed, floating = context.closed_today, context.floating
        loss = -(closed + floating)
        limit = self.limits.daily_loss_limit
        if loss < limit:
            return None
        currency = context.account.currency if context.account else ""
        return Refusal(
            Rule.DAILY_LOSS,
            f"Today's loss {_money(loss, currency)} (closed {_money(-closed, currency)} + floating "
            f"{_money(-floating, currency)}) ≥ limit {_money(limit, currency)}; automatic trading is "
            "paused until 00:00 UTC.",
            f"loss {_money(loss, currency)} ≥ {_money(limit, currency)}",
        )

    def _desk_daily_loss(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        desk = context.desk_loss
        if desk is None:
            return None
        limit = _money(desk.limit, desk.currency)
        if desk.loss is None:
            return Refusal(
                Rule.DESK_DAILY_LOSS,
                f"The desk-wide daily loss limit ({limit}) cannot be checked: {desk.problem}. Automatic "
                "orders wait until it can; set risk.desk_currency to a currency this terminal quotes, or "
                "set risk.desk_daily_loss_limit to 0 to have no desk-wide limit.",
                "desk-wide loss unknown",
            )
        if desk.loss < desk.limit:
            return None
        return Refusal(
            Rule.DESK_DAILY_LOSS,
            f"Today's loss of every account together {_money(desk.loss, desk.currency)} "
            f"({desk.breakdown()}) ≥ desk-wide limit {limit}; automatic trading on every account is "
            "paused until 00:00 UTC.",
            f"desk loss {_money(desk.loss, desk.currency)} ≥ {limit}",
        )

    def _max_trades(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        count = context.trades_today.get(model.model_id, 0)
        limit = self.limits.max_trades_per_day
        if count < limit:
            return None
        return Refusal(
            Rule.MAX_TRADES_DAY,
            f"{model.name} sent {count} order(s) today ≥ limit {limit} per day "
            f"({Rule.MAX_TRADES_DAY} in Settings → Risk); it trades again after 00:00 UTC.",
            f"{count} of {limit} orders today",
        )

    def _cooldown(
        self, model: RiskSubject, settings: ModelSettings, request: OrderRequest, context: RiskContext
    ) -> Refusal | None:
        needed = self.limits.cooldown_after_losses
        if needed <= 0 or context.consecutive_losses < needed or context.last_loss_at is None:
            return None
        until = context.last_loss_at + timedelta(minutes=self.limits.cooldown_minutes)
        if context.now >= until:
            return None
        return Refusal(
            Rule.COOLDOWN,
            f"{context.consecutive_losses} losing automatic trades in a row ≥ limit {needed}, the last "
            f"closed at {context.last_loss_at:%H:%M} UTC; automatic trading is paused for "
            f"{self.limits.cooldown_minutes} minutes, until {until:%H:%M} UTC.",
            f"until {until:%H:%M} UTC",
        )


def _money(amount: float, currency: str) -> str:
    return format_money(amount, currency)
