"""Money arithmetic of the simulated account: currency conversion, profit, margin and swap.

One implementation serves open positions, order_check, order_calc_margin and order_calc_profit, so the
numbers a client computes ahead of a trade are the numbers the account then shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.terminal.simulator import constants as c

if TYPE_CHECKING:
    from app.terminal.simulator.market import Market
    from app.terminal.simulator.symbols import SymbolDef

BUY_ORDER_TYPES = frozenset(
    {c.ORDER_TYPE_BUY, c.ORDER_TYPE_BUY_LIMIT, c.ORDER_TYPE_BUY_STOP, c.ORDER_TYPE_BUY_STOP_LIMIT}
)
SELL_ORDER_TYPES = frozenset(
    {c.ORDER_TYPE_SELL, c.ORDER_TYPE_SELL_LIMIT, c.ORDER_TYPE_SELL_STOP, c.ORDER_TYPE_SELL_STOP_LIMIT}
)


def is_buy(order_type: int) -> bool:
    """True for buy-side order/position types, False for sell-side ones; ValueError for anything else."""
    if order_type in BUY_ORDER_TYPES:
        return True
    if order_type in SELL_ORDER_TYPES:
        return False
    raise ValueError(f"order type {order_type} is neither a buy nor a sell")


class Accounting:
    """Converts and prices amounts in the account currency at the market's prices at a given time."""

    def __init__(self, market: Market, currency: str, leverage: int, digits: int = 2) -> None:
        if leverage <= 0:
            raise ValueError(f"leverage must be a positive integer, got {leverage}")
        self.market = market
        self.currency = currency
        self.leverage = leverage
        self.digits = digits
        self._pairs: dict[tuple[str, str], str] = {}
        for sym in market.symbols.values():
            self._pairs.setdefault((sym.currency_base, sym.currency_profit), sym.name)

    def check_convertible(self) -> None:
        """Fail early, with the culprit named, if some symbol's money cannot reach the account currency."""
        for sym in self.market.symbols.values():
            needed = {sym.currency_profit}
            if sym.calc_mode in (c.SYMBOL_CALC_MODE_FOREX, c.SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE):
                needed.add(sym.currency_margin)
            for ccy in sorted(needed):
                if not self._route_exists(ccy, self.currency):
                    raise ValueError(
                        f"symbol {sym.name}: no symbol converts {ccy} to the account currency "
                        f"{self.currency}; "
                        "add a conversion pair or choose another account currency"
                    )

    def _route_exists(self, src: str, dst: str) -> bool:
        if src == dst or (src, dst) in self._pairs or (dst, src) in self._pairs:
            return True
        return "USD" not in (src, dst) and self._route_exists(src, "USD") and self._route_exists("USD", dst)

    def rate(self, src: str, dst: str, t: float) -> float:
        """Units of `dst` per unit of `src` at time t, from the bid of a direct or inverse pair (via USD)."""
        if src == dst:
            return 1.0
        direct = self._pairs.get((src, dst))
        if direct is not None:
            return self.market.quote(direct, t).bid
        inverse = self._pairs.get((dst, src))
        if inverse is not None:
            return 1.0 / self.market.quote(inverse, t).bid
        if "USD" not in (src, dst):
            return self.rate(src, "USD", t) * self.rate("USD", dst, t)
        raise ValueError(f"no symbol converts {src} to {dst}")

    def to_account(self, amount: float, ccy: str, t: float) -> float:
        """An amount in `ccy` expressed in the account currency (not rounded)."""
        return amount * self.rate(ccy, self.currency, t)

    def money(self, amount: float) -> float:
        """Rounded to the account currency's digits, as the terminal shows money."""
        return round(amount, self.digits) + 0.0

    def profit(
        self, sym: SymbolDef, order_type: int, volume: float, price_open: float, price_close: float, t: float
    ) -> float:
        """Profit of `volume` lots from price_open to price_close, in the account currency."""
        move = price_close - price_open if is_buy(order_type) else price_open - price_close
        return self.money(self.to_account(move * sym.contract_size * volume, sym.currency_profit, t))

    def margin(self, sym: SymbolDef, order_type: int, volume: float, price: float, t: float) -> float:
        """Margin `volume` lots need at `price`, in the account currency (FOREX and CFD formulas)."""
        is_buy(order_type)  # refuses non-trade types the same way for margin as for profit
        lots = volume * sym.contract_size
        if sym.calc_mode in (c.SYMBOL_CALC_MODE_FOREX, c.SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE):
            leverage = self.leverage if sym.calc_mode == c.SYMBOL_CALC_MODE_FOREX else 1
            amount = lots / leverage
            if sym.currency_margin == sym.currency_base and sym.currency_profit == self.currency:
                # The symbol is itself the conversion pair: the given price is the rate.
                return self.money(amount * price)
            return self.money(self.to_account(amount, sym.currency_margin, t))
        leverage = self.leverage if sym.calc_mode == c.SYMBOL_CALC_MODE_CFDLEVERAGE else 1
        return self.money(self.to_account(lots * price / leverage, sym.currency_profit, t))

    def daily_swap(self, sym: SymbolDef, order_type: int, volume: float, t: float) -> float:
        """One night's swap of a position, in the account currency (swap given in points per lot)."""
        points = sym.swap_long if is_buy(order_type) else sym.swap_short
        amount = points * sym.point * sym.contract_size * volume
        return self.money(self.to_account(amount, sym.currency_profit, t))

    def tick_value(self, sym: SymbolDef, t: float) -> float:
        """Value in the account currency of one point's move on one lot."""
        return self.to_account(sym.point * sym.contract_size, sym.currency_profit, t)
