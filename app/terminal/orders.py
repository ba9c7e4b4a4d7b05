"""OrderRequest to MetaTrader 5 request dict (exact types, safe comment, allowed fill), refusal to message.

The terminal refuses (None, -2) an int where it wants a float, a comment over 29 characters, and so on;
everything here makes such a refusal impossible, so a -2 from order_send means a real bug.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.core.enums import OrderAction, Side
from app.core.models import OrderRequest, OrderResult, Position, Tick
from app.terminal.errors import (
    CODE_INVALID_REQUEST,
    CODE_NOT_FOUND,
    FILLING_FOK_BIT,
    FILLING_IOC_BIT,
    TerminalError,
    error_from_last_error,
    explain_rejection,
)

if TYPE_CHECKING:
    from app.terminal.adapter import Terminal

T = TypeVar("T")

log = logging.getLogger(__name__)

MAX_COMMENT = 29


def invalid_request(why: str) -> TerminalError:
    """The -2 error for a request MT5 Desk itself got wrong; logged with the reason."""
    log.error("invalid order request: %s", why)
    return error_from_last_error(CODE_INVALID_REQUEST, why)


def validate(request: OrderRequest) -> None:
    """Reject, before any terminal call, an OrderRequest that cannot become a valid MT5 request."""
    if request.action is OrderAction.OPEN:
        if request.side is None:
            raise invalid_request("OPEN request without a side")
        if request.volume is None:
            raise invalid_request("OPEN request without a volume")
        if not request.symbol:
            raise invalid_request("OPEN request without a symbol")
    elif request.ticket is None or int(request.ticket) <= 0:
        raise invalid_request(f"{request.action.value.upper()} request without a position ticket")
    for name in ("volume", "sl", "tp", "price"):
        value = getattr(request, name)
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
            raise invalid_request(f"{name} is {value!r}, not a finite number")
    if request.volume is not None and request.volume <= 0:
        raise invalid_request(f"volume is {request.volume!r}, not positive")
    for name in ("sl", "tp", "price"):
        value = getattr(request, name)
        if value is not None and value < 0:
            raise invalid_request(f"{name} is {value!r}, a negative price")
    if request.deviation < 0:
        raise invalid_request(f"deviation is {request.deviation!r}, negative")


def clean_comment(comment: str) -> str:
    """The comment as the terminal accepts it: printable ASCII, at most 29 characters."""
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in comment)
    if len(cleaned) > MAX_COMMENT:
        cleaned = cleaned[:MAX_COMMENT]
    if cleaned != comment:
        # The comment may carry the journal's trade id: say loudly when it had to change.
        log.warning("order comment %r sent as %r (MT5 takes 29 ASCII characters)", comment, cleaned)
    return cleaned


def choose_filling(api: Any, filling_mode: int) -> int:
    """The fill to send for a symbol's filling_mode bitmask: FOK if allowed, then IOC, else RETURN."""
    if filling_mode & FILLING_FOK_BIT:
        return int(api.ORDER_FILLING_FOK)
    if filling_mode & FILLING_IOC_BIT:
        return int(api.ORDER_FILLING_IOC)
    return int(api.ORDER_FILLING_RETURN)


def order_type(api: Any, side: Side) -> int:
    """ORDER_TYPE_BUY / ORDER_TYPE_SELL for a side."""
    return int(api.ORDER_TYPE_BUY if side is Side.BUY else api.ORDER_TYPE_SELL)


def deal_request(
    api: Any,
    request: OrderRequest,
    *,
    symbol: str,
    side: Side,
    volume: float,
    price: float,
    filling: int,
    position: int = 0,
) -> dict[str, Any]:
    """A TRADE_ACTION_DEAL request: a market open, or a close of `position` with the opposite side."""
    return {
        "action": int(api.TRADE_ACTION_DEAL),
        "symbol": str(symbol),
        "volume": float(volume),
        "type": order_type(api, side),
        "price": float(price),
        "sl": float(request.sl or 0.0) if position == 0 else 0.0,
        "tp": float(request.tp or 0.0) if position == 0 else 0.0,
        "deviation": int(request.deviation),
        "magic": int(request.magic),
        "comment": clean_comment(request.comment),
        "type_time": int(api.ORDER_TIME_GTC),
        "type_filling": int(filling),
        "position": int(position),
    }


def sltp_request(api: Any, request: OrderRequest, *, symbol: str) -> dict[str, Any]:
    """A TRADE_ACTION_SLTP request; None means remove, which MT5 spells 0.0."""
    assert request.ticket is not None  # validate() guarantees it
    return {
        "action": int(api.TRADE_ACTION_SLTP),
        "symbol": str(symbol),
        "position": int(request.ticket),
        "sl": float(request.sl or 0.0),
        "tp": float(request.tp or 0.0),
        "magic": int(request.magic),
        "comment": clean_comment(request.comment),
    }


def describe(mt5_request: dict[str, Any]) -> str:
    """The request as one log line."""
    return ", ".join(f"{key}={value!r}" for key, value in mt5_request.items())


def build_request(terminal: Terminal, request: OrderRequest) -> dict[str, Any]:
    """The MT5 request for an OrderRequest: fresh tick price, the fill the symbol allows, close = opposite."""
    validate(request)
    api = terminal.api
    if request.action is OrderAction.MODIFY:
        symbol = request.symbol or _held(terminal, request.ticket).symbol
        return sltp_request(api, request, symbol=symbol)
    if request.action is OrderAction.OPEN:
        assert request.side is not None and request.volume is not None  # validate() guarantees it
        symbol, side, volume, position = request.symbol, request.side, request.volume, 0
    else:
        held = _held(terminal, request.ticket)
        if request.symbol and request.symbol != held.symbol:
            raise invalid_request(f"CLOSE of #{held.ticket} names {request.symbol}, but it is {held.symbol}")
        symbol, side = held.symbol, held.side.opposite
        volume, position = request.volume or held.volume, held.ticket
    spec = terminal.symbol(symbol)
    price = request.price if request.price is not None else side_price(terminal.tick(symbol), side)
    return deal_request(
        api,
        request,
        symbol=symbol,
        side=side,
        volume=volume,
        price=price,
        filling=choose_filling(api, spec.filling_mode),
        position=position,
    )


def explain(terminal: Terminal, request: OrderRequest, result: OrderResult) -> TerminalError:
    """explain_rejection with what the terminal can tell: the symbol spec, account and needed margin."""
    symbol = request.symbol
    if not symbol and request.ticket is not None:
        held = _quietly(lambda: terminal.position(int(request.ticket or 0)))
        symbol = held.symbol if held else ""
    spec = _quietly(lambda: terminal.symbol(symbol)) if symbol else None
    account = _quietly(terminal.account)
    required = None
    side, volume = request.side, request.volume
    if result.retcode == 10019 and symbol and side is not None and volume:
        price = request.price or _quietly(lambda: side_price(terminal.tick(symbol), side))
        if price:
            required = _quietly(lambda: terminal.calc_margin(side, symbol, volume, price))
    return explain_rejection(result.retcode, request, spec, account, required, detail=result.comment)


def side_price(tick: Tick, side: Side) -> float:
    """Buys fill at the ask, sells at the bid."""
    return tick.ask if side is Side.BUY else tick.bid


def _held(terminal: Terminal, ticket: int | None) -> Position:
    held = terminal.position(int(ticket or 0))
    if held is None:
        raise TerminalError(
            CODE_NOT_FOUND,
            f"Position #{ticket} is no longer open",
            "Refresh the positions list; it may have been closed in MT5 or by its stop loss/take profit",
            f"positions_get(ticket={ticket}) is empty",
        )
    return held


def _quietly(read: Callable[[], T]) -> T | None:
    """Extra detail for a message: worth having, not worth failing the explanation for."""
    try:
        return read()
    except TerminalError as exc:
        log.info("no detail for the rejection message: %s", exc)
        return None
