"""Settings → Risk: every limit the RiskGuard enforces on automatic orders, with its bounds and what it does.

The rows are built from `app.core.risk_limits`, the same declarations the settings loader takes its
bounds from. A value outside them is refused with the loader's own reason under its row (the boxes
accept a wider range on purpose, so a typed value is never silently clipped). Saved limits apply at once,
through the auto-trader's command path (RiskLimitsCommand).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QLocale, Qt
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSpacerItem,
    QSpinBox,
    QWidget,
)

from app.core.risk_limits import ALLOW_REAL_ACCOUNT, RISK_LIMITS, RiskLimit
from app.core.settings import RiskSettings
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.order_fields import InlineError

REAL_ACCOUNT_WARNING = (
    "Real money: with this on, the models may open trades on a real-money account. "
    "Leave it off until they have been tried on a demo account."
)
ABOUT = (
    "These limits stop the models' automatic orders (orders you place yourself are not limited). "
    "Saved changes apply at once, from the next automatic order; no restart is needed."
)
_SLACK = 10  # how far past its bound a box lets a value be typed, so the refusal can say why


class RiskPage(QWidget):
    """The real-account switch and one row per limit: its box, what it does, its bounds, its error."""

    def __init__(
        self,
        settings: RiskSettings,
        changed: Callable[[], None],
        *,
        currency: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.errors: dict[str, InlineError] = {}
        self.boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
        # A grid, not a form of stacked labels: its rows take the height their wrapped text needs at the
        # width it finally gets, so an explanation never runs into the next row.
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(2)
        grid.addWidget(_wrapped(ABOUT), 0, 0, 1, 2)
        self.allow_real = QCheckBox(ALLOW_REAL_ACCOUNT)
        self.allow_real.setChecked(settings.allow_real_account)
        self.allow_real.toggled.connect(lambda _checked: changed())
        self.real_warning = _wrapped(REAL_ACCOUNT_WARNING, muted=False)
        self.real_warning.setStyleSheet(f"color: {trade_colours().loss.name()};")
        self.errors["risk.allow_real_account"] = InlineError()
        grid.addWidget(self.allow_real, 1, 1)
        grid.addWidget(self.real_warning, 2, 1)
        grid.addWidget(self.errors["risk.allow_real_account"], 3, 1)
        row = 4
        for limit in RISK_LIMITS:
            box = _box(limit, getattr(settings, limit.key), currency)
            box.valueChanged.connect(lambda _value: changed())
            self.boxes[limit.key] = box
            label = QLabel(limit.label)
            label.setBuddy(box)
            bounds = limit.bounds_text(currency or "in the account currency")
            error = self.errors[f"risk.{limit.key}"] = InlineError()
            grid.addItem(QSpacerItem(0, 10), row, 0)
            grid.addWidget(label, row + 1, 0)
            grid.addWidget(box, row + 1, 1)
            grid.addWidget(_wrapped(f"{limit.explanation} {bounds}"), row + 2, 1)
            grid.addWidget(error, row + 3, 1)
            row += 4
        grid.setRowStretch(row, 1)

    def form_dict(self) -> dict[str, Any]:
        """The page as the TOML-shaped dict the settings loader checks."""
        values: dict[str, Any] = {"allow_real_account": self.allow_real.isChecked()}
        values.update({key: box.value() for key, box in self.boxes.items()})
        return values


def _wrapped(text: str, *, muted: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    if muted:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _box(limit: RiskLimit, value: float, currency: str) -> QSpinBox | QDoubleSpinBox:
    unit = currency if limit.money else limit.unit
    if limit.whole:
        whole = QSpinBox()
        whole.setRange(0, int(limit.high) * _SLACK)
        whole.setValue(int(value))
        whole.setGroupSeparatorShown(True)
        box: QSpinBox | QDoubleSpinBox = whole
    else:
        real = QDoubleSpinBox()
        real.setDecimals(limit.decimals)
        real.setRange(0.0, limit.high * _SLACK)
        real.setValue(value)
        real.setGroupSeparatorShown(True)
        box = real
    # Numbers read as everywhere else on the desk ("1,000.00"), whatever the system's locale says.
    box.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    box.setSuffix(f" {unit}" if unit else "")
    box.setAccelerated(True)
    return box
