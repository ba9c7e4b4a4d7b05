"""ConnectionIndicator: light colour and text per state, badges, Algo Trading line, heartbeat age, tooltip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.core.enums import AccountTradeMode, ConnectionState
from app.core.events import AccountUpdate, StatusUpdate
from app.core.models import Account, TerminalStatus
from app.engine.hub import EventHub
from app.ui.account.status_indicator import (
    REAL_ACCOUNT_COLOUR,
    STATE_COLOURS,
    ConnectionIndicator,
    heartbeat_age_text,
    status_text,
)
from app.ui.widgets.window_timer import REPAINT_INTERVAL_MS, WindowTimer
from tests.one_account import single_snapshot

NOW = datetime(2026, 11, 18, 10, 0, 30, tzinfo=UTC)


class Clock:
    """A settable clock for the indicator's `now`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_status(state: ConnectionState = ConnectionState.CONNECTED, **changes: Any) -> TerminalStatus:
    fields: dict[str, object] = {
        "state": state,
        "mt5_connected": state is not ConnectionState.DISCONNECTED,
        "account_number": 5012345,
        "account_balance": 10_000.0,
        "positions_count": 3,
        "ping_ms": 23.4,
        "trade_allowed": True,
        "last_heartbeat": NOW - timedelta(seconds=4),
        "server": "MT5Desk-Demo",
        "build": 4755,
        "path": r"C:\Program Files\MetaTrader 5",
        "simulated": False,
        "message": "",
    }
    fields.update(changes)
    return TerminalStatus(**fields)  # type: ignore[arg-type]


def make_account(trade_mode: AccountTradeMode = AccountTradeMode.DEMO) -> Account:
    return Account(
        login=5012345,
        name="Trader",
        server="MT5Desk-Demo",
        company="MT5 Desk Ltd",
        currency="USD",
        leverage=100,
        balance=10_000.0,
        equity=10_050.0,
        margin=200.0,
        margin_free=9_850.0,
        margin_level=5025.0,
        profit=50.0,
        trade_mode=trade_mode,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def indicator(qtbot: QtBot, clock: Clock) -> ConnectionIndicator:
    widget = ConnectionIndicator(now=clock)
    qtbot.addWidget(widget)
    return widget


@pytest.mark.parametrize(
    ("state", "colour"),
    [
        (ConnectionState.CONNECTED, "#2da44e"),
        (ConnectionState.STALE, "#d4a017"),
        (ConnectionState.DISCONNECTED, "#cf222e"),
        (ConnectionState.RECONNECTING, "#0969da"),
    ],
)
def test_light_is_green_amber_red_blue_by_state(
    indicator: ConnectionIndicator, state: ConnectionState, colour: str
) -> None:
    indicator.apply(StatusUpdate(status=make_status(state)))
    assert indicator.light_colour() == QColor(colour) == STATE_COLOURS[state]


def test_connected_text_names_account_server_ping_and_heartbeat_age(indicator: ConnectionIndicator) -> None:
    indicator.apply(StatusUpdate(status=make_status()))
    assert indicator.text() == "Connected · 5012345 @ MT5Desk-Demo · ping 23 ms · heartbeat 4 s ago"


def test_stale_text_says_the_terminal_is_not_answering(indicator: ConnectionIndicator) -> None:
    indicator.apply(
        StatusUpdate(status=make_status(ConnectionState.STALE, last_heartbeat=NOW - timedelta(seconds=75)))
    )
    assert indicator.text() == "Not answering · 5012345 @ MT5Desk-Demo · ping 23 ms · heartbeat 1 min ago"


def test_disconnected_text_says_why_and_leaves_out_the_ping(indicator: ConnectionIndicator) -> None:
    status = make_status(ConnectionState.DISCONNECTED, message="IPC timeout: the terminal closed.")
    indicator.apply(StatusUpdate(status=status))
    assert indicator.text() == (
        "Disconnected · 5012345 @ MT5Desk-Demo · heartbeat 4 s ago · IPC timeout: the terminal closed."
    )


def test_reconnecting_before_any_connect_shows_only_state_and_reason(indicator: ConnectionIndicator) -> None:
    status = TerminalStatus(
        state=ConnectionState.RECONNECTING, mt5_connected=False, message="MetaTrader 5 is not running"
    )
    indicator.apply(StatusUpdate(status=status))
    assert indicator.text() == "Reconnecting · MetaTrader 5 is not running"


def test_starts_red_and_disconnected_before_any_event(indicator: ConnectionIndicator) -> None:
    assert indicator.light_colour() == STATE_COLOURS[ConnectionState.DISCONNECTED]
    assert indicator.text() == "Disconnected"


def test_viewer_mode_describes_the_link_to_the_remote_desk(qtbot: QtBot, clock: Clock) -> None:
    viewer = ConnectionIndicator(now=clock, viewer_host="desk.example:8765")
    qtbot.addWidget(viewer)
    viewer.apply(StatusUpdate(status=make_status()))
    assert viewer.viewer_mode
    assert viewer.text() == (
        "Viewing desk.example:8765 · connected · 5012345 @ MT5Desk-Demo · ping 23 ms · heartbeat 4 s ago"
    )


def test_leaving_viewer_mode_returns_to_the_terminal_text(indicator: ConnectionIndicator) -> None:
    indicator.set_viewer_host("desk.example:8765")
    indicator.apply(StatusUpdate(status=make_status()))
    indicator.set_viewer_host(None)
    assert not indicator.viewer_mode
    assert indicator.text().startswith("Connected · 5012345")


def test_simulated_badge_shows_only_for_the_simulator(indicator: ConnectionIndicator) -> None:
    indicator.apply(StatusUpdate(status=make_status(simulated=True)))
    assert indicator.simulated_badge_shown()
    indicator.apply(StatusUpdate(status=make_status(simulated=False)))
    assert not indicator.simulated_badge_shown()


def test_algo_trading_off_line_shows_while_connected(indicator: ConnectionIndicator) -> None:
    indicator.apply(StatusUpdate(status=make_status(trade_allowed=False)))
    shown = [label.text() for label in indicator.findChildren(QLabel) if not label.isHidden()]
    assert indicator.algo_off_shown()
    assert "Algo Trading is off in MetaTrader 5 — automatic and Python orders are refused" in shown


def test_algo_trading_line_hidden_when_allowed(indicator: ConnectionIndicator) -> None:
    indicator.apply(StatusUpdate(status=make_status(trade_allowed=True)))
    assert not indicator.algo_off_shown()


def test_algo_trading_line_hidden_while_disconnected(indicator: ConnectionIndicator) -> None:
    # Without a link the terminal's setting is unknown; the red light already says orders cannot go out.
    indicator.apply(StatusUpdate(status=make_status(ConnectionState.DISCONNECTED, trade_allowed=False)))
    assert not indicator.algo_off_shown()


def test_demo_account_type_in_the_palette_colour(indicator: ConnectionIndicator) -> None:
    indicator.apply(AccountUpdate(account=make_account(AccountTradeMode.DEMO)))
    assert indicator.account_type_text() == "Demo account"
    assert indicator.account_type_colour() is None


def test_real_account_type_in_the_warning_colour(indicator: ConnectionIndicator) -> None:
    indicator.apply(AccountUpdate(account=make_account(AccountTradeMode.REAL)))
    assert indicator.account_type_text() == "REAL account"
    assert indicator.account_type_colour() == REAL_ACCOUNT_COLOUR


def test_account_type_is_blank_until_the_account_is_known(indicator: ConnectionIndicator) -> None:
    assert indicator.account_type_text() == ""


def test_tooltip_holds_build_path_algo_trading_server_and_last_message(
    indicator: ConnectionIndicator,
) -> None:
    indicator.apply(StatusUpdate(status=make_status(trade_allowed=False, message="Heartbeat ok")))
    tooltip = indicator.toolTip()
    assert "Terminal build: 4755" in tooltip
    assert r"Terminal path: C:\Program Files\MetaTrader 5" in tooltip
    assert "Algo Trading allowed: no" in tooltip
    assert "Server: MT5Desk-Demo" in tooltip
    assert "Last message: Heartbeat ok" in tooltip


def test_heartbeat_age_follows_the_clock_on_refresh(indicator: ConnectionIndicator, clock: Clock) -> None:
    indicator.apply(StatusUpdate(status=make_status()))
    clock.now = NOW + timedelta(seconds=10)
    indicator.refresh()
    assert indicator.text().endswith("heartbeat 14 s ago")


def test_heartbeat_age_is_renewed_by_the_windows_repaint_timer(
    qtbot: QtBot, indicator: ConnectionIndicator, clock: Clock
) -> None:
    indicator.apply(StatusUpdate(status=make_status()))
    clock.now = NOW + timedelta(seconds=3)
    qtbot.wait(3 * REPAINT_INTERVAL_MS)
    assert indicator.text().endswith("heartbeat 4 s ago")  # no timer of its own: nothing renews it

    indicator.attach(WindowTimer(indicator))

    qtbot.waitUntil(lambda: indicator.text().endswith("heartbeat 7 s ago"), timeout=1000)
    clock.now = NOW + timedelta(seconds=4)
    qtbot.waitUntil(lambda: indicator.text().endswith("heartbeat 8 s ago"), timeout=1000)


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (0, "0 s ago"),
        (59, "59 s ago"),
        (60, "1 min ago"),
        (3599, "59 min ago"),
        (7200, "2 h ago"),
        (-5, "0 s ago"),
    ],
)
def test_heartbeat_age_text(age: int, text: str) -> None:
    assert heartbeat_age_text(NOW - timedelta(seconds=age), NOW) == text


def test_status_text_without_a_heartbeat_leaves_the_age_out() -> None:
    assert (
        status_text(make_status(last_heartbeat=None), NOW)
        == "Connected · 5012345 @ MT5Desk-Demo · ping 23 ms"
    )


def test_snapshot_sets_status_and_account(indicator: ConnectionIndicator) -> None:
    snapshot = single_snapshot(
        account=make_account(AccountTradeMode.REAL),
        positions=(),
        status=make_status(simulated=True),
        models=(),
    )
    indicator.apply(snapshot)
    assert indicator.light_colour() == STATE_COLOURS[ConnectionState.CONNECTED]
    assert indicator.simulated_badge_shown()
    assert indicator.account_type_text() == "REAL account"


def test_follows_status_and_account_from_the_hub(indicator: ConnectionIndicator) -> None:
    hub = EventHub()
    indicator.subscribe(hub)
    hub.publish(StatusUpdate(status=make_status(ConnectionState.RECONNECTING)))
    hub.publish(AccountUpdate(account=make_account()))
    assert indicator.light_colour() == STATE_COLOURS[ConnectionState.RECONNECTING]
    assert indicator.account_type_text() == "Demo account"
