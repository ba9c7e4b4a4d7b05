"""Positions table columns declared as data, in MetaTrader 5's Trade tab order: one `RecordColumn` each.

A row is a `PositionRow`: the position as last reported, with the price and profit the 1 s loop moves in
place (a new Position per tick cost ~4 µs a row, 45 ms at 10,000). Colours come from one small theme map
chosen by the palette (light or dark), never from per-widget constants. Adding a column is one more entry
in `POSITION_COLUMNS`; Account, beside the symbol, is shown only while the desk has several accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtGui import QColor, QGuiApplication, QPalette

from app.core.comments import trader_text
from app.core.enums import Side
from app.core.models import Position
from app.core.number_format import format_money, format_price, format_volume
from app.ui.widgets.record_table import CENTRE, LEFT, RecordColumn, column_index


@dataclass(frozen=True, slots=True)
class TradeColours:
    """Foreground colours with a trading meaning: gain/loss for money, buy/sell for direction."""

    gain: QColor
    loss: QColor
    buy: QColor
    sell: QColor


_LIGHT = TradeColours(
    gain=QColor("#1a7f37"), loss=QColor("#cf222e"), buy=QColor("#0a58ca"), sell=QColor("#cf222e")
)
_DARK = TradeColours(
    gain=QColor("#3fb950"), loss=QColor("#ff6b6b"), buy=QColor("#58a6ff"), sell=QColor("#ff6b6b")
)


_chosen: tuple[int, TradeColours] = (-1, _LIGHT)  # (palette cacheKey, the set chosen for it)


def trade_colours() -> TradeColours:
    """The colour set readable on the current palette: the dark set when the base colour is dark."""
    # Asked for every painted money cell: the choice is kept per palette (its cacheKey changes with any
    # change of colour), as reading a colour role costs ~1 µs.
    global _chosen
    palette = QGuiApplication.palette()
    key = palette.cacheKey()
    if key != _chosen[0]:
        base = palette.color(QPalette.ColorRole.Base)
        _chosen = (key, _DARK if base.lightness() < 128 else _LIGHT)
    return _chosen[1]


def money_colour(amount: float) -> QColor | None:
    """Green for a gain, red for a loss, the palette's own text colour for zero."""
    if amount > 0:
        return trade_colours().gain
    if amount < 0:
        return trade_colours().loss
    return None


class PositionRow:
    """A shown position of an account: the record as last reported, and its price and profit as the last
    tick moved them."""

    __slots__ = ("account_id", "account_label", "position", "price_current", "profit")

    def __init__(self, position: Position, account_id: str = "", account_label: str = "") -> None:
        self.account_id = account_id
        self.account_label = account_label or account_id  # what the trader calls the account
        self.position = position
        self.price_current = position.price_current
        self.profit = position.profit

    @property
    def key(self) -> tuple[str, int]:
        """(account, ticket): two brokers may use the same ticket numbers."""
        return (self.account_id, self.position.ticket)

    def current(self) -> Position:
        """The position at its latest price and profit."""
        return self.position.moved(self.price_current, self.profit)


def _side_colour(row: PositionRow) -> QColor | None:
    colours = trade_colours()
    return colours.buy if row.position.side is Side.BUY else colours.sell


def _magic_text(row: PositionRow) -> str:
    return "manual" if row.position.magic == 0 else str(row.position.magic)


def _price(value: float | None, row: PositionRow) -> str:
    return format_price(value, row.position.digits)


POSITION_COLUMNS: tuple[RecordColumn[PositionRow], ...] = (
    RecordColumn("symbol", "Symbol", lambda r: r.position.symbol, lambda r: r.position.symbol, align=LEFT),
    RecordColumn(
        "account",
        "Account",
        lambda r: r.account_label,
        lambda r: r.account_label,
        align=LEFT,
        tooltip="The account the position is on (shown while the desk has several)",
        hidden=True,
    ),
    RecordColumn(
        "ticket",
        "Ticket",
        lambda r: str(r.position.ticket),
        lambda r: r.position.ticket,
        tooltip="Position ticket",
    ),
    RecordColumn(
        "time",
        "Time",
        lambda r: r.position.time.replace(tzinfo=None).isoformat(" ", "seconds"),  # strftime is 10x slower
        lambda r: r.position.time,
        align=LEFT,
        tooltip="Opening time, in the trade server's clock (as the terminal shows it)",
    ),
    RecordColumn(
        "type",
        "Type",
        lambda r: r.position.side.value,
        lambda r: r.position.side.value,
        align=CENTRE,
        colour=_side_colour,
        tooltip="BUY or SELL",
    ),
    RecordColumn(
        "volume",
        "Volume",
        lambda r: format_volume(r.position.volume),
        lambda r: r.position.volume,
        tooltip="Lots",
    ),
    RecordColumn(
        "price_open",
        "Price",
        lambda r: _price(r.position.price_open, r),
        lambda r: r.position.price_open,
        tooltip="Open price",
    ),
    RecordColumn(
        "sl",
        "S/L",
        lambda r: _price(r.position.sl, r),
        lambda r: r.position.sl,
        tooltip="Stop loss (—: none)",
    ),
    RecordColumn(
        "tp",
        "T/P",
        lambda r: _price(r.position.tp, r),
        lambda r: r.position.tp,
        tooltip="Take profit (—: none)",
    ),
    RecordColumn(
        "price_current",
        "Current",
        lambda r: _price(r.price_current, r),
        lambda r: r.price_current,
        tooltip="Current price: bid for a BUY, ask for a SELL (the price it would close at)",
        live=True,
    ),
    RecordColumn(
        "swap",
        "Swap",
        lambda r: format_money(r.position.swap),
        lambda r: r.position.swap,
        tooltip="Accumulated swap",
    ),
    RecordColumn(
        "profit",
        "Profit",
        lambda r: format_money(r.profit, signed=True),
        lambda r: r.profit,
        colour=lambda r: money_colour(r.profit),
        tooltip="Floating profit in the account currency, without swap",
        live=True,
    ),
    RecordColumn(
        "comment",
        "Comment",
        lambda r: trader_text(r.position.comment),  # the desk's "MD-<trade id>" tag is bookkeeping
        lambda r: trader_text(r.position.comment),
        align=LEFT,
        tooltip="Your comment on the position",
        tip=lambda r: trader_text(r.position.comment),
        stretch=True,
    ),
    RecordColumn(
        "magic",
        "Magic / model",
        _magic_text,
        lambda r: r.position.magic,
        tooltip="Magic number of the model or expert that opened it; 'manual' when opened by hand",
        hidden=True,
    ),
)

COLUMN_INDEX: dict[str, int] = column_index(POSITION_COLUMNS)
