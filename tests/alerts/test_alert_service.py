"""The AlertService around the channels: an unclean stop told at the next start with what was open, a
failing channel or a missing URL said once in the Event log, new settings applied at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.alerts.channel_secrets import ChannelSecrets
from app.alerts.service import (
    CHANNEL_FAILING_TITLE,
    CHANNEL_NO_URL_TITLE,
    CHANNEL_WORKING_TITLE,
    AlertOptions,
    AlertService,
)
from app.alerts.texts import UNCLEAN_STOP_TITLE
from app.core.enums import ConnectionState, NoticeLevel
from app.core.events import Event, Notice, StatusUpdate, TradeError
from app.core.models import TerminalStatus
from app.core.settings import AlertChannel, AlertSettings
from app.engine.hub import EventHub
from tests.alerts.desk_fixture import PHONE, MakeAlertDesk
from tests.alerts.inbox import Inbox
from tests.ui.settings.test_settings_dialog import MemoryKeyring

ERROR = TradeError(trade_id="t1", symbol="EURUSD", order_type="BUY", error="Market closed", code=10018)


def notices(events: list[Event], title: str) -> list[Notice]:
    return [e for e in events if isinstance(e, Notice) and e.title == title]


def service_for(
    hub: EventHub, url: str | None, tmp_path: Path, grace_s: float = 30.0, **settings: object
) -> AlertService:
    secrets = ChannelSecrets()
    if url is not None:
        secrets.put(PHONE.id, url)
    chosen = AlertSettings(channels=(PHONE,), **settings)  # type: ignore[arg-type]
    service = AlertService(
        hub,
        chosen,
        secrets,
        marker_file=tmp_path / "running.json",
        options=AlertOptions(min_interval_s=0.05, connect_grace_s=grace_s),
    )
    service.start()
    return service


def test_a_desk_that_did_not_stop_cleanly_says_so_at_the_next_start_with_the_positions_then_open(
    qtbot: QtBot, make_alert_desk: MakeAlertDesk, inbox: Inbox, tmp_path: Path
) -> None:
    desk = make_alert_desk()
    for _ in range(3):
        desk.sim.open_external("EURUSD", "buy", 0.1)
    marker = tmp_path / "running.json"
    qtbot.waitUntil(lambda: json.loads(marker.read_text())["open_positions"] == 3, timeout=5000)
    last_seen = datetime.fromisoformat(json.loads(marker.read_text())["last_seen"])
    # The process dies here: nothing stops. The next start finds the marker.
    hub = EventHub()
    events: list[Event] = []
    hub.stream.connect(events.append)
    service_for(hub, inbox.json_url("next-start"), tmp_path)
    qtbot.waitUntil(lambda: any(m.path == "/next-start" for m in inbox.received), timeout=10_000)
    [message] = [m for m in inbox.received if m.path == "/next-start"]
    assert message.title == UNCLEAN_STOP_TITLE
    assert message.message.startswith(
        f"The desk stopped at {last_seen.astimezone():%H:%M} while 3 positions were open, without shutting "
        "down cleanly"
    )
    assert message.message.endswith(desk.account())
    [notice] = notices(events, UNCLEAN_STOP_TITLE)
    assert notice.level is NoticeLevel.WARNING and "3 positions were open" in notice.text


def test_a_clean_stop_removes_the_marker_so_the_next_start_is_quiet(
    qtbot: QtBot, inbox: Inbox, tmp_path: Path
) -> None:
    first = service_for(EventHub(), inbox.json_url(), tmp_path)
    assert (tmp_path / "running.json").exists()
    first.stop()
    assert not (tmp_path / "running.json").exists()
    second = service_for(EventHub(), inbox.json_url(), tmp_path)
    assert second.start() is None  # a second start of the same service changes nothing
    qtbot.wait(500)
    assert inbox.received == []
    second.stop()


def test_a_failing_channel_is_said_once_in_the_event_log_not_per_alert(
    qtbot: QtBot, inbox: Inbox, tmp_path: Path
) -> None:
    hub = EventHub()
    events: list[Event] = []
    hub.stream.connect(events.append)
    inbox.mode = "fail"
    service = service_for(hub, inbox.json_url(), tmp_path)
    for _ in range(10):
        hub.publish(ERROR)
    qtbot.waitUntil(lambda: bool(notices(events, CHANNEL_FAILING_TITLE)), timeout=10_000)
    qtbot.wait(1000)
    [failing] = notices(events, CHANNEL_FAILING_TITLE)
    assert failing.level is NoticeLevel.WARNING
    assert failing.text.startswith("Phone: Failed to send JSON POST notification: Internal server error")
    inbox.mode = "ok"
    qtbot.waitUntil(lambda: bool(notices(events, CHANNEL_WORKING_TITLE)), timeout=15_000)
    assert len(notices(events, CHANNEL_FAILING_TITLE)) == 1
    assert sum(int(m.title.split("×")[0]) if "×" in m.title else 1 for m in inbox.received) == 10
    service.stop()


def test_a_channel_whose_url_is_not_in_the_keyring_is_said_once(
    qtbot: QtBot, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    hub = EventHub()
    events: list[Event] = []
    hub.stream.connect(events.append)
    service = service_for(hub, None, tmp_path)
    [notice] = notices(events, CHANNEL_NO_URL_TITLE)
    assert notice.text == (
        "Phone: the system keyring holds no URL for it. Enter its URL again in Settings > Alerts; no alerts "
        "go there until then."
    )
    assert service.workers == []
    service.stop()


def test_settings_saved_apply_at_once_to_what_is_sent(qtbot: QtBot, inbox: Inbox, tmp_path: Path) -> None:
    hub = EventHub()
    service = service_for(hub, inbox.json_url(), tmp_path, trade_error=False)
    hub.publish(ERROR)
    qtbot.wait(300)
    assert inbox.received == []
    service.apply(AlertSettings(channels=(PHONE,)))
    hub.publish(ERROR)
    [message] = inbox.wait_for(1)
    assert message.message == "BUY EURUSD: Market closed (code 10018)"  # no account known yet
    service.apply(AlertSettings(channels=(AlertChannel(PHONE.id, PHONE.name, enabled=False),)))
    assert service.workers == []
    service.stop()


def test_a_desk_that_never_connects_is_alerted_after_the_chosen_time_and_the_start_grace(
    qtbot: QtBot, inbox: Inbox, tmp_path: Path
) -> None:
    hub = EventHub()
    service = service_for(hub, inbox.json_url(), tmp_path, grace_s=1.5, connection_after_s=1)
    hub.publish(
        StatusUpdate(
            status=TerminalStatus(
                state=ConnectionState.RECONNECTING, mt5_connected=False, message="IPC initialize failed"
            )
        )
    )
    qtbot.wait(1000)
    assert inbox.received == []  # within the grace a start's connecting is not worth an alert
    [message] = inbox.wait_for(1, timeout_s=5)
    assert message.title == "MetaTrader 5 not connected"
    assert message.message.startswith("IPC initialize failed. The desk started at ")
    service.stop()


def test_a_terminal_that_stops_answering_is_alerted_as_stale(
    qtbot: QtBot, inbox: Inbox, tmp_path: Path
) -> None:
    hub = EventHub()
    service = service_for(hub, inbox.json_url(), tmp_path, connection_after_s=1)
    up = TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True, account_number=51234567)
    hub.publish(StatusUpdate(status=up))
    hub.publish(
        StatusUpdate(
            status=TerminalStatus(
                state=ConnectionState.STALE,
                mt5_connected=True,
                account_number=51234567,
                message="MetaTrader 5 has not answered for 31 s (busy or frozen terminal)",
            )
        )
    )
    [message] = inbox.wait_for(1, timeout_s=5)
    assert message.title == "MetaTrader 5 not answering"
    assert message.message.endswith("Account ••••4567")
    hub.publish(StatusUpdate(status=up))
    back = inbox.wait_for(2, timeout_s=5)[1]
    assert back.title == "Connection restored"
    service.stop()


def test_alert_times_are_the_desks_local_clock(qtbot: QtBot) -> None:
    from app.alerts.texts import clock_time

    moment = datetime(2026, 11, 18, 13, 2, tzinfo=UTC)
    assert clock_time(moment, moment) == f"{moment.astimezone():%H:%M}"
    assert clock_time(moment, datetime(2026, 11, 20, tzinfo=UTC)) == f"{moment.astimezone():%d %b %H:%M}"
