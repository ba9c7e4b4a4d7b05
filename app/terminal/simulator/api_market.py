"""Symbols, Market Watch, quotes, bars, ticks and the depth of market of the simulated terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.terminal.simulator.api_base import TerminalState, api_call
from app.terminal.simulator.arguments import (
    check_keyword,
    date_argument,
    int_argument,
    matches_group,
    symbol_argument,
)
from app.terminal.simulator.errors import CALL_FAILED, INVALID_PARAMS, UNNAMED_NOT_ALLOWED, ApiError
from app.terminal.simulator.records import BookInfo
from app.terminal.simulator.symbols import SymbolDef
from app.terminal.simulator.views import BOOK_DEPTH, symbol_info_record, tick_record

BOOK_TYPE_SELL = 1
BOOK_TYPE_BUY = 2


class MarketApi(TerminalState):
    """symbols_*, symbol_*, copy_rates_*, copy_ticks_*, market_book_*."""

    def _known(self, symbol: Any) -> SymbolDef:
        sym = self.market.symbols.get(symbol_argument(symbol))
        if sym is None:
            raise ApiError(CALL_FAILED)
        return sym

    def _symbol_info(self, sym: SymbolDef) -> Any:
        now = self.clock.now()
        return symbol_info_record(
            self.market,
            sym,
            selected=sym.name in self._selected,
            trade_mode=self._broker.trade_mode(sym),
            tick_value=self._accounting.tick_value(sym, now),
            t=now,
        )

    @api_call()
    def symbols_total(self) -> int:
        """Number of symbols the broker offers (not only those in Market Watch)."""
        return len(self.market.symbols)

    @api_call()
    def symbols_get(self, *args: Any, group: str | None = None) -> tuple[Any, ...]:
        """SymbolInfo of every symbol, or of those whose name matches the `group` mask (keyword only)."""
        if args:
            raise ApiError(UNNAMED_NOT_ALLOWED)
        check_keyword("group", group, str)
        return tuple(
            self._symbol_info(sym)
            for name, sym in self.market.symbols.items()
            if group is None or matches_group(name, group)
        )

    @api_call()
    def symbol_info(self, symbol: str, /) -> Any:
        """SymbolInfo of one symbol; prices are zero until it is in Market Watch."""
        return self._symbol_info(self._known(symbol))

    @api_call()
    def symbol_info_tick(self, symbol: str, /) -> Any:
        """The last Tick of a symbol in Market Watch; None (Call failed) for any other."""
        sym = self._known(symbol)
        if sym.name not in self._selected:
            raise ApiError(CALL_FAILED)
        return tick_record(self.market.quote(sym.name, self.clock.now()))

    @api_call(False)
    def symbol_select(self, symbol: str, enable: bool = True, /) -> bool:
        """Add a symbol to Market Watch or remove it (refused while it has open positions)."""
        sym = self._known(symbol)
        if enable:
            self._selected.add(sym.name)
            return True
        if any(p.symbol == sym.name for p in self._broker.ledger.positions.values()):
            raise ApiError(CALL_FAILED)
        self._selected.discard(sym.name)
        self._books.discard(sym.name)
        return True

    # --- bars and ticks ---------------------------------------------------------------------------

    def _series(self, fetch: Callable[..., np.ndarray], *args: Any) -> np.ndarray:
        try:
            return fetch(*args)
        except ValueError as exc:  # bad timeframe, count or flags
            raise ApiError(INVALID_PARAMS) from exc

    @api_call()
    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int, /) -> np.ndarray:
        """`count` bars ending with the one open at `date_from`."""
        sym = self._known(symbol)
        tf, start, n = int_argument(timeframe, 2), date_argument(date_from, 3), int_argument(count, 4)
        return self._series(self.market.rates_from, sym.name, tf, start, n)

    @api_call()
    def copy_rates_from_pos(self, symbol: str, timeframe: int, start_pos: int, count: int, /) -> np.ndarray:
        """`count` bars ending `start_pos` bars back; position 0 is the forming bar."""
        sym = self._known(symbol)
        tf, pos, n = int_argument(timeframe, 2), int_argument(start_pos, 3), int_argument(count, 4)
        return self._series(self.market.rates_from_pos, sym.name, tf, pos, n)

    @api_call()
    def copy_rates_range(self, symbol: str, timeframe: int, date_from: Any, date_to: Any, /) -> np.ndarray:
        """The bars opening between date_from and date_to."""
        sym = self._known(symbol)
        tf, start, end = int_argument(timeframe, 2), date_argument(date_from, 3), date_argument(date_to, 4)
        return self._series(self.market.rates_range, sym.name, tf, start, end)

    @api_call()
    def copy_ticks_from(self, symbol: str, date_from: Any, count: int, flags: int, /) -> np.ndarray:
        """`count` ticks from date_from on."""
        sym = self._known(symbol)
        start, n, fl = date_argument(date_from, 2), int_argument(count, 3), int_argument(flags, 4)
        return self._series(self.market.ticks_from, sym.name, start, n, fl)

    @api_call()
    def copy_ticks_range(self, symbol: str, date_from: Any, date_to: Any, flags: int, /) -> np.ndarray:
        """The ticks between date_from and date_to."""
        sym = self._known(symbol)
        start, end, fl = date_argument(date_from, 2), date_argument(date_to, 3), int_argument(flags, 4)
        return self._series(self.market.ticks_range, sym.name, start, end, fl)

    # --- depth of market ------------------------------------------------------------------------

    @api_call(False)
    def market_book_add(self, symbol: str, /) -> bool:
        """Subscribe to a symbol's depth of market (puts it in Market Watch too)."""
        sym = self._known(symbol)
        self._selected.add(sym.name)
        self._books.add(sym.name)
        return True

    @api_call(False)
    def market_book_release(self, symbol: str, /) -> bool:
        """Unsubscribe from a symbol's depth of market."""
        sym = self._known(symbol)
        if sym.name not in self._books:
            raise ApiError(CALL_FAILED)
        self._books.discard(sym.name)
        return True

    @api_call()
    def market_book_get(self, symbol: str, /) -> tuple[Any, ...]:
        """BookInfo levels, sells (highest first) then buys; only after market_book_add."""
        sym = self._known(symbol)
        if sym.name not in self._books:
            raise ApiError(CALL_FAILED)
        quote = self.market.quote(sym.name, self.clock.now())
        levels = BOOK_DEPTH // 2
        step = sym.point * max(sym.spread // 2, 1)
        rows = []
        for i in reversed(range(levels)):
            volume = 10 * (i + 1)
            rows.append(
                BookInfo((BOOK_TYPE_SELL, round(quote.ask + i * step, sym.digits), volume, float(volume)))
            )
        for i in range(levels):
            volume = 10 * (i + 1)
            rows.append(
                BookInfo((BOOK_TYPE_BUY, round(quote.bid - i * step, sym.digits), volume, float(volume)))
            )
        return tuple(rows)
