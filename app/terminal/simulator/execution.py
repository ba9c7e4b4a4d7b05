"""Execution on the simulated trade server: fills, closes, SL/TP changes and balance operations.

Every change writes the filled order and its deal to the history, as the server does; the caller saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.terminal.simulator import constants as c
from app.terminal.simulator.accounting import is_buy
from app.terminal.simulator.ledger import DealRow, OpenPosition, OrderRow

if TYPE_CHECKING:
    from app.terminal.simulator.accounting import Accounting
    from app.terminal.simulator.ledger import Ledger
    from app.terminal.simulator.market import Market
    from app.terminal.simulator.symbols import SymbolDef

VOLUME_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Outcome:
    """The server's answer to a request: a retcode and, when something executed, what."""

    retcode: int
    deal: int = 0
    order: int = 0
    volume: float = 0.0
    price: float = 0.0


@dataclass(slots=True)
class OpenPlan:
    """A validated fill that opens (or, netting, adds to) a position."""

    sym: SymbolDef
    type: int
    volume: float
    price: float
    margin: float
    merge_into: OpenPosition | None = None  # netting: add to the symbol's position


@dataclass(slots=True)
class ClosePlan:
    """A validated opposite deal that closes all or part of a position."""

    position: OpenPosition
    volume: float
    price: float
    reverse_volume: float = 0.0  # netting: volume beyond the position opens the other way


@dataclass(slots=True)
class ModifyPlan:
    """A validated change of a position's SL/TP."""

    position: OpenPosition
    sl: float
    tp: float


class Execution:
    """Mixin of Broker: applies validated plans to the ledger."""

    market: Market
    accounting: Accounting
    ledger: Ledger

    def save(self) -> None: ...

    def _open(self, plan: OpenPlan, request: Any, t: float, reason: int) -> Outcome:
        sym, msc = plan.sym, int(t * 1000)
        order_ticket = self.ledger.new_ticket()
        sl, tp = round(request.sl, sym.digits), round(request.tp, sym.digits)
        target = plan.merge_into
        if target is None:
            target = OpenPosition(
                ticket=order_ticket,
                symbol=sym.name,
                type=plan.type,
                volume=plan.volume,
                price_open=plan.price,
                sl=sl,
                tp=tp,
                time_msc=msc,
                time_update_msc=msc,
                magic=request.magic,
                reason=reason,
                comment=request.comment,
            )
            self.ledger.positions[order_ticket] = target
        else:
            total = round(target.volume + plan.volume, 8)
            average = (target.price_open * target.volume + plan.price * plan.volume) / total
            target.price_open = round(average, sym.digits + 3)
            target.volume, target.time_update_msc = total, msc
            target.sl, target.tp = sl or target.sl, tp or target.tp
        deal_ticket = self._record(
            order_ticket,
            target,
            order_type=plan.type,
            volume=plan.volume,
            price=plan.price,
            msc=msc,
            reason=reason,
            entry=c.DEAL_ENTRY_IN,
            magic=request.magic,
            comment=request.comment,
            request=request,
        )
        return Outcome(c.TRADE_RETCODE_DONE, deal_ticket, order_ticket, plan.volume, plan.price)

    def close(
        self,
        position: OpenPosition,
        volume: float,
        price: float,
        t: float,
        reason: int,
        *,
        request: Any | None = None,
        comment: str | None = None,
        reverse_volume: float = 0.0,
    ) -> Outcome:
        """Close `volume` of a position at `price` (an opposite deal); netting may reverse the rest."""
        sym, msc = self.market.symbols[position.symbol], int(t * 1000)
        profit = self.accounting.profit(sym, position.type, volume, position.price_open, price, t)
        full = volume >= position.volume - VOLUME_EPSILON
        swap = position.swap if full else self.accounting.money(position.swap * volume / position.volume)
        self.ledger.balance = self.accounting.money(self.ledger.balance + profit + swap)
        closing_type = c.ORDER_TYPE_SELL if position.type == c.POSITION_TYPE_BUY else c.ORDER_TYPE_BUY
        reversing = reverse_volume > VOLUME_EPSILON
        dealt = round(volume + reverse_volume, 8)
        order_ticket = self.ledger.new_ticket()
        deal_ticket = self._record(
            order_ticket,
            position,
            order_type=closing_type,
            volume=dealt,
            price=price,
            msc=msc,
            reason=reason,
            entry=c.DEAL_ENTRY_INOUT if reversing else c.DEAL_ENTRY_OUT,
            magic=request.magic if request is not None else position.magic,
            comment=comment if comment is not None else (request.comment if request is not None else ""),
            request=request,
            profit=profit,
            swap=swap,
        )
        if reversing:
            position.type, position.volume, position.price_open = closing_type, reverse_volume, price
            position.swap, position.time_update_msc = 0.0, msc
            position.sl = round(request.sl, sym.digits) if request is not None else 0.0
            position.tp = round(request.tp, sym.digits) if request is not None else 0.0
        elif full:
            del self.ledger.positions[position.ticket]
        else:
            position.volume = round(position.volume - volume, 8)
            position.swap = self.accounting.money(position.swap - swap)
            position.time_update_msc = msc
        return Outcome(c.TRADE_RETCODE_DONE, deal_ticket, order_ticket, dealt, price)

    def modify(self, position: OpenPosition, sl: float, tp: float, t: float) -> None:
        position.sl, position.tp = sl, tp
        position.time_update_msc = int(t * 1000)

    def _record(
        self,
        order_ticket: int,
        position: OpenPosition,
        *,
        order_type: int,
        volume: float,
        price: float,
        msc: int,
        reason: int,
        entry: int,
        magic: int,
        comment: str,
        request: Any | None,
        profit: float = 0.0,
        swap: float = 0.0,
    ) -> int:
        """Append the filled order and its deal to the history; returns the deal's ticket."""
        self.ledger.orders.append(
            OrderRow(
                ticket=order_ticket,
                time_setup_msc=msc,
                time_done_msc=msc,
                type=order_type,
                type_time=request.type_time if request is not None else c.ORDER_TIME_GTC,
                type_filling=request.type_filling if request is not None else c.ORDER_FILLING_FOK,
                state=c.ORDER_STATE_FILLED,
                magic=magic,
                position_id=position.ticket,
                position_by_id=0,
                reason=reason,
                volume_initial=volume,
                volume_current=0.0,
                price_open=request.price if request is not None and request.price else price,
                sl=request.sl if request is not None else 0.0,
                tp=request.tp if request is not None else 0.0,
                price_current=price,
                price_stoplimit=0.0,
                symbol=position.symbol,
                comment=comment,
            )
        )
        deal_ticket = self.ledger.new_ticket()
        self.ledger.deals.append(
            DealRow(
                ticket=deal_ticket,
                order=order_ticket,
                time_msc=msc,
                type=c.DEAL_TYPE_BUY if is_buy(order_type) else c.DEAL_TYPE_SELL,
                entry=entry,
                magic=magic,
                position_id=position.ticket,
                reason=reason,
                volume=volume,
                price=price,
                commission=0.0,
                swap=swap,
                profit=profit,
                fee=0.0,
                symbol=position.symbol,
                comment=comment,
            )
        )
        return deal_ticket

    def deposit(self, amount: float, t: float, comment: str) -> None:
        """A balance operation: a DEAL_TYPE_BALANCE deal whose profit is the amount."""
        self.ledger.balance = self.accounting.money(self.ledger.balance + amount)
        self.ledger.deals.append(
            DealRow(
                ticket=self.ledger.new_ticket(),
                order=0,
                time_msc=int(t * 1000),
                type=c.DEAL_TYPE_BALANCE,
                entry=c.DEAL_ENTRY_IN,
                magic=0,
                position_id=0,
                reason=c.DEAL_REASON_CLIENT,
                volume=0.0,
                price=0.0,
                commission=0.0,
                swap=0.0,
                profit=self.accounting.money(amount),
                fee=0.0,
                symbol="",
                comment=comment,
            )
        )
        self.save()
