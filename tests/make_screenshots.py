"""Screenshots for the README: `QT_QPA_PLATFORM=offscreen python -m tests.make_screenshots [mode]`.

Builds a realistic demo desk (tests/screenshot_scene.py: eight simulated hours of trading on the simulator,
journal and equity samples filled as the engine would), then the real main window, order ticket and a toast,
grabbed into resources/screenshots/. The Trade tab is shot maximised (trade_tab.png, trade_tab_menu.png with
a row's menu open): run it under Xvfb with openbox at 1366×768 for those. `alerts` makes only the Settings >
Alerts picture; `training` only the training dialog's, on a 1366×768 screen (the offscreen platform is given
one); `accounts` only the account strip and the positions table of a desk of three demo accounts (USD, EUR,
USD); `models` only the Models dock and the Models tab (models.png, maximised: Xvfb and openbox at 1366×768)
after two models trained on the simulator's bars traded through the session.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PyQt6 import sip
from PyQt6.QtCore import QEventLoop, Qt, QTimer
from PyQt6.QtWidgets import QApplication, QSplitter

from app.alerts.channel_secrets import ChannelSecrets
from app.alerts.transport import Delivery
from app.core.enums import Backend, ConnectionState, Side
from app.core.events import AutoTradeExecuted, TradeError
from app.core.settings import AlertChannel, AlertSettings, Settings
from app.core.target import TerminalTarget
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import JournalQueries, TerminalQueries
from app.terminal.adapter import Terminal
from app.terminal.simulator import ClockSpec, ManualClock, SimulatedTerminal
from app.ui.settings.credentials import CredentialStore, SessionPasswords
from app.ui.settings.settings_dialog import SettingsDialog
from app.ui.shell.main_window import MainWindow
from app.ui.shell.notifier import ToastWidget
from app.ui.shell.theme import apply_theme
from tests.one_account import MAIN
from tests.screenshot_scene import END, MODELS, build_history

OUT = Path(__file__).resolve().parent.parent / "resources" / "screenshots"


# The session ends now, so journal history and live points share one time line (run it on a weekday:
# FX and gold are closed at weekends, as in MetaTrader 5).
def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def alerts_settings() -> None:
    """Settings > Alerts with two channels (URLs in an in-memory keyring), one just tested."""
    import keyring

    from tests.ui.settings.test_settings_dialog import MemoryKeyring

    class DesktopKeyring(MemoryKeyring):
        name = "SecretService Keyring"  # what a Linux desktop's keyring calls itself

    keyring.set_keyring(DesktopKeyring())  # the developer's own keyring stays untouched
    store = ChannelSecrets()
    store.put("k3x9q2aa", "ntfys://ntfy.sh/desk-7f3k2q9w")
    store.put("t8m2v5bb", "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321")
    channels = (AlertChannel("k3x9q2aa", "My phone (ntfy)"), AlertChannel("t8m2v5bb", "Telegram"))
    settings = Settings(alerts=AlertSettings(channels=channels, auto_trade=False))
    dialog = SettingsDialog(settings, CredentialStore(), SessionPasswords(), alert_secrets=store)
    dialog.tabs.setCurrentWidget(dialog.alerts_page)
    dialog.resize(760, 640)
    dialog.show()
    dialog.alerts_page.rows[0].show_result(Delivery(True, seconds=0.4))
    wait(400)
    dialog.grab().save(str(OUT / "alerts_settings.png"))
    dialog.close()


def first_hour_chart() -> None:
    """The Equity tab of a desk that has run for an hour, at a first start's size: the hour fills the day."""
    from app.core.events import AccountUpdate
    from app.ui.charts.charts import EquityChart

    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(END - timedelta(hours=1))
        sim = SimulatedTerminal(clock=clock, state_path=Path(folder) / "sim.json")
        sim.initialize()
        terminal = Terminal(sim, Backend.SIM)
        terminal.connect()
        for symbol, side, volume in (("EURUSD", "buy", 2.0), ("XAUUSD", "sell", 0.5), ("USDJPY", "buy", 1.0)):
            sim.open_external(symbol, side, volume)
        chart = EquityChart()
        chart.resize(560, 330)
        chart.show()
        while clock.now() <= END.timestamp():
            at = datetime.fromtimestamp(clock.now(), UTC)
            chart.apply(AccountUpdate(account=terminal.account(), timestamp=at))
            clock.advance(10)
        chart.flush()
        wait(400)
        chart.grab().save(str(OUT / "chart_first_hour.png"))
        chart.close()
        sim.shutdown()


def risk_settings(currency: str = "USD") -> None:
    """Settings > Risk: every limit with what it does and its bounds, one refused with its reason."""
    dialog = SettingsDialog(Settings(), CredentialStore(), SessionPasswords(), account_currency=currency)
    dialog.tabs.setCurrentWidget(dialog.risk_page)
    dialog.risk_page.boxes["max_trades_per_day"].setValue(20_000)  # beyond its bound: refused, and why
    dialog.resize(760, 720)
    dialog.show()
    wait(400)
    dialog.grab().save(str(OUT / "risk_settings.png"))
    dialog.close()


def training_dialog() -> None:
    """The training dialog after a run on the simulator's EURUSD H1, on a 1366×768 screen: the dialog
    alone, and the whole screen with the desk behind it (to show it fits)."""
    from PyQt6.QtGui import QPainter, QPixmap

    from app.ui.models.training_dialog import TrainingDialog

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        desk = Desk(
            DeskConfig(
                target=TerminalTarget(Backend.SIM, sim_state_file=str(home / "sim.json")),
                database_file=home / "journal.sqlite3",
                intervals=Intervals(0.5, 1.0, 1.0, 2.0),
                sim_clock=ClockSpec(),
            )
        )
        queries = TerminalQueries(desk.host)
        window = MainWindow(desk.hub, desk.state, Settings(), terminal_queries=queries, models_dir=home)
        window.showMaximized()
        desk.start()
        for _ in range(100):
            wait(100)
            if desk.state.of(MAIN).status.state is ConnectionState.CONNECTED and desk.state.of(MAIN).account:
                break
        dialog = window.open_training_dialog()
        assert isinstance(dialog, TrainingDialog)
        for _ in range(100):
            wait(100)
            if dialog.ready and dialog.inputs.symbol_combo.count():
                break
        dialog.inputs.symbol_combo.setEditText("EURUSD")
        dialog.inputs.timeframe_combo.setCurrentText("H1")
        dialog.inputs.bars_spin.setValue(6000)
        dialog.inputs.lots_spin.setValue(0.1)
        dialog.start_training()
        for _ in range(600):
            wait(100)
            if not dialog.busy:
                break
        wait(500)
        dialog.grab().save(str(OUT / "training.png"))
        screen = QPixmap(window.screen().size())
        painter = QPainter(screen)
        painter.drawPixmap(window.frameGeometry().topLeft(), window.grab())
        painter.drawPixmap(dialog.geometry().topLeft(), dialog.grab())
        painter.end()
        screen.save(str(OUT / "training_1366x768.png"))
        dialog.close()
        window.quit()
        desk.stop()


def several_accounts() -> None:
    """A desk of three demo accounts (USD, EUR, USD) with positions in each, twenty market minutes on: the
    account strip with its totals per currency, the status bar's light per account, the positions table."""
    from tests.ui.three_accounts import ACCOUNT_IDS, EUR, USD_1, USD_2, connected, open_desktop

    trades = {
        USD_1: (("EURUSD", "buy", 0.5), ("XAUUSD", "sell", 0.1)),
        EUR: (("EURUSD", "sell", 1.0), ("GBPUSD", "buy", 0.3), ("USDJPY", "buy", 0.8)),
        USD_2: (("BTCUSD", "buy", 0.05), ("AUDUSD", "sell", 0.4)),
    }
    with tempfile.TemporaryDirectory() as folder:
        desktop = open_desktop(Path(folder))
        window = desktop.window
        window.resize(1366, 698)  # a 1366x768 laptop screen less a taskbar and the title bar
        for _ in range(300):
            wait(100)
            if all(connected(desktop.desk, a) and desktop.desk.state.of(a).account for a in ACCOUNT_IDS):
                break
        for account_id, orders in trades.items():
            for symbol, side, volume in orders:
                desktop.sim(account_id).open_external(symbol, side, volume)
        for account_id in ACCOUNT_IDS:
            desktop.sim(account_id).clock.advance(20 * 60)  # the market moves: P&L of both signs
        for _ in range(100):
            wait(100)
            if desktop.desk.state.position_count == 7:
                break
        wait(2500)
        window.grab().save(str(OUT / "accounts_window.png"))
        window.account.grab().save(str(OUT / "accounts_strip.png"))
        window.left_tabs.grab().save(str(OUT / "accounts_positions.png"))  # every column, as it fits
        window.quit()
        assert desktop.desk.stop(20)


def models_window() -> None:
    """The Models dock and the Models tab, maximised, after eight hours of two models trading: one still
    on (auto-trading on, its live signal in), one switched off three hours ago."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        build_history(home, MODELS)
        desk = Desk(
            DeskConfig(
                target=TerminalTarget(Backend.SIM, sim_state_file=str(home / "sim.json")),
                database_file=home / "journal.sqlite3",
                intervals=Intervals(0.5, 1.0, 1.0, 2.0),
                sim_clock=ClockSpec(),
            )
        )
        window = MainWindow(
            desk.hub,
            desk.state,
            Settings(),
            terminal_queries=TerminalQueries(desk.host),
            journal_queries=JournalQueries(desk.journal),
            models_dir=home / "models",
        )
        window.command_requested.connect(desk.submit)  # the master switch and the model switches, as the app
        window.showMaximized()
        desk.start()
        for _ in range(100):
            wait(100)
            if desk.state.of(MAIN).status.state is ConnectionState.CONNECTED and desk.state.of(MAIN).account:
                break
        window.auto_trading_action.trigger()
        window.right_tabs.setCurrentWidget(window.dashboard)
        table = window.model_dock.model
        for _ in range(900):  # an M1 model predicts when the next minute's bar closes
            wait(100)
            summaries = [table.entry(row).summary for row in range(table.rowCount())]
            if any(s.last_signal is not None for s in summaries):
                break
        on = next(row for row in range(table.rowCount()) if table.entry(row).summary.enabled)
        window.model_dock.table.selectRow(on)  # Settings… and Export… act on it
        window.dashboard.select_model(table.entry(on).summary.model_id)
        # Arranged as a trader watching models would on a laptop: the dock fitted to its two rows, the account
        # panel pushed up (the positions' bottom line keeps balance, equity and margin), the right side for
        # the live-vs-backtest figures and the curve.
        dock_table = window.model_dock.table
        rows = dock_table.horizontalHeader().height() + dock_table.verticalHeader().length()
        dock_height = window.model_dock.height() - dock_table.height() + rows + 2 * dock_table.frameWidth()
        window.resizeDocks([window.model_dock], [dock_height], Qt.Orientation.Vertical)
        window.right_split.setSizes([0, sum(window.right_split.sizes())])
        wait(300)
        figures = window.dashboard.table  # every row of the figures, the curve below them
        split = window.dashboard.findChild(QSplitter)
        assert split is not None
        whole = (
            figures.horizontalHeader().height() + figures.verticalHeader().length() + 2 * figures.frameWidth()
        )
        split.setSizes([whole, sum(split.sizes()) - whole])
        wait(1500)
        for _ in range(150):  # a model's trade is announced by a toast over the curve: let it go first
            if not any(toast.isVisible() for toast in window.findChildren(ToastWidget)):
                break
            wait(100)
        wait(500)
        window.grab().save(str(OUT / "models.png"))
        window.quit()
        desk.stop()


def trade_tab(window: MainWindow) -> None:
    """The Trade tab maximised (1366 px wide under Xvfb), then with a row's context menu open."""
    window.showMaximized()
    window.left_tabs.setCurrentWidget(window.positions)
    wait(1500)
    window.grab().save(str(OUT / "trade_tab.png"))
    table = window.positions.table
    at = table.visualRect(table.model().index(1, 0)).center()
    screen = window.screen()

    def grab_and_close() -> None:
        geometry = window.frameGeometry()  # the screen there: the menu is a window of its own
        shot = screen.grabWindow(
            sip.voidptr(0), geometry.x(), geometry.y(), geometry.width(), geometry.height()
        )
        shot.save(str(OUT / "trade_tab_menu.png"))
        menu = QApplication.activePopupWidget()
        if menu is not None:
            menu.close()

    QTimer.singleShot(1200, grab_and_close)
    window.positions._show_context_menu(at)  # a screenshot, not a test: open the menu as a right-click does
    window.showNormal()


def main() -> int:
    if sys.argv[1:] == ["training"] and os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        config = Path(tempfile.mkdtemp()) / "screen.json"
        config.write_text(json.dumps({"screens": [{"name": "laptop", "width": 1366, "height": 768}]}))
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app, Settings().ui.theme)
    OUT.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["alerts"]:
        alerts_settings()
        print(f"screenshot written to {OUT / 'alerts_settings.png'}")
        return 0
    if sys.argv[1:] == ["risk"]:
        risk_settings()
        first_hour_chart()
        print(f"screenshot written to {OUT / 'risk_settings.png'}")
        return 0
    if sys.argv[1:] == ["first-hour"]:
        first_hour_chart()
        print(f"screenshot written to {OUT / 'chart_first_hour.png'}")
        return 0
    if sys.argv[1:] == ["accounts"]:
        several_accounts()
        print(f"screenshots written to {OUT / 'accounts_strip.png'} and {OUT / 'accounts_positions.png'}")
        return 0
    if sys.argv[1:] == ["models"]:
        models_window()
        print(f"screenshot written to {OUT / 'models.png'}")
        return 0
    if sys.argv[1:] == ["training"]:
        training_dialog()
        print(f"screenshots written to {OUT / 'training.png'} and {OUT / 'training_1366x768.png'}")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        build_history(home)
        desk = Desk(
            DeskConfig(
                target=TerminalTarget(Backend.SIM, sim_state_file=str(home / "sim.json")),
                database_file=home / "journal.sqlite3",
                intervals=Intervals(0.5, 1.0, 1.0, 2.0),
                sim_clock=ClockSpec(),
            )
        )
        queries = TerminalQueries(desk.host)
        window = MainWindow(
            desk.hub,
            desk.state,
            Settings(),
            terminal_queries=queries,
            journal_queries=JournalQueries(desk.journal),
        )
        window.resize(1366, 800)
        window.show()
        desk.start()
        for _ in range(100):
            wait(100)
            if (
                desk.state.of(MAIN).status.state is ConnectionState.CONNECTED
                and desk.state.of(MAIN).positions
            ):
                break
        window.equity_chart.show_range("1d")
        wait(1500)
        window.grab().save(str(OUT / "main_window.png"))
        window.right_tabs.grab().save(str(OUT / "charts.png"))
        window.right_tabs.setCurrentWidget(window.pnl_chart)
        wait(600)
        window.right_tabs.grab().save(str(OUT / "pnl_by_symbol.png"))
        window.right_tabs.setCurrentWidget(window.equity_chart)

        sizes = window.main_split.sizes()
        window.main_split.setSizes([sum(sizes), 0])  # the tables' every column, Comment included
        window.left_tabs.setCurrentWidget(window.history)  # a close in two parts is two rows
        wait(1500)
        window.left_tabs.grab().save(str(OUT / "history.png"))
        window.left_tabs.setCurrentWidget(window.deals)
        wait(1500)
        window.left_tabs.grab().save(str(OUT / "deals.png"))
        window.left_tabs.setCurrentWidget(window.positions)
        window.main_split.setSizes(sizes)

        ticket = window.open_order_ticket()
        assert ticket is not None
        wait(2500)
        ticket.grab().save(str(OUT / "order_ticket.png"))
        ticket.close()

        desk.hub.publish(
            AutoTradeExecuted(
                model_id="m1",
                model_name="Trend EURUSD M1",
                trade_id="3f2a9c1b7e",
                direction=Side.BUY,
                symbol="EURUSD",
                confidence=0.72,
                entry_price=1.08512,
                stop_loss=1.08312,
                take_profit=1.08912,
                lot_size=0.1,
                digits=5,
            )
        )
        desk.hub.publish(
            TradeError(
                trade_id="9b1e04c2aa",
                symbol="GBPUSD",
                order_type="SELL",
                error="Not enough free margin: 2,540.00 USD required, 1,980.40 USD free",
                code=10019,
            )
        )
        wait(600)
        window.grab().save(str(OUT / "toast.png"))
        trade_tab(window)
        alerts_settings()
        risk_settings()
        first_hour_chart()
        window.quit()
        desk.stop()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
