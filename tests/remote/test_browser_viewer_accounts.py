"""The browser viewer on a desk of several accounts, in headless Chromium against a scripted server: the
account strip with totals per currency, every account's positions with an Account column (the same ticket
in two accounts is two rows), and the terminal line naming the account that is down. A desk of one
account shows neither the strip nor the column."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace

import pytest

from app.core.enums import ConnectionState
from app.core.events import AccountsUpdate, Snapshot, StatusUpdate, encode
from app.core.models import AccountView, DeskAccount, TerminalStatus
from tests.remote.conftest import account, position, run, status
from tests.remote.test_browser_viewer import CHROMIUM, LIVE, ROWS, number, scripted_page, snapshot_of
from tests.viewer_screenshot import start_chromium

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]

NAMES = {"usd-1": "Demo USD", "eur": "Prop EUR", "usd-2": "Swing USD"}
STRIP = (
    "[...document.querySelectorAll('#accounts-body tr')].map(row => [...row.cells].map(c => c.textContent))"
)
HEAD = (
    "[...document.querySelectorAll('#positions-head th')].filter(th => !th.hidden).map(th => th.textContent)"
)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One headless Chromium for the module; yields its DevTools port."""
    profile = tmp_path_factory.mktemp("chromium-accounts")
    browser, port = start_chromium(profile)
    try:
        yield port
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


def three_accounts(down: str | None = None) -> Snapshot:
    """Three accounts (USD, EUR, USD), each with position 501 of its own; `down` is disconnected."""
    views = []
    for index, (account_id, name) in enumerate(NAMES.items()):
        login = 7_100_001 + index
        figures = replace(
            account(login),
            currency="EUR" if account_id == "eur" else "USD",
            balance=1_000.0 * (index + 1),
            equity=1_000.0 * (index + 1) + 10.0,
            profit=10.0,
            margin=100.0,
        )
        link = status(login)
        if account_id == down:
            link = TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False, message="gone")
        views.append(AccountView(account_id, name, figures, (position(501, profit=10.0),), link))
    return Snapshot(accounts=tuple(views), models=())


def test_the_strip_lists_every_account_with_totals_per_currency(chromium: int) -> None:
    async def scenario() -> None:
        async with scripted_page(chromium) as (tab, connection):
            await connection.send(encode(three_accounts(), seq=2))
            await tab.wait_for(f"{LIVE} && document.querySelectorAll('#accounts-body tr').length === 5")
            strip = await tab.evaluate(STRIP)
            assert strip[:3] == [
                ["Demo USD", "Connected", "1,000.00 USD", "1,010.00 USD", "+10.00 USD", "1,010.00 %"],
                ["Prop EUR", "Connected", "2,000.00 EUR", "2,010.00 EUR", "+10.00 EUR", "2,010.00 %"],
                ["Swing USD", "Connected", "3,000.00 USD", "3,010.00 USD", "+10.00 USD", "3,010.00 %"],
            ]
            assert strip[3][:5] == ["Total USD", "2 accounts", "4,000.00 USD", "4,020.00 USD", "+20.00 USD"]
            assert strip[4][:3] == ["Total EUR", "1 account", "2,000.00 EUR"]
            assert await tab.evaluate("document.getElementById('accounts-section').hidden") is False

    run(scenario())


def test_every_accounts_positions_are_listed_with_their_account(chromium: int) -> None:
    async def scenario() -> None:
        async with scripted_page(chromium) as (tab, connection):
            await connection.send(encode(three_accounts(), seq=2))
            await tab.wait_for(f"{LIVE} && document.querySelectorAll('#positions-body tr').length === 3")
            rows = await tab.evaluate(ROWS)
            # The same ticket in three accounts is three positions, each named by its account.
            assert [(row[0], row[-1]) for row in rows] == [
                ("501", "Demo USD"),
                ("501", "Prop EUR"),
                ("501", "Swing USD"),
            ]
            assert (await tab.evaluate(HEAD))[-1] == "Account"
            total = await tab.evaluate("document.getElementById('total-profit').textContent")
            assert total == "+20.00 USD · +10.00 EUR"  # two currencies are never added together

    run(scenario())


def test_the_terminal_line_names_the_account_that_is_down(chromium: int) -> None:
    async def scenario() -> None:
        async with scripted_page(chromium) as (tab, connection):
            await connection.send(encode(three_accounts(), seq=2))
            await tab.wait_for(LIVE)
            lost = TerminalStatus(state=ConnectionState.DISCONNECTED, mt5_connected=False, message="gone")
            await connection.send(encode(StatusUpdate(status=lost, account_id="eur"), seq=3))
            text = await tab.wait_for(
                "document.getElementById('terminal-text').textContent.startsWith('2 of 3') && "
                "document.getElementById('terminal-text').textContent"
            )
            assert text.startswith("2 of 3 accounts connected · Prop EUR: Disconnected ")
            assert text.endswith(" s ago")
            strip = await tab.evaluate(STRIP)
            assert strip[1][1].startswith("Disconnected ") and strip[0][1] == "Connected"
            # Switched off: said so, and its money left out of the totals.
            listed = tuple(DeskAccount(a, n, enabled=a != "usd-2") for a, n in NAMES.items())
            await connection.send(encode(AccountsUpdate(accounts=listed), seq=4))
            third = "document.querySelectorAll('#accounts-body tr')[2]"
            await tab.wait_for(f"{third}.cells[1].textContent === 'Switched off'")
            strip = await tab.evaluate(STRIP)
            assert strip[3][:3] == ["Total USD", "1 account", "1,000.00 USD"]

    run(scenario())


def test_a_desk_of_one_account_shows_no_strip_and_no_account_column(chromium: int) -> None:
    async def scenario() -> None:
        async with scripted_page(chromium) as (tab, connection):
            await connection.send(encode(snapshot_of(position(601)), seq=2))
            await tab.wait_for(f"{LIVE} && document.querySelectorAll('#positions-body tr').length === 1")
            assert await tab.evaluate("document.getElementById('accounts-section').hidden") is True
            assert "Account" not in await tab.evaluate(HEAD)
            rows = await tab.evaluate(ROWS)
            assert number(rows[0][8]) == pytest.approx(0.0)

    run(scenario())
