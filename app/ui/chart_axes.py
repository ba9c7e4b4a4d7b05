"""MoneyAxis: a chart axis that writes amounts of money as the rest of the desk does.

pyqtgraph's own axis scales large values by an SI prefix ("(x0.001)" beside the title, ticks in
thousands) and writes "1.23457e+06" past ten thousand; on a money axis the trader reads "12,500" instead.
"""

from __future__ import annotations

import pyqtgraph as pg

from app.core.number_format import format_money


class MoneyAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """Ticks as money with thousands separators: whole amounts, or cents when ticks are closer than 1."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        decimals = 0 if abs(spacing * scale) >= 1 else 2  # whole amounts, or cents
        return [format_money(value * scale, digits=decimals) for value in values]
