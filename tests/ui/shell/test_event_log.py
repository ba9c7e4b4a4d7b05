"""EventLogView: newest first, search and type filter, bounded rows, colours, and the journal preload."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, NoticeLevel, Side
from app.core.events import AutoTradeExecuted, Event, Notice, PnlUpdate, StatusUpdate, TradeError
from app.core.models import TerminalStatus
from app.engine.hub import EventHub
from app.engine.journal_sink import JournalSink
from app.engine.queries import JournalQueries
from app.storage.database import open_database
from app.storage.journal import Journal
from app.ui.shell.event_log import MAX_ROWS, EventLogView, LogEntry, entry_for_event
from app.ui.widgets.columns import trade_colours

START = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def notice(title: str, minute: int = 0, level: NoticeLevel = NoticeLevel.INFO, text: str = "") -> Notice:
    return Notice(level=level, title=title, text=text, timestamp=START + timedelta(minutes=minute))


def trade_error(minute: int = 0) -> TradeError:
    return TradeError(
        trade_id="t-1",
        symbol="GBPUSD",
        order_type="BUY",
        error="Market closed",
        code=10018,
        timestamp=START + timedelta(minutes=minute),
    )


def auto_trade(minute: int = 0) -> AutoTradeExecuted:
    return AutoTradeExecuted(
        model_id="m-1",
        model_name="Trend M1",
        trade_id="t-2",
        direction=Side.SELL,
        symbol="EURUSD",
        confidence=0.64,
        entry_price=1.0851,
        stop_loss=None,
        take_profit=None,
        lot_size=0.2,
        digits=5,
        timestamp=START + timedelta(minutes=minute),
    )


def status(state: ConnectionState, minute: int = 0, message: str = "") -> StatusUpdate:
    return StatusUpdate(
        status=TerminalStatus(state=state, mt5_connected=True, message=message),
        timestamp=START + timedelta(minutes=minute),
    )


def titles(view: EventLogView) -> list[str]:
    return [entry.title for entry in view.visible_entries()]


@pytest.fixture
def view(qtbot: QtBot) -> EventLogView:
    widget = EventLogView()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def hub(view: EventLogView) -> EventHub:
    events = EventHub()
    view.subscribe(events)
    return events


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    database = open_database(tmp_path / "journal.sqlite3")
    try:
        yield Journal(database)
    finally:
        database.close()


def journaled(journal: Journal, *events: Event) -> None:
    """Write events the way the desk does (the worker's JournalSink)."""
    sink = JournalSink(journal)
    for event in events:
        sink.event(event)


# --- live rows ---------------------------------------------------------------------------------------


def test_newest_event_is_on_top(view: EventLogView, hub: EventHub) -> None:
    for number in range(3):
        hub.publish(notice(f"notice {number}", minute=number))
    assert titles(view) == ["notice 2", "notice 1", "notice 0"]


def test_logs_trade_errors_auto_trades_notices_and_connection_changes(
    view: EventLogView, hub: EventHub
) -> None:
    hub.publish(status(ConnectionState.CONNECTED))
    hub.publish(auto_trade())
    hub.publish(trade_error())
    hub.publish(notice("Risk limit reached", level=NoticeLevel.WARNING, text="Daily loss limit hit"))
    assert [(e.type, e.level, e.title, e.text) for e in view.visible_entries()] == [
        ("NOTICE", "warning", "Risk limit reached", "Daily loss limit hit"),
        ("TRADE_ERROR", "error", "BUY GBPUSD failed", "Market closed"),
        (
            "AUTO_TRADE_EXECUTED",
            "info",
            "Auto-trade SELL 0.20 EURUSD",
            "Trend M1 at 1.08510, confidence 64% · SL — · TP —",
        ),
        ("STATUS_UPDATE", "info", "Connection connected", ""),
    ]


def test_heartbeats_without_a_state_change_are_not_logged(view: EventLogView, hub: EventHub) -> None:
    for state in (ConnectionState.CONNECTED, ConnectionState.CONNECTED, ConnectionState.STALE):
        hub.publish(status(state))
    assert titles(view) == ["Connection stale", "Connection connected"]


def test_cells_show_time_type_level_title_and_text(view: EventLogView, hub: EventHub) -> None:
    hub.publish(trade_error())
    cells = [view.model.index(0, column).data() for column in range(view.model.columnCount())]
    local = START.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert cells == [local, "Trade error", "Error", "BUY GBPUSD failed", "Market closed"]
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["Time", "Type", "Level", "Title", "Text"]


def test_errors_are_coloured_and_info_rows_are_not(view: EventLogView, hub: EventHub) -> None:
    hub.publish(notice("all fine"))
    hub.publish(trade_error())
    foreground = Qt.ItemDataRole.ForegroundRole
    assert view.model.index(0, 3).data(foreground) == trade_colours().loss
    assert view.model.index(1, 3).data(foreground) is None


def test_rows_are_inserted_at_the_top_not_reset(qtbot: QtBot, view: EventLogView, hub: EventHub) -> None:
    hub.publish(notice("first"))
    with qtbot.waitSignal(view.model.rowsInserted) as inserted, qtbot.assertNotEmitted(view.model.modelReset):
        hub.publish(notice("second", minute=1))
    assert inserted.args[1:] == [0, 0]


# --- search and filter -------------------------------------------------------------------------------


def test_search_filters_as_you_type_over_every_column_ignoring_case(
    view: EventLogView, hub: EventHub
) -> None:
    hub.publish(notice("Order executed", text="BUY 0.1 EURUSD"))
    hub.publish(trade_error())
    hub.publish(notice("Model disabled", text="Trend M1 lost 3 in a row"))
    view.search_box.setText("eurusd")
    assert titles(view) == ["Order executed"]
    view.search_box.setText("MARKET CLOSED")
    assert titles(view) == ["BUY GBPUSD failed"]
    view.search_box.setText("trade error")  # the type column's text
    assert titles(view) == ["BUY GBPUSD failed"]
    view.search_box.clear()
    assert len(titles(view)) == 3


def test_type_filter_shows_one_kind_of_event(view: EventLogView, hub: EventHub) -> None:
    hub.publish(notice("a notice"))
    hub.publish(trade_error())
    hub.publish(auto_trade())
    view.type_combo.setCurrentIndex(view.type_combo.findData("TRADE_ERROR"))
    assert titles(view) == ["BUY GBPUSD failed"]
    view.type_combo.setCurrentIndex(view.type_combo.findData(None))
    assert len(titles(view)) == 3


def test_type_filter_and_search_combine(view: EventLogView, hub: EventHub) -> None:
    hub.publish(notice("EURUSD spread wide"))
    hub.publish(auto_trade())
    view.type_combo.setCurrentIndex(view.type_combo.findData("NOTICE"))
    view.search_box.setText("eurusd")
    assert titles(view) == ["EURUSD spread wide"]


def test_type_combo_lists_all_and_each_type(view: EventLogView) -> None:
    combo = view.type_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All types",
        "Notice",
        "Trade error",
        "Auto-trade",
        "Connection",
    ]


def test_live_rows_still_filtered_after_they_arrive(view: EventLogView, hub: EventHub) -> None:
    view.search_box.setText("risk")
    hub.publish(notice("Risk block"))
    hub.publish(notice("Order executed"))
    assert titles(view) == ["Risk block"]


# --- bound -------------------------------------------------------------------------------------------


def test_keeps_only_the_newest_rows(qtbot: QtBot) -> None:
    view = EventLogView(max_rows=3)
    qtbot.addWidget(view)
    for number in range(5):
        view.apply(notice(f"notice {number}", minute=number))
    assert titles(view) == ["notice 4", "notice 3", "notice 2"]


def test_default_bound_is_five_thousand_rows(view: EventLogView) -> None:
    for number in range(MAX_ROWS + 2):
        view.apply(notice(f"notice {number}", minute=number))
    entries = view.model.entries()
    assert MAX_ROWS == 5000
    assert len(entries) == 5000
    assert (entries[0].title, entries[-1].title) == (f"notice {MAX_ROWS + 1}", "notice 2")


# --- journal preload ---------------------------------------------------------------------------------


def test_preload_fills_the_log_from_the_journal_newest_first(
    qtbot: QtBot, view: EventLogView, journal: Journal
) -> None:
    journaled(journal, notice("old", minute=0), trade_error(minute=1), auto_trade(minute=2))
    queries = JournalQueries(journal)
    with qtbot.waitSignal(queries.events_loaded, timeout=5000):
        view.load_history(queries)
    assert titles(view) == ["Auto-trade SELL 0.20 EURUSD", "BUY GBPUSD failed", "old"]


def test_journal_rows_read_like_live_rows(qtbot: QtBot, view: EventLogView, journal: Journal) -> None:
    events = [status(ConnectionState.CONNECTED), trade_error(1), auto_trade(2), notice("n", 3, text="t")]
    journaled(journal, *events)
    queries = JournalQueries(journal)
    with qtbot.waitSignal(queries.events_loaded, timeout=5000):
        view.load_history(queries)
    assert view.model.entries() == [entry_for_event(event) for event in reversed(events)]


def test_live_events_stay_above_the_preloaded_history(
    qtbot: QtBot, view: EventLogView, hub: EventHub, journal: Journal
) -> None:
    journaled(journal, notice("from the journal", minute=0))
    queries = JournalQueries(journal)
    hub.publish(notice("live", minute=5))
    with qtbot.waitSignal(queries.events_loaded, timeout=5000):
        view.load_history(queries)
    assert titles(view) == ["live", "from the journal"]


def test_journal_events_newer_than_live_rows_are_merged_in_time_order(
    qtbot: QtBot, view: EventLogView, hub: EventHub, journal: Journal
) -> None:
    # Written by the worker before this view subscribed, so never seen live.
    journaled(journal, notice("unseen", minute=3), notice("oldest", minute=0))
    queries = JournalQueries(journal)
    hub.publish(notice("live", minute=1))
    hub.publish(notice("live later", minute=5))
    with qtbot.waitSignal(queries.events_loaded, timeout=5000):
        view.load_history(queries)
    assert titles(view) == ["live later", "unseen", "live", "oldest"]


def test_an_event_already_shown_live_is_not_doubled_by_the_preload(
    qtbot: QtBot, view: EventLogView, hub: EventHub, journal: Journal
) -> None:
    live = trade_error(minute=3)
    journaled(journal, notice("earlier", minute=1), live)
    queries = JournalQueries(journal)
    hub.publish(live)
    hub.publish(notice("later", minute=4))
    with qtbot.waitSignal(queries.events_loaded, timeout=5000):
        view.load_history(queries)
    assert titles(view) == ["later", "BUY GBPUSD failed", "earlier"]


def test_preload_that_fails_says_so_and_live_rows_go_on(
    qtbot: QtBot, view: EventLogView, hub: EventHub, journal: Journal
) -> None:
    with sqlite3.connect(journal.database.path) as connection:
        connection.execute("DROP TABLE events")
    queries = JournalQueries(journal)
    with qtbot.waitSignal(queries.failed, timeout=5000):
        view.load_history(queries)
    assert not view.problem_label.isHidden()
    assert view.problem_label.text().startswith("Could not read the journal:")
    hub.publish(notice("still logging"))
    assert titles(view) == ["still logging"]


def test_log_entry_from_an_event_the_log_does_not_keep() -> None:
    assert entry_for_event(PnlUpdate(pnl={}, floating_total=0.0, equity=0.0)) is None
    assert isinstance(entry_for_event(notice("x")), LogEntry)
