"""The module's last-error slot and its (code, text) pairs, spelled as the compiled core spells them."""

from __future__ import annotations

import threading

from app.terminal.simulator import constants as c

Error = tuple[int, str]

SUCCESS: Error = (c.RES_S_OK, "Success")
CALL_FAILED: Error = (c.RES_E_FAIL, "Terminal: Call failed")
INVALID_ARGUMENTS: Error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
INVALID_PARAMS: Error = (c.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
UNNAMED_NOT_ALLOWED: Error = (c.RES_E_INVALID_PARAMS, "Unnamed arguments not allowed")
INVALID_1ST_UNNAMED: Error = (c.RES_E_INVALID_PARAMS, "Invalid 1st unnamed argument")
INVALID_NUMBER_OF_ARGUMENTS: Error = (c.RES_E_INVALID_PARAMS, "Invalid number of arguments")
NOT_FOUND: Error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
AUTH_FAILED: Error = (c.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
API_TRADING_DISABLED: Error = (
    c.RES_E_AUTO_TRADING_DISABLED,
    "Auto-Trading using Python API disabled in Terminal",
)
IPC_SEND_FAILED: Error = (c.RES_E_INTERNAL_FAIL_SEND, "IPC send failed")
IPC_RECV_FAILED: Error = (c.RES_E_INTERNAL_FAIL_RECEIVE, "IPC recv failed")
NO_IPC_CONNECTION: Error = (c.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
IPC_TIMEOUT: Error = (c.RES_E_INTERNAL_FAIL_TIMEOUT, "IPC timeout")


def invalid_argument(name: str) -> Error:
    """The error for one badly typed named argument, e.g. (-2, 'Invalid "volume" argument')."""
    return (c.RES_E_INVALID_PARAMS, f'Invalid "{name}" argument')


class ApiError(Exception):
    """Raised inside the simulator to end a call with this last_error and the call's failure value."""

    def __init__(self, error: Error) -> None:
        super().__init__(f"{error[0]}: {error[1]}")
        self.error = error


class LastError:
    """The single last-error slot; every API call resets it to Success before doing anything."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Error = SUCCESS

    def set(self, error: Error) -> None:
        with self._lock:
            self._value = error

    def reset(self) -> None:
        self.set(SUCCESS)

    def get(self) -> Error:
        with self._lock:
            return self._value


# What the terminal writes in OrderSendResult.comment / OrderCheckResult.comment for each retcode.
RETCODE_COMMENTS: dict[int, str] = {
    c.TRADE_RETCODE_REQUOTE: "Requote",
    c.TRADE_RETCODE_REJECT: "Request rejected",
    c.TRADE_RETCODE_CANCEL: "Request canceled by trader",
    c.TRADE_RETCODE_PLACED: "Order placed",
    c.TRADE_RETCODE_DONE: "Request executed",
    c.TRADE_RETCODE_DONE_PARTIAL: "Request executed partially",
    c.TRADE_RETCODE_ERROR: "Request processing error",
    c.TRADE_RETCODE_TIMEOUT: "Request canceled by timeout",
    c.TRADE_RETCODE_INVALID: "Invalid request",
    c.TRADE_RETCODE_INVALID_VOLUME: "Invalid volume",
    c.TRADE_RETCODE_INVALID_PRICE: "Invalid price",
    c.TRADE_RETCODE_INVALID_STOPS: "Invalid stops",
    c.TRADE_RETCODE_TRADE_DISABLED: "Trade disabled",
    c.TRADE_RETCODE_MARKET_CLOSED: "Market closed",
    c.TRADE_RETCODE_NO_MONEY: "No money",
    c.TRADE_RETCODE_PRICE_CHANGED: "Prices changed",
    c.TRADE_RETCODE_PRICE_OFF: "Off quotes",
    c.TRADE_RETCODE_INVALID_EXPIRATION: "Invalid expiration",
    c.TRADE_RETCODE_ORDER_CHANGED: "Order state changed",
    c.TRADE_RETCODE_TOO_MANY_REQUESTS: "Too many requests",
    c.TRADE_RETCODE_NO_CHANGES: "No changes",
    c.TRADE_RETCODE_SERVER_DISABLES_AT: "AutoTrading disabled by server",
    c.TRADE_RETCODE_CLIENT_DISABLES_AT: "AutoTrading disabled by client",
    c.TRADE_RETCODE_LOCKED: "Request locked for processing",
    c.TRADE_RETCODE_FROZEN: "Order or position frozen",
    c.TRADE_RETCODE_INVALID_FILL: "Unsupported filling mode",
    c.TRADE_RETCODE_CONNECTION: "No connection with the trade server",
    c.TRADE_RETCODE_ONLY_REAL: "Operation is allowed only for live accounts",
    c.TRADE_RETCODE_LIMIT_ORDERS: "The number of pending orders has reached the limit",
    c.TRADE_RETCODE_LIMIT_VOLUME: "The volume of orders and positions for the symbol has reached the limit",
    c.TRADE_RETCODE_INVALID_ORDER: "Incorrect or prohibited order type",
    c.TRADE_RETCODE_POSITION_CLOSED: "Position with the specified identifier has already been closed",
    c.TRADE_RETCODE_INVALID_CLOSE_VOLUME: "A close volume exceeds the current position volume",
    c.TRADE_RETCODE_CLOSE_ORDER_EXIST: "A close order already exists for the position",
    c.TRADE_RETCODE_LIMIT_POSITIONS: "The number of open positions has reached the limit",
    c.TRADE_RETCODE_REJECT_CANCEL: "The pending order activation request is rejected, the order is canceled",
    c.TRADE_RETCODE_LONG_ONLY: "Only long positions are allowed",
    c.TRADE_RETCODE_SHORT_ONLY: "Only short positions are allowed",
    c.TRADE_RETCODE_CLOSE_ONLY: "Only position closing is allowed",
    c.TRADE_RETCODE_FIFO_CLOSE: "Position closing is allowed only by FIFO rule",
}
CHECK_DONE_COMMENT = "Done"


def retcode_comment(retcode: int) -> str:
    """The terminal's comment for a retcode; unknown codes still say which code they are."""
    return RETCODE_COMMENTS.get(retcode, f"Unknown retcode {retcode}")
