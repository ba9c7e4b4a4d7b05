"""The History and Deals tabs: every closing deal (partial closes too), and sums that match the balance.

These scenarios trade over several days, so the simulator's clock starts on the Tuesday of the latest
Tuesday-Thursday that has already passed: the terminal's deal history is then recent enough for the
desk's own history sync to read, as it would be on a real account.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from app.terminal.simulator import ClockSpec
from app.ui.history.deals_model import DEAL_COLUMN_INDEX
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import answer_modal, click_button, row_as_dict, save_as
from tests.scenarios.steps import close_partially, close_whole, money_in, place, show_tab, type_date

HOUR = 3600.0


def latest_past_tuesday(now: datetime | None = None) -> datetime:
    """10:00 UTC on the Tuesday of the latest Tuesday-Thursday whose trading hours are over."""
    now = now or datetime.now(UTC)
    day = now.date()
    while True:
        thursday = day if day.weekday() == 3 else None
        if thursday is not None and datetime.combine(thursday, time(16), UTC) <= now:
            return datetime.combine(thursday - timedelta(days=2), time(10), UTC)
        day -= timedelta(days=1)


@pytest.fixture
def clock() -> ClockSpec:
    return ClockSpec.manual(latest_past_tuesday())


def balance(desktop: Desktop) -> float:
    return round(desktop.sim.account().balance, 2)


def history_rows(desktop: Desktop) -> list[dict[str, str]]:
    table = desktop.window.history.table
    model = table.model()
    assert model is not None
    return [row_as_dict(table, row) for row in range(model.rowCount())]


def wait_for_history(desktop: Desktop, rows: int) -> None:
    """The History tab (all periods) shows this many closes, its reload after the last close done."""
    history = desktop.window.history
    desktop.qtbot.waitUntil(
        lambda: len(history_rows(desktop)) == rows and history.status_label.text() == "", timeout=10_000
    )


def deals_of(desktop: Desktop, ticket: int) -> int:
    """How many rows of the Deals tab belong to this position."""
    model, position = desktop.window.deals.model, DEAL_COLUMN_INDEX["position"]
    return sum(1 for row in range(model.rowCount()) if model.cell_text(row, position) == str(ticket))


def test_history_lists_a_partial_close_and_its_net_is_the_balance_change(desktop: Desktop) -> None:
    start = balance(desktop)
    ticket = place(desktop, "AUDUSD", "Buy", "0.30", comment="my scalp trade")
    desktop.clock.advance(0.5 * HOUR)
    close_partially(desktop, ticket, "0.10")
    desktop.clock.advance(0.5 * HOUR)
    close_whole(desktop, ticket)
    end = balance(desktop)

    history = show_tab(desktop.window.left_tabs, "History")
    assert history is desktop.window.history
    wait_for_history(desktop, 2)

    rows = history_rows(desktop)  # newest first
    assert [(r["Ticket"], r["Type"], r["Volume"], r["Comment"]) for r in rows] == [
        (str(ticket), "BUY", "0.20", "my scalp trade"),
        (str(ticket), "BUY", "0.10 of 0.30", "my scalp trade"),
    ]
    assert sum(money_in(r["Profit"]) for r in rows) == pytest.approx(end - start)
    assert money_in(desktop.window.history.net_label.text()) == pytest.approx(end - start)
    assert desktop.window.history.summary_label.text().startswith("2 closes")

    deals = show_tab(desktop.window.left_tabs, "Deals")
    assert deals is desktop.window.deals
    # This position's three deals (not a count of all rows: whether the account's deposit falls in the 30
    # days shown depends on today's date, the simulator's dates being fixed).
    desktop.qtbot.waitUntil(lambda: deals_of(desktop, ticket) == 3, timeout=10_000)
    table = desktop.window.deals.table
    shown = [row_as_dict(table, row) for row in range(desktop.window.deals.model.rowCount())]
    ours = [
        (r["Type"], r["Direction"], r["Volume"], r["Comment"]) for r in shown if r["Position"] == str(ticket)
    ]
    assert ours == [
        ("sell", "out", "0.20", ""),
        ("sell", "out", "0.10", ""),
        ("buy", "in", "0.30", "my scalp trade"),
    ]
    assert not any("MD-" in r["Comment"] for r in shown)  # the desk's tag is never shown as a comment
    assert money_in(desktop.window.deals.money_label.text()) == pytest.approx(end - start)


def test_for_any_period_the_history_net_is_what_trading_did_to_the_balance(desktop: Desktop) -> None:
    tuesday = desktop.clock.now()
    day = datetime.fromtimestamp(tuesday, UTC).date()
    b0 = balance(desktop)
    euro = place(desktop, "EURUSD", "Buy", "0.20", comment="swing")
    desktop.clock.advance(HOUR)
    close_partially(desktop, euro, "0.05")
    pound = place(desktop, "GBPUSD", "Sell", "0.10")
    b_tuesday = balance(desktop)

    desktop.clock.advance(24 * HOUR)  # Wednesday: one night of swap on both
    close_whole(desktop, pound)
    b_wednesday = balance(desktop)

    desktop.clock.advance(24 * HOUR)  # Thursday: a second night (the triple one) on the euro position
    desktop.sim.deposit(500.0)  # not trading: in the Deals tab, never in History's net
    close_whole(desktop, euro)
    b_thursday = balance(desktop)

    show_tab(desktop.window.left_tabs, "History")
    wait_for_history(desktop, 3)
    history = desktop.window.history
    expected = {
        (day, day): b_tuesday - b0,
        (day + timedelta(days=1), day + timedelta(days=1)): b_wednesday - b_tuesday,
        (day + timedelta(days=2), day + timedelta(days=2)): b_thursday - b_wednesday - 500.0,
        (day, day + timedelta(days=2)): b_thursday - b0 - 500.0,
        (day + timedelta(days=1), day + timedelta(days=2)): b_thursday - b_tuesday - 500.0,
    }
    found: dict[tuple[date, date], float] = {}
    for first, last in expected:
        type_date(history.from_edit, first)
        type_date(history.to_edit, last)
        desktop.qtbot.waitUntil(lambda: history.status_label.text() == "", timeout=10_000)
        found[(first, last)] = money_in(history.net_label.text())
    assert found == pytest.approx({key: round(value, 2) for key, value in expected.items()})
    swaps = [money_in(r["Comm. + swap"]) for r in history_rows(desktop)]
    assert any(swaps)  # nights held were charged, and counted


def test_export_csv_saves_the_rows_shown_to_the_file_named(desktop: Desktop, tmp_path: Path) -> None:
    ticket = place(desktop, "EURUSD", "Sell", "0.20", comment="fade the open")
    desktop.clock.advance(0.5 * HOUR)
    close_partially(desktop, ticket, "0.05")
    close_whole(desktop, ticket)
    show_tab(desktop.window.left_tabs, "History")
    wait_for_history(desktop, 2)
    target = tmp_path / "exports" / "my-history.csv"
    target.parent.mkdir()

    saving = answer_modal(save_as(target))
    click_button(desktop.window.history, "Export CSV…")
    saving.wait(desktop.qtbot)

    assert saving.title == "Export closed positions"
    with target.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["ticket"], r["side"], r["volume"], r["position_volume"], r["comment"]) for r in rows] == [
        (str(ticket), "SELL", "0.15", "0.2", "fade the open"),
        (str(ticket), "SELL", "0.05", "0.2", "fade the open"),
    ]
    assert desktop.window.history.status_label.text() == f"Exported 2 rows to {target}"
