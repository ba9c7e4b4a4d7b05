"""Settings → Accounts on the running desk: an account added, switched off or removed there gets (or loses)
its terminal host at once, without restarting the desk, and the other accounts carry on untouched."""

from __future__ import annotations

import tomllib

import pytest
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QListWidget, QTabWidget, QWidget

from app.core.enums import Backend, ConnectionState
from app.core.settings import AccountSettings, IntervalSettings, Settings, TerminalSettings
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import (
    Answer,
    answer_modal,
    button,
    choose,
    click,
    field,
    pick,
    press_button,
    row_point,
    type_into,
)
from tests.scenarios.steps import show_tab

SECOND = "second"


@pytest.fixture
def settings() -> Settings:
    """Two demo accounts, at intervals the Settings dialog accepts."""
    return Settings(
        accounts=(
            AccountSettings("main", "Demo USD", terminal=TerminalSettings(backend=Backend.SIM)),
            AccountSettings(
                SECOND, "Demo EUR", terminal=TerminalSettings(backend=Backend.SIM, demo_currency="EUR")
            ),
        ),
        intervals=IntervalSettings(pnl_s=0.2, positions_s=0.5, account_s=0.5, heartbeat_s=5.0),
    )


def edit_accounts(desktop: Desktop, act: object) -> Answer:
    """Open Settings from the Desk menu, show the Accounts page, let `act` work it, press OK, then OK the
    "Settings saved" message; returns that message's answer."""
    saved: list[Answer] = []

    def work(dialog: QWidget) -> None:
        (tabs,) = dialog.findChildren(QTabWidget)
        show_tab(tabs, "Accounts")
        assert callable(act)
        act(dialog)
        saved.append(answer_modal(press_button("OK")))
        click(button(dialog, "OK"))

    edit = answer_modal(work)
    choose(desktop.qtbot, desktop.window, "Desk", "Settings…")
    edit.wait(desktop.qtbot)
    (told,) = saved
    told.wait(desktop.qtbot)
    return told


def click_line(dialog: QWidget, row: int) -> None:
    accounts = dialog.findChild(QListWidget, "accounts-list")
    assert accounts is not None
    click(accounts.viewport(), row_point(accounts, row))


def connected(desktop: Desktop, account_id: str) -> bool:
    return desktop.desk.state.of(account_id).status.state is ConnectionState.CONNECTED


def test_an_account_added_in_settings_connects_at_once_on_its_own_terminal(desktop: Desktop) -> None:
    qtbot = desktop.qtbot
    qtbot.waitUntil(lambda: connected(desktop, SECOND), timeout=15_000)
    pids = {a: desktop.desk.host_of(a).pid for a in ("main", SECOND)}

    def add(dialog: QWidget) -> None:
        click(button(dialog, "Add account"))
        type_into(field(dialog, "Name", QLineEdit), "Prop GBP")
        pick(qtbot, field(dialog, "Demo currency", QComboBox), "GBP")
        type_into(field(dialog, "Demo balance", QDoubleSpinBox), "3000")

    told = edit_accounts(desktop, add)

    assert "Account" in told.text and "apply now" in told.text
    assert desktop.desk.account_ids == ("main", SECOND, "prop-gbp")
    qtbot.waitUntil(lambda: connected(desktop, "prop-gbp"), timeout=20_000)
    sim = desktop.desk.simulator_of("prop-gbp")
    assert sim is not None
    assert (sim.account().currency, sim.account().balance) == ("GBP", 3000.0)
    assert {a: desktop.desk.host_of(a).pid for a in ("main", SECOND)} == pids  # the others untouched
    written = tomllib.loads(desktop.paths.settings_file.read_text(encoding="utf-8"))
    assert [(a["id"], a["name"], a["demo_currency"]) for a in written["accounts"]][2] == (
        "prop-gbp",
        "Prop GBP",
        "GBP",
    )
    strip = desktop.window.account.strip
    line = ("Prop GBP", "GBP", "Connected", "3,000.00")
    qtbot.waitUntil(lambda: strip.row_texts(2)[:4] == line, timeout=5000)
    assert strip.rowCount() == 6  # three accounts, then the USD, EUR and GBP totals


def test_an_account_switched_off_in_settings_loses_its_terminal_and_the_other_carries_on(
    desktop: Desktop,
) -> None:
    qtbot = desktop.qtbot
    qtbot.waitUntil(lambda: connected(desktop, SECOND), timeout=15_000)
    main_pid = desktop.desk.host_of("main").pid

    def switch_off(dialog: QWidget) -> None:
        click_line(dialog, 1)
        click(button(dialog, "Switched on: the desk connects to this account's terminal"))

    edit_accounts(desktop, switch_off)

    qtbot.waitUntil(lambda: not desktop.desk.state.of(SECOND).enabled, timeout=5000)
    qtbot.waitUntil(lambda: not desktop.desk.host_of(SECOND).running, timeout=15_000)
    assert desktop.desk.host_of("main").pid == main_pid and connected(desktop, "main")
    strip = desktop.window.account.strip
    qtbot.waitUntil(lambda: strip.row_texts(1)[:3] == ("Demo EUR", "EUR", "Switched off"), timeout=5000)
    written = tomllib.loads(desktop.paths.settings_file.read_text(encoding="utf-8"))
    assert [a["enabled"] for a in written["accounts"]] == [True, False]


def test_an_account_removed_in_settings_leaves_the_desk_after_the_trader_confirms(desktop: Desktop) -> None:
    qtbot = desktop.qtbot
    qtbot.waitUntil(lambda: connected(desktop, SECOND), timeout=15_000)
    asked: list[Answer] = []

    def remove(dialog: QWidget) -> None:
        click_line(dialog, 1)
        asked.append(answer_modal(press_button("Yes")))
        click(button(dialog, "Remove…"))
        asked[0].wait(qtbot)

    edit_accounts(desktop, remove)

    assert asked[0].text.startswith("Remove Demo EUR from the desk?")
    assert desktop.desk.account_ids == ("main",)
    strip = desktop.window.account.strip
    qtbot.waitUntil(lambda: not strip.isVisible(), timeout=5000)  # one account again: no strip
    written = tomllib.loads(desktop.paths.settings_file.read_text(encoding="utf-8"))
    assert [a["id"] for a in written["accounts"]] == ["main"]


def test_a_renamed_account_keeps_its_terminal_and_a_changed_terminal_gets_a_new_host(
    desktop: Desktop,
) -> None:
    qtbot = desktop.qtbot
    qtbot.waitUntil(lambda: connected(desktop, SECOND), timeout=15_000)
    pids = {a: desktop.desk.host_of(a).pid for a in ("main", SECOND)}

    def rename_and_rehome(dialog: QWidget) -> None:
        type_into(field(dialog, "Name", QLineEdit), "Main USD")  # the first account is shown first
        click_line(dialog, 1)
        type_into(field(dialog, "Demo balance", QDoubleSpinBox), "7000")

    edit_accounts(desktop, rename_and_rehome)

    strip = desktop.window.account.strip
    qtbot.waitUntil(lambda: strip.row_texts(0)[0] == "Main USD", timeout=5000)
    assert desktop.desk.host_of("main").pid == pids["main"]  # a new name needs no new terminal host
    qtbot.waitUntil(lambda: desktop.desk.host_of(SECOND).pid not in (None, pids[SECOND]), timeout=15_000)
    qtbot.waitUntil(lambda: connected(desktop, SECOND), timeout=20_000)
    assert desktop.desk.account_ids == ("main", SECOND)
