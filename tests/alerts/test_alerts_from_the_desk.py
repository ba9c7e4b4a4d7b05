"""Every kind of alert, from a real desk on the simulator through Apprise to a loopback server: what
the trader's phone receives, worded as the desk's toasts word it."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from app.alerts.texts import STALE_TITLE
from app.core.enums import OrderAction, Side
from app.core.events import AutoTradeExecuted, StatusUpdate, TradeError
from app.core.models import DISCONNECTED_ON_REQUEST, OrderRequest
from app.core.settings import AlertSettings, RiskSettings
from app.core.toast_text import auto_trade_toast, trade_error_toast
from app.engine.commands import KillSwitchCommand, LinkCommand, TradeCommand
from tests.alerts.desk_fixture import MakeAlertDesk
from tests.alerts.inbox import Inbox, Received
from tests.one_account import MAIN


def titled(inbox: Inbox, prefix: str, qtbot: QtBot, timeout_ms: int = 10_000) -> Received:
    found: list[Received] = []

    def arrived() -> bool:
        found[:] = [m for m in inbox.received if m.title.startswith(prefix)]
        return bool(found)

    qtbot.waitUntil(arrived, timeout=timeout_ms)
    return found[0]


def bar(minute: int) -> datetime:
    return datetime(2026, 11, 18, 10, minute, 0, tzinfo=UTC)


def test_an_auto_trade_arrives_as_its_toast_says_it_with_the_account_masked(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk()
    desk.enable_model(qtbot)
    desk.clock.set(bar(1))
    message = titled(inbox, "🤖 Auto-Trade Executed", qtbot)
    [executed] = [e for e in desk.events if isinstance(e, AutoTradeExecuted)]
    assert message.message == f"{auto_trade_toast(executed).text}\n{desk.account()}"
    assert message.message.startswith("Trend M1 · BUY 0.01 EURUSD @ ")
    assert str(desk.sim.account().login) not in message.message


def test_a_trade_error_arrives_with_the_terminals_reason(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk()
    desk.sim.force_next_retcode(10019)
    desk.desk.submit(
        TradeCommand.manual(OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, volume=0.1), MAIN)
    )
    message = titled(inbox, "Trade Execution Error", qtbot)
    [error] = [e for e in desk.events if isinstance(e, TradeError)]
    assert message.message == f"{trade_error_toast(error).text}\n{desk.account()}"
    assert "(code 10019)" in message.message
    assert message.type == "failure"


def test_a_model_blocked_by_a_risk_limit_is_alerted(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk(limits=RiskSettings(max_lot_per_trade=0.001))
    desk.enable_model(qtbot)
    desk.clock.set(bar(1))
    message = titled(inbox, "Risk limit: Max lot per trade", qtbot)
    assert message.message.startswith("Trend M1: Trend M1 asked for 0.01 lots > limit 0.001 lots per trade")
    assert message.type == "warning"


def test_the_daily_loss_limit_reached_is_alerted(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk(limits=RiskSettings(daily_loss_limit=0.01))
    desk.sim.open_external("EURUSD", "buy", 1.0)  # the spread alone is a loss above one cent
    desk.enable_model(qtbot)
    desk.clock.set(bar(1))
    message = titled(inbox, "Risk limit: Daily loss limit", qtbot)
    assert "automatic trading is paused until 00:00 UTC" in message.message


def test_the_kill_switch_is_alerted_with_what_it_closed(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk()
    desk.desk.submit(KillSwitchCommand(close_positions=True))
    message = titled(inbox, "Kill switch", qtbot)
    assert message.message == (
        "Auto-trading is off and every model is disabled. 0 model position(s) closed.\n" + desk.account()
    )


def test_a_lost_link_is_alerted_after_the_chosen_time_and_again_when_it_is_back(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk(AlertSettings(connection_after_s=1))
    desk.sim.disconnect()
    lost = titled(inbox, "Connection to MetaTrader 5 lost", qtbot)
    assert "Down since" in lost.message and "the desk keeps reconnecting by itself" in lost.message
    desk.sim.restore()
    back = titled(inbox, "Connection restored", qtbot)
    assert back.message.startswith("MetaTrader 5 answers again after ")
    assert not [m for m in inbox.received if m.title == STALE_TITLE]


def test_a_disconnect_the_trader_asked_for_is_no_lost_link_to_alert(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk(AlertSettings(connection_after_s=1))
    desk.desk.submit(LinkCommand(connect=False))
    qtbot.waitUntil(lambda: any(_on_request(e) for e in desk.events), timeout=5000)
    qtbot.wait(1500)  # past the chosen time: a lost link would have been alerted by now

    desk.desk.submit(LinkCommand(connect=True))
    qtbot.wait(500)

    assert not [m for m in inbox.received if "Connection" in m.title or "not answering" in m.title]


def _on_request(event: object) -> bool:
    return isinstance(event, StatusUpdate) and event.status.message == DISCONNECTED_ON_REQUEST


def test_a_link_back_before_the_chosen_time_sends_nothing(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk(AlertSettings(connection_after_s=30))
    desk.sim.disconnect()
    qtbot.wait(500)
    desk.sim.restore()
    qtbot.wait(1500)
    assert not [m for m in inbox.received if "Connection" in m.title]


def test_a_kind_switched_off_is_not_sent(qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox) -> None:
    desk = make_alert_desk(AlertSettings(trade_error=False))
    desk.sim.force_next_retcode(10019)
    desk.desk.submit(
        TradeCommand.manual(OrderRequest(OrderAction.OPEN, "EURUSD", Side.BUY, volume=0.1), MAIN)
    )
    qtbot.waitUntil(lambda: any(isinstance(e, TradeError) for e in desk.events), timeout=5000)
    desk.desk.submit(KillSwitchCommand(close_positions=False))
    titled(inbox, "Kill switch", qtbot)  # a later alert arrived, so the error would have too
    assert not [m for m in inbox.received if m.title == "Trade Execution Error"]


def test_the_full_account_is_shown_when_the_trader_chooses_it(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox
) -> None:
    desk = make_alert_desk(AlertSettings(show_account=True))
    desk.desk.submit(KillSwitchCommand(close_positions=False))
    message = titled(inbox, "Kill switch", qtbot)
    info = desk.sim.account()
    assert message.message.endswith(f"Account {info.login} on {info.server} (simulated demo terminal)")
