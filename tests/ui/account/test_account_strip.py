"""The account strip: one line per account with its own currency, totals per currency, the account whose
figures are shown chosen by a click, a link that is down said with since when, and one light per account."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from PyQt6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState
from app.core.events import AccountsUpdate, AccountUpdate, StatusUpdate
from app.core.models import Account, DeskAccount, TerminalStatus
from app.core.number_format import format_money
from app.ui.account.account_panel import AccountPanel
from app.ui.account.account_strip import AccountStrip
from app.ui.account.status_indicator import STATE_COLOURS
from tests.one_account import single_snapshot
from tests.ui.three_accounts import (
    ACCOUNT_IDS,
    CURRENCIES,
    EUR,
    NAMES,
    USD_1,
    USD_2,
    Desktop,
    module_desktop,
    wait_all_connected,
)

ACCOUNT = Account(
    login=51_234_567, name="Jane", server="Broker-Demo", company="Broker", currency="USD", leverage=100,
    balance=10_000.0, equity=10_150.25, margin=500.0, margin_free=9_650.25, margin_level=2_030.05,
    profit=150.25,
)  # fmt: skip


desktop = module_desktop("three-accounts")


def strip_of(desktop: Desktop) -> AccountStrip:
    return desktop.window.account.strip


def line_of(strip: AccountStrip, account_id: str) -> tuple[str, ...]:
    return strip.row_texts(strip.lines.ids.index(account_id))


def shows(strip: AccountStrip, account_id: str, expected: tuple[str, ...]) -> bool:
    return line_of(strip, account_id)[: len(expected)] == expected


def money(desktop: Desktop, account_id: str, field: str, *, signed: bool = False) -> str:
    """A figure of the account as its simulator has it, written as the strip writes it."""
    account = desktop.sim(account_id).account()
    return format_money(getattr(account, field), signed=signed)


def click_line(qtbot: QtBot, strip: AccountStrip, row: int) -> None:
    item = strip.item(row, 0)
    assert item is not None
    viewport = strip.viewport()
    assert viewport is not None
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=strip.visualItemRect(item).center())


# -- on a desk of three demo accounts ---------------------------------------------------------------------


def test_each_account_has_a_line_with_its_figures_in_its_own_currency(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    strip = strip_of(desktop)
    qtbot.waitUntil(lambda: strip.isVisible() and strip.rowCount() == 5, timeout=5000)
    for account_id in ACCOUNT_IDS:
        expected = (
            NAMES[account_id],
            CURRENCIES[account_id],
            "Connected",
            money(desktop, account_id, "balance"),
            money(desktop, account_id, "equity"),
        )
        qtbot.waitUntil(partial(shows, strip, account_id, expected), timeout=5000)
    assert line_of(strip, EUR)[1:4:2] == ("EUR", "25,000.00")


def test_totals_add_up_only_accounts_of_the_same_currency(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    strip = strip_of(desktop)
    usd = [desktop.sim(a).account() for a in (USD_1, USD_2)]
    eur = desktop.sim(EUR).account()
    usd_total = ("Total USD", "USD", "2 accounts", format_money(sum(a.balance for a in usd)))
    qtbot.waitUntil(lambda: strip.row_texts(3)[:4] == usd_total, timeout=5000)
    assert strip.row_texts(4)[:4] == ("Total EUR", "EUR", "1 account", format_money(eur.balance))


def test_a_new_position_moves_the_floating_pnl_of_its_own_account_only(
    qtbot: QtBot, desktop: Desktop
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    strip = strip_of(desktop)
    others = {a: desktop.sim(a).account().profit for a in (USD_1, USD_2)}
    desktop.sim(EUR).open_external("EURUSD", "buy", 1.0)

    qtbot.waitUntil(lambda: desktop.sim(EUR).account().profit != 0.0, timeout=5000)
    floating = money(desktop, EUR, "profit", signed=True)
    qtbot.waitUntil(lambda: line_of(strip, EUR)[5] == floating, timeout=5000)
    assert floating != "0.00"
    for account_id, profit in others.items():
        assert line_of(strip, account_id)[5] == format_money(profit, signed=True)


def test_clicking_an_accounts_line_shows_its_figures_below_the_strip(qtbot: QtBot, desktop: Desktop) -> None:
    wait_all_connected(qtbot, desktop.desk)
    panel = desktop.window.account
    strip = strip_of(desktop)
    qtbot.waitUntil(lambda: strip.rowCount() == 5, timeout=5000)

    click_line(qtbot, strip, ACCOUNT_IDS.index(EUR))

    eur = desktop.sim(EUR).account()
    qtbot.waitUntil(lambda: panel.value_text("balance") == format_money(eur.balance), timeout=5000)
    assert panel.value_text("currency") == "EUR"
    assert panel.value_text("login") == str(eur.login)
    assert panel.account_name.text() == f"· {NAMES[EUR]}"

    qtbot.keyClick(strip, Qt.Key.Key_Down)  # the arrow keys walk the accounts too
    usd = desktop.sim(USD_2).account()
    qtbot.waitUntil(lambda: panel.value_text("login") == str(usd.login), timeout=5000)
    assert panel.account_name.text() == f"· {NAMES[USD_2]}"

    click_line(qtbot, strip, 3)  # a totals line is no account: the figures stay
    qtbot.wait(150)
    assert panel.value_text("login") == str(usd.login)


def test_an_account_whose_terminal_is_down_says_since_when_and_has_a_red_light(
    qtbot: QtBot, desktop: Desktop
) -> None:
    wait_all_connected(qtbot, desktop.desk)
    strip, indicator = strip_of(desktop), desktop.window.indicator
    sim = desktop.sim(USD_2)
    sim.disconnect()
    try:
        qtbot.waitUntil(lambda: line_of(strip, USD_2)[2].endswith(" s ago"), timeout=15_000)
        assert line_of(strip, USD_2)[2].split(" ")[0] in ("Disconnected", "Reconnecting")
        assert line_of(strip, USD_1)[2] == "Connected"
        colours = indicator.account_light_colours()
        assert list(colours) == list(ACCOUNT_IDS)
        assert colours[USD_1] == STATE_COLOURS[ConnectionState.CONNECTED]
        assert colours[USD_2] != STATE_COLOURS[ConnectionState.CONNECTED]
        assert indicator.text().startswith("2 of 3 accounts connected · Swing USD: ")
        assert indicator.account_light_tooltip(USD_2).startswith("Swing USD: ")
    finally:
        sim.restore()
    qtbot.waitUntil(lambda: line_of(strip, USD_2)[2] == "Connected", timeout=30_000)
    qtbot.waitUntil(lambda: indicator.text() == "All 3 accounts connected", timeout=5000)


# -- the strip alone, fed events ---------------------------------------------------------------------------


def test_a_desk_of_one_account_shows_no_strip(qtbot: QtBot) -> None:
    panel = AccountPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.apply(single_snapshot(account=ACCOUNT, account_id="main"))
    panel.flush()
    assert not panel.strip.isVisible()
    assert panel.account_name.text() == ""
    assert panel.value_text("balance") == "10,000.00"


def test_a_switched_off_account_is_said_so_and_left_out_of_the_totals(qtbot: QtBot) -> None:
    strip = AccountStrip()
    qtbot.addWidget(strip)
    listed = (DeskAccount("a", "On"), DeskAccount("b", "Off", enabled=False))
    for event in (
        AccountsUpdate(accounts=listed),
        AccountUpdate(account=ACCOUNT, account_id="a"),
        AccountUpdate(account=replace(ACCOUNT, balance=99.0), account_id="b"),
    ):
        strip.apply(event)
    strip.flush()
    assert strip.row_texts(1)[:4] == ("Off", "USD", "Switched off", "—")
    assert strip.row_texts(2)[:4] == ("Total USD", "USD", "1 account", "10,000.00")


def test_the_age_of_a_lost_link_grows_with_the_clock(qtbot: QtBot) -> None:
    now = [datetime(2026, 11, 18, 10, 0, tzinfo=UTC)]
    strip = AccountStrip(now=lambda: now[0])
    qtbot.addWidget(strip)
    down = TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False)
    up = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True)
    strip.apply(AccountsUpdate(accounts=(DeskAccount("a", "A"), DeskAccount("b", "B"))))
    strip.apply(StatusUpdate(status=up, account_id="b", timestamp=now[0]))
    strip.apply(StatusUpdate(status=down, account_id="b", timestamp=now[0]))
    now[0] += timedelta(minutes=3)
    strip.apply(StatusUpdate(status=down, account_id="b", timestamp=now[0]))  # still down: same start
    strip.flush()
    assert strip.row_texts(1)[2] == "Disconnected 3 min ago"
    assert strip.colour_at(1, 2) == STATE_COLOURS[ConnectionState.DISCONNECTED]
