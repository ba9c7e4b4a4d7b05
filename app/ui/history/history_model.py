"""The History tab's rows: every deal that closed all or part of a position, its columns and totals.

Times are shown in the trader's local time (the journal keeps UTC; the CSV export writes UTC). Profit is
the deal's net (profit + commission + swap + fees): what that close did to the balance. The footer's net
adds the commission the period's opening deals paid, so it equals the balance change from trading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from math import fsum

from PyQt6.QtGui import QColor

from app.core.enums import Side
from app.core.number_format import format_money, format_price, format_volume
from app.storage.records import ClosedHistory, ClosingDeal
from app.ui.history.history_period import HistoryPeriod, period_bounds, preset_first_day
from app.ui.widgets.columns import money_colour, trade_colours
from app.ui.widgets.record_table import CENTRE, LEFT, RecordColumn, column_index, price_column

__all__ = [
    "HISTORY_COLUMNS",
    "HISTORY_COLUMN_INDEX",
    "HistoryPeriod",
    "HistoryTotals",
    "history_totals",
    "period_bounds",
    "preset_first_day",
    "totals_texts",
]


def local_time_text(moment: datetime | None) -> str:
    """A journal time (UTC) in the computer's local time, to the second; blank when unknown."""
    if moment is None:
        return ""
    return moment.astimezone().replace(tzinfo=None).isoformat(" ", "seconds")


def duration_seconds(closing: ClosingDeal) -> float | None:
    """How long the position had been open when this deal closed (part of) it; None when unknown."""
    if closing.opened_at is None:
        return None
    return (closing.closed_at - closing.opened_at).total_seconds()


def format_duration(seconds: float | None) -> str:
    """A holding time at the two coarsest useful units: '45s', '12m 05s', '3h 07m', '2d 4h'."""
    if seconds is None:
        return ""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def charges(closing: ClosingDeal) -> float:
    """Commission, swap and fees of the deal together (already inside its net profit)."""
    deal = closing.deal
    return deal.commission + deal.swap + deal.fee


def model_text(closing: ClosingDeal) -> str:
    """The model that traded it, else the expert's magic number; blank for a trade by hand."""
    if closing.model_id:
        return closing.model_id
    return f"magic {closing.deal.magic}" if closing.deal.magic else ""


def volume_text(closing: ClosingDeal) -> str:
    """'0.10', or '0.04 of 0.10' for a partial close (what the position had opened with)."""
    closed = format_volume(closing.deal.volume)
    if not closing.partial or closing.position_volume is None:
        return closed
    return f"{closed} of {format_volume(closing.position_volume)}"


def _volume_tip(closing: ClosingDeal) -> str:
    if not closing.partial:
        return ""
    return f"Partial close: {format_volume(closing.remaining)} lots stayed open after this deal"


def _side_colour(closing: ClosingDeal) -> QColor | None:
    if closing.side is None:
        return None
    colours = trade_colours()
    return colours.buy if closing.side is Side.BUY else colours.sell


HISTORY_COLUMNS: tuple[RecordColumn[ClosingDeal], ...] = (
    RecordColumn(
        "opened",
        "Opened",
        lambda c: local_time_text(c.opened_at),
        lambda c: c.opened_at,
        align=LEFT,
        tooltip="When the position opened, in this computer's local time",
    ),
    RecordColumn(
        "closed",
        "Closed",
        lambda c: local_time_text(c.closed_at),
        lambda c: c.closed_at,
        align=LEFT,
        tooltip="When this deal closed the position or part of it, in this computer's local time",
    ),
    RecordColumn(
        "ticket",
        "Ticket",
        lambda c: str(c.position_ticket),
        lambda c: c.position_ticket,
        tooltip="Position ticket in the terminal",
    ),
    RecordColumn("symbol", "Symbol", lambda c: c.symbol, lambda c: c.symbol, align=LEFT),
    RecordColumn(
        "side",
        "Type",
        lambda c: "" if c.side is None else c.side.value,
        lambda c: None if c.side is None else c.side.value,
        align=CENTRE,
        colour=_side_colour,
        tooltip="The position's direction: BUY or SELL",
    ),
    RecordColumn(
        "volume",
        "Volume",
        volume_text,
        lambda c: c.deal.volume,
        tooltip="Lots this deal closed ('0.04 of 0.10': part of a position opened with 0.10 lots)",
        tip=_volume_tip,
    ),
    price_column(
        "price_open",
        "Open price",
        lambda c, digits: format_price(c.price_open, digits),
        lambda c: c.price_open,
    ),
    price_column(
        "price_close",
        "Close price",
        lambda c, digits: format_price(c.deal.price, digits),
        lambda c: c.deal.price,
        tooltip="Price of this closing deal",
    ),
    RecordColumn(
        "profit",
        "Profit",
        lambda c: format_money(c.deal.net_profit, signed=True),
        lambda c: c.deal.net_profit,
        colour=lambda c: money_colour(c.deal.net_profit),
        tooltip="What this deal did to the balance: profit after commission, swap and fees",
    ),
    RecordColumn(
        "charges",
        "Comm. + swap",
        lambda c: format_money(charges(c)),
        charges,
        tooltip="Commission, swap and fees of this deal; already counted in Profit",
    ),
    RecordColumn(
        "source",
        "Source",
        lambda c: c.source.value,
        lambda c: c.source.value,
        align=CENTRE,
        tooltip="manual: by hand in this app · auto: by a model · external: opened in the terminal itself",
    ),
    RecordColumn("model", "Model", model_text, model_text, align=LEFT),
    RecordColumn(
        "comment",
        "Comment",
        lambda c: c.note,
        lambda c: c.note,
        align=LEFT,
        tooltip="Your comment on the position",
        tip=lambda c: c.note,
        stretch=True,
    ),
    RecordColumn(
        "duration",
        "Duration",
        lambda c: format_duration(duration_seconds(c)),
        duration_seconds,
        tooltip="How long the position had been open when this deal closed it",
    ),
)

HISTORY_COLUMN_INDEX: dict[str, int] = column_index(HISTORY_COLUMNS)


@dataclass(frozen=True, slots=True)
class HistoryTotals:
    """Sums over closing deals: a win made money after charges, a loss lost some, break-evens are neither.

    `entry_charges` is the commission the period's opening deals paid: part of the net, in no row.
    """

    trades: int
    wins: int
    losses: int
    gross_profit: float
    gross_loss: float
    entry_charges: float = 0.0

    @property
    def net_profit(self) -> float:
        return fsum((self.gross_profit, self.gross_loss, self.entry_charges))

    @property
    def win_rate(self) -> float | None:
        """Wins as a percentage of all closing deals; None when there are none."""
        return None if self.trades == 0 else 100.0 * self.wins / self.trades


def history_totals(closings: Sequence[ClosingDeal], entry_charges: float = 0.0) -> HistoryTotals:
    """Totals of these closing deals' nets (and the period's entry charges)."""
    gains = [c.deal.net_profit for c in closings if c.deal.net_profit > 0]
    losses = [c.deal.net_profit for c in closings if c.deal.net_profit < 0]
    return HistoryTotals(len(closings), len(gains), len(losses), fsum(gains), fsum(losses), entry_charges)


def totals_of(history: ClosedHistory) -> HistoryTotals:
    return history_totals(history.closings, history.entry_charges)


def totals_texts(totals: HistoryTotals) -> tuple[str, str, str]:
    """The footer's three texts: counts and win rate, gross profit and loss, net profit."""
    net = f"Net profit: {format_money(totals.net_profit, signed=True)}"
    if totals.trades == 0 and not totals.entry_charges:
        return "Nothing was closed in this period", "", net
    noun = "close" if totals.trades == 1 else "closes"
    summary = (
        f"{totals.trades} {noun} · {totals.wins} won / {totals.losses} lost · "
        f"win rate {totals.win_rate or 0.0:.1f}%"
    )
    gross = (
        f"Gross profit {format_money(totals.gross_profit, signed=True)} · "
        f"Gross loss {format_money(totals.gross_loss, signed=True)}"
    )
    if totals.entry_charges:
        gross += f" · Opening charges {format_money(totals.entry_charges, signed=True)}"
    return summary, gross, net
