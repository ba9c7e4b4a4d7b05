"""The terminal host's half of an order: check its deadline, send it (retrying a moved price a bounded
number of times), and say what became of it. The desk's half (journal before and after) is TradingService.

The order arrives already journaled as pending, its comment carrying the trade id. Nothing here
writes anything: the outcome goes back to the desk, which owns the journal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from app.core.enums import OrderAction
from app.core.models import OrderRequest, OrderResult
from app.engine.host.messages import OrderCommand, OrderOutcome, Outcome
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
PRICE_RETRIES = 3


def expired_text(waited_s: float) -> str:
    """What the trader reads about an order dropped because it waited too long."""
    return (
        f"Not sent: waited {waited_s:.0f} s behind a busy terminal, so it was dropped instead of being "
        "sent late at a price you never saw. Place it again if you still want it."
    )


def execute_order(
    terminal: Terminal,
    order: OrderCommand,
    *,
    clock: Callable[[], float] = time.monotonic,
    price_retries: int = PRICE_RETRIES,
) -> OrderOutcome:
    """Send `order` unless its deadline has passed; every way it can end is an OrderOutcome."""
    if clock() > order.deadline:
        return _expired(order, order.request, clock())
    request = _with_position_symbol(terminal, order.request)
    try:
        result = _send_with_retries(terminal, order, request, clock, price_retries)
    except TerminalError as error:
        return _send_failed(order, request, error)
    if result is None:
        return _expired(order, request, clock())
    if result.retcode in FILLED:
        position = _position_of(terminal, result) if request.action is OrderAction.OPEN else None
        return OrderOutcome(
            order.trade_id, Outcome.FILLED, request.symbol, result=result, position_ticket=position
        )
    explained = terminal.explain(request, result)
    return OrderOutcome(
        order.trade_id,
        Outcome.REJECTED,
        request.symbol,
        result=result,
        code=result.retcode,
        message=explained.sentence(),
    )


def not_connected(order: OrderCommand, text: str) -> OrderOutcome:
    """The outcome of an order refused before sending because the link is down."""
    return OrderOutcome(order.trade_id, Outcome.FAILED, order.request.symbol, message=text)


def _expired(order: OrderCommand, request: OrderRequest, now: float) -> OrderOutcome:
    waited = now - order.created_at
    log.warning("order %s expired after waiting %.1f s: not sent", order.trade_id, waited)
    return OrderOutcome(order.trade_id, Outcome.FAILED, request.symbol, message=expired_text(waited))


def _with_position_symbol(terminal: Terminal, request: OrderRequest) -> OrderRequest:
    """A close or modify names its position by ticket; errors and the journal also need its symbol."""
    if request.symbol or request.ticket is None:
        return request
    try:
        position = terminal.position(request.ticket)
    except TerminalError:
        return request  # the send reports the real problem
    return replace(request, symbol=position.symbol) if position is not None else request


def _send_with_retries(
    terminal: Terminal,
    order: OrderCommand,
    request: OrderRequest,
    clock: Callable[[], float],
    price_retries: int,
) -> OrderResult | None:
    """The last answer; None when the first attempt would have gone out after the deadline (nothing sent).

    The deadline is checked right before each order_send, after the price was read: reading it may itself
    wait behind a busy terminal. A retry past the deadline is not sent; the last refusal stands.
    """
    attempt = 0
    result: OrderResult | None = None
    while True:
        mt5_request = terminal.build_request(request)  # a fresh price on every attempt
        if clock() > order.deadline:
            return result
        result = terminal.send_built(mt5_request)
        attempt += 1
        if result.retcode not in PRICE_MOVED or attempt > price_retries:
            return result
        log.info("price moved (retcode %s), retry %d of %d", result.retcode, attempt, price_retries)


def _position_of(terminal: Terminal, result: OrderResult) -> int:
    """The position a market fill opened or added to: the order's deal says (netting reuses tickets)."""
    try:
        deals = terminal.deals_for_order(result.order)
    except TerminalError as error:
        log.warning("could not read the deal of order %s: %s", result.order, error)
        deals = []
    return deals[0].position_id if deals else result.position_ticket


def _send_failed(order: OrderCommand, request: OrderRequest, error: TerminalError) -> OrderOutcome:
    link_lost = error.link_lost
    if error.code in NOT_SENT or not link_lost:
        return OrderOutcome(
            order.trade_id,
            Outcome.FAILED,
            request.symbol,
            code=error.code,
            message=error.sentence(),
            link_lost=link_lost,
        )
    # The request may have reached the terminal before the link broke: the desk keeps the row pending so
    # the reconcile after reconnecting decides from the terminal's own records; never re-sent blindly.
    text = (
        f"{error.sentence()} The order may or may not have been executed; MT5 Desk will check with "
        "MetaTrader 5 after reconnecting and will not send it again."
    )
    return OrderOutcome(
        order.trade_id, Outcome.UNCONFIRMED, request.symbol, code=error.code, message=text, link_lost=True
    )
