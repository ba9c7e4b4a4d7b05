"""TerminalError and the table that turns MetaTrader 5 codes into sentences a trader can act on.

Two code spaces meet here: `last_error()` codes (1, -1 ... -10005) for calls that returned None/False,
and trade retcodes (10004 ... 10045) for orders the terminal or broker refused. MT5 Desk adds one of
its own, CODE_NOT_INSTALLED, for a backend whose Python package is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.models import Account, OrderRequest, SymbolSpec
from app.core.number_format import format_lots, format_money, format_price, format_volume

CODE_BAD_RECORD = -1  # RES_E_FAIL: the terminal answered with something MT5 Desk cannot read
CODE_INVALID_REQUEST = -2  # RES_E_INVALID_PARAMS: MT5 Desk built a bad request
CODE_NOT_FOUND = -4  # RES_E_NOT_FOUND
CODE_NO_CONNECTION = -10004  # RES_E_INTERNAL_FAIL_CONNECT
CODE_NOT_INSTALLED = -20001  # MT5 Desk's own: the Python package of the chosen backend is missing

TRANSPORT_CODES = frozenset({-10000, -10001, -10002, -10003, -10004, -10005})
# Codes after which an order may have reached the broker although no answer came back.
OUTCOME_UNKNOWN_CODES = frozenset({-10002, -10005})

# symbol_info().filling_mode bits (SYMBOL_FILLING_*; the wheel has no constants for them).
FILLING_FOK_BIT = 1
FILLING_IOC_BIT = 2
FILLING_BOC_BIT = 4

NOT_RUNNING = "MetaTrader 5 is not running or not responding"
START_AND_RECONNECT = "Start MetaTrader 5 and log in, then reconnect"


class TerminalError(Exception):
    """A terminal call that failed or an order that was refused, with a message for the trader."""

    def __init__(
        self, code: int, message: str, hint: str = "", detail: str = "", retryable: bool = False
    ) -> None:
        super().__init__(code, message, hint, detail, retryable)
        self.code = code
        self.message = message
        self.hint = hint
        self.detail = detail
        self.retryable = retryable

    def sentence(self) -> str:
        """What went wrong and what to do, as one line for the trader (no code, no raw detail)."""
        return f"{self.message}. {self.hint}".replace("..", ".") if self.hint else self.message

    @property
    def link_lost(self) -> bool:
        """An IPC failure: the terminal is gone or hung, not merely refusing a request."""
        return self.code <= -10000

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += f". {self.hint}"
        raw = f": {self.detail}" if self.detail else ""
        return f"{text} (code {self.code}{raw})"


@dataclass(frozen=True, slots=True)
class _Text:
    message: str
    hint: str
    retryable: bool = False


_LAST_ERROR_TEXT: dict[int, _Text] = {
    -1: _Text(
        "MetaTrader 5 could not complete the request",
        "Check that MetaTrader 5 is connected to the broker (bottom-right corner of MT5), then retry",
        retryable=True,
    ),
    -2: _Text(
        "Invalid request (a bug in MT5 Desk); it was logged",
        "Please report it with the log file; nothing was sent to the broker",
    ),
    -3: _Text(
        "MetaTrader 5 ran out of memory",
        "Close charts or restart MetaTrader 5, then reconnect",
        retryable=True,
    ),
    -4: _Text(
        "MetaTrader 5 found nothing for this request",
        "Check the symbol or ticket; it may have been closed or renamed",
    ),
    -5: _Text(
        "This MetaTrader 5 terminal and the MetaTrader5 Python package do not match",
        "Update MetaTrader 5 (Help → Check for updates) and run pip install --upgrade MetaTrader5",
    ),
    -6: _Text(
        "MetaTrader 5 refused the login: login, password or server is wrong",
        "Check the account number, password and server name exactly as MT5's login dialog shows them",
    ),
    -7: _Text(
        "This MetaTrader 5 terminal does not support the request",
        "Update MetaTrader 5 and the MetaTrader5 Python package",
    ),
    -8: _Text(
        "Trading through the Python API is disabled in MetaTrader 5",
        "Enable 'Allow algorithmic trading' and untick 'Disable algorithmic trading via external Python "
        "API' in MT5 options (Tools → Options → Expert Advisors)",
    ),
    -10000: _Text(NOT_RUNNING, START_AND_RECONNECT, retryable=True),
    -10001: _Text(NOT_RUNNING, START_AND_RECONNECT, retryable=True),
    -10002: _Text(NOT_RUNNING, START_AND_RECONNECT, retryable=True),
    -10003: _Text(
        "MetaTrader 5 could not be started or reached",
        "Check that MetaTrader 5 is installed (and the terminal path in Settings), start it once by hand and "
        "log in, then reconnect",
        retryable=True,
    ),
    -10004: _Text(NOT_RUNNING, START_AND_RECONNECT, retryable=True),
    -10005: _Text(NOT_RUNNING, START_AND_RECONNECT, retryable=True),
}

_NOT_PLACED = "The order was not placed"
_RETRY_FRESH = "Retry with a fresh price"

# Retcodes whose text needs no request details; the detailed ones are built in explain_rejection.
_RETCODE_TEXT: dict[int, _Text] = {
    10004: _Text("The price changed before the order was filled (requote)", _RETRY_FRESH, retryable=True),
    10006: _Text(f"The broker rejected the request. {_NOT_PLACED}", "Try again later or contact the broker"),
    10007: _Text(f"The request was cancelled. {_NOT_PLACED}", "Send it again if it is still wanted"),
    10011: _Text(
        f"The broker could not process the request. {_NOT_PLACED}",
        "Check the MT5 Journal tab, then try again",
    ),
    10012: _Text(
        f"The broker did not answer in time. {_NOT_PLACED}",
        "Check the positions list before sending it again",
    ),
    10013: _Text(
        "The broker called the request invalid; it was logged",
        "Please report it with the log file",
    ),
    10015: _Text("The price of the request is not valid", _RETRY_FRESH, retryable=True),
    10020: _Text("The price changed before the order was filled", _RETRY_FRESH, retryable=True),
    10021: _Text("There was no valid price to fill the order (price off)", _RETRY_FRESH, retryable=True),
    10022: _Text("The order's expiration is not allowed", "Use an order without expiration"),
    10023: _Text("The order was changed while the request was in flight", "Check the order and retry"),
    10024: _Text(
        "Too many requests were sent to the broker",
        "Wait a few seconds, then retry",
        retryable=True,
    ),
    10025: _Text("Nothing to change: the stop loss and take profit already have these values", ""),
    10026: _Text(
        "The broker's server has disabled algorithmic trading",
        "Contact the broker; trade by hand in MT5 meanwhile",
    ),
    10027: _Text(
        "Algo Trading is switched off in MetaTrader 5",
        "Press Algo Trading in MT5's toolbar (it turns green), then retry",
    ),
    10028: _Text("The request is locked for processing by the terminal", "Wait a moment, then retry"),
    10029: _Text(
        "The order or position is frozen: the price is too close to its stop loss or take profit",
        "Wait until the price moves away, then retry",
    ),
    10031: _Text(
        f"MetaTrader 5 has no connection to the broker's server. {_NOT_PLACED}",
        "Check the connection status in the bottom-right corner of MT5, then retry",
    ),
    10032: _Text("This operation is allowed on live accounts only", ""),
    10033: _Text(
        f"The broker's limit on pending orders was reached. {_NOT_PLACED}",
        "Delete pending orders before placing new ones",
    ),
    10034: _Text(
        f"The broker's limit on total volume for this symbol was reached. {_NOT_PLACED}",
        "Close or reduce positions on this symbol first",
    ),
    10035: _Text("The order type is not valid for this symbol", "Please report it with the log file"),
    10036: _Text("The position is already closed", "Refresh the positions list"),
    10038: _Text(
        "The close volume is larger than the position's volume",
        "Refresh the positions list and close at most the position's volume",
    ),
    10039: _Text(
        "A close order for this position already exists",
        "Wait for it to complete or delete it in MT5",
    ),
    10040: _Text(
        f"The broker's limit on open positions was reached. {_NOT_PLACED}",
        "Close a position before opening another",
    ),
    10041: _Text("The pending order activation was rejected; the order was cancelled", ""),
    10042: _Text("Only buy positions are allowed on this symbol", ""),
    10043: _Text("Only sell positions are allowed on this symbol", ""),
    10045: _Text(
        "The broker requires positions to be closed in FIFO order",
        "Close the oldest position on this symbol first",
    ),
}


def error_from_last_error(code: int, detail: str) -> TerminalError:
    """The TerminalError for a call that returned None/False with `last_error() == (code, detail)`."""
    text = _LAST_ERROR_TEXT.get(code)
    if text is None:
        return TerminalError(
            code,
            f"MetaTrader 5 failed with error {code}, which MT5 Desk does not know",
            "Check the MT5 Journal tab; reconnect if it persists",
            detail,
            retryable=False,
        )
    return TerminalError(code, text.message, text.hint, detail, text.retryable)


def explain_rejection(
    retcode: int,
    request: OrderRequest,
    spec: SymbolSpec | None,
    account: Account | None,
    required_margin: float | None,
    *,
    detail: str = "",
) -> TerminalError:
    """Turn a refused order's retcode into a TerminalError naming the limits and values involved."""
    symbol = request.symbol or (spec.name if spec else "") or "this symbol"
    detailed = _detailed(retcode, request, symbol, spec, account, required_margin)
    if detailed is not None:
        message, hint = detailed
        return TerminalError(retcode, message, hint, detail, retryable=False)
    text = _RETCODE_TEXT.get(retcode)
    if text is not None:
        return TerminalError(retcode, text.message, text.hint, detail, text.retryable)
    if retcode in (0, 10008, 10009, 10010):
        return TerminalError(
            retcode, f"The request succeeded (code {retcode}); nothing went wrong", "", detail
        )
    return TerminalError(
        retcode,
        f"The order was refused with code {retcode}, which MT5 Desk does not know",
        "Check the MT5 Journal tab for the broker's reason",
        detail,
    )


def _detailed(
    retcode: int,
    request: OrderRequest,
    symbol: str,
    spec: SymbolSpec | None,
    account: Account | None,
    required_margin: float | None,
) -> tuple[str, str] | None:
    if retcode == 10014:
        asked = format_lots(request.volume) if request.volume is not None else "The requested volume"
        if spec is None:
            return f"{asked} is not allowed for {symbol}", "Check the symbol's volume limits in MT5"
        return (
            f"{asked} is not allowed for {symbol}",
            f"Use between {format_volume(spec.volume_min)} and {format_lots(spec.volume_max)} in steps of "
            f"{format_volume(spec.volume_step)}",
        )
    if retcode == 10016:
        return _invalid_stops(request, symbol, spec)
    if retcode == 10017:
        return f"Trading is disabled for {symbol}", "The broker does not allow trading it now; ask the broker"
    if retcode == 10018:
        return f"The market for {symbol} is closed", "Wait for the trading session to open"
    if retcode == 10044:
        return (
            f"{symbol} is close-only: positions can be closed but not opened",
            "The broker allows no new positions on it; ask the broker",
        )
    if retcode in (10042, 10043):
        allowed = "buy" if retcode == 10042 else "sell"
        return f"Only {allowed} positions are allowed on {symbol}", ""
    if retcode == 10019:
        return _no_money(account, required_margin)
    if retcode == 10030:
        allowed = filling_names(spec.filling_mode) if spec else "unknown"
        return (
            f"The fill mode of the order is not allowed for {symbol}",
            f"{symbol} allows: {allowed} (please report this; MT5 Desk picks the fill from the symbol)",
        )
    return None


def _invalid_stops(request: OrderRequest, symbol: str, spec: SymbolSpec | None) -> tuple[str, str]:
    digits = spec.digits if spec else None
    asked = ", ".join(
        f"{name} {format_price(value, digits)}"
        for name, value in (("SL", request.sl), ("TP", request.tp))
        if value
    )
    message = f"The stop loss or take profit is not valid for {symbol}" + (f" ({asked})" if asked else "")
    side_rule = (
        "Put the stop loss below the price and the take profit above it for a buy (the reverse for a sell)"
    )
    if spec is None or spec.stops_level <= 0:
        return message, side_rule
    distance = spec.stops_level * spec.point
    return (
        message,
        f"Keep them at least {spec.stops_level} points ({format_price(distance, spec.digits)}) from the "
        "current price. "
        f"{side_rule}",
    )


def _no_money(account: Account | None, required_margin: float | None) -> tuple[str, str]:
    currency = account.currency if account else ""
    parts = []
    if required_margin is not None:
        parts.append(f"the order needs {format_money(required_margin, currency)}")
    if account is not None:
        parts.append(f"free margin is {format_money(account.margin_free, currency)}")
    figures = f": {', '.join(parts)}" if parts else ""
    return f"Not enough free margin{figures}", "Reduce the volume or close positions"


def filling_names(filling_mode: int) -> str:
    """The fills a symbol's filling_mode bitmask allows, in words."""
    names = [
        name
        for bit, name in (
            (FILLING_FOK_BIT, "Fill or Kill"),
            (FILLING_IOC_BIT, "Immediate or Cancel"),
            (FILLING_BOC_BIT, "Book or Cancel"),
        )
        if filling_mode & bit
    ]
    return ", ".join(names) if names else "Return only"
