"""DeskState: what the desk currently knows, folded from events; the source of every SNAPSHOT.

The trader's window, the remote server and a remote viewer all fold the same events through this one
class, so a viewer that applied SNAPSHOT + deltas holds exactly what the desk holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.core.enums import ConnectionState
from app.core.events import (
    AccountUpdate,
    Event,
    ModelsUpdate,
    PnlUpdate,
    PositionsUpdate,
    Snapshot,
    StatusUpdate,
)
from app.core.models import Account, ModelSummary, Position, TerminalStatus


@dataclass(slots=True)
class DeskState:
    """Latest account, positions (by ticket), terminal status and models."""

    account: Account | None = None
    positions: dict[int, Position] = field(default_factory=dict)
    status: TerminalStatus = field(
        default_factory=lambda: TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)
    )
    models: tuple[ModelSummary, ...] = ()
    floating_total: float = 0.0

    def apply(self, event: Event) -> bool:
        """Fold one event in; returns True when the state changed shape or values."""
        if isinstance(event, PositionsUpdate):
            for ticket in event.removed:
                self.positions.pop(ticket, None)
            for position in event.positions:
                self.positions[position.ticket] = position
            self._refresh_floating()
            return bool(event.positions or event.removed)
        if isinstance(event, PnlUpdate):
            for ticket, (price, profit) in event.pnl.items():
                current = self.positions.get(ticket)
                if current is not None:
                    self.positions[ticket] = current.moved(price, profit)
            self.floating_total = event.floating_total
            if self.account is not None:
                self.account = replace(self.account, equity=event.equity, profit=event.floating_total)
            return bool(event.pnl)
        if isinstance(event, AccountUpdate):
            self.account = event.account
            return True
        if isinstance(event, StatusUpdate):
            self.status = event.status
            return True
        if isinstance(event, ModelsUpdate):
            self.models = event.models
            return True
        if isinstance(event, Snapshot):
            self.account = event.account
            self.positions = {p.ticket: p for p in event.positions}
            self.status = event.status
            self.models = event.models
            self._refresh_floating()
            return True
        return False

    def snapshot(self) -> Snapshot:
        """Everything a newcomer needs, as one event."""
        ordered = tuple(self.positions[t] for t in sorted(self.positions))
        return Snapshot(account=self.account, positions=ordered, status=self.status, models=self.models)

    def _refresh_floating(self) -> None:
        self.floating_total = sum(p.profit + p.swap for p in self.positions.values())
