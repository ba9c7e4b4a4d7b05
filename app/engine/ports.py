"""What the auto-trader needs from the terminal and from the order path, whoever provides them.

In the desk both live across the pipe (RemoteTerminal, DeskEngine); in the specs and tools a Terminal
and a TradingService in the same thread provide the same methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from app.core.enums import Timeframe
from app.core.models import Account, Position, SymbolSpec, Tick
from app.engine.commands import TradeCommand
from app.engine.trading import TradeOutcome
from app.terminal.adapter import TerminalInfoView


class TerminalReads(Protocol):
    """The reads of the Terminal the auto-trader uses (TerminalError when they fail)."""

    def positions(self) -> Mapping[int, Position]: ...

    def account(self) -> Account: ...

    def terminal_info(self) -> TerminalInfoView: ...

    def tick(self, symbol: str) -> Tick: ...

    def symbol(self, name: str) -> SymbolSpec: ...

    def rates(self, symbol: str, timeframe: Timeframe, count: int, start_pos: int = 0) -> np.ndarray: ...


class OrderPort(Protocol):
    """Executes one trade command, journal first, and says how it ended."""

    def execute(self, command: TradeCommand) -> TradeOutcome: ...
