"""The Deals tab's rows, as MetaTrader 5's History → Deals lists them: every deal, balance operations too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import fsum

from PyQt6.QtGui import QColor

from app.core.comments import trader_text
from app.core.enums import DealEntry, DealType
from app.core.number_format import format_money, format_price, format_volume
from app.storage.records import DealRecord
from app.ui.history.history_model import local_time_text
from app.ui.widgets.columns import money_colour, trade_colours
from app.ui.widgets.record_table import CENTRE, LEFT, RecordColumn, column_index, price_column

_DIRECTIONS = {
    DealEntry.IN: "in",
    DealEntry.OUT: "out",
    DealEntry.INOUT: "in/out",
    DealEntry.OUT_BY: "out by",
}
_TRADING = (DealType.BUY, DealType.SELL)


def direction_text(deal: DealRecord) -> str:
    """'in', 'out', 'in/out', 'out by' for trades; blank for balance operations (as MT5 shows them)."""
    return _DIRECTIONS[deal.entry] if deal.type in _TRADING else ""


def _type_colour(deal: DealRecord) -> QColor | None:
    colours = trade_colours()
    if deal.type is DealType.BUY:
        return colours.buy
    return colours.sell if deal.type is DealType.SELL else None


def _money_or_blank(amount: float, trading: bool) -> str:
    return format_money(amount) if trading or amount else ""


DEAL_COLUMNS: tuple[RecordColumn[DealRecord], ...] = (
    RecordColumn(
        "time",
        "Time",
        lambda d: local_time_text(d.time),
        lambda d: d.time,
        align=LEFT,
        tooltip="When the deal was made, in this computer's local time",
    ),
    RecordColumn("deal", "Deal", lambda d: str(d.ticket), lambda d: d.ticket, tooltip="Deal ticket"),
    RecordColumn("order", "Order", lambda d: str(d.order) if d.order else "", lambda d: d.order),
    RecordColumn(
        "position",
        "Position",
        lambda d: str(d.position_id) if d.position_id else "",
        lambda d: d.position_id,
        tooltip="The position the deal opened, changed or closed",
    ),
    RecordColumn("symbol", "Symbol", lambda d: d.symbol, lambda d: d.symbol, align=LEFT),
    RecordColumn(
        "type",
        "Type",
        lambda d: d.type.value.lower(),
        lambda d: d.type.value,
        align=CENTRE,
        colour=_type_colour,
        tooltip="buy or sell; balance for deposits and withdrawals",
    ),
    RecordColumn(
        "direction",
        "Direction",
        direction_text,
        direction_text,
        align=CENTRE,
        tooltip="in: opened or added to a position · out: closed (part of) one · in/out: reversed one",
    ),
    RecordColumn(
        "volume",
        "Volume",
        lambda d: format_volume(d.volume) if d.type in _TRADING else "",
        lambda d: d.volume,
    ),
    price_column(
        "price",
        "Price",
        lambda d, digits: format_price(d.price, digits) if d.type in _TRADING else "",
        lambda d: d.price,
    ),
    RecordColumn(
        "commission",
        "Commission",
        lambda d: _money_or_blank(d.commission, d.type in _TRADING),
        lambda d: d.commission,
    ),
    RecordColumn("fee", "Fee", lambda d: _money_or_blank(d.fee, d.type in _TRADING), lambda d: d.fee),
    RecordColumn("swap", "Swap", lambda d: _money_or_blank(d.swap, d.type in _TRADING), lambda d: d.swap),
    RecordColumn(
        "profit",
        "Profit",
        lambda d: format_money(d.profit, signed=True),
        lambda d: d.profit,
        colour=lambda d: money_colour(d.profit),
        tooltip="Profit of the deal (a deposit or withdrawal for balance operations)",
    ),
    RecordColumn(
        "comment",
        "Comment",
        lambda d: trader_text(d.comment),
        lambda d: trader_text(d.comment),
        align=LEFT,
        tip=lambda d: trader_text(d.comment),
        stretch=True,
    ),
)

DEAL_COLUMN_INDEX: dict[str, int] = column_index(DEAL_COLUMNS)


@dataclass(frozen=True, slots=True)
class DealTotals:
    """What the deals shown did to the balance: trading (profit + commission + swap + fees) and the rest."""

    deals: int
    trading: float
    balance: float


def deal_totals(deals: Sequence[DealRecord]) -> DealTotals:
    trading = fsum(d.net_profit for d in deals if d.type in _TRADING)
    other = fsum(d.net_profit for d in deals if d.type not in _TRADING)
    return DealTotals(len(deals), trading, other)


def deal_totals_texts(totals: DealTotals) -> tuple[str, str]:
    """The footer's texts: the count, then trading result and balance operations."""
    if totals.deals == 0:
        return "No deals in this period", ""
    noun = "deal" if totals.deals == 1 else "deals"
    money = (
        f"Trading {format_money(totals.trading, signed=True)} · "
        f"Deposits and withdrawals {format_money(totals.balance, signed=True)}"
    )
    return f"{totals.deals} {noun}", money
