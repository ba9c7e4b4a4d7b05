"""Close all / profitable / losing on a desk of several accounts: the one confirmation asks which accounts,
one checkbox each (its positions and their floating profit in its own currency), all ticked to start with.

Cancel is the default button, as in the one-account question: Enter on a surprise dialog closes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import fsum

from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.models import Position
from app.core.number_format import format_money
from app.core.state import PositionKey
from app.ui.positions.positions_view import CloseGroup
from app.ui.shell.bulk_close import TITLES

Keyed = tuple[PositionKey, Position]


class CloseAccountsDialog(QDialog):
    """Which accounts' positions to close; `chosen()` gives those of the ticked accounts after OK."""

    def __init__(
        self,
        group: CloseGroup,
        positions: Sequence[Keyed],
        labels: Mapping[str, str],
        currencies: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLES[group])
        self._positions = list(positions)
        by_account: dict[str, list[Position]] = {}
        for (account_id, _ticket), position in self._positions:
            by_account.setdefault(account_id, []).append(position)
        layout = QVBoxLayout(self)
        self.question = QLabel(self)
        layout.addWidget(self.question)
        layout.addWidget(QLabel("Of these accounts (untick one to leave its positions open):", self))
        self.boxes: dict[str, QCheckBox] = {}
        for account_id, held in by_account.items():
            currency = currencies.get(account_id, "")
            profit = format_money(fsum(p.profit for p in held), currency, signed=True)
            noun = "position" if len(held) == 1 else "positions"
            box = QCheckBox(f"{labels.get(account_id, account_id)}: {len(held)} {noun}, {profit}", self)
            box.setChecked(True)
            box.toggled.connect(lambda _checked: self._count())
            layout.addWidget(box)
            self.boxes[account_id] = box
        layout.addWidget(
            QLabel("Each is closed by its own order, on its own account; the Event log says how each went.")
        )
        self.buttons = QDialogButtonBox(self)
        self.close_button = QPushButton(self)
        self.close_button.setAutoDefault(False)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None  # a standard button is always made
        cancel.setDefault(True)  # Enter on a surprise dialog must not close positions
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._count()

    def chosen(self) -> list[Keyed]:
        """The positions of the ticked accounts, in the order shown."""
        ticked = {account_id for account_id, box in self.boxes.items() if box.isChecked()}
        return [(key, position) for key, position in self._positions if key[0] in ticked]

    def _count(self) -> None:
        count = len(self.chosen())
        noun = "position" if count == 1 else "positions"
        accounts = sum(box.isChecked() for box in self.boxes.values())
        self.question.setText(
            f"Close {count} {noun} of {accounts} account{'s' if accounts != 1 else ''} at market?"
        )
        self.close_button.setText(f"Close {count} {noun}")
        self.close_button.setEnabled(count > 0)


def confirm_close_accounts(
    parent: QWidget | None,
    group: CloseGroup,
    positions: Sequence[Keyed],
    labels: Mapping[str, str],
    currencies: Mapping[str, str],
) -> list[Keyed]:
    """Ask which accounts; the positions to close (none when the trader cancels)."""
    dialog = CloseAccountsDialog(group, positions, labels, currencies, parent)
    try:
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else []
    finally:
        dialog.deleteLater()
