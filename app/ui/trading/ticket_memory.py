"""What the order ticket remembers between openings and across restarts, as MT5's does: the symbol and
volume of the last order placed, and whether SL/TP are typed as prices or pips.

Kept beside the window's layout (window.ini, QSettings), not in settings.toml: it is where the trader left
the ticket, not a setting. An unreadable value there is ignored (the ticket's default is used) and logged.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from PyQt6.QtCore import QSettings

from app.core.number_format import trimmed
from app.ui.widgets.order_fields import StopUnit

log = logging.getLogger(__name__)

_SYMBOL, _VOLUME, _UNIT = "ticket/symbol", "ticket/volume", "ticket/stop_unit"
_LONGEST_SYMBOL = 64


@dataclass(frozen=True, slots=True)
class TicketMemory:
    """The last order's symbol and volume ("" / None: none placed yet) and the SL/TP unit last used."""

    symbol: str = ""
    volume: float | None = None
    unit: StopUnit = StopUnit.PRICE


def load_ticket_memory(store: QSettings | None) -> TicketMemory:
    """What the ticket last remembered; defaults for anything missing or unreadable."""
    if store is None:
        return TicketMemory()
    symbol = _text(store.value(_SYMBOL))
    if symbol is not None and not (0 < len(symbol) <= _LONGEST_SYMBOL and symbol.isprintable()):
        log.warning("window.ini %s: %r is not a symbol name; ignored", _SYMBOL, symbol)
        symbol = None
    volume = _volume(store.value(_VOLUME))
    unit_text = _text(store.value(_UNIT))
    try:
        unit = StopUnit(unit_text) if unit_text is not None else StopUnit.PRICE
    except ValueError:
        log.warning("window.ini %s: %r is neither 'price' nor 'pips'; ignored", _UNIT, unit_text)
        unit = StopUnit.PRICE
    return TicketMemory(symbol or "", volume, unit)


def save_ticket_memory(store: QSettings | None, memory: TicketMemory) -> None:
    """Keep `memory` for the next opening and the next start."""
    if store is None:
        return
    store.setValue(_SYMBOL, memory.symbol)
    if memory.volume is None:
        store.remove(_VOLUME)
    else:
        store.setValue(_VOLUME, trimmed(memory.volume))
    store.setValue(_UNIT, memory.unit.value)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _volume(value: object) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        volume = float(text)
    except ValueError:
        volume = math.nan
    if not (math.isfinite(volume) and volume > 0):
        log.warning("window.ini %s: %r is not a volume in lots; ignored", _VOLUME, text)
        return None
    return volume
