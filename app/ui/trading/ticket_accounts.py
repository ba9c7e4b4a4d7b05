"""The order ticket's choice of account on a desk of several: which accounts it offers and the combo box
the trader picks one in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PyQt6.QtCore import pyqtSignal, pyqtSlot
from PyQt6.QtWidgets import QComboBox, QWidget

from app.engine.queries import TerminalQueries


@dataclass(frozen=True, slots=True)
class TicketAccount:
    """An account the ticket can place its order on: what the trader calls it, its currency ("" while
    unknown) and the read path to its own terminal."""

    account_id: str
    label: str
    currency: str
    queries: TerminalQueries


class AccountChoice(QComboBox):
    """The accounts by name and currency; `account_chosen` carries the TicketAccount the trader picked."""

    account_chosen = pyqtSignal(object)  # TicketAccount

    def __init__(
        self, accounts: Sequence[TicketAccount], current: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ticket-account")
        self.setToolTip("The account the order is placed on; its terminal gives the symbols and quotes")
        self._accounts = tuple(accounts)
        for entry in self._accounts:
            self.addItem(
                f"{entry.label} ({entry.currency})" if entry.currency else entry.label, entry.account_id
            )
        self.setCurrentIndex(max(0, self.findData(current)))
        self.activated.connect(self._on_activated)

    @property
    def several(self) -> bool:
        """More than one account to choose from (otherwise the ticket shows no choice)."""
        return len(self._accounts) > 1

    def label_of(self, account_id: str) -> str:
        entry = next((a for a in self._accounts if a.account_id == account_id), None)
        return entry.label if entry is not None else account_id

    @pyqtSlot(int)
    def _on_activated(self, index: int) -> None:
        self.account_chosen.emit(self._accounts[index])
