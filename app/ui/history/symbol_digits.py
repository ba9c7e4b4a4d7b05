"""SymbolDigits: each symbol's price precision as the terminal states it, for tables of past records.

Open positions carry their digits (Position.digits); the journal's deals do not, so the History and Deals
tabs ask here. What the positions already told is known at once; any other symbol is asked of the
terminal once (its SymbolSpec), and `learned` tells the tabs to repaint their prices. Until an answer
comes (or when the terminal cannot say) a price shows as many decimals as it has.
"""

from __future__ import annotations

from collections.abc import Iterable

from PyQt6.QtCore import QObject, pyqtSignal, pyqtSlot

from app.core.events import Event, PositionsUpdate, Snapshot
from app.core.models import Position, SymbolSpec
from app.engine.hub import EventHub
from app.engine.queries import TerminalQueries


class SymbolDigits(QObject):
    """Symbol -> digits, learned from positions and asked of the terminal for the rest."""

    learned = pyqtSignal()

    def __init__(self, queries: TerminalQueries | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self._digits: dict[str, int] = {}
        self._asking: dict[int, str] = {}  # request id -> symbol
        if queries is not None:
            queries.spec_ready.connect(self._on_spec)
            queries.failed.connect(self._on_failed)

    def digits(self, symbol: str) -> int | None:
        """The symbol's digits, or None while unknown."""
        return self._digits.get(symbol)

    def subscribe(self, hub: EventHub) -> None:
        """Learn from the positions the desk shows (their digits came with them)."""
        hub.snapshot.connect(self.apply)
        hub.positions_update.connect(self.apply)

    def apply(self, event: Event) -> None:
        if isinstance(event, PositionsUpdate):
            self._learn(event.positions)
        elif isinstance(event, Snapshot):
            self._learn(p for view in event.accounts for p in view.positions)

    def want(self, symbols: Iterable[str]) -> None:
        """Ask the terminal for the digits of these symbols, each at most once at a time."""
        if self._queries is None:
            return
        asked = set(self._asking.values())
        for symbol in dict.fromkeys(symbols):
            if symbol and symbol not in self._digits and symbol not in asked:
                self._asking[self._queries.request_spec(symbol)] = symbol

    def _learn(self, positions: Iterable[Position]) -> None:
        new = {p.symbol: p.digits for p in positions if p.digits is not None and p.symbol not in self._digits}
        if new:
            self._digits.update(new)
            self.learned.emit()

    @pyqtSlot(int, object)
    def _on_spec(self, request_id: int, spec: SymbolSpec) -> None:
        symbol = self._asking.pop(request_id, None)
        if symbol is None:
            return
        known = self._digits.get(symbol)
        self._digits[symbol] = spec.digits
        if known != spec.digits:
            self.learned.emit()

    @pyqtSlot(int, str)
    def _on_failed(self, request_id: int, _error: str) -> None:
        # Asked again with the next load: the terminal may answer once it is back.
        self._asking.pop(request_id, None)
