"""AccountPanel: live figures from account reads and P&L ticks, colours, login mask, today's closed P&L."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.core.enums import (
    AccountTradeMode,
    ConnectionState,
    DealEntry,
    DealType,
    OrderAction,
    Side,
    TradeSource,
)
from app.core.events import AccountUpdate, PnlUpdate, PositionsUpdate
from app.core.models import Account, Deal, TerminalStatus
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.database import open_database
from app.storage.journal import Journal
from app.ui.account import account_panel
from app.ui.account.account_panel import AccountPanel, start_of_today_utc
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.window_timer import WindowTimer
from tests.one_account import MAIN, single_snapshot

ACCOUNT = Account(
    login=51_234_567,
    name="Jane Trader",
    server="Broker-Demo",
    company="Broker Ltd",
    currency="USD",
    leverage=100,
    balance=10_000.0,
    equity=10_150.25,
    margin=500.0,
    margin_free=9_650.25,
    margin_level=2_030.05,
    profit=150.25,
)
TODAY = start_of_today_utc()


@pytest.fixture
def panel(qtbot: QtBot) -> AccountPanel:
    return driven(qtbot, AccountPanel())


def driven(qtbot: QtBot, widget: AccountPanel) -> AccountPanel:
    """The panel with the window's repaint timer running, as the main window drives it."""
    qtbot.addWidget(widget)
    widget.attach(WindowTimer(widget))
    return widget


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield Journal(database)


@pytest.fixture
def queries(journal: Journal) -> Iterator[JournalQueries]:
    reader = JournalQueries(journal)
    yield reader
    reader.wait()


def shown(panel: AccountPanel, *events: object) -> AccountPanel:
    for event in events:
        panel.apply(event)  # type: ignore[arg-type]
    panel.flush()
    return panel


def close_trade(journal: Journal, ticket: int, *, profit: float, commission: float, at: datetime) -> None:
    """A trade opened and closed through the journal API, the way the trading service records it."""
    trade_id = f"t{ticket}"
    journal.record_pending(
        trade_id=trade_id,
        source=TradeSource.MANUAL,
        action=OrderAction.OPEN,
        symbol="EURUSD",
        side=Side.BUY,
        volume=0.1,
        sl=None,
        tp=None,
        magic=0,
        comment=f"mt5desk:{trade_id}",
        model_id=None,
        position_ticket=None,
        requested_at=at - timedelta(seconds=2),
    )
    journal.mark_opened(
        trade_id,
        position_ticket=ticket,
        order=ticket,
        deal=ticket,
        price=1.085,
        volume=0.1,
        opened_at=at - timedelta(seconds=1),
        retcode=10009,
    )
    deal = Deal(
        ticket=ticket,
        order=ticket,
        time=at - timedelta(seconds=1),
        type=DealType.BUY,
        entry=DealEntry.IN,
        position_id=ticket,
        symbol="EURUSD",
        volume=0.1,
        price=1.085,
        profit=0.0,
    )
    journal.record_deals(
        [
            replace(deal, commission=commission),
            replace(deal, ticket=ticket + 1, time=at, type=DealType.SELL, entry=DealEntry.OUT, profit=profit),
        ]
    )


def test_every_figure_shows_a_dash_before_the_first_account_read(panel: AccountPanel) -> None:
    assert {panel.value_text(key) for key in account_panel.KEYS} == {"—"}


def test_an_account_update_fills_in_the_figures(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=ACCOUNT))

    assert panel.value_text("equity") == "10,150.25 USD"
    assert panel.value_text("balance") == "10,000.00"
    assert panel.value_text("margin") == "500.00"
    assert panel.value_text("margin_free") == "9,650.25"
    assert panel.value_text("margin_level") == "2,030.05 %"
    assert panel.value_text("leverage") == "1:100"
    assert panel.value_text("currency") == "USD"
    assert panel.value_text("server") == "Broker-Demo"
    assert panel.value_text("login") == "51234567"
    assert panel.value_text("account_type") == "Demo"


def test_a_snapshot_carries_the_account_too(panel: AccountPanel) -> None:
    status = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)

    shown(panel, single_snapshot(account=ACCOUNT, positions=(), status=status, models=()))

    assert panel.value_text("balance") == "10,000.00"


def test_a_snapshot_without_an_account_keeps_the_last_known_figures(panel: AccountPanel) -> None:
    status = TerminalStatus(state=ConnectionState.RECONNECTING, mt5_connected=False)

    shown(
        panel,
        AccountUpdate(account=ACCOUNT),
        single_snapshot(account=None, positions=(), status=status, models=()),
    )

    assert panel.value_text("balance") == "10,000.00"


def test_floating_pnl_is_green_for_a_gain_and_red_for_a_loss(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=ACCOUNT))
    assert panel.value_text("floating") == "+150.25"
    assert panel.value_colour("floating") == trade_colours().gain

    shown(panel, AccountUpdate(account=replace(ACCOUNT, profit=-42.5, equity=9_957.5)))
    assert panel.value_text("floating") == "-42.50"
    assert panel.value_colour("floating") == trade_colours().loss


def test_pnl_ticks_move_equity_floating_and_free_margin_between_account_reads(panel: AccountPanel) -> None:
    shown(
        panel,
        AccountUpdate(account=ACCOUNT),
        PnlUpdate(pnl={1: (1.09, -20.0)}, floating_total=-20.0, equity=9_980.0),
    )

    assert panel.value_text("equity") == "9,980.00 USD"
    assert panel.value_text("floating") == "-20.00"
    assert panel.value_text("margin") == "500.00"
    assert panel.value_text("margin_free") == "9,480.00"
    assert panel.value_text("margin_level") == "1,996.00 %"


def test_pnl_ticks_before_any_account_read_are_not_shown_as_equity(panel: AccountPanel) -> None:
    shown(panel, PnlUpdate(pnl={1: (1.09, 25.0)}, floating_total=25.0, equity=25.0))

    assert panel.value_text("equity") == "—"


def test_margin_level_is_a_dash_when_no_margin_is_in_use(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=replace(ACCOUNT, margin=0.0, margin_level=0.0)))

    assert panel.value_text("margin_level") == "—"


def test_margin_level_under_100_percent_is_shown_in_the_loss_colour(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=replace(ACCOUNT, equity=450.0, margin_level=90.0)))

    assert panel.value_colour("margin_level") == trade_colours().loss


def test_the_masked_login_shows_only_its_last_four_digits(qtbot: QtBot) -> None:
    panel = driven(qtbot, AccountPanel(mask_login=True))

    shown(panel, AccountUpdate(account=ACCOUNT))

    assert panel.value_text("login") == "••••4567"
    assert "Jane Trader" not in panel.values["login"].toolTip()


def test_unmasking_the_login_shows_it_whole(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=ACCOUNT))
    panel.set_mask_login(True)
    panel.flush()
    assert panel.value_text("login") == "••••4567"

    panel.set_mask_login(False)
    panel.flush()
    assert panel.value_text("login") == "51234567"


def test_a_real_account_is_badged_real_in_the_loud_colour(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=replace(ACCOUNT, trade_mode=AccountTradeMode.REAL)))

    assert panel.value_text("account_type") == "Real"
    assert panel.type_badge.text() == "REAL"
    assert trade_colours().loss.name() in panel.type_badge.styleSheet()


def test_updates_wait_for_the_windows_repaint_timer(qtbot: QtBot, panel: AccountPanel) -> None:
    for equity in (10_001.0, 10_002.0, 10_003.0):
        panel.apply(AccountUpdate(account=replace(ACCOUNT, equity=equity)))

    assert panel.value_text("equity") == "—"
    assert panel.dirty
    qtbot.waitUntil(lambda: panel.value_text("equity") == "10,003.00 USD", timeout=1000)
    assert not panel.dirty


def test_the_hub_feeds_the_panel(qtbot: QtBot, panel: AccountPanel) -> None:
    hub = EventHub()
    panel.subscribe(hub)

    hub.publish(AccountUpdate(account=ACCOUNT))

    qtbot.waitUntil(lambda: panel.value_text("balance") == "10,000.00", timeout=1000)


def test_without_a_journal_todays_closed_pnl_is_a_dash(panel: AccountPanel) -> None:
    shown(panel, AccountUpdate(account=ACCOUNT))

    assert panel.value_text("today_closed") == "—"
    assert "remote viewer" in panel.values["today_closed"].toolTip()


def test_todays_closed_pnl_sums_the_deals_journaled_since_midnight_utc(
    qtbot: QtBot, journal: Journal, queries: JournalQueries
) -> None:
    close_trade(journal, 100, profit=-60.0, commission=-0.7, at=TODAY - timedelta(hours=1))  # yesterday
    close_trade(journal, 200, profit=25.0, commission=-0.7, at=TODAY + timedelta(seconds=2))
    close_trade(journal, 300, profit=-11.8, commission=-0.7, at=TODAY + timedelta(seconds=3))

    panel = driven(qtbot, AccountPanel(queries, account_id=MAIN))

    qtbot.waitUntil(lambda: panel.value_text("today_closed") == "+11.80", timeout=3000)
    assert panel.value_colour("today_closed") == trade_colours().gain


def test_a_closed_position_refreshes_todays_closed_pnl(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, journal: Journal, queries: JournalQueries
) -> None:
    monkeypatch.setattr(account_panel, "TODAY_AFTER_CLOSE_MS", 10)
    panel = driven(qtbot, AccountPanel(queries, account_id=MAIN))
    qtbot.waitUntil(lambda: panel.value_text("today_closed") == "0.00", timeout=3000)

    close_trade(journal, 400, profit=-30.0, commission=-1.0, at=TODAY + timedelta(seconds=5))
    panel.apply(PositionsUpdate(positions=(), added=(), removed=(400,), modified=(), account_id=MAIN))

    qtbot.waitUntil(lambda: panel.value_text("today_closed") == "-31.00", timeout=3000)
    assert panel.value_colour("today_closed") == trade_colours().loss


def test_a_journal_that_cannot_be_read_says_so_instead_of_showing_zero(
    qtbot: QtBot, journal: Journal, queries: JournalQueries
) -> None:
    with journal.database.write() as session:
        session.execute(text("DROP TABLE deals"))

    panel = driven(qtbot, AccountPanel(queries, account_id=MAIN))

    qtbot.waitUntil(lambda: panel.value_text("today_closed") == "unavailable", timeout=3000)
    assert "Could not read" in panel.values["today_closed"].toolTip()


def test_answers_to_other_widgets_questions_are_ignored(
    qtbot: QtBot, journal: Journal, queries: JournalQueries
) -> None:
    panel = driven(qtbot, AccountPanel(queries, account_id=MAIN))
    qtbot.waitUntil(lambda: panel.value_text("today_closed") == "0.00", timeout=3000)

    with qtbot.waitSignal(queries.closed_profit_loaded, timeout=3000):
        close_trade(journal, 500, profit=99.0, commission=0.0, at=TODAY - timedelta(days=3))
        queries.load_closed_profit(TODAY - timedelta(days=7))
    panel.flush()

    assert panel.value_text("today_closed") == "0.00"
