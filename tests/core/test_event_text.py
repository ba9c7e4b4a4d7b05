"""The journal's and the Event log's wording of fills and auto-trades: lots as MT5 writes them, prices at
the symbol's digits."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.enums import OrderAction, Side
from app.core.event_text import EventText, describe, fill_text
from app.core.events import AutoTradeExecuted
from app.core.models import OrderRequest, OrderResult

AT = datetime(2026, 11, 18, 10, tzinfo=UTC)


def result(price: float, volume: float, digits: int | None) -> OrderResult:
    return OrderResult(10009, 11, 12, volume, price, price, price, "Request executed", digits=digits)


def test_an_opening_fill_reads_with_two_decimal_lots_and_the_price_at_its_digits() -> None:
    request = OrderRequest(OrderAction.OPEN, "AUDUSD", side=Side.BUY, volume=1.0)

    assert fill_text(request, result(0.6537, 1.0, 5)) == "BUY 1.00 AUDUSD at 0.65370"


def test_a_closing_fill_names_the_position() -> None:
    request = OrderRequest(OrderAction.CLOSE, "BTCUSD", ticket=7, volume=0.1)

    assert fill_text(request, result(57451.94, 0.1, 2)) == "Closed 0.10 of #7 BTCUSD at 57451.94"


def test_a_modification_says_both_stops_and_a_removed_one_as_a_dash() -> None:
    request = OrderRequest(OrderAction.MODIFY, "EURUSD", ticket=7, sl=1.08, tp=None)

    assert fill_text(request, result(0.0, 0.0, 5)) == "SL/TP of #7 EURUSD set to SL 1.08000 / TP —"


def test_an_auto_trade_reads_like_its_toast_with_its_stops() -> None:
    event = AutoTradeExecuted(
        "m1", "Trend M1", "ab12", Side.SELL, "USDJPY", 0.71, 151.2, 151.7, None, 1.3, digits=3, timestamp=AT
    )

    assert describe(event) == EventText(
        "info", "Auto-trade SELL 1.30 USDJPY", "Trend M1 at 151.200, confidence 71% · SL 151.700 · TP —"
    )
