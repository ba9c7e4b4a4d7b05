"""The switches that stop automatic trading: the master switch's look, the kill switch's confirmation."""

from __future__ import annotations

from PyQt6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

MASTER_STYLE = (
    "QPushButton { font-weight: bold; padding: 4px 12px; color: white; background: #6e7781;"
    " border-radius: 4px; } QPushButton:checked { background: #1a7f37; }"
)
KILL_STYLE = (
    "QPushButton { font-weight: bold; padding: 4px 12px; color: white; background: #cf222e;"
    " border-radius: 4px; } QPushButton:pressed { background: #a40e26; }"
)


def master_text(enabled: bool) -> str:
    return "Auto-trading ON" if enabled else "Auto-trading OFF"


class KillSwitchDialog(QDialog):
    """Confirms stopping every model; the box decides whether their open positions are closed too."""

    def __init__(self, open_positions: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Kill switch")
        text = QLabel(
            "Stop all automatic trading now? Auto-trading is switched off and every model is disabled. "
            "Their positions stay open unless you tick the box.",
            self,
        )
        text.setWordWrap(True)
        self.close_positions_box = QCheckBox(
            f"Also close the models' open positions ({open_positions} open)", self
        )
        buttons = QDialogButtonBox(self)
        stop_button = buttons.addButton("Stop all models", QDialogButtonBox.ButtonRole.AcceptRole)
        assert stop_button is not None  # addButton(text, role) always makes one
        self.stop_button = stop_button
        self.stop_button.setStyleSheet(KILL_STYLE)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.close_positions_box)
        layout.addWidget(buttons)
