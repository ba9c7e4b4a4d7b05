"""TradingService: every order goes journal-first, then to the terminal, then back to the journal.

Runs only in the terminal worker's thread. The order of writes is what makes the desk crash-safe:
the trade row exists as `pending` before a byte reaches MetaTrader 5, and the comment carries the
trade id, so a crash at any point leaves a row that `reconcile.py` can match with the terminal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from app.core.comments import clean_note
from app.core.enums import NoticeLevel, OrderAction, Side, TradeSource
from app.core.event_text import fill_text
from app.core.events import AutoTradeExecuted, Event, Notice, TradeError
from app.core.models import OrderRequest, OrderResult
from app.engine.commands import TradeCommand, tagged_comment, trade_id_in
from app.storage.errors import JournalError
from app.storage.journal import Journal
from app.terminal.adapter import Terminal
from app.terminal.errors import TerminalError

log = logging.getLogger(__name__)

RETCODE_DONE = 10009
RETCODE_DONE_PARTIAL = 10010
RETCODE_PLACED = 10008
FILLED = frozenset({RETCODE_DONE, RETCODE_DONE_PARTIAL, RETCODE_PLACED})
# Requote, price changed, price off: the price moved under an instant/request-execution order.
PRICE_MOVED = frozenset({10004, 10020, 10021})
# last_error codes that prove the request never left this process (no IPC link at all, or send failed).
NOT_SENT = frozenset({-10004, -10001, -10003, -2})


def is_link_error(error: TerminalError) -> bool:
    """An IPC failure: the terminal is gone or hung, not merely refusing a request."""
    return error.code <= -10000


class Outcome(StrEnum):
    """How a trade command ended."""

    FILLED = "filled"
    REJECTED = "rejected"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class TradeOutcome:
    """The end of one command; `link_lost` tells the worker to drop into reconnecting."""

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


class TradingService:
    """Executes trade commands against the terminal with a journal row for each, before and after."""

    def __init__(
        self,
        terminal: Terminal,
        journal: Journal,
        publish: Callable[[Event], None],
        now: Callable[[], datetime],
        *,
        price_retries: int = 3,
    ) -> None:
        self._terminal = terminal
        self._journal = journal
        self._publish = publish
        self._now = now
        self._price_retries = price_retries

    def execute(self, command: TradeCommand) -> TradeOutcome:
        """Journal as pending, send (retrying a moved price a bounded number of times), record the result."""
        if trade_id_in(tagged_comment(command.trade_id)) != command.trade_id:
            # After a crash the comment is the only link between an order and its row: refuse to send
            # anything whose id the comment could not carry back.
            text = f"Order not sent: trade id {command.trade_id!r} does not fit the MT5 comment (a bug)."
            log.error(text)
            self._emit_error(command, command.request, text, code=None)
            return TradeOutcome(command.trade_id, Outcome.FAILED, message=text)
        request = replace(
            self._with_position_symbol(command.request),
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
            result = self._send_with_retries(request)
        except TerminalError as error:
            return self._send_failed(command, request, error)
        except JournalError as error:
            # The row stays pending and is reconciled with the terminal later; nothing was sent.
            return self._fail(
                command, request, None, f"Order not sent: the journal could not be written ({error})."
            )
        if result.retcode in FILLED:
            return self._filled(command, request, result)
        explained = self._terminal.explain(request, result)
        return self._fail(command, request, result.retcode, _human(explained), result=result)

    def refuse(self, command: TradeCommand, reason: str) -> TradeOutcome:
        """Journal a command that cannot be sent now as failed, and say why."""
        request = replace(command.request, comment=tagged_comment(command.trade_id, command.request.comment))
        refused = self._record_pending(command, request)
        if refused is not None:
            return refused
        return self._fail(command, request, None, reason)

    def _with_position_symbol(self, request: OrderRequest) -> OrderRequest:
        """A close or modify names its position by ticket; journal and errors also need its symbol."""
        if request.symbol or request.ticket is None:
            return request
        try:
            position = self._terminal.position(request.ticket)
        except TerminalError:
            return request  # the send reports the real problem
        return replace(request, symbol=position.symbol) if position is not None else request

    def _position_of(self, result: OrderResult) -> int:
        """The position a market fill opened or added to: the order's deal says (netting reuses tickets)."""
        try:
            deals = self._terminal.deals_for_order(result.order)
        except TerminalError as error:
            log.warning("could not read the deal of order %s: %s", result.order, error)
            deals = []
        return deals[0].position_id if deals else result.position_ticket

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
            )
        except JournalError as error:
            if self._known(command.trade_id):
                message = f"Trade {command.trade_id} was already sent once; it is not sent again."
                log.info(message)
                if command.auto is None:
                    self._publish(
                        Notice(level=NoticeLevel.WARNING, title="Duplicate order refused", text=message)
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

    def _send_with_retries(self, request: OrderRequest) -> OrderResult:
        attempt = 0
        while True:
            result = self._terminal.send(request)  # a fresh price is read on every attempt
            attempt += 1
            if result.retcode not in PRICE_MOVED or attempt > self._price_retries:
                return result
            log.info("price moved (retcode %s), retry %d of %d", result.retcode, attempt, self._price_retries)

    def _filled(self, command: TradeCommand, request: OrderRequest, result: OrderResult) -> TradeOutcome:
        at = self._now()
        try:
            if request.action is OrderAction.OPEN:
                self._record_fill(command, result, at)
            else:
                self._journal.mark_done(command.trade_id, retcode=result.retcode, at=at)
        except JournalError as error:
            # The order did execute; the pending row is matched with the terminal at the next reconcile.
            self._publish(
                Notice(
                    level=NoticeLevel.ERROR,
                    title="Journal write failed",
                    text=f"Trade {command.trade_id} executed in MetaTrader 5 but was not saved ({error}).",
                )
            )
        if command.auto is not None and request.action is OrderAction.OPEN:
            self._publish(_auto_trade_event(command, request, result, at))
        else:
            text = fill_text(request, result)
            self._publish(Notice(level=NoticeLevel.INFO, title="Order executed", text=text, timestamp=at))
        return TradeOutcome(command.trade_id, Outcome.FILLED, result=result)

    def _record_fill(self, command: TradeCommand, result: OrderResult, at: datetime) -> None:
        self._journal.record_fill(
            command.trade_id,
            position_ticket=self._position_of(result),
            order=result.order,
            deal=result.deal,
            price=result.price,
            volume=result.volume,
            at=at,
            retcode=result.retcode,
        )

    def _send_failed(
        self, command: TradeCommand, request: OrderRequest, error: TerminalError
    ) -> TradeOutcome:
        link_lost = is_link_error(error)
        if error.code in NOT_SENT or not link_lost:
            outcome = self._fail(command, request, error.code, _human(error))
            return replace(outcome, link_lost=link_lost)
        # The request may have reached the terminal before the link broke: keep the row pending so the
        # reconcile after reconnect decides from the terminal's own records; never re-send blindly.
        text = (
            f"{_human(error)} The order may or may not have been executed; MT5 Desk will check with "
            "MetaTrader 5 after reconnecting and will not send it again."
        )
        self._emit_error(command, request, text, code=error.code)
        return TradeOutcome(command.trade_id, Outcome.UNCONFIRMED, message=text, link_lost=True)

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
            self._journal.mark_failed(command.trade_id, retcode=code, error=text, at=self._now())
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
            )
        )


def _human(error: TerminalError) -> str:
    return f"{error.message}. {error.hint}".replace("..", ".") if error.hint else error.message


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
    )


__all__ = ["Outcome", "TradeOutcome", "TradeSource", "TradingService", "is_link_error", "order_type_label"]
