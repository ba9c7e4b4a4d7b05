"""The charts on a desk of three demo accounts (USD, EUR, USD): a selector on the equity chart and on the
P&L-by-symbol chart shows one account, or the accounts of one currency added up; never money of two
currencies added together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from PyQt6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.number_format import format_money
from app.storage.records import EquitySample
from app.ui.charts.chart_accounts import summed_history
from app.ui.charts.charts import EquityChart, PnlBySymbolChart
from tests.ui.three_accounts import (
    EUR,
    USD_1,
    USD_2,
    Desktop,
    module_desktop,
    wait_all_connected,
)

desktop = module_desktop("equity-accounts")


def chart_of(desktop: Desktop) -> EquityChart:
    return desktop.window.equity_chart


def choose(qtbot: QtBot, chart: EquityChart | PnlBySymbolChart, label: str) -> None:
    """Pick an entry of the selector with the keyboard."""
    box = chart.account_box
    box.setFocus()
    target = box.findText(label)
    assert target >= 0, [box.itemText(i) for i in range(box.count())]
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    while box.currentIndex() != target:
        qtbot.keyClick(box, key)


def all_priced(desktop: Desktop, account_id: str) -> bool:
    return all(p.profit != 0.0 for p in desktop.sim(account_id).positions().values())


def latest_equity(chart: EquityChart) -> str:
    return chart.readout_text.split("\n")[-1].split(" · ")[0]


def test_the_selector_offers_each_account_and_the_sum_of_each_currency_kept_twice(
    qtbot: QtBot, desktop: Desktop
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    box = chart_of(desktop).account_box
    qtbot.waitUntil(lambda: box.count() == 4, timeout=5000)
    assert box.isVisible()
    assert [box.itemText(i) for i in range(box.count())] == [
        "Demo USD",
        "Prop EUR",
        "Swing USD",
        "All USD accounts (2)",
    ]
    assert box.currentText() == "Demo USD"  # the first account, as before accounts could be chosen


def test_choosing_an_account_shows_its_equity_in_its_currency(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    chart = chart_of(desktop)
    qtbot.waitUntil(lambda: chart.account_box.count() == 4, timeout=5000)

    choose(qtbot, chart, "Prop EUR")

    eur = desktop.sim(EUR).account()
    expected = f"Equity {format_money(eur.equity, 'EUR')}"
    qtbot.waitUntil(lambda: latest_equity(chart) == expected, timeout=5000)
    assert chart.equity_plot.titleLabel.text.startswith("Equity (EUR)")


def test_the_sum_adds_the_equity_of_the_accounts_of_one_currency(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    chart = chart_of(desktop)
    qtbot.waitUntil(lambda: chart.account_box.count() == 4, timeout=5000)

    choose(qtbot, chart, "All USD accounts (2)")

    total = desktop.sim(USD_1).account().equity + desktop.sim(USD_2).account().equity
    qtbot.waitUntil(lambda: latest_equity(chart) == f"Equity {format_money(total, 'USD')}", timeout=5000)


def test_a_summed_history_carries_each_accounts_last_sample_forward() -> None:
    start = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)

    def sample(minute: int, account_id: str, equity: float) -> EquitySample:
        return EquitySample(start + timedelta(minutes=minute), equity, equity, 0.0, 0.0, account_id)

    samples = [sample(0, "a", 100.0), sample(1, "c", 999.0), sample(2, "b", 50.0), sample(3, "a", 110.0)]
    summed = summed_history(samples, ("a", "b"))
    assert [(s.time.minute, s.equity) for s in summed] == [(2, 150.0), (3, 160.0)]


def test_the_pnl_bars_show_the_chosen_account_or_the_sum_of_one_currency(
    qtbot: QtBot, desktop: Desktop
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    window = desktop.window
    window.right_tabs.setCurrentWidget(window.pnl_chart)
    bars = window.pnl_chart
    desktop.sim(USD_1).open_external("USDCHF", "buy", 0.2)
    desktop.sim(USD_2).open_external("USDCHF", "sell", 0.3)
    desktop.sim(EUR).open_external("GBPUSD", "buy", 0.4)
    for account_id in (USD_1, USD_2, EUR):
        qtbot.waitUntil(partial(all_priced, desktop, account_id), timeout=5000)
    qtbot.waitUntil(lambda: bars.account_box.count() == 4, timeout=5000)

    def floating(account_id: str, symbol: str) -> float:
        found = desktop.sim(account_id).positions().values()
        return round(sum(p.profit + p.swap for p in found if p.symbol == symbol), 2)

    choose(qtbot, bars, "Prop EUR")
    qtbot.waitUntil(lambda: "GBPUSD" in bars.shown(), timeout=5000)
    assert "USDCHF" not in bars.shown()
    assert bars.shown()["GBPUSD"] == pytest.approx(floating(EUR, "GBPUSD"), abs=0.01)

    choose(qtbot, bars, "All USD accounts (2)")
    both = floating(USD_1, "USDCHF") + floating(USD_2, "USDCHF")
    qtbot.waitUntil(lambda: bars.shown().get("USDCHF") == pytest.approx(both, abs=0.02), timeout=5000)
    assert "GBPUSD" not in bars.shown()
