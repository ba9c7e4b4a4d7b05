"""A MetaTrader5-shaped simulated terminal: same functions, records, constants and errors."""

from app.terminal.simulator.api import SimulatedTerminal
from app.terminal.simulator.clock import ClockSpec, ManualClock, WallClock
from app.terminal.simulator.symbols import SYMBOLS

__all__ = ["SYMBOLS", "ClockSpec", "ManualClock", "SimulatedTerminal", "WallClock"]
