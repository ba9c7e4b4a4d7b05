"""Notifier: toast texts per event, mutes, connection lost/restored, tray and in-window delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from PyQt6.QtCore import QPoint, QRect, Qt
from PyQt6.QtWidgets import QLabel, QMainWindow, QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from app.core.enums import ConnectionState, NoticeLevel, Side
from app.core.events import AutoTradeExecuted, Notice, PnlUpdate, StatusUpdate, TradeError
from app.core.models import DISCONNECTED_ON_REQUEST, TerminalStatus
from app.core.settings import NotificationSettings
from app.core.toast_text import Toast, ToastIcon, ToastKind, toast_for
from app.engine.hub import EventHub
from app.ui.shell.notifier import InWindowToasts, Notifier, TraySink, choose_sink, drawable

AT = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
LOST = "Connection to MetaTrader 5 lost"


class RecordingSink:
    """A ToastSink that keeps what it was asked to show."""

    def __init__(self) -> None:
        self.shown: list[Toast] = []

    def show_toast(self, toast: Toast) -> None:
        self.shown.append(toast)


class RecordingTray(QSystemTrayIcon):
    """A real tray icon that records showMessage calls instead of asking the desktop (tray double)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, str, QSystemTrayIcon.MessageIcon, int]] = []

    def showMessage(  # type: ignore[override]  # PyQt6's overloads (with a QIcon) are not all replaced
        self,
        title: str | None,
        msg: str | None,
        icon: QSystemTrayIcon.MessageIcon = QSystemTrayIcon.MessageIcon.Information,
        msecs: int = 10000,
    ) -> None:
        self.messages.append((title or "", msg or "", icon, msecs))


def auto_trade(**changes: Any) -> AutoTradeExecuted:
    fields: dict[str, object] = {
        "model_id": "m-1",
        "model_name": "Trend M1",
        "trade_id": "t-1",
        "direction": Side.BUY,
        "symbol": "EURUSD",
        "confidence": 0.72,
        "entry_price": 1.08512,
        "stop_loss": 1.08,
        "take_profit": 1.09,
        "lot_size": 0.1,
        "digits": 5,
        "timestamp": AT,
    }
    fields.update(changes)
    return AutoTradeExecuted(**fields)  # type: ignore[arg-type]


def trade_error(code: int | None = 10019) -> TradeError:
    return TradeError(
        trade_id="t-2", symbol="EURUSD", order_type="SELL", error="Not enough money", code=code, timestamp=AT
    )


def status(state: ConnectionState, message: str = "") -> StatusUpdate:
    return StatusUpdate(status=TerminalStatus(state=state, mt5_connected=True, message=message))


def lost_notice() -> Notice:
    return Notice(level=NoticeLevel.ERROR, title=LOST, text="IPC timeout.")


CONNECTED, STALE = ConnectionState.CONNECTED, ConnectionState.STALE
DISCONNECTED, RECONNECTING = ConnectionState.DISCONNECTED, ConnectionState.RECONNECTING


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def notifier(sink: RecordingSink) -> Notifier:
    return Notifier(sink)


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    widget.resize(800, 600)
    qtbot.addWidget(widget)
    widget.show()
    return widget


# --- what the toasts say ----------------------------------------------------------------------------


def test_auto_trade_toast_names_model_direction_lots_symbol_price_and_confidence() -> None:
    assert toast_for(auto_trade()) == Toast(
        title="🤖 Auto-Trade Executed",
        text="Trend M1 · BUY 0.10 EURUSD @ 1.08512 · confidence 72%",
        icon=ToastIcon.INFO,
        duration_ms=8000,
        kind=ToastKind.AUTO_TRADE,
    )


def test_auto_trade_toast_uses_the_symbols_precision() -> None:
    toast = toast_for(
        auto_trade(direction=Side.SELL, symbol="USDJPY", entry_price=151.2, lot_size=1.5, digits=3)
    )
    assert toast is not None
    assert toast.text == "Trend M1 · SELL 1.50 USDJPY @ 151.200 · confidence 72%"


def test_auto_trade_toast_of_unknown_precision_shows_the_price_as_it_came() -> None:
    toast = toast_for(auto_trade(symbol="BTCUSD", entry_price=57451.94, lot_size=1, digits=None))
    assert toast is not None
    assert toast.text == "Trend M1 · BUY 1.00 BTCUSD @ 57451.94 · confidence 72%"


def test_trade_error_toast_names_order_type_symbol_reason_and_code() -> None:
    assert toast_for(trade_error()) == Toast(
        title="Trade Execution Error",
        text="SELL EURUSD: Not enough money (code 10019)",
        icon=ToastIcon.CRITICAL,
        duration_ms=6000,
        kind=ToastKind.TRADE_ERROR,
    )


def test_trade_error_never_sent_has_no_code() -> None:
    toast = toast_for(trade_error(code=None))
    assert toast is not None
    assert toast.text == "SELL EURUSD: Not enough money"


def test_error_notice_becomes_a_toast() -> None:
    notice = Notice(level=NoticeLevel.ERROR, title="Journal write failed", text="Disk full.")
    assert toast_for(notice) == Toast(
        "Journal write failed", "Disk full.", ToastIcon.CRITICAL, 6000, ToastKind.NOTICE
    )


@pytest.mark.parametrize("level", [NoticeLevel.INFO, NoticeLevel.WARNING])
def test_info_and_warning_notices_stay_in_the_log(level: NoticeLevel) -> None:
    assert toast_for(Notice(level=level, title="Order executed", text="BUY 0.1 EURUSD")) is None


def test_connection_lost_toast() -> None:
    assert toast_for(status(DISCONNECTED, "IPC timeout."), previous_state=CONNECTED) == Toast(
        LOST,
        "IPC timeout. The desk reconnects by itself; figures on screen may be out of date until then.",
        ToastIcon.CRITICAL,
        6000,
        ToastKind.CONNECTION,
    )


def test_connection_restored_toast() -> None:
    assert toast_for(status(CONNECTED), previous_state=RECONNECTING) == Toast(
        "Connection restored",
        "MetaTrader 5 answers again; positions and account are live.",
        ToastIcon.INFO,
        6000,
        ToastKind.CONNECTION,
    )


@pytest.mark.parametrize(
    ("previous", "state"),
    [
        (None, CONNECTED),
        (None, DISCONNECTED),
        (CONNECTED, STALE),
        (STALE, CONNECTED),
        (DISCONNECTED, RECONNECTING),
    ],
)
def test_no_connection_toast_for_other_transitions(
    previous: ConnectionState | None, state: ConnectionState
) -> None:
    assert toast_for(status(state), previous_state=previous) is None


def test_events_without_a_toast() -> None:
    assert toast_for(PnlUpdate(pnl={}, floating_total=0.0, equity=1.0)) is None


# --- the notifier ------------------------------------------------------------------------------------


def test_no_toast_on_the_very_first_connect(notifier: Notifier, sink: RecordingSink) -> None:
    for state in (DISCONNECTED, RECONNECTING, RECONNECTING, CONNECTED):
        notifier.apply(status(state))
    assert sink.shown == []


def test_lost_then_restored(notifier: Notifier, sink: RecordingSink) -> None:
    for state in (CONNECTED, DISCONNECTED, RECONNECTING, CONNECTED):
        notifier.apply(status(state))
    assert [toast.title for toast in sink.shown] == [LOST, "Connection restored"]


def test_the_workers_lost_notice_after_the_lost_status_toasts_once(
    notifier: Notifier, sink: RecordingSink
) -> None:
    notifier.apply(status(CONNECTED))
    notifier.apply(status(DISCONNECTED, "IPC timeout."))
    notifier.apply(lost_notice())
    assert [toast.title for toast in sink.shown] == [LOST]


def test_a_second_loss_toasts_again(notifier: Notifier, sink: RecordingSink) -> None:
    for state in (CONNECTED, DISCONNECTED, CONNECTED, RECONNECTING):
        notifier.apply(status(state))
    assert [toast.title for toast in sink.shown] == [LOST, "Connection restored", LOST]


def test_every_shown_toast_is_emitted_as_notified(qtbot: QtBot, notifier: Notifier) -> None:
    with qtbot.waitSignal(notifier.notified) as signal:
        notifier.apply(auto_trade())
    assert signal.args == [toast_for(auto_trade())]


@pytest.mark.parametrize(
    ("settings", "event"),
    [
        (NotificationSettings(auto_trade=False), auto_trade()),
        (NotificationSettings(trade_error=False), trade_error()),
        (NotificationSettings(connection=False), lost_notice()),
    ],
)
def test_muted_kinds_are_neither_shown_nor_emitted(
    qtbot: QtBot, sink: RecordingSink, settings: NotificationSettings, event: object
) -> None:
    notifier = Notifier(sink, settings)
    with qtbot.assertNotEmitted(notifier.notified):
        assert notifier.apply(event) is None  # type: ignore[arg-type]
    assert sink.shown == []


def test_muting_connection_silences_lost_and_restored(sink: RecordingSink) -> None:
    notifier = Notifier(sink, NotificationSettings(connection=False))
    for state in (CONNECTED, DISCONNECTED, CONNECTED):
        notifier.apply(status(state))
    assert sink.shown == []


def test_muting_one_kind_leaves_the_others(sink: RecordingSink) -> None:
    notifier = Notifier(sink, NotificationSettings(auto_trade=False))
    notifier.apply(auto_trade())
    notifier.apply(trade_error())
    assert [toast.kind for toast in sink.shown] == [ToastKind.TRADE_ERROR]


def test_set_settings_applies_from_the_next_event(notifier: Notifier, sink: RecordingSink) -> None:
    notifier.set_settings(NotificationSettings(trade_error=False))
    notifier.apply(trade_error())
    notifier.set_settings(NotificationSettings())
    notifier.apply(trade_error())
    assert len(sink.shown) == 1


def test_follows_the_hub(notifier: Notifier, sink: RecordingSink) -> None:
    hub = EventHub()
    notifier.subscribe(hub)
    hub.publish(auto_trade())
    hub.publish(trade_error())
    hub.publish(Notice(level=NoticeLevel.ERROR, title="Journal write failed", text="Disk full."))
    assert [toast.kind for toast in sink.shown] == [
        ToastKind.AUTO_TRADE,
        ToastKind.TRADE_ERROR,
        ToastKind.NOTICE,
    ]


# --- delivery ----------------------------------------------------------------------------------------


def test_tray_double_receives_auto_trade_for_8_s_and_errors_for_6_s(window: QWidget) -> None:
    tray = RecordingTray()
    notifier = Notifier(choose_sink(window, tray, tray_available=lambda: True))
    notifier.apply(auto_trade())
    notifier.apply(trade_error())
    assert tray.messages == [
        (
            "🤖 Auto-Trade Executed",
            "Trend M1 · BUY 0.10 EURUSD @ 1.08512 · confidence 72%",
            QSystemTrayIcon.MessageIcon.Information,
            8000,
        ),
        (
            "Trade Execution Error",
            "SELL EURUSD: Not enough money (code 10019)",
            QSystemTrayIcon.MessageIcon.Critical,
            6000,
        ),
    ]


def test_tray_is_used_when_available(window: QWidget) -> None:
    tray = RecordingTray()
    sink = choose_sink(window, tray, tray_available=lambda: True)
    assert isinstance(sink, TraySink)
    assert sink.tray is tray


@pytest.mark.parametrize("with_tray", [False, True])
def test_in_window_fallback_without_a_usable_tray(window: QWidget, with_tray: bool) -> None:
    tray = RecordingTray() if with_tray else None
    notifier = Notifier(choose_sink(window, tray, tray_available=lambda: False))
    notifier.apply(trade_error())
    assert isinstance(notifier.sink, InWindowToasts)
    [widget] = notifier.sink.widgets()
    texts = [label.text() for label in widget.findChildren(QLabel)]
    assert texts == ["<b>Trade Execution Error</b>", "SELL EURUSD: Not enough money (code 10019)"]
    assert widget.isVisible()
    assert tray is None or tray.messages == []


def test_for_window_without_tray_shows_toasts_in_the_window(window: QWidget) -> None:
    notifier = Notifier.for_window(window)
    notifier.apply(auto_trade())
    assert isinstance(notifier.sink, InWindowToasts)
    assert [toast.kind for toast in notifier.sink.visible_toasts()] == [ToastKind.AUTO_TRADE]


def make_toast(title: str, duration_ms: int = 60_000) -> Toast:
    return Toast(title, "text", ToastIcon.INFO, duration_ms, ToastKind.NOTICE)


def test_in_window_stack_puts_the_newest_nearest_the_bottom_left_corner(window: QWidget) -> None:
    toasts = InWindowToasts(window)
    toasts.show_toast(make_toast("first"))
    toasts.show_toast(make_toast("second"))
    newest, older = toasts.widgets()
    assert newest.toast.title == "second"
    assert newest.y() > older.y()
    assert newest.x() < window.width() // 2 and newest.geometry().bottom() > window.height() // 2
    assert not newest.geometry().intersects(older.geometry())


def test_in_window_toasts_stay_inside_the_area_they_are_given(window: QWidget) -> None:
    area = QRect(400, 100, 380, 150)  # room for two
    toasts = InWindowToasts(window, area=lambda: area)
    for number in range(4):
        toasts.show_toast(make_toast(f"toast {number}"))
    shown = toasts.widgets()
    assert shown and all(area.contains(widget.geometry()) for widget in shown)
    assert len(shown) < 4  # as many as the area holds; the oldest went
    assert shown[0].toast.title == "toast 3"


def test_in_a_main_window_toasts_keep_clear_of_the_tool_bar(qtbot: QtBot) -> None:
    window = QMainWindow()
    window.addToolBar("Trading").addAction("New order")
    window.setCentralWidget(QWidget())
    window.resize(800, 600)
    qtbot.addWidget(window)
    window.show()
    toasts = InWindowToasts(window)
    toasts.show_toast(make_toast("below the tool bar"))
    [widget] = toasts.widgets()
    central = window.centralWidget()
    assert central is not None and central.geometry().top() > 0
    assert widget.y() > central.geometry().top()


def test_in_window_stack_keeps_at_most_four(window: QWidget) -> None:
    toasts = InWindowToasts(window)
    for number in range(6):
        toasts.show_toast(make_toast(f"toast {number}"))
    assert [toast.title for toast in toasts.visible_toasts()] == ["toast 5", "toast 4", "toast 3", "toast 2"]


def test_in_window_toast_closes_after_its_duration(qtbot: QtBot, window: QWidget) -> None:
    toasts = InWindowToasts(window)
    toasts.show_toast(make_toast("brief", duration_ms=30))
    qtbot.waitUntil(lambda: toasts.widgets() == [], timeout=1000)


def test_in_window_toast_closes_on_click_and_the_rest_move_down(qtbot: QtBot, window: QWidget) -> None:
    toasts = InWindowToasts(window)
    toasts.show_toast(make_toast("older"))
    toasts.show_toast(make_toast("newer"))
    newer, older = toasts.widgets()
    corner = newer.y()
    qtbot.mouseClick(newer, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert toasts.widgets() == [older]
    assert newer.isHidden()
    assert older.y() == corner


def test_a_disconnect_the_trader_asked_for_raises_no_lost_toast_and_a_reconnect_is_still_told() -> None:
    sink = RecordingSink()
    notifier = Notifier(sink)
    up = StatusUpdate(status=TerminalStatus(state=ConnectionState.CONNECTED, mt5_connected=True))
    down = StatusUpdate(
        status=TerminalStatus(
            state=ConnectionState.DISCONNECTED, mt5_connected=False, message="Disconnected on request"
        )
    )
    notifier.apply(up)
    notifier.expect_disconnect()
    assert notifier.apply(down) is None
    restored = notifier.apply(up)
    assert restored is not None and restored.title == "Connection restored"
    lost = replace(down.status, message="IPC timeout")
    notifier.apply(StatusUpdate(status=lost))  # not asked for this time: a loss
    assert [toast.title for toast in sink.shown][-1] == "Connection to MetaTrader 5 lost"


def test_a_disconnect_asked_for_at_the_desk_reads_as_such_where_it_was_not_asked() -> None:
    toast = toast_for(
        StatusUpdate(
            status=TerminalStatus(
                state=ConnectionState.DISCONNECTED, mt5_connected=False, message=DISCONNECTED_ON_REQUEST
            )
        ),
        ConnectionState.CONNECTED,
    )  # e.g. in a viewer watching the desk, or an alert
    assert toast is not None and toast.title == "Disconnected from MetaTrader 5"
    assert toast.icon is ToastIcon.INFO and "reconnects by itself" not in toast.text
    assert toast.text.startswith(
        "Disconnected on request: the desk stops asking MetaTrader 5 until you connect"
    )


def test_a_lost_links_reason_ends_its_sentence_before_the_next_one() -> None:
    lost = TerminalStatus(
        state=ConnectionState.DISCONNECTED,
        mt5_connected=False,
        message="MetaTrader 5 is not running. Start MetaTrader 5 and log in",
    )
    toast = toast_for(StatusUpdate(status=lost), ConnectionState.CONNECTED)
    assert toast is not None
    assert toast.text.startswith(
        "MetaTrader 5 is not running. Start MetaTrader 5 and log in. The desk reconnects"
    )


def test_an_in_window_toast_title_drops_a_sign_no_installed_font_can_draw(window: QWidget) -> None:
    unknown = "\U0010fffd"  # private use: no font has it, so Qt would draw an empty square
    sink = InWindowToasts(window)
    sink.show_toast(make_toast(f"{unknown} Auto-Trade Executed"))
    (shown,) = sink.visible_toasts()
    titles = [label.text() for label in window.findChildren(QLabel) if "Auto-Trade" in label.text()]
    assert titles == ["<b>Auto-Trade Executed</b>"]
    assert shown.title.endswith("Auto-Trade Executed")


def test_text_the_font_draws_is_kept_whole(window: QWidget) -> None:
    text = "BUY 0.10 EURUSD @ 1.08512 · Überweisung"
    assert drawable(text, window.font()) == text
