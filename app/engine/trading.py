"""TradingService: the desk's half of every order. The journal row is written before the order leaves for
the terminal host, and the host's answer is written back; the host's half is app.engine.host.orders.

The order of writes is what makes the desk crash-safe: the trade row exists as `pending` (and `sent`)
before the command crosses the pipe, and the comment carries the trade id, so a crash or a killed host
at any point leaves a row that `reconcile.py` can match with the terminal. Nothing is ever re-sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from app.core.comments import clean_note
from app.core.enums import NoticeLevel, OrderAction, Side, TradeSource
from app.core.event_text import fill_text
from app.core.events import AutoTradeExecuted, Event, Notice, TradeError
from app.core.models import OrderRequest, OrderResult
from app.engine.commands import TradeCommand, tagged_comment, trade_id_in
from app.engine.host.messages import OrderCommand, OrderOutcome, Outcome
from app.engine.host.orders import execute_order
from app.storage.errors import JournalError
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_S = 5.0  # how long a manual order may wait for a busy terminal before it is dropped


def is_link_error(error: TerminalError) -> bool:
    """An IPC failure: the terminal is gone or hung, not merely refusing a request."""
    return error.link_lost


@dataclass(frozen=True, slots=True)
class TradeOutcome:
    """The end of one command; `link_lost` says the terminal stopped answering on the way."""

    trade_id: str
    outcome: Outcome
    result: OrderResult | None = None
    message: str = ""
    link_lost: bool = False


def order_type_label(request: OrderRequest) -> str:
    """What TRADE_ERROR calls the order: BUY, SELL, CLOSE or MODIFY."""
    if request.action is OrderAction.OPEN and request.side is not None:
        return request.side.value
    return request.action.value.upper()


class LocalOrders:
    """The host's half run in the caller's thread on a Terminal it owns (tools and the money-path specs)."""

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal

    def __call__(self, order: OrderCommand) -> OrderOutcome:
        return execute_order(self._terminal, order)


class TradingService:
    """Journals trade commands before they are sent and records what became of them."""

    def __init__(
        self,
        journal: Journal,
        publish: Callable[[Event], None],
        now: Callable[[], datetime],
        *,
        orders: Callable[[OrderCommand], OrderOutcome] | None = None,
        deadline_s: float = DEFAULT_DEADLINE_S,
    ) -> None:
        self._journal = journal
        self._publish = publish
        self._now = now
        self._orders = orders
        self._deadline_s = deadline_s

    def execute(self, command: TradeCommand) -> TradeOutcome:
        """Journal, send through the local executor and record the result, all in this thread."""
        if self._orders is None:
            raise RuntimeError("this TradingService sends through the terminal host: use begin/finish")
        begun = self.begin(command)
        if isinstance(begun, TradeOutcome):
            return begun
        return self.finish(command, begun, self._orders(begun))

    def begin(
        self, command: TradeCommand, *, symbol: str = "", deadline_s: float | None = None
    ) -> OrderCommand | TradeOutcome:
        """Journal the command as pending and sent; the OrderCommand to hand to the host, or the outcome
        of a command that must not be sent (duplicate, journal failure, id the comment cannot carry).

        `symbol` names the position's symbol when the request names only its ticket; `deadline_s` is how
        long an order may wait for its account's terminal (None: this service's own).
        """
        if trade_id_in(tagged_comment(command.trade_id)) != command.trade_id:
            # After a crash the comment is the only link between an order and its row: refuse to send
            # anything whose id the comment could not carry back.
            text = f"Order not sent: trade id {command.trade_id!r} does not fit the MT5 comment (a bug)."
            log.error(text)
            self._emit_error(command, command.request, text, code=None)
            return TradeOutcome(command.trade_id, Outcome.FAILED, message=text)
        request = replace(
            command.request,
            symbol=command.request.symbol or symbol,
            comment=tagged_comment(command.trade_id, command.request.comment),
        )
        if not self._journal.database.can_write():  # its result could not be recorded: never send it
            text = f"Order not sent: {self._journal.database.health.problem}."
            self._emit_error(command, request, text, code=None)
            return TradeOutcome(command.trade_id, Outcome.FAILED, message=text)
        refused = self._record_pending(command, request)
        if refused is not None:
            return refused
        try:
            self._journal.mark_sent(command.trade_id, self._now())
        except JournalError as error:
            # The row stays pending and is reconciled with the terminal later; nothing was sent.
            return self._fail(
                command, request, None, f"Order not sent: the journal could not be written ({error})."
            )
        default = deadline_s if deadline_s is not None else self._deadline_s
        wait = command.max_wait_s if command.max_wait_s is not None else default
        return OrderCommand(command.trade_id, request, command.created_at, command.created_at + wait)

    def finish(self, command: TradeCommand, order: OrderCommand, outcome: OrderOutcome) -> TradeOutcome:
        """Record what the host did with `order` and tell the trader."""
        request = replace(order.request, symbol=outcome.symbol or order.request.symbol)
        if outcome.outcome is Outcome.FILLED and outcome.result is not None:
            return self._filled(command, request, outcome.result, outcome.position_ticket)
        if outcome.outcome is Outcome.UNCONFIRMED:
            return self.unconfirmed(command, request, outcome.message, code=outcome.code)
        failed = self._fail(command, request, outcome.code, outcome.message, result=outcome.result)
        return replace(failed, link_lost=outcome.link_lost)

    def refuse(self, command: TradeCommand, reason: str, *, symbol: str = "") -> TradeOutcome:
        """Journal a command that cannot be sent now as failed, and say why."""
        request = replace(
            command.request,
            symbol=command.request.symbol or symbol,
            comment=tagged_comment(command.trade_id, command.request.comment),
        )
        refused = self._record_pending(command, request)
        if refused is not None:
            return refused
        return self._fail(command, request, None, reason)

    def not_sent(self, command: TradeCommand, order: OrderCommand, reason: str) -> TradeOutcome:
        """A journaled command that certainly never reached the terminal: failed, with the reason."""
        return self._fail(command, order.request, None, reason)

    def unconfirmed(
        self, command: TradeCommand, request: OrderRequest, text: str, *, code: int | None = None
    ) -> TradeOutcome:
        """The order may have executed: the row stays pending for the reconcile, and the trader is told."""
        self._emit_error(command, request, text, code=code)
        return TradeOutcome(command.trade_id, Outcome.UNCONFIRMED, message=text, link_lost=True)

    def _record_pending(self, command: TradeCommand, request: OrderRequest) -> TradeOutcome | None:
        try:
            self._journal.record_pending(
                trade_id=command.trade_id,
                source=command.source,
                action=request.action,
                symbol=request.symbol,
                side=request.side,
                volume=request.volume,
                sl=request.sl,
                tp=request.tp,
                magic=request.magic,
                comment=request.comment,
                note=clean_note(command.request.comment),
                model_id=command.auto.model_id if command.auto else None,
                position_ticket=request.ticket,
                requested_at=self._now(),
                account_id=command.account_id,
            )
        except JournalError as error:
            if self._known(command.trade_id):
                message = f"Trade {command.trade_id} was already sent once; it is not sent again."
                log.info(message)
                if command.auto is None:
                    self._publish(
                        Notice(
                            level=NoticeLevel.WARNING,
                            title="Duplicate order refused",
                            text=message,
                            account_id=command.account_id,
                        )
                    )
                return TradeOutcome(command.trade_id, Outcome.DUPLICATE, message=message)
            text = (
                f"Order not sent: the journal could not record it ({error}). "
                "Check the disk and restart MT5 Desk."
            )
            self._emit_error(command, request, text, code=None)
            return TradeOutcome(command.trade_id, Outcome.FAILED, message=text)
        return None

    def _known(self, trade_id: str) -> bool:
        try:
            return self._journal.find_trade(trade_id) is not None
        except JournalError:
            return False

    def _filled(
        self, command: TradeCommand, request: OrderRequest, result: OrderResult, position: int | None
    ) -> TradeOutcome:
        at = self._now()
        try:
            if request.action is OrderAction.OPEN:
                self._journal.record_fill(
                    command.trade_id,
                    position_ticket=position if position is not None else result.position_ticket,
                    order=result.order,
                    deal=result.deal,
                    price=result.price,
                    volume=result.volume,
                    at=at,
                    retcode=result.retcode,
                )
            else:
                self._journal.mark_done(
                    command.trade_id, retcode=result.retcode, at=at, symbol=request.symbol
                )
        except JournalError as error:
            # The order did execute; the pending row is matched with the terminal at the next reconcile.
            self._publish(
                Notice(
                    level=NoticeLevel.ERROR,
                    title="Journal write failed",
                    text=f"Trade {command.trade_id} executed in MetaTrader 5 but was not saved ({error}).",
                    account_id=command.account_id,
                )
            )
        if command.auto is not None and request.action is OrderAction.OPEN:
            self._publish(_auto_trade_event(command, request, result, at))
        else:
            text = fill_text(request, result)
            self._publish(
                Notice(
                    level=NoticeLevel.INFO,
                    title="Order executed",
                    text=text,
                    timestamp=at,
                    account_id=command.account_id,
                )
            )
        return TradeOutcome(command.trade_id, Outcome.FILLED, result=result)

    def _fail(
        self,
        command: TradeCommand,
        request: OrderRequest,
        code: int | None,
        text: str,
        *,
        result: OrderResult | None = None,
    ) -> TradeOutcome:
        try:
            self._journal.mark_failed(
                command.trade_id, retcode=code, error=text, at=self._now(), symbol=request.symbol
            )
        except JournalError as error:
            log.error("could not mark trade %s failed: %s", command.trade_id, error)
        self._emit_error(command, request, text, code=code)
        outcome = Outcome.REJECTED if result is not None else Outcome.FAILED
        return TradeOutcome(command.trade_id, outcome, result=result, message=text)

    def _emit_error(
        self, command: TradeCommand, request: OrderRequest, text: str, *, code: int | None
    ) -> None:
        self._publish(
            TradeError(
                trade_id=command.trade_id,
                symbol=request.symbol,
                order_type=order_type_label(request),
                error=text,
                code=code,
                timestamp=self._now(),
                account_id=command.account_id,
            )
        )


def _auto_trade_event(
    command: TradeCommand, request: OrderRequest, result: OrderResult, at: datetime
) -> AutoTradeExecuted:
    assert command.auto is not None
    return AutoTradeExecuted(
        model_id=command.auto.model_id,
        model_name=command.auto.model_name,
        trade_id=command.trade_id,
        direction=request.side or Side.BUY,
        symbol=request.symbol,
        confidence=command.auto.confidence,
        entry_price=result.price,
        stop_loss=request.sl,
        take_profit=request.tp,
        lot_size=result.volume,
        digits=result.digits,
        timestamp=at,
        account_id=command.account_id,
    )


__all__ = [
    "LocalOrders",
    "Outcome",
    "TradeOutcome",
    "TradeSource",
    "TradingService",
    "is_link_error",
    "order_type_label",
]
