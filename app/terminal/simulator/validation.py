"""The trade server's checks on a request: volume limits, filling mode, stop distances, price grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.terminal.simulator import constants as c

if TYPE_CHECKING:
    from app.terminal.simulator.symbols import SymbolDef

# Float noise allowed when a price or volume is compared with a grid (a fraction of one step).
_GRID_TOLERANCE = 1e-3
# SymbolInfo.filling_mode bits (the wheel has no constants for them).
SYMBOL_FILLING_FOK = 1
SYMBOL_FILLING_IOC = 2


def on_grid(value: float, step: float) -> bool:
    """True when `value` is a whole multiple of `step`, allowing for binary float noise."""
    steps = value / step
    return abs(steps - round(steps)) <= _GRID_TOLERANCE


def volume_ok(sym: SymbolDef, volume: float) -> bool:
    """Within [volume_min, volume_max] and on the volume_step grid."""
    slack = sym.volume_step * _GRID_TOLERANCE
    if volume < sym.volume_min - slack or volume > sym.volume_max + slack:
        return False
    return on_grid(volume, sym.volume_step)


def filling_ok(sym: SymbolDef, type_filling: int) -> bool:
    """Market execution: FOK needs SYMBOL_FILLING_FOK, IOC needs SYMBOL_FILLING_IOC; RETURN and BOC never."""
    if type_filling == c.ORDER_FILLING_FOK:
        return bool(sym.filling_mode & SYMBOL_FILLING_FOK)
    if type_filling == c.ORDER_FILLING_IOC:
        return bool(sym.filling_mode & SYMBOL_FILLING_IOC)
    return False


def stops_ok(sym: SymbolDef, buy: bool, sl: float, tp: float, bid: float, ask: float) -> bool:
    """SL/TP (0 = none) on the right side of the closing price, at least stops_level points away.

    A buy closes at the bid, so its SL must be below and its TP above the bid; a sell closes at the ask.
    """
    if sl < 0 or tp < 0:
        return False
    for price in (sl, tp):
        if price and not on_grid(price, sym.point):
            return False
    distance = sym.stops_level * sym.point - sym.point * _GRID_TOLERANCE
    close = bid if buy else ask
    if sl:
        gap = close - sl if buy else sl - close
        if gap <= 0 or gap < distance:
            return False
    if tp:
        gap = tp - close if buy else close - tp
        if gap <= 0 or gap < distance:
            return False
    return True
