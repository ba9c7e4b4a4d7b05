"""Positions table columns declared as data (after VeighNa's widget.py): one `Column` per field.

A cell is repainted when its column's `value` changes, so `value` must capture everything the cell's
`text` and `colour` read. Colours come from one small theme map chosen by the palette (light or dark),
never from per-widget constants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QGuiApplication, QPalette

from app.core.comments import trader_text
from app.core.enums import Side
from app.core.models import Position
from app.core.number_format import format_money, format_price, format_volume

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter


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


def trade_colours() -> TradeColours:
    """The colour set readable on the current palette: the dark set when the base colour is dark."""
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    return _DARK if base.lightness() < 128 else _LIGHT


def money_colour(amount: float) -> QColor | None:
    """Green for a gain, red for a loss, the palette's own text colour for zero."""
    if amount > 0:
        return trade_colours().gain
    if amount < 0:
        return trade_colours().loss
    return None


def _side_colour(position: Position) -> QColor | None:
    colours = trade_colours()
    return colours.buy if position.side is Side.BUY else colours.sell


def _magic_text(position: Position) -> str:
    return "manual" if position.magic == 0 else str(position.magic)


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: how to read, show, align, colour and sort a position's field.

    `sort_key` defaults to `value`; `tooltip` explains the column in its header.
    """

    key: str
    header: str
    value: Callable[[Position], object]
    text: Callable[[Position], str]
    align: Qt.AlignmentFlag = _RIGHT
    colour: Callable[[Position], QColor | None] | None = None
    sort_key: Callable[[Position], object] | None = None
    tooltip: str = ""

    def sort_value(self, position: Position) -> object:
        """What the table sorts this cell by."""
        return (self.sort_key or self.value)(position)


POSITION_COLUMNS: tuple[Column, ...] = (
    Column("ticket", "Ticket", lambda p: p.ticket, lambda p: str(p.ticket), tooltip="Position ticket"),
    Column(
        "time",
        "Time",
        lambda p: p.time,
        lambda p: p.time.replace(tzinfo=None).isoformat(" ", "seconds"),  # strftime is 10x slower
        align=_LEFT,
        tooltip="Opening time, in the trade server's clock (as the terminal shows it)",
    ),
    Column("symbol", "Symbol", lambda p: p.symbol, lambda p: p.symbol, align=_LEFT),
    Column(
        "type",
        "Type",
        lambda p: p.side,
        lambda p: p.side.value,
        align=_CENTRE,
        colour=_side_colour,
        tooltip="BUY or SELL",
    ),
    Column("volume", "Volume", lambda p: p.volume, lambda p: format_volume(p.volume), tooltip="Lots"),
    Column(
        "price_open",
        "Open price",
        lambda p: p.price_open,
        lambda p: format_price(p.price_open, p.digits),
    ),
    Column(
        "price_current",
        "Price",
        lambda p: p.price_current,
        lambda p: format_price(p.price_current, p.digits),
        tooltip="Current price: bid for a BUY, ask for a SELL (the price it would close at)",
    ),
    Column(
        "sl",
        "S/L",
        lambda p: p.sl,
        lambda p: format_price(p.sl, p.digits),
        tooltip="Stop loss (—: none)",
    ),
    Column(
        "tp",
        "T/P",
        lambda p: p.tp,
        lambda p: format_price(p.tp, p.digits),
        tooltip="Take profit (—: none)",
    ),
    Column("swap", "Swap", lambda p: p.swap, lambda p: format_money(p.swap), tooltip="Accumulated swap"),
    Column(
        "profit",
        "Profit",
        lambda p: p.profit,
        lambda p: format_money(p.profit, signed=True),
        colour=lambda p: money_colour(p.profit),
        tooltip="Floating profit in the account currency, without swap",
    ),
    Column(
        "magic",
        "Magic / model",
        lambda p: p.magic,
        _magic_text,
        tooltip="Magic number of the model or expert that opened it; 'manual' when opened by hand",
    ),
    Column(
        "comment",
        "Comment",
        lambda p: p.comment,
        lambda p: trader_text(p.comment),  # the desk's "MD-<trade id>" tag is bookkeeping, not the text
        align=_LEFT,
        tooltip="Your comment on the position",
    ),
)

COLUMN_INDEX: dict[str, int] = {column.key: index for index, column in enumerate(POSITION_COLUMNS)}
