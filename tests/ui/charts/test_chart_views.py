"""How the charts read on a first start: titles that never overlap, money axes in money, a range filled by
the data there is, and an empty chart that says so instead of drawing axes of nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PyQt6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import Side
from app.core.events import AccountUpdate, PositionsUpdate
from app.core.models import Account, Position
from app.ui.charts.chart_axes import MoneyAxis
from app.ui.charts.charts import EquityChart, PnlBySymbolChart

NOW = datetime.now(UTC).replace(microsecond=0)
ACCOUNT = Account(
    login=51_234_567,
    name="Jane Trader",
    server="Broker-Demo",
    company="Broker Ltd",
    currency="USD",
    leverage=100,
    balance=1_200_000.0,
    equity=1_250_000.0,
    margin=200.0,
    margin_free=9_850.0,
    margin_level=5_025.0,
    profit=50_000.0,
)


@pytest.fixture
def chart(qtbot: QtBot) -> EquityChart:
    """The Equity tab at the size a first start gives it (1280×800 window, right column)."""
    widget = EquityChart()
    qtbot.addWidget(widget)
    widget.resize(520, 260)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def read_account(chart: EquityChart, at: datetime, equity: float) -> None:
    floating = equity - ACCOUNT.balance
    chart.apply(AccountUpdate(account=replace(ACCOUNT, equity=equity, profit=floating), timestamp=at))


def an_hour_of_equity(chart: EquityChart) -> None:
    for minute in range(61):
        read_account(chart, NOW - timedelta(minutes=60 - minute), 1_250_000.0 + 2_000 * (minute % 7))
    chart.flush()


def test_an_empty_chart_says_why_instead_of_drawing_axes_of_nothing(chart: EquityChart) -> None:
    assert chart.empty_label.isVisible() and "No equity samples yet" in chart.empty_label.text()
    assert not chart.view.isVisible()


def test_the_first_sample_replaces_the_empty_note_with_the_curves(chart: EquityChart) -> None:
    read_account(chart, NOW, 1_250_000.0)
    chart.flush()

    assert chart.view.isVisible() and not chart.empty_label.isVisible()


def test_the_two_titles_read_across_their_plots_and_never_overlap(qtbot: QtBot, chart: EquityChart) -> None:
    an_hour_of_equity(chart)
    qtbot.wait(50)  # laid out

    equity, floating = chart.equity_plot.titleLabel, chart.floating_plot.titleLabel
    assert equity.text == "Equity (USD)" and floating.text == "Floating P&L (USD)"
    assert not equity.sceneBoundingRect().intersects(floating.sceneBoundingRect())
    assert not any(chart.equity_plot.getAxis(side).label.isVisible() for side in ("left", "bottom"))
    assert not chart.floating_plot.getAxis("left").label.isVisible()


def test_money_axes_write_whole_amounts_without_a_scale_factor(chart: EquityChart) -> None:
    an_hour_of_equity(chart)

    axis = chart.equity_plot.getAxis("left")
    assert isinstance(axis, MoneyAxis)
    assert axis.tickStrings([1_250_000.0, 1_252_000.0], 1.0, 2_000.0) == ["1,250,000", "1,252,000"]
    assert axis.tickStrings([-0.5, 0.25], 1.0, 0.25) == ["-0.50", "0.25"]
    axis.updateAutoSIPrefix()
    assert axis.autoSIPrefixScale == 1.0 and axis.labelUnitPrefix == ""


def test_an_hour_of_equity_fills_the_default_day_view(chart: EquityChart) -> None:
    an_hour_of_equity(chart)

    left, right = chart.x_range()

    assert chart.range_buttons["1d"].isChecked()
    assert left == pytest.approx((NOW - timedelta(hours=1)).timestamp(), abs=1.0)
    assert right - left < 2 * 3_600  # the hour spans the width, not a twenty-fourth of it


def test_the_pnl_by_symbol_axis_is_money_too(qtbot: QtBot) -> None:
    bars = PnlBySymbolChart()
    qtbot.addWidget(bars)
    held = Position(1, "BTCUSD", Side.BUY, 1.0, 57_000.0, 69_500.0, None, None, 0.0, 12_500.0, NOW, digits=2)
    bars.apply(PositionsUpdate(positions=(held,), added=(1,), removed=(), modified=()))
    bars.flush()

    axis = bars.plot.getAxis("bottom")
    assert isinstance(axis, MoneyAxis)
    assert axis.tickStrings([10_000.0], 1.0, 5_000.0) == ["10,000"]


def test_the_readout_names_the_account_currency(chart: EquityChart) -> None:
    an_hour_of_equity(chart)
    shown: QWidget = chart.readout
    assert shown.isVisible() and " USD · Floating " in chart.readout_text


def test_a_few_hours_on_a_narrow_chart_still_show_the_hours(chart: EquityChart) -> None:
    for minute in range(0, 8 * 60 + 1, 5):
        read_account(chart, NOW - timedelta(minutes=8 * 60 - minute), 1_250_000.0 + minute)
    chart.flush()
    chart.grab()  # painted once: the axis measures its labels with the font it paints them in
    left, right = chart.x_range()
    axis = chart.floating_plot.getAxis("bottom")

    levels = axis.tickValues(left, right, axis.width())

    hours = [ticks for spacing, ticks in levels if spacing == 3_600]
    assert hours and len(hours[0]) >= 2  # pyqtgraph's own axis labelled none: every 6 h, or one "Wed 02"
