"""The simulated trade server: validates market requests and executes them against the ledger.

Hedging accounts keep one position per fill (ticket == order == identifier) and close by an opposite deal
naming the position. Netting accounts keep one position per symbol: a deal adds to it, reduces it, closes
it or reverses it. Time-driven events (SL/TP, swaps, stop out) live in housekeeping.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.terminal.simulator import constants as c
from app.terminal.simulator.execution import (
    VOLUME_EPSILON,
    ClosePlan,
    Execution,
    ModifyPlan,
    OpenPlan,
    Outcome,
)
from app.terminal.simulator.housekeeping import Housekeeping
from app.terminal.simulator.validation import filling_ok, stops_ok, volume_ok

if TYPE_CHECKING:
    from app.terminal.simulator.accounting import Accounting
    from app.terminal.simulator.ledger import Ledger, OpenPosition
    from app.terminal.simulator.market import Market
    from app.terminal.simulator.persistence import StateFile
    from app.terminal.simulator.symbols import SymbolDef


@dataclass(frozen=True, slots=True)
class Figures:
    """The account's money at one moment, in the account currency."""

    balance: float
    profit: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float


Plan = OpenPlan | ClosePlan | ModifyPlan


class Broker(Execution, Housekeeping):
    """Holds the ledger and answers order_check / order_send; every method wants the terminal's lock held."""

    def __init__(
        self,
        market: Market,
        accounting: Accounting,
        ledger: Ledger,
        state: StateFile,
        *,
        margin_mode: int,
    ) -> None:
        if margin_mode not in (c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING, c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING):
            raise ValueError(f"margin_mode must be 2 (hedging) or 0 (netting), got {margin_mode}")
        self.market = market
        self.accounting = accounting
        self.ledger = ledger
        self.state = state
        self.margin_mode = margin_mode
        self.trade_modes: dict[str, int] = {}
        self.position_limit: int | None = None

    # --- lookups and figures ------------------------------------------------------------------

    def symbol(self, name: str) -> SymbolDef | None:
        return self.market.symbols.get(name)

    def trade_mode(self, sym: SymbolDef) -> int:
        return self.trade_modes.get(sym.name, sym.trade_mode)

    def save(self) -> None:
        self.state.save(self.ledger)

    def price_current(self, position: OpenPosition, t: float) -> float:
        """The price the position would close at now: bid for a buy, ask for a sell."""
        quote = self.market.quote(position.symbol, t)
        return quote.bid if position.type == c.POSITION_TYPE_BUY else quote.ask

    def position_profit(self, position: OpenPosition, t: float, price: float | None = None) -> float:
        """Floating profit at `price` (default: the position's current closing price at `t`)."""
        sym = self.market.symbols[position.symbol]
        if price is None:
            price = self.price_current(position, t)
        return self.accounting.profit(sym, position.type, position.volume, position.price_open, price, t)

    def position_margin(self, position: OpenPosition, t: float) -> float:
        sym = self.market.symbols[position.symbol]
        return self.accounting.margin(sym, position.type, position.volume, position.price_open, t)

    def figures(self, t: float) -> Figures:
        """Balance, floating profit (without swap), equity, margin, free margin and margin level now."""
        return self._figures(self.ledger.balance, *self._sums(t))

    def _sums(self, t: float) -> tuple[float, float, float]:
        """(floating profit, accumulated swap, margin) over the open positions."""
        positions = self.ledger.positions.values()
        profit = sum(self.position_profit(p, t) for p in positions)
        swap = sum(p.swap for p in positions)
        margin = sum(self.position_margin(p, t) for p in positions)
        return profit, swap, margin

    def _figures(self, balance: float, profit: float, swap: float, margin: float) -> Figures:
        money = self.accounting.money
        equity = money(balance + profit + swap)
        margin = money(margin)
        level = round(equity / margin * 100.0, 2) if margin > 0 else 0.0
        return Figures(money(balance), money(profit), equity, margin, money(equity - margin), level)

    def was_closed(self, ticket: int) -> bool:
        return any(d.position_id == ticket and d.entry != c.DEAL_ENTRY_IN for d in self.ledger.deals)

    # --- requests -----------------------------------------------------------------------------

    def check(self, request: Any, t: float) -> tuple[int, Figures]:
        """order_check: (0 or the failing retcode, the account as it would be after the trade)."""
        plan = self._plan(request, t)
        balance = self.ledger.balance
        profit, swap, margin = self._sums(t)
        if isinstance(plan, OpenPlan):
            margin += plan.margin
        elif isinstance(plan, ClosePlan):
            position = plan.position
            share = min(plan.volume, position.volume) / position.volume
            closed_profit = self.position_profit(position, t) * share
            balance += closed_profit + position.swap * share
            profit -= closed_profit
            swap -= position.swap * share
            margin -= self.position_margin(position, t) * share
            if plan.reverse_volume > VOLUME_EPSILON:
                sym = self.market.symbols[position.symbol]
                margin += self.accounting.margin(sym, 1 - position.type, plan.reverse_volume, plan.price, t)
        return (plan if isinstance(plan, int) else 0), self._figures(balance, profit, swap, margin)

    def send(self, request: Any, t: float, reason: int) -> Outcome:
        """order_send on the server side: validate, execute, persist."""
        plan = self._plan(request, t)
        if isinstance(plan, int):
            return Outcome(plan)
        if isinstance(plan, ModifyPlan):
            self.modify(plan.position, plan.sl, plan.tp, t)
            outcome = Outcome(c.TRADE_RETCODE_DONE)
        elif isinstance(plan, ClosePlan):
            outcome = self.close(
                plan.position,
                plan.volume,
                plan.price,
                t,
                reason,
                request=request,
                reverse_volume=plan.reverse_volume,
            )
        else:
            outcome = self._open(plan, request, t, reason)
        self.save()
        return outcome

    def _plan(self, request: Any, t: float) -> Plan | int:
        if request.action == c.TRADE_ACTION_SLTP:
            return self._plan_sltp(request, t)
        if request.action != c.TRADE_ACTION_DEAL:
            return c.TRADE_RETCODE_INVALID
        sym = self.symbol(request.symbol)
        if sym is None or request.type not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
            return c.TRADE_RETCODE_INVALID
        mode = self.trade_mode(sym)
        if mode == c.SYMBOL_TRADE_MODE_DISABLED:
            return c.TRADE_RETCODE_TRADE_DISABLED
        if not self.market.is_open(sym.name, t):
            return c.TRADE_RETCODE_MARKET_CLOSED
        if not volume_ok(sym, request.volume):
            return c.TRADE_RETCODE_INVALID_VOLUME
        if not filling_ok(sym, request.type_filling):
            return c.TRADE_RETCODE_INVALID_FILL
        quote = self.market.quote(sym.name, t)
        buy = request.type == c.ORDER_TYPE_BUY
        price = quote.ask if buy else quote.bid
        position = self._position_to_close(request, sym)
        if isinstance(position, int):
            return position
        if position is not None:
            excess = round(request.volume - position.volume, 8)
            if excess > VOLUME_EPSILON and (
                request.position or self.margin_mode != c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING
            ):
                return c.TRADE_RETCODE_INVALID_CLOSE_VOLUME
            if excess <= VOLUME_EPSILON:
                return ClosePlan(position, request.volume, price)
            refusal = self._open_refusal(sym, mode, buy, request, quote, excess, price, t, replaces=position)
            return refusal or ClosePlan(position, position.volume, price, reverse_volume=excess)
        merge_into = self._netting_position(sym.name)
        refusal = self._open_refusal(
            sym, mode, buy, request, quote, request.volume, price, t, merging=merge_into is not None
        )
        if refusal:
            return refusal
        margin = self.accounting.margin(sym, request.type, request.volume, price, t)
        return OpenPlan(sym, request.type, request.volume, price, margin, merge_into)

    def _position_to_close(self, request: Any, sym: SymbolDef) -> OpenPosition | int | None:
        """The position an opposite deal closes: named by `position`, or netting's one per symbol."""
        if request.position:
            position = self.ledger.positions.get(request.position)
            if position is None:
                return (
                    c.TRADE_RETCODE_POSITION_CLOSED
                    if self.was_closed(request.position)
                    else c.TRADE_RETCODE_INVALID
                )
            if position.symbol != sym.name or position.type == request.type:
                return c.TRADE_RETCODE_INVALID
            return position
        netted = self._netting_position(sym.name)
        if netted is not None and netted.type != request.type:
            return netted
        return None

    def _netting_position(self, symbol: str) -> OpenPosition | None:
        if self.margin_mode != c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING:
            return None
        return next((p for p in self.ledger.positions.values() if p.symbol == symbol), None)

    def _open_refusal(
        self,
        sym: SymbolDef,
        mode: int,
        buy: bool,
        request: Any,
        quote: Any,
        volume: float,
        price: float,
        t: float,
        *,
        merging: bool = False,
        replaces: OpenPosition | None = None,
    ) -> int:
        """0 if `volume` lots may open this way now, else the retcode that refuses it."""
        if mode == c.SYMBOL_TRADE_MODE_CLOSEONLY:
            return c.TRADE_RETCODE_CLOSE_ONLY
        if mode == c.SYMBOL_TRADE_MODE_LONGONLY and not buy:
            return c.TRADE_RETCODE_LONG_ONLY
        if mode == c.SYMBOL_TRADE_MODE_SHORTONLY and buy:
            return c.TRADE_RETCODE_SHORT_ONLY
        if not stops_ok(sym, buy, request.sl, request.tp, quote.bid, quote.ask):
            return c.TRADE_RETCODE_INVALID_STOPS
        counts_as_new = not merging and replaces is None
        limit = self.position_limit
        if counts_as_new and limit is not None and len(self.ledger.positions) >= limit:
            return c.TRADE_RETCODE_LIMIT_POSITIONS
        needed = self.accounting.margin(sym, request.type, volume, price, t)
        now = self.figures(t)
        freed = self.position_margin(replaces, t) if replaces is not None else 0.0
        if now.margin_free + freed - needed < 0:
            return c.TRADE_RETCODE_NO_MONEY
        return 0

    def _plan_sltp(self, request: Any, t: float) -> ModifyPlan | int:
        position = self.ledger.positions.get(request.position) if request.position else None
        if position is None and not request.position and request.symbol:
            position = self._netting_position(request.symbol)
        if position is None:
            return (
                c.TRADE_RETCODE_POSITION_CLOSED
                if self.was_closed(request.position)
                else c.TRADE_RETCODE_INVALID
            )
        if request.symbol and request.symbol != position.symbol:
            return c.TRADE_RETCODE_INVALID
        sym = self.market.symbols[position.symbol]
        if self.trade_mode(sym) == c.SYMBOL_TRADE_MODE_DISABLED:
            return c.TRADE_RETCODE_TRADE_DISABLED
        if not self.market.is_open(sym.name, t):
            return c.TRADE_RETCODE_MARKET_CLOSED
        quote = self.market.quote(sym.name, t)
        buy = position.type == c.POSITION_TYPE_BUY
        if not stops_ok(sym, buy, request.sl, request.tp, quote.bid, quote.ask):
            return c.TRADE_RETCODE_INVALID_STOPS
        sl, tp = round(request.sl, sym.digits), round(request.tp, sym.digits)
        if (sl, tp) == (position.sl, position.tp):
            return c.TRADE_RETCODE_NO_CHANGES
        return ModifyPlan(position, sl, tp)

    # --- execution ----------------------------------------------------------------------------
