"""Turns the simulator's internal state into the module's records (TradePosition, SymbolInfo, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.terminal.simulator import constants as c
from app.terminal.simulator.records import (
    SymbolInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
    make,
)

if TYPE_CHECKING:
    from app.terminal.simulator.ledger import DealRow, OpenPosition, OrderRow
    from app.terminal.simulator.market import Market, Quote
    from app.terminal.simulator.symbols import SymbolDef

TICK_FLAGS_BID_ASK = c.TICK_FLAG_BID | c.TICK_FLAG_ASK
EXPIRATION_MODES_ALL = 15  # GTC | DAY | SPECIFIED | SPECIFIED_DAY
ORDER_MODES_ALL = 127  # market, limit, stop, stop limit, SL, TP, close by
BOOK_DEPTH = 10


def position_record(position: OpenPosition, price_current: float, profit: float) -> Any:
    return TradePosition(
        (
            position.ticket,
            position.time_msc // 1000,
            position.time_msc,
            position.time_update_msc // 1000,
            position.time_update_msc,
            position.type,
            position.magic,
            position.ticket,
            position.reason,
            position.volume,
            position.price_open,
            position.sl,
            position.tp,
            price_current,
            position.swap,
            profit,
            position.symbol,
            position.comment,
            position.external_id,
        )
    )


def deal_record(deal: DealRow) -> Any:
    return TradeDeal(
        (
            deal.ticket,
            deal.order,
            deal.time_msc // 1000,
            deal.time_msc,
            deal.type,
            deal.entry,
            deal.magic,
            deal.position_id,
            deal.reason,
            deal.volume,
            deal.price,
            deal.commission,
            deal.swap,
            deal.profit,
            deal.fee,
            deal.symbol,
            deal.comment,
            deal.external_id,
        )
    )


def order_record(order: OrderRow) -> Any:
    return TradeOrder(
        (
            order.ticket,
            order.time_setup_msc // 1000,
            order.time_setup_msc,
            order.time_done_msc // 1000,
            order.time_done_msc,
            order.time_expiration,
            order.type,
            order.type_time,
            order.type_filling,
            order.state,
            order.magic,
            order.position_id,
            order.position_by_id,
            order.reason,
            order.volume_initial,
            order.volume_current,
            order.price_open,
            order.sl,
            order.tp,
            order.price_current,
            order.price_stoplimit,
            order.symbol,
            order.comment,
            order.external_id,
        )
    )


def tick_record(quote: Quote) -> Any:
    return Tick(
        (
            int(quote.time),
            float(quote.bid),
            float(quote.ask),
            float(quote.last),
            int(quote.volume),
            int(quote.time_msc),
            TICK_FLAGS_BID_ASK,
            float(quote.volume),
        )
    )


def _day_stats(market: Market, sym: SymbolDef, bid: float) -> tuple[float, float, float, float]:
    """(day high, day low, day open, previous close) of the bid from the last two daily bars."""
    bars = market.rates_from_pos(sym.name, c.TIMEFRAME_D1, 0, 2)
    if len(bars) == 0:
        return bid, bid, bid, bid
    today = bars[-1]
    previous_close = float(bars[-2]["close"]) if len(bars) > 1 else float(today["open"])
    return float(today["high"]), float(today["low"]), float(today["open"]), previous_close


def symbol_info_record(
    market: Market,
    sym: SymbolDef,
    *,
    selected: bool,
    trade_mode: int,
    tick_value: float,
    t: float,
) -> Any:
    """The 96-field SymbolInfo; a symbol outside Market Watch has no prices yet (zeros), as in MT5."""
    if selected:
        quote = market.quote(sym.name, t)
        bid, ask, time = float(quote.bid), float(quote.ask), int(quote.time)
        high, low, day_open, previous_close = _day_stats(market, sym, bid)
    else:
        bid = ask = high = low = day_open = previous_close = 0.0
        time = 0
    change = round((bid - previous_close) / previous_close * 100.0, 2) if previous_close else 0.0
    fields: dict[str, Any] = dict.fromkeys(
        [
            "session_deals",
            "session_buy_orders",
            "session_sell_orders",
            "volume",
            "volumehigh",
            "volumelow",
            "start_time",
            "expiration_time",
            "trade_freeze_level",
            "order_gtc_mode",
            "option_mode",
            "option_right",
            "chart_mode",
        ],
        0,
    )
    fields.update(
        dict.fromkeys(
            [
                "last",
                "lasthigh",
                "lastlow",
                "volume_real",
                "volumehigh_real",
                "volumelow_real",
                "option_strike",
                "trade_accrued_interest",
                "trade_face_value",
                "trade_liquidity_rate",
                "volume_limit",
                "margin_initial",
                "margin_maintenance",
                "session_volume",
                "session_turnover",
                "session_interest",
                "session_buy_orders_volume",
                "session_sell_orders_volume",
                "session_aw",
                "session_price_settlement",
                "session_price_limit_min",
                "session_price_limit_max",
                "price_volatility",
                "price_theoretical",
                "price_greeks_delta",
                "price_greeks_theta",
                "price_greeks_gamma",
                "price_greeks_vega",
                "price_greeks_rho",
                "price_greeks_omega",
                "price_sensitivity",
            ],
            0.0,
        )
    )
    fields.update(dict.fromkeys(["basis", "category", "bank", "exchange", "formula", "isin", "page"], ""))
    fields.update(
        custom=False,
        select=selected,
        visible=selected,
        time=time,
        digits=sym.digits,
        spread=sym.spread,
        spread_float=False,
        ticks_bookdepth=BOOK_DEPTH,
        trade_calc_mode=sym.calc_mode,
        trade_mode=trade_mode,
        trade_stops_level=sym.stops_level,
        trade_exemode=c.SYMBOL_TRADE_EXECUTION_MARKET,
        swap_mode=c.SYMBOL_SWAP_MODE_POINTS,
        swap_rollover3days=c.DAY_OF_WEEK_WEDNESDAY,
        margin_hedged_use_leg=False,
        expiration_mode=EXPIRATION_MODES_ALL,
        filling_mode=sym.filling_mode,
        order_mode=ORDER_MODES_ALL,
        bid=bid,
        bidhigh=high,
        bidlow=low,
        ask=ask,
        askhigh=round(high + sym.spread * sym.point, sym.digits) if selected else 0.0,
        asklow=round(low + sym.spread * sym.point, sym.digits) if selected else 0.0,
        point=sym.point,
        trade_tick_value=tick_value,
        trade_tick_value_profit=tick_value,
        trade_tick_value_loss=tick_value,
        trade_tick_size=sym.point,
        trade_contract_size=sym.contract_size,
        volume_min=sym.volume_min,
        volume_max=sym.volume_max,
        volume_step=sym.volume_step,
        swap_long=sym.swap_long,
        swap_short=sym.swap_short,
        session_open=day_open,
        session_close=previous_close,
        margin_hedged=sym.contract_size / 2,
        price_change=change,
        currency_base=sym.currency_base,
        currency_profit=sym.currency_profit,
        currency_margin=sym.currency_margin,
        description=sym.description,
        name=sym.name,
        path=sym.path,
    )
    return make(SymbolInfo, **fields)
