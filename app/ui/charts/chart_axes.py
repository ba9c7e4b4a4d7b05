"""Chart axes: MoneyAxis writes amounts of money as the rest of the desk does; TimeAxis labels the hours.

pyqtgraph's own axis scales large values by an SI prefix ("(x0.001)" beside the title, ticks in
thousands) and writes "1.23457e+06" past ten thousand; on a money axis the trader reads "12,500" instead.
"""

from __future__ import annotations

import pyqtgraph as pg
import pyqtgraph.graphicsItems.DateAxisItem as dates

from app.core.number_format import format_money


class MoneyAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """Ticks as money with thousands separators: whole amounts, or cents when ticks are closer than 1."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        decimals = 0 if abs(spacing * scale) >= 1 else 2  # whole amounts, or cents
        return [format_money(value * scale, digits=decimals) for value in values]


# pyqtgraph labels hours only every hour or every six: a few hours of data on a narrow axis then show one
# label ("Wed 02") and no hour at all. Steps of 2 and 3 hours in between keep the hours readable.
_DAY_HOUR = dates.ZoomLevel(
    [
        dates.TickSpec(dates.DAY_SPACING, dates.makeSStepper(dates.DAY_SPACING), "%a %d"),
        dates.TickSpec(
            dates.HOUR_SPACING, dates.makeSStepper(dates.HOUR_SPACING), "%H:%M", autoSkip=[1, 2, 3, 6]
        ),
    ],
    "MMM 00",
)


class TimeAxis(pg.DateAxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """pyqtgraph's date axis, with hour labels every 1, 2, 3 or 6 hours as the width allows."""

    zoomLevels: dict[float, object]  # set by DateAxisItem: the widest tick spacing of each zoom level

    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation)
        self.zoomLevels = {
            spacing: _DAY_HOUR if level is dates.DAY_HOUR_ZOOM_LEVEL else level
            for spacing, level in self.zoomLevels.items()
        }
