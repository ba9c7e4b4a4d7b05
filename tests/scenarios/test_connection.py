"""Disconnecting from MetaTrader 5 and connecting again from the tool bar."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect

from app.core.toast_text import Toast
from app.ui.shell.notifier import InWindowToasts
from tests.one_account import MAIN
from tests.scenarios.conftest import Desktop
from tests.scenarios.driver import click, toolbar_button


def test_disconnect_stops_following_the_terminal_and_connect_catches_up(desktop: Desktop) -> None:
    window = desktop.window
    click(toolbar_button(window, "Disconnect"))

    desktop.qtbot.waitUntil(lambda: window.indicator.text().startswith("Disconnected"), timeout=10_000)
    assert "Disconnected on request" in window.indicator.text()
    assert toolbar_button(window, "Connect").isEnabled()
    assert desktop.wait_for_log("Connection disconnected")["Text"] == "Disconnected on request"
    shown = [toast.title for toast in toasts(desktop)]
    assert "Connection to MetaTrader 5 lost" not in shown  # asked for: no alarm, no "reconnects by itself"
    opened_meanwhile = int(desktop.sim.open_external("GBPUSD", "sell", 0.3))
    desktop.qtbot.wait(1000)  # two position loops' worth: a connected desk would have shown it
    assert window.positions.model.row_of((MAIN, opened_meanwhile)) is None

    click(toolbar_button(window, "Connect"))

    desktop.qtbot.waitUntil(lambda: window.indicator.text().startswith("Connected"), timeout=10_000)
    desktop.wait_for_row(opened_meanwhile)
    assert desktop.wait_for_log("Connection connected")["Level"] == "Info"
    assert toolbar_button(window, "Disconnect").isEnabled()


def toasts(desktop: Desktop) -> list[Toast]:
    """The notifications on screen (in the window: the test display has no system tray)."""
    sink = desktop.window.notifier.sink
    assert isinstance(sink, InWindowToasts)
    return sink.visible_toasts()


def test_the_toast_for_a_lost_link_covers_neither_the_account_panel_nor_the_positions(
    desktop: Desktop,
) -> None:
    window = desktop.window
    desktop.sim.disconnect()  # the terminal stops answering: a loss, not a request

    desktop.qtbot.waitUntil(lambda: "Connection to MetaTrader 5 lost" in titles(desktop), timeout=10_000)

    sink = window.notifier.sink
    assert isinstance(sink, InWindowToasts)
    (toast,) = [w for w in sink.widgets() if w.toast.title == "Connection to MetaTrader 5 lost"]
    assert toast.isVisible() and "The desk reconnects by itself" in toast.toast.text
    covered = toast.geometry()
    for important in (window.account, window.left_tabs):
        assert not covered.intersects(QRect(important.mapTo(window, QPoint(0, 0)), important.size()))
    desktop.sim.restore()


def titles(desktop: Desktop) -> list[str]:
    return [toast.title for toast in toasts(desktop)]
