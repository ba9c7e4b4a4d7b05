"""Terminal: a typed facade over any MetaTrader5-shaped object (the real module, the simulator, mt5linux).

Every call goes through `_call`, which holds one lock while it calls the API and reads `last_error()`,
because the module keeps a single global error slot. A None/False answer always becomes a TerminalError
with a message for the trader; a missing answer is never turned into an empty result. With a CallBoard,
each call is written on it before it starts, so another process can see a call that never returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.core.enums import Backend, Side, Timeframe
from app.core.models import Account, Bar, Deal, OrderRequest, OrderResult, Position, SymbolSpec, Tick
from app.terminal import orders
from app.terminal.board import CallBoard, watching
from app.terminal.convert import (
    TerminalInfoView,
    bad_record,
    to_account,
    to_bars,
    to_check_result,
    to_deal,
    to_order_result,
    to_position,
    to_symbol_spec,
    to_terminal_info,
    to_tick,
)
from app.terminal.errors import (
    CODE_BAD_RECORD,
    CODE_INVALID_REQUEST,
    CODE_NO_CONNECTION,
    CODE_NOT_FOUND,
    NOT_RUNNING,
    OUTCOME_UNKNOWN_CODES,
    START_AND_RECONNECT,
    TRANSPORT_CODES,
    TerminalError,
    error_from_last_error,
)
from app.terminal.position_cache import PositionCache

__all__ = ["Terminal", "TerminalInfoView"]

log = logging.getLogger(__name__)

_SUCCESS = 1
_SECRET_KEYS = frozenset({"password"})


class Terminal:
    """Typed, thread-safe access to one MetaTrader5-shaped API object."""

    def __init__(
        self, api: Any, kind: Backend, *, simulated: bool | None = None, board: CallBoard | None = None
    ) -> None:
        self._api = api
        self._board = board
        self._kind = kind
        self._simulated = kind is Backend.SIM if simulated is None else simulated
        self._lock = threading.Lock()
        self._connected = False
        self._specs: dict[str, SymbolSpec] = {}
        self._position_cache = PositionCache()

    @property
    def api(self) -> Any:
        """The raw MetaTrader5-shaped object (for tests and the simulator's controls)."""
        return self._api

    @property
    def kind(self) -> Backend:
        return self._kind

    @property
    def simulated(self) -> bool:
        return self._simulated

    @property
    def connected(self) -> bool:
        """True between a successful connect() and disconnect(); the link itself may still have died."""
        return self._connected

    # -- the one way in -------------------------------------------------------------------------------

    def _invoke(self, fn_name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, int, str]:
        """Call the API and read last_error() under one lock; transport exceptions become TerminalError."""
        board = self._board or watching()
        with self._lock:
            if board is not None:
                board.begin(fn_name)
            try:
                result = getattr(self._api, fn_name)(*args, **kwargs)
                error = self._api.last_error()
            except (OSError, EOFError) as exc:  # an rpyc bridge whose server or terminal went away
                raise TerminalError(
                    CODE_NO_CONNECTION,
                    NOT_RUNNING,
                    START_AND_RECONNECT,
                    f"{fn_name}: {exc!r}",
                    retryable=True,
                ) from exc
            finally:
                if board is not None:
                    board.end()
        try:
            code, text = int(error[0]), str(error[1])
        except (TypeError, ValueError, IndexError):
            code, text = CODE_BAD_RECORD, f"last_error() answered {error!r}"
        return result, code, text

    def _call_raw(self, fn_name: str, *args: Any, **kwargs: Any) -> tuple[Any, int, str]:
        """The answer with its last_error(), unjudged; refuses when connect() has not succeeded."""
        if not self._connected:
            raise TerminalError(
                CODE_NO_CONNECTION,
                "MT5 Desk is not connected to MetaTrader 5",
                "Connect first: start MetaTrader 5 and log in, then reconnect",
                f"{fn_name} called while disconnected",
                retryable=True,
            )
        return self._invoke(fn_name, args, kwargs)

    def _call(self, fn_name: str, *args: Any, **kwargs: Any) -> Any:
        """The answer of one API call; None or False raises the TerminalError its last_error() maps to."""
        result, code, text = self._call_raw(fn_name, *args, **kwargs)
        if result is None or result is False:
            raise self._failure(fn_name, code, text, args, kwargs)
        return result

    def _failure(
        self, fn_name: str, code: int, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> TerminalError:
        if code == _SUCCESS:
            return TerminalError(
                CODE_BAD_RECORD,
                f"MetaTrader 5 gave no answer to {fn_name} and reported no error",
                "Retry; if it persists, restart MetaTrader 5",
                f"{fn_name}: None with (1, {text!r})",
                retryable=True,
            )
        if code == CODE_INVALID_REQUEST:
            shown = {key: ("***" if key in _SECRET_KEYS else value) for key, value in kwargs.items()}
            log.error("MetaTrader 5 refused the arguments of %s%r %r: %s", fn_name, args, shown, text)
        return error_from_last_error(code, f"{fn_name}: {text}")

    # -- connection -----------------------------------------------------------------------------------

    def connect(
        self,
        *,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout_ms: int = 10_000,
    ) -> None:
        """initialize() with a bounded timeout; raises TerminalError saying why it failed."""
        kwargs: dict[str, Any] = {"timeout": max(1, int(timeout_ms))}
        if login is not None:
            kwargs["login"] = _login_number(login)
        if password is not None:
            kwargs["password"] = str(password)
        if server is not None:
            kwargs["server"] = str(server)
        args = (str(path),) if path else ()
        # initialize() drops any previous connection first, so until it succeeds we have none.
        self._connected = False
        self._specs.clear()
        self._position_cache.clear()
        result, code, text = self._invoke("initialize", args, kwargs)
        if not result:
            raise self._failure("initialize", code, text, args, kwargs)
        self._connected = True

    def disconnect(self) -> None:
        """shutdown(); never raises (a link that is already gone is disconnected enough)."""
        was_connected, self._connected = self._connected, False
        self._specs.clear()
        self._position_cache.clear()
        try:
            self._invoke("shutdown", (), {})
        except TerminalError as exc:
            log.info("shutdown after a lost link (was connected: %s): %s", was_connected, exc)

    def version(self) -> tuple[int, int, str]:
        """(500, build, release date) of the terminal."""
        answer = self._call("version")
        try:
            major, build, date = answer
            return int(major), int(build), str(date)
        except (TypeError, ValueError):
            raise bad_record("version", f"is {answer!r}, not (major, build, date)") from None

    def account(self) -> Account:
        return to_account(self._call("account_info"))

    def terminal_info(self) -> TerminalInfoView:
        return to_terminal_info(self._call("terminal_info"))

    # -- positions and history ------------------------------------------------------------------------

    def positions(self, symbol: str | None = None) -> dict[int, Position]:
        """Open positions keyed by ticket, all or one symbol's; a failed query raises, never returns {}."""
        if symbol:
            records = _records(self._call("positions_get", symbol=symbol), "positions")
            converted = (to_position(record, self.digits_of(symbol)) for record in records)
            return {position.ticket: position for position in converted}
        return self._position_cache.convert(
            _records(self._call("positions_get"), "positions"), self.digits_of
        )

    def positions_count(self) -> int:
        """How many positions are open (one cheap call: no records cross)."""
        answer = self._call("positions_total")
        if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and answer >= 0:
            return int(answer)
        raise bad_record("positions_total", f"answered {answer!r}, not a count")

    def position(self, ticket: int) -> Position | None:
        """The open position with this ticket, or None when there is none (closed or never existed)."""
        answer = _records(self._call("positions_get", ticket=int(ticket)), "positions")
        return to_position(answer[0], self.digits_of(getattr(answer[0], "symbol", None))) if answer else None

    def deals(self, date_from: datetime, date_to: datetime) -> list[Deal]:
        """Deals between two broker-time datetimes (naive ones are read as broker time too)."""
        return self._history(_epoch(date_from), _epoch(date_to))

    def deals_for_position(self, position_id: int) -> list[Deal]:
        """Every deal of one position (its opening and closing deals)."""
        return self._history(position=int(position_id))

    def deals_for_order(self, order: int) -> list[Deal]:
        """The deals an order produced (MT5's `ticket=` filter of history_deals_get is the order ticket)."""
        return self._history(ticket=int(order))

    def _history(self, *args: Any, **kwargs: Any) -> list[Deal]:
        return [
            to_deal(record) for record in _records(self._call("history_deals_get", *args, **kwargs), "deals")
        ]

    # -- symbols and prices ---------------------------------------------------------------------------

    def symbols(self) -> list[str]:
        """Names of every symbol the broker offers."""
        names = []
        for record in _records(self._call("symbols_get"), "symbols"):
            name = getattr(record, "name", None)
            if not isinstance(name, str):
                raise bad_record("SymbolInfo", f"has name {name!r}")
            names.append(name)
        return names

    def symbol(self, name: str) -> SymbolSpec:
        """The symbol's specification, read once per connection."""
        spec = self._specs.get(name)
        if spec is None:
            answer, code, text = self._call_raw("symbol_info", name)
            if answer is None:
                raise self._unknown_symbol(name, code, text)
            spec = self._specs[name] = to_symbol_spec(answer)
        return spec

    def digits_of(self, symbol: object) -> int | None:
        """The symbol's price precision from its spec, or None when the terminal cannot say.

        Positions and fills carry it so every screen writes their prices alike; a symbol the terminal
        does not describe must not cost the positions themselves, so a failure here is only logged.
        """
        if not isinstance(symbol, str) or not symbol:
            return None
        try:
            return self.symbol(symbol).digits
        except TerminalError as error:
            log.warning("price digits of %s unknown: %s", symbol, error)
            return None

    def tick(self, symbol: str) -> Tick:
        """The latest prices; selects the symbol in Market Watch first when the terminal has no tick."""
        answer = self._selecting(symbol, "symbol_info_tick", symbol)
        return to_tick(symbol, answer)

    def rates(self, symbol: str, timeframe: Timeframe, count: int, start_pos: int = 0) -> np.ndarray:
        """copy_rates_from_pos: `count` bars ending `start_pos` bars back (0 = the forming bar), ascending."""
        answer: np.ndarray = self._selecting(
            symbol, "copy_rates_from_pos", symbol, self._timeframe(timeframe), int(start_pos), int(count)
        )
        # Duck-typed: a bridge may hand over an array-like proxy rather than an ndarray.
        if getattr(getattr(answer, "dtype", None), "names", None) is None:
            raise bad_record("rates", f"are a {type(answer).__name__}, not a numpy structured array")
        rates: np.ndarray = answer
        return rates

    def bars(self, symbol: str, timeframe: Timeframe, count: int, start_pos: int = 0) -> list[Bar]:
        return to_bars(self.rates(symbol, timeframe, count, start_pos))

    def _selecting(self, symbol: str, fn_name: str, *args: Any) -> Any:
        """Call; on a non-transport failure select the symbol in Market Watch and call once more."""
        answer, code, text = self._call_raw(fn_name, *args)
        if answer is not None:
            return answer
        if code in TRANSPORT_CODES or code == CODE_INVALID_REQUEST:
            raise self._failure(fn_name, code, text, args, {})
        selected, select_code, select_text = self._call_raw("symbol_select", symbol, True)
        if not selected:
            raise self._unknown_symbol(symbol, select_code, select_text)
        self._specs.pop(symbol, None)  # its `select` flag just changed
        return self._call(fn_name, *args)

    def _unknown_symbol(self, name: str, code: int, text: str) -> TerminalError:
        if code in TRANSPORT_CODES or code == CODE_INVALID_REQUEST:
            return self._failure("symbol_info", code, text, (name,), {})
        return TerminalError(
            code if code != _SUCCESS else CODE_NOT_FOUND,
            f"Symbol {name} is not available in MetaTrader 5",
            "Check the name as MT5's Market Watch spells it (brokers often add a suffix such as EURUSD.m)",
            f"{name}: {text}",
        )

    def _timeframe(self, timeframe: Timeframe) -> int:
        return int(getattr(self._api, f"TIMEFRAME_{Timeframe(timeframe).value}"))

    # -- money ----------------------------------------------------------------------------------------

    def calc_margin(self, side: Side, symbol: str, volume: float, price: float) -> float:
        """Margin in account currency that opening this volume at this price needs."""
        answer = self._call(
            "order_calc_margin", orders.order_type(self._api, side), symbol, float(volume), float(price)
        )
        return _number(answer, "order_calc_margin")

    def calc_profit(
        self, side: Side, symbol: str, volume: float, price_open: float, price_close: float
    ) -> float:
        """Profit in account currency of a position of `side` from price_open to price_close."""
        answer = self._call(
            "order_calc_profit",
            orders.order_type(self._api, side),
            symbol,
            float(volume),
            float(price_open),
            float(price_close),
        )
        return _number(answer, "order_calc_profit")

    # -- orders ---------------------------------------------------------------------------------------

    def send(self, request: OrderRequest) -> OrderResult:
        """order_send; a refusal comes back as an OrderResult with its retcode (see explain())."""
        return self.send_built(self.build_request(request))

    def send_built(self, mt5_request: dict[str, Any]) -> OrderResult:
        """order_send of a request dict from build_request (which reads the price it carries)."""
        answer, code, text = self._call_raw("order_send", mt5_request)
        if answer is None:
            log.error("order_send failed (%s, %s) for %s", code, text, orders.describe(mt5_request))
            if code in OUTCOME_UNKNOWN_CODES:
                raise TerminalError(
                    code,
                    "MetaTrader 5 stopped answering while the order was being sent; "
                    "it may or may not have been placed",
                    "Reconnect and check the positions list before sending it again",
                    f"order_send: {text}",
                )
            raise self._failure("order_send", code, text, (mt5_request,), {})
        result = to_order_result(answer, self.digits_of(mt5_request.get("symbol")))
        log.info(
            "order_send %s -> retcode %s %r", orders.describe(mt5_request), result.retcode, result.comment
        )
        return result

    def check(self, request: OrderRequest) -> OrderResult:
        """order_check: retcode 0 means the terminal would accept the order."""
        mt5_request = self.build_request(request)
        answer = self._call("order_check", mt5_request)
        return to_check_result(answer, mt5_request.get("volume", 0.0), mt5_request.get("price", 0.0))

    def explain(self, request: OrderRequest, result: OrderResult) -> TerminalError:
        """The TerminalError for a refused order, naming limits, prices and margins where they matter."""
        return orders.explain(self, request, result)

    def build_request(self, request: OrderRequest) -> dict[str, Any]:
        """The MT5 request dict for an OrderRequest, with a fresh price and an allowed fill."""
        return orders.build_request(self, request)


def _login_number(login: Any) -> int:
    if isinstance(login, int) and not isinstance(login, bool):
        return login
    if isinstance(login, str) and login.strip().isdigit():
        return int(login.strip())
    raise TerminalError(
        -6,
        "The login must be the MT5 account number (digits only)",
        "Enter the account number exactly as MT5's login dialog shows it",
        f"login {login!r}",
    )


def _epoch(moment: datetime) -> int:
    # Broker time is carried as UTC-tagged datetimes; a naive one is read the same way, never as local time.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())


def _records(answer: Any, what: str) -> tuple[Any, ...]:
    if isinstance(answer, (tuple, list)):
        return tuple(answer)
    if isinstance(answer, Iterable) and not isinstance(answer, (str, bytes, dict)):
        return tuple(answer)
    raise bad_record(what, f"came as a {type(answer).__name__}, not a list of records")


def _number(answer: Any, what: str) -> float:
    if isinstance(answer, (int, float, np.integer, np.floating)) and not isinstance(answer, bool):
        return float(answer)
    raise bad_record(what, f"answered {answer!r}, not a number")
