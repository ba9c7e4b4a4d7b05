"""Settings → Risk: every limit the RiskGuard enforces on automatic orders, with its bounds and what it does.

The rows are built from `app.core.risk_limits`, the same declarations the settings loader takes its
bounds from. A value outside them is refused with the loader's own reason under its row (the boxes
accept a wider range on purpose, so a typed value is never silently clipped). Saved limits apply at once,
through the auto-trader's command path (RiskLimitsCommand).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QLocale
from PyQt6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

from app.core.risk_limits import ALLOW_REAL_ACCOUNT, RISK_LIMITS, RiskLimit
from app.core.settings import RiskSettings
from app.ui.order_fields import InlineError, muted_label, stack

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
        form = QFormLayout(self)
        form.addRow(muted_label(ABOUT))
        self.allow_real = QCheckBox(ALLOW_REAL_ACCOUNT)
        self.allow_real.setChecked(settings.allow_real_account)
        self.allow_real.toggled.connect(lambda _checked: changed())
        self.errors["risk.allow_real_account"] = InlineError()
        self.real_warning = InlineError()
        self.real_warning.show_messages(REAL_ACCOUNT_WARNING)
        form.addRow("", stack(self.allow_real, self.real_warning, self.errors["risk.allow_real_account"]))
        for limit in RISK_LIMITS:
            box = _box(limit, getattr(settings, limit.key), currency)
            box.valueChanged.connect(lambda _value: changed())
            self.boxes[limit.key] = box
            error = self.errors[f"risk.{limit.key}"] = InlineError()
            about = muted_label(
                f"{limit.explanation} {limit.bounds_text(currency or 'in the account currency')}"
            )
            label = QLabel(limit.label)
            label.setBuddy(box)
            form.addRow(label, stack(box, about, error))

    def form_dict(self) -> dict[str, Any]:
        """The page as the TOML-shaped dict the settings loader checks."""
        values: dict[str, Any] = {"allow_real_account": self.allow_real.isChecked()}
        values.update({key: box.value() for key, box in self.boxes.items()})
        return values


def _box(limit: RiskLimit, value: float, currency: str) -> QSpinBox | QDoubleSpinBox:
    unit = limit.unit or currency
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
