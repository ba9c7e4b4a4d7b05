"""Positions, orders, history, margin/profit calculators, order_check and order_send of the simulator."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from app.terminal.simulator import constants as c
from app.terminal.simulator.accounting import is_buy
from app.terminal.simulator.api_base import TerminalState, api_call
from app.terminal.simulator.arguments import (
    check_keyword,
    date_argument,
    float_argument,
    int_argument,
    matches_group,
    parse_request,
    positions_filters,
    symbol_argument,
)
from app.terminal.simulator.errors import (
    API_TRADING_DISABLED,
    CALL_FAILED,
    CHECK_DONE_COMMENT,
    INVALID_ARGUMENTS,
    INVALID_PARAMS,
    ApiError,
    retcode_comment,
)
from app.terminal.simulator.records import OrderCheckResult, OrderSendResult
from app.terminal.simulator.views import deal_record, order_record, position_record


class TradeApi(TerminalState):
    """positions_*, orders_*, history_*, order_calc_*, order_check, order_send."""

    # --- open positions and pending orders ------------------------------------------------------

    @api_call()
    def positions_total(self) -> int:
        """Number of open positions."""
        return len(self._broker.ledger.positions)

    @api_call()
    def positions_get(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Open positions, filtered by ticket, else symbol, else group (keyword arguments only)."""
        ticket, symbol, group = positions_filters(args, kwargs)
        now = self.clock.now()
        records = []
        for position in sorted(self._broker.ledger.positions.values(), key=lambda p: p.ticket):
            if ticket is not None:
                if position.ticket != ticket:
                    continue
            elif symbol is not None:
                if position.symbol != symbol:
                    continue
            elif group is not None and not matches_group(position.symbol, group):
                continue
            price = self._broker.price_current(position, now)
            records.append(
                position_record(position, price, self._broker.position_profit(position, now, price))
            )
        return tuple(records)

    @api_call()
    def orders_total(self) -> int:
        """Number of pending orders (market orders fill at once, so always 0 here)."""
        return 0

    @api_call()
    def orders_get(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Pending orders, with the same keyword-only filters as positions_get (none are ever pending)."""
        positions_filters(args, kwargs)
        return ()

    # --- history ------------------------------------------------------------------------------

    def _history(
        self,
        rows: Iterable[Any],
        date_from: Any,
        date_to: Any,
        group: Any,
        ticket: Any,
        position: Any,
        ticket_of: str,
        time_of: str,
    ) -> list[Any]:
        check_keyword("group", group, str)
        check_keyword("ticket", ticket, int)
        check_keyword("position", position, int)
        if ticket is not None:
            return [r for r in rows if getattr(r, ticket_of) == ticket]
        if position is not None:
            return [r for r in rows if r.position_id == position]
        if date_from is None or date_to is None:
            raise ApiError(INVALID_ARGUMENTS)
        start_ms = date_argument(date_from, 1) * 1000
        end_ms = date_argument(date_to, 2) * 1000 + 999
        return [
            r
            for r in rows
            if start_ms <= getattr(r, time_of) <= end_ms and (group is None or matches_group(r.symbol, group))
        ]

    @api_call()
    def history_orders_total(self, date_from: Any, date_to: Any, /) -> int:
        """Number of history orders between the two dates."""
        ledger = self._broker.ledger
        return len(
            self._history(ledger.orders, date_from, date_to, None, None, None, "ticket", "time_setup_msc")
        )

    @api_call()
    def history_orders_get(
        self,
        date_from: Any = None,
        date_to: Any = None,
        *,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[Any, ...]:
        """History orders between two dates (group mask on symbols), or by order ticket, or by position."""
        rows = self._history(
            self._broker.ledger.orders,
            date_from,
            date_to,
            group,
            ticket,
            position,
            "ticket",
            "time_setup_msc",
        )
        return tuple(order_record(r) for r in rows)

    @api_call()
    def history_deals_total(self, date_from: Any, date_to: Any, /) -> int:
        """Number of deals between the two dates."""
        ledger = self._broker.ledger
        return len(self._history(ledger.deals, date_from, date_to, None, None, None, "order", "time_msc"))

    @api_call()
    def history_deals_get(
        self,
        date_from: Any = None,
        date_to: Any = None,
        *,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[Any, ...]:
        """Deals between two dates (group mask on symbols), or of an order (`ticket`), or of a position."""
        rows = self._history(
            self._broker.ledger.deals, date_from, date_to, group, ticket, position, "order", "time_msc"
        )
        return tuple(deal_record(r) for r in rows)

    # --- calculators ----------------------------------------------------------------------------

    def _calc_args(self, action: Any, symbol: Any, volume: Any) -> tuple[Any, int, float]:
        order_type = int_argument(action, 1)
        name = symbol_argument(symbol, 2)
        amount = float_argument(volume, 3)
        sym = self.market.symbols.get(name)
        if sym is None:
            raise ApiError(CALL_FAILED)
        try:
            is_buy(order_type)
        except ValueError as exc:
            raise ApiError(INVALID_PARAMS) from exc
        return sym, order_type, amount

    @api_call()
    def order_calc_margin(self, action: int, symbol: str, volume: float, price: float, /) -> float:
        """Margin in the account currency that `volume` lots of `symbol` need at `price`."""
        sym, order_type, amount = self._calc_args(action, symbol, volume)
        at = float_argument(price, 4)
        return self._accounting.margin(sym, order_type, amount, at, self.clock.now())

    @api_call()
    def order_calc_profit(
        self, action: int, symbol: str, volume: float, price_open: float, price_close: float, /
    ) -> float:
        """Profit in the account currency of `volume` lots from price_open to price_close."""
        sym, order_type, amount = self._calc_args(action, symbol, volume)
        opened, closed = float_argument(price_open, 4), float_argument(price_close, 5)
        return self._accounting.profit(sym, order_type, amount, opened, closed, self.clock.now())

    # --- order_check / order_send ---------------------------------------------------------------

    @api_call()
    def order_check(self, *args: Any, **kwargs: Any) -> Any:
        """Whether the request would pass, and the account after it: retcode 0 and 'Done' when it would."""
        request = parse_request(args, kwargs)
        retcode, after = self._broker.check(request, self.clock.now())
        comment = CHECK_DONE_COMMENT if retcode == 0 else retcode_comment(retcode)
        return OrderCheckResult(
            (
                retcode,
                after.balance,
                after.equity,
                after.profit,
                after.margin,
                after.margin_free,
                after.margin_level,
                comment,
                request,
            )
        )

    @api_call()
    def order_send(self, *args: Any, **kwargs: Any) -> Any:
        """Send a trade request; a refusal is a result with its retcode, None only for bad arguments."""
        request = parse_request(args, kwargs)
        if not self._api_trading:
            raise ApiError(API_TRADING_DISABLED)
        # What the trade server received and when (time.monotonic, the same clock in every process).
        self._sent_orders.append((time.monotonic(), str(request.comment)))
        now = self.clock.now()
        self._request_id += 1
        symbol = self._request_symbol(request)
        bid = ask = 0.0
        if symbol is not None:
            quote = self.market.quote(symbol, now)
            bid, ask = quote.bid, quote.ask
        if self._forced_retcodes:
            outcome_retcode, deal, order, volume, price = self._forced_retcodes.pop(0), 0, 0, 0.0, 0.0
        elif not self._algo_trading:
            outcome_retcode, deal, order, volume, price = c.TRADE_RETCODE_CLIENT_DISABLES_AT, 0, 0, 0.0, 0.0
        else:
            outcome = self._broker.send(request, now, c.ORDER_REASON_EXPERT)
            outcome_retcode, deal, order = outcome.retcode, outcome.deal, outcome.order
            volume, price = outcome.volume, outcome.price
            if outcome_retcode == c.TRADE_RETCODE_DONE and symbol is not None:
                # The terminal shows every symbol with an open position in Market Watch.
                self._selected.add(symbol)
        self._conditions.after_order()
        return OrderSendResult(
            (
                outcome_retcode,
                deal,
                order,
                volume,
                price,
                bid,
                ask,
                retcode_comment(outcome_retcode),
                self._request_id,
                0,
                request,
            )
        )

    def _request_symbol(self, request: Any) -> str | None:
        """The symbol a request trades: its own, or that of the position it names."""
        if request.symbol in self.market.symbols:
            return str(request.symbol)
        position = self._broker.ledger.positions.get(request.position) if request.position else None
        return position.symbol if position is not None else None
