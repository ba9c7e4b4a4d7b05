"""Equity chart (history then live, one point a second, crosshair, ranges, follow-live) and P&L by symbol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.core.enums import ConnectionState, Side
from app.core.events import AccountUpdate, PnlUpdate, PositionsUpdate
from app.core.models import Account, Position, TerminalStatus
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.database import open_database
from app.storage.journal import Journal
from app.storage.records import EquitySample
from app.ui.charts.chart_series import EquitySeries
from app.ui.charts.charts import RIGHT_PAD, EquityChart, PnlBySymbolChart, local_time_text
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.window_timer import WindowTimer
from tests.one_account import single_snapshot

NOW = datetime.now(UTC).replace(microsecond=0)
ACCOUNT = Account(
    login=51_234_567,
    name="Jane Trader",
    server="Broker-Demo",
    company="Broker Ltd",
    currency="USD",
    leverage=100,
    balance=10_000.0,
    equity=10_050.0,
    margin=200.0,
    margin_free=9_850.0,
    margin_level=5_025.0,
    profit=50.0,
)


def account_read(at: datetime, equity: float = 10_050.0) -> AccountUpdate:
    return AccountUpdate(account=replace(ACCOUNT, equity=equity, profit=equity - 10_000.0), timestamp=at)


def tick(at: datetime, equity: float) -> PnlUpdate:
    return PnlUpdate(pnl={}, floating_total=round(equity - 10_000.0, 2), equity=equity, timestamp=at)


@pytest.fixture
def chart(qtbot: QtBot) -> EquityChart:
    widget = EquityChart()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    return widget


def driven(widget: EquityChart | PnlBySymbolChart) -> WindowTimer:
    """The window's repaint timer, as the main window runs it for its charts."""
    repaints = WindowTimer(widget)
    repaints.add(widget.flush)
    return repaints


def fill(chart: EquityChart, seconds: int, end: datetime = NOW) -> None:
    """One account read `seconds` ago, then a tick every second up to `end`."""
    start = end - timedelta(seconds=seconds)
    chart.apply(account_read(start, 10_000.0))
    for second in range(1, seconds + 1):
        chart.apply(tick(start + timedelta(seconds=second), 10_000.0 + second / 100))
    chart.flush()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield Journal(database)


@pytest.fixture
def queries(journal: Journal) -> Iterator[JournalQueries]:
    reader = JournalQueries(journal)
    yield reader
    reader.wait()


# --- the data buffer ---------------------------------------------------------------------------------


def test_the_series_grows_its_arrays_by_doubling() -> None:
    series = EquitySeries(capacity=4)

    for second in range(9):
        series.append(1_000.0 + second, 10_000.0, 0.0)

    assert len(series) == 9
    assert series.capacity == 16


def test_the_series_hands_out_views_of_its_buffer_not_copies() -> None:
    series = EquitySeries()
    series.append(1_000.0, 10_000.0, 1.0)
    before = series.equity

    series.append(1_001.0, 10_001.0, 2.0)

    assert isinstance(series.equity, np.ndarray)
    assert np.shares_memory(before, series.equity)


def test_history_goes_before_live_samples_and_yields_to_them_where_they_overlap() -> None:
    series = EquitySeries()
    series.append(2_000.4, 10_100.0, 100.0)
    history = [
        EquitySample(datetime.fromtimestamp(t, UTC), 10_000.0, 10_000.0 + t % 7, 5.0, 0.0)
        for t in (1_990, 1_995, 2_000)
    ]

    kept = series.add_history(history)

    assert kept == 2
    assert series.times.tolist() == [1_990.0, 1_995.0, 2_000.0]
    assert series.last() == (2_000.0, 10_100.0, 100.0)


def test_a_window_over_many_samples_keeps_the_peaks_and_the_newest_samples_exact() -> None:
    series = EquitySeries()
    for second in range(100_000):
        series.append(float(second), 10_000.0 + (500.0 if second == 31_337 else 0.0), -float(second == 4_242))

    times, equity, floating = series.window(0.0, 99_999.0, buckets=500)

    assert len(times) <= 4 * 500
    assert equity.max() == 10_500.0
    assert floating.min() == -1.0
    assert times[-1] == 99_999.0


def test_a_window_over_thinned_history_and_live_samples_moves_no_sample_in_time() -> None:
    series = EquitySeries()
    minutes = [
        EquitySample(datetime.fromtimestamp(60.0 * m, UTC), 1.0, 10_000.0 + m, 0.0, 0.0) for m in range(1_440)
    ]
    series.add_history(minutes)
    for second in range(86_400, 90_000):
        series.append(float(second), 11_000.0, 0.0)

    times, _equity, _floating = series.window(0.0, 90_000.0, buckets=300)

    assert len(times) < len(series)
    assert set(times.tolist()) <= set(series.times.tolist())
    assert np.all(np.diff(times) >= 0)


# --- the equity chart --------------------------------------------------------------------------------


def test_history_from_the_journal_then_live_points_after_it(
    qtbot: QtBot, journal: Journal, queries: JournalQueries
) -> None:
    for minutes in (90, 60, 30):
        at = NOW - timedelta(minutes=minutes)
        journal.add_equity_sample(
            time=at, balance=10_000.0, equity=10_000.0 - minutes, margin=0.0, floating=-minutes
        )
    journal.add_equity_sample(time=NOW - timedelta(days=8), balance=1.0, equity=1.0, margin=0.0, floating=0.0)
    chart = EquityChart(queries)
    qtbot.addWidget(chart)

    qtbot.waitUntil(lambda: len(chart.series) == 3, timeout=3000)
    chart.apply(account_read(NOW, 10_050.0))
    chart.apply(tick(NOW + timedelta(seconds=1), 10_051.0))
    chart.flush()

    assert chart.series.equity.tolist() == [9_910.0, 9_940.0, 9_970.0, 10_050.0, 10_051.0]
    _times, equity = chart.equity_curve.getData()
    assert equity is not None and equity[-1] == 10_051.0


def test_a_journal_that_cannot_be_read_is_reported_above_the_chart(
    qtbot: QtBot, journal: Journal, queries: JournalQueries
) -> None:
    with journal.database.write() as session:
        session.execute(text("DROP TABLE equity_samples"))

    chart = EquityChart(queries)
    qtbot.addWidget(chart)

    qtbot.waitUntil(lambda: "Could not read" in chart.notice.text(), timeout=3000)
    assert not chart.notice.isHidden()


def test_at_most_one_point_per_second_keeping_the_last_value(chart: EquityChart) -> None:
    chart.apply(account_read(NOW))
    for equity in (10_060.0, 10_061.0, 10_062.0):
        chart.apply(tick(NOW + timedelta(milliseconds=200 + equity % 10 * 100), equity))

    assert chart.series.times.tolist() == [NOW.timestamp()]
    assert chart.series.last() == (NOW.timestamp(), 10_062.0, 62.0)


def test_a_sample_older_than_the_newest_is_dropped(chart: EquityChart) -> None:
    chart.apply(account_read(NOW))
    chart.apply(tick(NOW - timedelta(seconds=5), 9_000.0))

    assert chart.series.equity.tolist() == [10_050.0]


def test_pnl_ticks_before_any_account_read_are_not_plotted(chart: EquityChart) -> None:
    chart.apply(tick(NOW, 25.0))

    assert len(chart.series) == 0


def test_redraws_wait_for_the_windows_repaint_timer(qtbot: QtBot, chart: EquityChart) -> None:
    driven(chart)
    chart.apply(account_read(NOW))
    chart.apply(tick(NOW + timedelta(seconds=1), 10_051.0))

    assert chart.equity_curve.getData()[1] is None
    assert chart.dirty
    qtbot.waitUntil(lambda: not chart.dirty, timeout=1000)
    assert chart.equity_curve.getData()[1].tolist() == [10_050.0, 10_051.0]


def test_a_few_samples_in_a_wide_view_are_still_drawn(chart: EquityChart) -> None:
    chart.apply(account_read(NOW))
    chart.apply(tick(NOW + timedelta(seconds=1), 10_051.0))
    chart.show_range("1w")
    chart.flush()

    assert chart.equity_curve.curve.getData()[1].tolist() == [10_050.0, 10_051.0]


def test_the_hub_feeds_the_chart(qtbot: QtBot, chart: EquityChart) -> None:
    hub = EventHub()
    chart.subscribe(hub)
    status = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)

    hub.publish(single_snapshot(account=ACCOUNT, positions=(), status=status, models=(), timestamp=NOW))
    hub.publish(tick(NOW + timedelta(seconds=1), 10_052.0))

    assert chart.series.equity.tolist() == [10_050.0, 10_052.0]


def test_the_crosshair_reads_the_sample_in_force_at_the_cursor(chart: EquityChart) -> None:
    fill(chart, 120)
    sample_time = NOW - timedelta(seconds=30)

    chart.show_crosshair(sample_time.timestamp() + 0.6)

    assert (
        chart.readout_text
        == f"{local_time_text(sample_time.timestamp())}\nEquity 10,000.90 USD · Floating +0.90"
    )
    assert chart.vlines[0].value() == sample_time.timestamp()


def test_the_crosshair_follows_the_mouse_and_the_readout_returns_to_the_latest_on_leaving(
    qtbot: QtBot, chart: EquityChart
) -> None:
    fill(chart, 120)
    viewport: QWidget = chart.view.viewport()  # chart.view is pyqtgraph's (untyped) QGraphicsView
    centre: QPoint = chart.view.mapFromScene(chart.equity_plot.vb.sceneBoundingRect().center())

    QtBot.mouseMove(viewport, centre)  # pytest-qt forwards to QTest (whose PyQt6 stubs are wrong)
    assert chart.vlines[0].isVisible()
    assert not chart.readout_text.startswith("Latest")

    chart.hide_crosshair()
    assert chart.readout_text.startswith("Latest ") and "Equity 10,001.20" in chart.readout_text


def fill_sparse(chart: EquityChart, seconds: float, step: int = 600) -> None:
    """An account read `seconds` ago, then a tick every `step` seconds up to now."""
    start = NOW - timedelta(seconds=seconds)
    chart.apply(account_read(start, 10_000.0))
    for offset in range(step, int(seconds) + 1, step):
        chart.apply(tick(start + timedelta(seconds=offset), 10_000.0 + offset / 1e5))
    chart.flush()


@pytest.mark.parametrize(("name", "span"), [("1h", 3_600.0), ("1d", 86_400.0), ("1w", 604_800.0)])
def test_a_range_button_shows_that_span_up_to_the_newest_sample(
    chart: EquityChart, name: str, span: float
) -> None:
    fill_sparse(chart, 2 * span)

    chart.range_buttons[name].click()

    left, right = chart.x_range()
    last = NOW.timestamp()
    assert (left, right) == pytest.approx((last - span, last + span * RIGHT_PAD), abs=1.0)
    assert chart.range_buttons[name].isChecked() and chart.following


def test_the_all_button_shows_every_sample(chart: EquityChart) -> None:
    fill(chart, 7_200)

    chart.range_buttons["All"].click()

    left, right = chart.x_range()
    assert left == pytest.approx((NOW - timedelta(seconds=7_200)).timestamp(), abs=1.0)
    assert right > NOW.timestamp()


def test_following_live_scrolls_with_each_new_sample(chart: EquityChart) -> None:
    fill_sparse(chart, 7_200, step=60)  # more than the hour shown
    chart.show_range("1h")
    before = chart.x_range()

    chart.apply(tick(NOW + timedelta(seconds=10), 10_070.0))
    chart.flush()

    assert chart.x_range() == pytest.approx((before[0] + 10, before[1] + 10), abs=0.01)


def test_dragging_back_in_time_stops_following_and_the_live_button_resumes_it(chart: EquityChart) -> None:
    fill(chart, 600)
    chart.show_range("1h")
    viewport: QWidget = chart.view.viewport()  # chart.view is pyqtgraph's (untyped) QGraphicsView
    centre: QPoint = chart.view.mapFromScene(chart.equity_plot.vb.sceneBoundingRect().center())
    QtBot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    for step in range(1, 11):
        QtBot.mouseMove(viewport, centre + QPoint(30 * step, 0))
    QtBot.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre + QPoint(300, 0)
    )
    held = chart.x_range()

    chart.apply(tick(NOW + timedelta(seconds=5), 10_070.0))
    chart.flush()
    assert not chart.following and not chart.live_button.isChecked()
    assert chart.x_range() == held

    chart.live_button.click()
    assert chart.x_range()[1] > (NOW + timedelta(seconds=5)).timestamp()
    assert chart.following


# --- P&L by symbol -----------------------------------------------------------------------------------


def position(ticket: int, symbol: str, profit: float, swap: float = 0.0) -> Position:
    return Position(
        ticket=ticket,
        symbol=symbol,
        side=Side.BUY,
        volume=0.1,
        price_open=1.0,
        price_current=1.0,
        sl=None,
        tp=None,
        swap=swap,
        profit=profit,
        time=NOW,
    )


def opened(*positions: Position) -> PositionsUpdate:
    return PositionsUpdate(
        positions=positions, added=tuple(p.ticket for p in positions), removed=(), modified=()
    )


@pytest.fixture
def bars(qtbot: QtBot) -> PnlBySymbolChart:
    widget = PnlBySymbolChart()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    return widget


def test_one_bar_per_symbol_with_the_floating_pnl_of_its_positions(bars: PnlBySymbolChart) -> None:
    bars.apply(
        opened(
            position(1, "EURUSD", 12.5, swap=-0.5), position(2, "XAUUSD", -40.0), position(3, "EURUSD", 8.0)
        )
    )
    bars.flush()

    assert bars.shown() == {"EURUSD": 20.0, "XAUUSD": -40.0}


def test_gains_are_green_bars_and_losses_red(bars: PnlBySymbolChart) -> None:
    bars.apply(opened(position(1, "EURUSD", 12.5), position(2, "XAUUSD", -40.0)))
    bars.flush()

    assert bars.bar_colours() == {"EURUSD": trade_colours().gain, "XAUUSD": trade_colours().loss}


def test_pnl_ticks_move_the_bars(bars: PnlBySymbolChart) -> None:
    bars.apply(opened(position(1, "EURUSD", 12.5), position(2, "XAUUSD", -40.0)))
    bars.apply(PnlUpdate(pnl={2: (2650.0, 15.0)}, floating_total=27.5, equity=10_027.5))
    bars.flush()

    assert bars.shown() == {"EURUSD": 12.5, "XAUUSD": 15.0}


def test_a_closed_position_takes_its_bar_away(bars: PnlBySymbolChart) -> None:
    bars.apply(opened(position(1, "EURUSD", 12.5), position(2, "XAUUSD", -40.0)))
    bars.apply(PositionsUpdate(positions=(), added=(), removed=(2,), modified=()))
    bars.flush()

    assert bars.shown() == {"EURUSD": 12.5}


def test_a_snapshot_replaces_every_bar(bars: PnlBySymbolChart) -> None:
    bars.apply(opened(position(1, "EURUSD", 12.5)))
    status = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)

    bars.apply(
        single_snapshot(account=ACCOUNT, positions=(position(9, "GBPUSD", -3.0),), status=status, models=())
    )
    bars.flush()

    assert bars.shown() == {"GBPUSD": -3.0}


def test_no_positions_says_so_instead_of_an_empty_plot(bars: PnlBySymbolChart) -> None:
    bars.apply(opened(position(1, "EURUSD", 12.5)))
    bars.flush()
    bars.apply(PositionsUpdate(positions=(), added=(), removed=(1,), modified=()))
    bars.flush()

    assert bars.shown() == {}
    assert not bars.empty_label.isHidden() and bars.plot_widget.isHidden()


def test_bar_redraws_wait_for_the_windows_repaint_timer(qtbot: QtBot, bars: PnlBySymbolChart) -> None:
    driven(bars)
    bars.apply(opened(position(1, "EURUSD", 12.5)))

    assert bars.shown() == {}
    qtbot.waitUntil(lambda: bars.shown() == {"EURUSD": 12.5}, timeout=1000)
