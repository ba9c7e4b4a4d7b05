"""PerformanceDashboard: live figures of the journal's automatic trades beside the training backtest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyqtgraph as pg
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QLabel
from pytestqt.qtbot import QtBot

from app.core.enums import Side
from app.core.events import AccountUpdate, ModelsUpdate, PositionsUpdate
from app.core.models import Account, Position
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.ml.metrics import compute_metrics
from app.ml.money import BacktestMoney, ContractTerms, PipFigures
from app.storage.database import open_database
from app.storage.journal import Journal
from app.ui.charts.chart_axes import MoneyAxis
from app.ui.charts.dashboard import BACKTEST, LIVE, VIEWER_NOTICE, PerformanceDashboard
from app.ui.widgets.metrics_rows import account_money, metric_texts, price_units
from tests.ui.history.test_history_view import close_trade
from tests.ui.model_fixtures import BACKTEST as TRAINING_BACKTEST
from tests.ui.model_fixtures import close_auto_trade, make_manifest, register, summary

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HELD = timedelta(minutes=5)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Expected:
    profit: float
    closed_at: datetime
    confidence: float | None = None


# Model "alpha": three trades over two days, two with a journaled confidence; "beta": one trade.
ALPHA = [
    (100, 50.0, T0, 0.70),
    (200, -20.0, T0 + timedelta(hours=4), None),
    (300, 35.0, T0 + DAY, 0.64),
]
BETA: list[tuple[int, float, datetime, float | None]] = [(400, -10.0, T0 + DAY + timedelta(hours=1), 0.8)]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        journal = Journal(database)
        register(journal, make_manifest("a1a1a1a1a1a1", "Alpha"))
        register(journal, make_manifest("b2b2b2b2b2b2", "Beta"))
        for ticket, profit, closed_at, confidence in ALPHA:
            close_auto_trade(journal, ticket, "a1a1a1a1a1a1", profit, closed_at, confidence=confidence)
        for ticket, profit, closed_at, confidence in BETA:
            close_auto_trade(journal, ticket, "b2b2b2b2b2b2", profit, closed_at, confidence=confidence)
        close_trade(journal, 500, profit=999.0, closed_at=T0)  # manual: never a model's
        # The balance when alpha's first trade opened, then a later one that must not be used.
        for moment, balance in (
            (T0 - HELD - timedelta(minutes=10), 10_000.0),
            (T0 + timedelta(hours=4), 12_345.0),
        ):
            journal.add_equity_sample(time=moment, balance=balance, equity=balance, margin=0.0, floating=0.0)
        yield journal


@pytest.fixture
def queries(journal: Journal) -> Iterator[JournalQueries]:
    queries = JournalQueries(journal)
    yield queries
    queries.wait()  # no read may still run when the database closes


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


@pytest.fixture
def dashboard(qtbot: QtBot, queries: JournalQueries, hub: EventHub) -> PerformanceDashboard:
    view = PerformanceDashboard(queries, refresh_delay_ms=50)
    qtbot.addWidget(view)
    view.subscribe(hub)
    view.resize(700, 600)
    view.show()
    qtbot.waitUntil(lambda: view.model_combo.count() == 3, timeout=5000)
    return view


def expected(rows: list[tuple[int, float, datetime, float | None]]) -> list[Expected]:
    return [Expected(profit, closed_at, confidence) for _ticket, profit, closed_at, confidence in rows]


def choose(qtbot: QtBot, view: PerformanceDashboard, model_id: str | None) -> None:
    view.select_model(model_id)
    qtbot.waitUntil(lambda: view.selected_model() == model_id and view.live_metrics is not None, timeout=5000)
    qtbot.waitUntil(lambda: view._balance_request is None, timeout=5000)


def test_a_models_live_figures_are_compute_metrics_of_its_journaled_trades(
    qtbot: QtBot, dashboard: PerformanceDashboard
) -> None:
    choose(qtbot, dashboard, "a1a1a1a1a1a1")
    wanted = compute_metrics(expected(ALPHA), starting_balance=10_000.0)
    assert dashboard.starting_balance == 10_000.0  # the balance when its first trade opened
    assert dashboard.live_metrics == wanted
    assert dashboard.live_metrics.average_confidence == pytest.approx((0.70 + 0.64) / 2)
    assert dashboard.column_texts(LIVE) == metric_texts(wanted, account_money)


def test_beside_them_stands_the_models_training_backtest(
    qtbot: QtBot, dashboard: PerformanceDashboard
) -> None:
    choose(qtbot, dashboard, "a1a1a1a1a1a1")
    assert dashboard.backtest_metrics == TRAINING_BACKTEST
    assert dashboard.column_texts(BACKTEST) == metric_texts(TRAINING_BACKTEST, price_units)
    assert "52.3% vs 50.7% baseline" in dashboard.info_label.text()


def test_all_models_counts_every_automatic_trade_and_no_manual_one(
    qtbot: QtBot, dashboard: PerformanceDashboard
) -> None:
    choose(qtbot, dashboard, None)
    wanted = compute_metrics(expected(ALPHA + BETA), starting_balance=10_000.0)
    assert dashboard.live_metrics == wanted
    assert dashboard.column_texts(LIVE)["trades"] == "4"
    assert set(dashboard.column_texts(BACKTEST).values()) == {"—"}  # no backtest spans every model


def test_each_model_gets_a_cumulative_profit_curve_over_close_time(
    qtbot: QtBot, dashboard: PerformanceDashboard
) -> None:
    choose(qtbot, dashboard, None)
    times, profits = dashboard.curve_points["a1a1a1a1a1a1"]
    first_open = (T0 - HELD).timestamp()
    assert times == [first_open, *(closed.timestamp() for _t, _p, closed, _c in ALPHA)]
    assert profits == [0.0, 50.0, 30.0, 65.0]
    assert dashboard.curve_points["b2b2b2b2b2b2"][1] == [0.0, -10.0]
    choose(qtbot, dashboard, "b2b2b2b2b2b2")
    assert list(dashboard.curve_points) == ["b2b2b2b2b2b2"]
    assert dashboard.plot_widget.isVisible() and not dashboard.no_curve_label.isVisible()
    assert isinstance(dashboard.plot.getAxis("left"), MoneyAxis)  # "1,250", never "(x0.001)"


def test_without_closed_automatic_trades_the_curve_says_so_instead_of_empty_axes(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with open_database(tmp_path / "empty.sqlite3") as database:
        queries = JournalQueries(Journal(database))
        view = PerformanceDashboard(queries, refresh_delay_ms=50)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(
            lambda: view.live_metrics is not None or view.no_curve_label.isVisible(), timeout=5000
        )
        assert view.no_curve_label.isVisible() and not view.plot_widget.isVisible()
        assert "No closed automatic trades yet" in view.no_curve_label.text()
        queries.wait()


def test_without_an_equity_sample_the_current_balance_is_the_start(
    qtbot: QtBot, journal: Journal, dashboard: PerformanceDashboard, hub: EventHub
) -> None:
    # Beta's first trade opened a day after the only sample before it: too long ago to stand for it.
    account = Account(
        login=1, name="t", server="s", company="c", currency="USD", leverage=100, balance=5_000.0,
        equity=5_000.0, margin=0.0, margin_free=5_000.0, margin_level=0.0, profit=0.0,
    )  # fmt: skip
    hub.publish(AccountUpdate(account=account))
    choose(qtbot, dashboard, "b2b2b2b2b2b2")
    assert dashboard.starting_balance == 5_000.0
    assert dashboard.live_metrics == compute_metrics(expected(BETA), starting_balance=5_000.0)


def test_a_closed_position_reloads_the_figures(
    qtbot: QtBot, journal: Journal, dashboard: PerformanceDashboard, hub: EventHub
) -> None:
    choose(qtbot, dashboard, "a1a1a1a1a1a1")
    close_auto_trade(journal, 600, "a1a1a1a1a1a1", 12.5, T0 + 2 * DAY)
    position = Position(
        ticket=600, symbol="EURUSD", side=Side.BUY, volume=0.1, price_open=1.1, price_current=1.1,
        sl=None, tp=None, swap=0.0, profit=0.0, time=T0,
    )  # fmt: skip
    hub.publish(PositionsUpdate(positions=(position,), added=(600,), removed=(), modified=()))
    hub.publish(PositionsUpdate(positions=(), added=(), removed=(600,), modified=()))
    qtbot.waitUntil(
        lambda: dashboard.live_metrics is not None and dashboard.live_metrics.trades == 4, timeout=5000
    )
    assert dashboard.column_texts(LIVE)["net_profit"] == "+77.50"


def test_models_of_the_desk_name_the_selector_entries(
    qtbot: QtBot, dashboard: PerformanceDashboard, hub: EventHub
) -> None:
    hub.publish(ModelsUpdate(models=(summary("a1a1a1a1a1a1", "Alpha renamed"),)))
    names = [dashboard.model_combo.itemText(i) for i in range(dashboard.model_combo.count())]
    assert names == ["All models", "Alpha renamed", "Beta"]


def test_a_viewer_sees_a_notice_instead_of_figures(qtbot: QtBot) -> None:
    view = PerformanceDashboard(None)
    qtbot.addWidget(view)
    assert [label.text() for label in view.findChildren(QLabel)] == [VIEWER_NOTICE]
    assert view.findChildren(QComboBox) == [] and view.findChildren(pg.PlotWidget) == []
    assert view.selected_model() is None


def test_the_ratio_rows_say_which_definitions_they_use(qtbot, dashboard) -> None:  # type: ignore[no-untyped-def]
    labels = [dashboard.table.verticalHeaderItem(i).text() for i in range(dashboard.table.rowCount())]
    sharpe = dashboard.table.verticalHeaderItem(labels.index("Sharpe")).toolTip()
    sortino = dashboard.table.verticalHeaderItem(labels.index("Sortino")).toolTip()
    assert "n − 1" in sharpe and "√365" in sharpe and "risk-free rate 0" in sharpe
    assert "√(Σ min(r, 0)² / n) over all n days" in sortino and "empyrical" in sortino


def test_a_backtest_priced_in_money_reads_in_its_currency_with_its_sizing(
    qtbot: QtBot, dashboard: PerformanceDashboard, journal: Journal
) -> None:
    terms = ContractTerms("EURUSD", 5, 0.00001, 100_000.0, "USD", "USD")
    money = BacktestMoney(terms, 0.1, 10_000.0, 0.6, PipFigures(12.0, 0.3, 8.0))
    backtest = replace(TRAINING_BACKTEST, net_profit=12.0, expectancy=0.3, max_drawdown=8.0)
    register(
        journal, replace(make_manifest("c3c3c3c3c3c3", "Gamma"), backtest=backtest, backtest_money=money)
    )
    qtbot.mouseClick(dashboard.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dashboard.model_combo.findData("c3c3c3c3c3c3") >= 0, timeout=5000)
    choose(qtbot, dashboard, "c3c3c3c3c3c3")
    texts = dashboard.column_texts(BACKTEST)
    assert (texts["net_profit"], texts["expectancy"], texts["max_drawdown"]) == (
        "+12.00 USD", "+0.30 USD", "-8.00 USD",
    )  # fmt: skip
    sizing = "Backtest: 0.10 lots of EURUSD from a 10,000.00 USD deposit, trading at confidence ≥ 0.60"
    assert f"{sizing}, net +12.0 pips" in dashboard.info_label.text()
