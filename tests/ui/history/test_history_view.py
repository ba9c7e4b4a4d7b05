"""HistoryView: closed trades from a real journal, filtered by date/symbol/source, totals, refresh, export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QPalette
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.core.enums import DealEntry, DealType, OrderAction, Side, TradeSource
from app.core.events import PositionsUpdate
from app.core.models import Deal
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.database import open_database
from app.storage.journal import Journal
from app.ui.history.history_model import HISTORY_COLUMN_INDEX, HistoryPeriod
from app.ui.history.history_view import VIEWER_NOTICE, HistoryView
from app.ui.history.symbol_digits import SymbolDigits
from app.ui.widgets.columns import trade_colours
from tests.ui.positions_events import make_position, opened

NOW = datetime.now(UTC)  # the presets count local days back from today, so the data must be recent


def close_trade(
    journal: Journal,
    ticket: int,
    *,
    symbol: str = "EURUSD",
    source: TradeSource = TradeSource.MANUAL,
    side: Side = Side.BUY,
    profit: float = 10.0,
    commission: float = 0.0,
    swap: float = 0.0,
    closed_at: datetime = NOW,
    held: timedelta = timedelta(minutes=30),
    model_id: str | None = None,
) -> None:
    """A trade through the journal's real lifecycle: pending, opened, then closed by an OUT deal."""
    trade_id = f"t{ticket}"
    opened_at = closed_at - held
    journal.record_pending(
        trade_id=trade_id,
        source=source,
        action=OrderAction.OPEN,
        symbol=symbol,
        side=side,
        volume=0.1,
        sl=None,
        tp=None,
        magic=0 if model_id is None else 4242,
        comment=f"mt5desk {trade_id}",
        model_id=model_id,
        position_ticket=None,
        requested_at=opened_at,
    )
    journal.mark_opened(
        trade_id,
        position_ticket=ticket,
        order=ticket + 1,
        deal=ticket + 2,
        price=1.1,
        volume=0.1,
        opened_at=opened_at,
        retcode=10009,
    )
    deal_type = DealType.SELL if side is Side.BUY else DealType.BUY
    closing = Deal(
        ticket=ticket + 3,
        order=ticket + 4,
        time=closed_at,
        type=deal_type,
        entry=DealEntry.OUT,
        position_id=ticket,
        symbol=symbol,
        volume=0.1,
        price=1.2,
        profit=profit,
        commission=commission,
        swap=swap,
    )
    journal.record_deals([closing])


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        journal = Journal(database)
        close_trade(journal, 1000, profit=125.0, commission=-3.0, swap=-2.0)  # net +120, today
        close_trade(
            journal,
            2000,
            symbol="GBPUSD",
            source=TradeSource.AUTO,
            side=Side.SELL,
            profit=-40.0,
            closed_at=NOW - timedelta(days=3),
            model_id="trend-v2",
        )
        close_trade(
            journal, 3000, source=TradeSource.EXTERNAL, profit=60.0, closed_at=NOW - timedelta(days=10)
        )
        close_trade(journal, 4000, symbol="USDJPY", profit=-25.0, closed_at=NOW - timedelta(days=45))
        yield journal


@pytest.fixture
def queries(journal: Journal, qtbot: QtBot) -> Iterator[JournalQueries]:
    queries = JournalQueries(journal)
    yield queries
    queries.wait()  # no read may still run when the database closes


def loaded_view(qtbot: QtBot, queries: JournalQueries, **options: Any) -> HistoryView:
    with qtbot.waitSignal(queries.history_loaded, timeout=5000):
        view = HistoryView(queries, **options)
        qtbot.addWidget(view)
    return view


def tickets(view: HistoryView) -> list[int | None]:
    return [trade.position_ticket for trade in view.visible_closings()]


def reload(qtbot: QtBot, queries: JournalQueries, change: Callable[[], object]) -> None:
    with qtbot.waitSignal(queries.history_loaded, timeout=5000):
        change()


def test_rows_appear_once_the_journal_answers_newest_close_first(
    qtbot: QtBot, queries: JournalQueries
) -> None:
    with qtbot.waitSignal(queries.history_loaded, timeout=5000):
        view = HistoryView(queries)
        qtbot.addWidget(view)
        assert view.model.rowCount() == 0  # the read runs on the pool, not in the constructor
    assert view.period() is HistoryPeriod.MONTH
    assert tickets(view) == [1000, 2000, 3000]


def known_digits(**digits: int) -> SymbolDigits:
    """Symbol digits as the desk learns them from the positions it shows."""
    known = SymbolDigits()
    known.apply(opened(*(make_position(n, symbol, digits=d) for n, (symbol, d) in enumerate(digits.items()))))
    return known


def test_a_row_shows_the_trade_with_net_profit_coloured(qtbot: QtBot, queries: JournalQueries) -> None:
    view = loaded_view(qtbot, queries, digits=known_digits(GBPUSD=5))
    row = tickets(view).index(2000)

    def cell(key: str) -> object:
        return view.model.index(row, HISTORY_COLUMN_INDEX[key]).data()

    assert (cell("symbol"), cell("side"), cell("volume")) == ("GBPUSD", "SELL", "0.10")
    assert (cell("price_open"), cell("price_close")) == ("1.10000", "1.20000")
    assert (cell("profit"), cell("source"), cell("model")) == ("-40.00", "auto", "trend-v2")
    assert cell("duration") == "30m 00s"
    colour = view.model.index(row, HISTORY_COLUMN_INDEX["profit"]).data(Qt.ItemDataRole.ForegroundRole)
    assert colour == trade_colours().loss


def test_prices_show_their_decimals_until_the_symbols_digits_are_known_then_at_those_digits(
    qtbot: QtBot, queries: JournalQueries
) -> None:
    digits = SymbolDigits()
    view = loaded_view(qtbot, queries, digits=digits)
    row = tickets(view).index(2000)
    shown = view.model.index(row, HISTORY_COLUMN_INDEX["price_open"])
    assert shown.data() == "1.1"

    with qtbot.waitSignal(view.model.dataChanged, timeout=1000):
        digits.apply(opened(make_position(1, "GBPUSD", digits=5)))

    assert shown.data() == "1.10000"


def test_commission_and_swap_are_shown_together_and_already_in_the_profit(
    qtbot: QtBot, queries: JournalQueries
) -> None:
    view = loaded_view(qtbot, queries)
    row = tickets(view).index(1000)
    assert view.model.index(row, HISTORY_COLUMN_INDEX["charges"]).data() == "-5.00"
    assert view.model.index(row, HISTORY_COLUMN_INDEX["profit"]).data() == "+120.00"


def test_footer_totals_count_wins_losses_win_rate_and_net(qtbot: QtBot, queries: JournalQueries) -> None:
    view = loaded_view(qtbot, queries)
    totals = view.totals()
    assert (totals.trades, totals.wins, totals.losses) == (3, 2, 1)
    assert totals.net_profit == pytest.approx(140.0)
    assert view.summary_label.text() == "3 closes · 2 won / 1 lost · win rate 66.7%"
    assert view.gross_label.text() == "Gross profit +180.00 · Gross loss -40.00"
    assert view.net_label.text() == "Net profit: +140.00"
    assert view.net_label.palette().color(QPalette.ColorRole.WindowText) == trade_colours().gain


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (HistoryPeriod.TODAY, [1000]),
        (HistoryPeriod.WEEK, [1000, 2000]),
        (HistoryPeriod.MONTH, [1000, 2000, 3000]),
        (HistoryPeriod.ALL, [1000, 2000, 3000, 4000]),
    ],
)
def test_date_presets_select_trades_by_closing_day(
    qtbot: QtBot, queries: JournalQueries, period: HistoryPeriod, expected: list[int]
) -> None:
    view = loaded_view(qtbot, queries)
    if period is not view.period():
        reload(qtbot, queries, lambda: view.set_period(period))
    assert tickets(view) == expected


def test_a_custom_date_range_includes_its_last_day(qtbot: QtBot, queries: JournalQueries) -> None:
    view = loaded_view(qtbot, queries)
    day = (NOW - timedelta(days=45)).astimezone().date()
    reload(qtbot, queries, lambda: view.set_custom_range(day, day))
    assert view.period() is HistoryPeriod.CUSTOM
    assert tickets(view) == [4000]


def test_editing_a_date_switches_to_custom_and_reloads(qtbot: QtBot, queries: JournalQueries) -> None:
    view = loaded_view(qtbot, queries)
    reload(qtbot, queries, lambda: view.from_edit.setDate(view.to_edit.date().addDays(-5)))
    assert view.period() is HistoryPeriod.CUSTOM
    assert tickets(view) == [1000, 2000]


def test_symbol_filter_offers_the_loaded_symbols_and_narrows_the_rows(
    qtbot: QtBot, queries: JournalQueries
) -> None:
    view = loaded_view(qtbot, queries)
    combo = view.symbol_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["All", "EURUSD", "GBPUSD"]
    reload(qtbot, queries, lambda: combo.setCurrentIndex(combo.findText("EURUSD")))
    assert tickets(view) == [1000, 3000]
    assert combo.count() == 3  # a filtered load keeps the choices


@pytest.mark.parametrize(
    ("source", "expected"),
    [(TradeSource.MANUAL, [1000]), (TradeSource.AUTO, [2000]), (TradeSource.EXTERNAL, [3000])],
)
def test_source_filter_shows_only_that_source(
    qtbot: QtBot, queries: JournalQueries, source: TradeSource, expected: list[int]
) -> None:
    view = loaded_view(qtbot, queries)
    combo = view.source_combo
    reload(qtbot, queries, lambda: combo.setCurrentIndex(combo.findText(source.value)))
    assert tickets(view) == expected
    assert view.totals().trades == len(expected)


def test_refresh_button_loads_trades_closed_since(
    qtbot: QtBot, queries: JournalQueries, journal: Journal
) -> None:
    view = loaded_view(qtbot, queries)
    close_trade(journal, 5000, symbol="XAUUSD", profit=7.5)
    reload(qtbot, queries, view.refresh_button.click)
    assert 5000 in tickets(view)
    assert view.symbol_combo.findText("XAUUSD") > 0


def test_a_position_removal_reloads_the_history_after_the_delay(
    qtbot: QtBot, queries: JournalQueries, journal: Journal
) -> None:
    view = loaded_view(qtbot, queries, refresh_delay_ms=50)
    hub = EventHub()
    view.subscribe(hub)
    close_trade(journal, 5000, profit=7.5)
    with qtbot.waitSignal(queries.history_loaded, timeout=5000):
        hub.publish(PositionsUpdate(positions=(), added=(), removed=(5000,), modified=()))
    assert 5000 in tickets(view)


def test_removals_close_together_reload_once(qtbot: QtBot, queries: JournalQueries) -> None:
    view = loaded_view(qtbot, queries, refresh_delay_ms=100)
    hub = EventHub()
    view.subscribe(hub)
    loads: list[int] = []
    queries.history_loaded.connect(lambda request_id, _: loads.append(request_id))
    for ticket in (1, 2, 3):
        hub.publish(PositionsUpdate(positions=(), added=(), removed=(ticket,), modified=()))
    qtbot.waitUntil(lambda: len(loads) == 1, timeout=5000)
    qtbot.wait(250)
    assert len(loads) == 1


def test_updates_without_removals_do_not_reload(qtbot: QtBot, queries: JournalQueries) -> None:
    view = loaded_view(qtbot, queries, refresh_delay_ms=20)
    hub = EventHub()
    view.subscribe(hub)
    with qtbot.assertNotEmitted(queries.history_loaded, wait=150):
        hub.publish(PositionsUpdate(positions=(), added=(), removed=(), modified=()))


def test_export_writes_exactly_the_rows_shown_in_table_order(
    qtbot: QtBot, queries: JournalQueries, tmp_path: Path
) -> None:
    view = loaded_view(qtbot, queries)
    combo = view.symbol_combo
    reload(qtbot, queries, lambda: combo.setCurrentIndex(combo.findText("EURUSD")))
    target = tmp_path / "eurusd.csv"
    assert view.export_to(target) == 2
    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["ticket"], row["profit"], row["source"]) for row in rows] == [
        ("1000", "120", "manual"),
        ("3000", "60", "external"),
    ]
    assert "Exported 2 rows" in view.status_label.text()


def test_an_unwritable_export_path_is_explained_and_writes_nothing(
    qtbot: QtBot, queries: JournalQueries, tmp_path: Path
) -> None:
    view = loaded_view(qtbot, queries)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert view.export_to(folder) is None
    box = view.error_box
    assert box is not None and box.isVisible()
    assert str(folder) in box.text() and "folder, not a file" in box.text()
    assert "Choose another file name" in box.informativeText()
    assert list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    box.close()


def test_a_failed_read_says_why_and_keeps_the_rows(
    qtbot: QtBot, queries: JournalQueries, journal: Journal
) -> None:
    view = loaded_view(qtbot, queries)
    with journal.database.write() as session:
        session.execute(text("ALTER TABLE trades RENAME TO trades_gone"))
    with qtbot.waitSignal(queries.failed, timeout=5000):
        view.refresh()
    assert view.problem_label.isVisibleTo(view)
    assert "Could not read the journal" in view.problem_label.text()
    assert "Refresh" in view.problem_label.text()
    assert tickets(view) == [1000, 2000, 3000]


def test_a_viewer_has_no_history_only_the_notice(qtbot: QtBot) -> None:
    view = HistoryView(None)
    qtbot.addWidget(view)
    view.show()
    assert view.read_only
    assert view.notice_label.isVisible() and view.notice_label.text() == VIEWER_NOTICE
    assert not view.controls.isVisible() and not view.table.isVisible()
    assert view.refresh() is None
