"""MainWindow: the desk the trader looks at all day, assembled from the widgets; the same window serves
the trading desk and the read-only remote viewer (trading actions are absent there, not disabled)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PyQt6.QtCore import QPoint, QRect, QSettings, QSignalBlocker, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QTabWidget,
    QToolBar,
)

from app.core.account_directory import AccountFocus
from app.core.enums import ConnectionState
from app.core.events import Event, StatusUpdate
from app.core.settings import Settings, Theme
from app.core.state import DeskState
from app.engine.hub import EventHub
from app.engine.inflight import InFlightOrders
from app.engine.queries import JournalQueries, TerminalQueries
from app.ui.account.account_panel import AccountPanel
from app.ui.account.status_indicator import ConnectionIndicator
from app.ui.charts.charts import EquityChart, PnlBySymbolChart
from app.ui.charts.dashboard import PerformanceDashboard
from app.ui.history.deals_view import DealsView
from app.ui.history.history_view import HistoryView
from app.ui.history.symbol_digits import SymbolDigits
from app.ui.models.kill_switch_dialog import KILL_STYLE, MASTER_STYLE, master_text
from app.ui.models.model_dock import ModelDock
from app.ui.positions.positions_view import NEW_ORDER_KEYS, PositionsView
from app.ui.shell.event_log import EventLogView
from app.ui.shell.icons import app_icon
from app.ui.shell.notifier import Notifier
from app.ui.shell.theme import apply_theme
from app.ui.shell.trade_actions import TradeActions
from app.ui.shell.tray import TrayController
from app.ui.widgets.window_timer import WindowTimer

if TYPE_CHECKING:
    from app.ui.models.training_dialog import TrainingDialog
    from app.ui.trading.order_ticket import OrderTicket


class MainWindow(QMainWindow):
    """Positions, history and event log on the left; account, charts and model performance on the right;
    the models dock below; status at the bottom.

    The panels made for one account (account, charts, connection, order ticket, training) follow
    `trading_account` (None: the first account the desk lists); positions of every account are listed,
    and a close or modify goes to the position's own account.
    """

    order_requested = pyqtSignal(str, object)  # account id, OrderRequest, for the engine
    command_requested = pyqtSignal(object)  # any other engine command (models, auto-trading, kill switch)
    link_requested = pyqtSignal(bool)  # True: connect, False: disconnect
    settings_requested = pyqtSignal()
    theme_chosen = pyqtSignal(object)  # Theme
    quit_requested = pyqtSignal()

    def __init__(
        self,
        hub: EventHub,
        state: DeskState,
        settings: Settings,
        *,
        read_only: bool = False,
        terminal_queries: TerminalQueries | None = None,
        journal_queries: JournalQueries | None = None,
        window_state_file: Path | None = None,
        viewer_host: str | None = None,
        models_dir: Path | None = None,
        inflight: InFlightOrders | None = None,
        trading_account: str | None = None,
        terminal_queries_for: Callable[[str], TerminalQueries] | None = None,
    ) -> None:
        super().__init__()
        self.read_only = read_only
        self._state = state
        self._focus = AccountFocus(trading_account)
        self._settings = settings
        models_dir = None if read_only else models_dir
        self._window_state = (
            QSettings(str(window_state_file), QSettings.Format.IniFormat) if window_state_file else None
        )
        self._quitting = False
        self.setWindowTitle(f"MT5 Desk — viewing {viewer_host}" if viewer_host else "MT5 Desk")
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)

        self.positions = PositionsView(read_only=read_only)
        # Past deals carry no price digits: learned from the positions, else asked of the terminal.
        self.symbol_digits = SymbolDigits(terminal_queries, self)
        self.history = HistoryView(journal_queries, digits=self.symbol_digits)
        self.deals = DealsView(journal_queries, digits=self.symbol_digits)
        self.event_log = EventLogView()
        self.account = AccountPanel(journal_queries, mask_login=settings.remote.mask_account and read_only)
        self.equity_chart = EquityChart(journal_queries)
        self.pnl_chart = PnlBySymbolChart()
        self.indicator = ConnectionIndicator(viewer_host=viewer_host)
        self.dashboard = PerformanceDashboard(None if read_only else journal_queries)
        self.model_dock = ModelDock(
            self, read_only=read_only, journal_queries=journal_queries, models_dir=models_dir
        )
        for widget in (self.positions, self.history, self.deals, self.event_log, self.account):
            widget.subscribe(hub)
        for panel in (
            self.symbol_digits,
            self.equity_chart,
            self.pnl_chart,
            self.indicator,
            self.dashboard,
            self.model_dock,
        ):
            panel.subscribe(hub)
        hub.status_update.connect(self._on_status)
        # One repaint timer for the window (Electrum's timer_actions): events only mark views dirty.
        self.repaint_timer = WindowTimer(self)
        for hook in (self.positions.update_hook, self.equity_chart.flush, self.pnl_chart.flush):
            self.repaint_timer.add(hook)
        self.account.attach(self.repaint_timer)
        self.indicator.attach(self.repaint_timer)
        hub.accounts_update.connect(self._focus.shows)
        hub.snapshot.connect(self._focus.shows)
        if inflight is not None:
            inflight.changed.connect(self.positions.model.set_busy)
        if journal_queries is not None:
            self.event_log.load_history(journal_queries)
            self.equity_chart.load_history()

        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.positions, "Positions")
        self.left_tabs.addTab(self.history, "History")
        self.left_tabs.addTab(self.deals, "Deals")
        self.left_tabs.addTab(self.event_log, "Event log")
        self.right_tabs = QTabWidget()
        self.right_tabs.addTab(self.equity_chart, "Equity")
        self.right_tabs.addTab(self.pnl_chart, "P&&L by symbol")
        self.right_tabs.addTab(self.dashboard, "Models")
        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(self.account)
        self.right_split.addWidget(self.right_tabs)
        self.right_split.setStretchFactor(1, 1)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.left_tabs)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 2)
        self.main_split.setSizes([720, 560])
        self.setCentralWidget(self.main_split)
        status_bar = self.statusBar()
        assert status_bar is not None  # QMainWindow makes one on first call
        status_bar.addPermanentWidget(self.indicator, 1)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.model_dock)
        self.resizeDocks(
            [self.model_dock], [180], Qt.Orientation.Vertical
        )  # a few models; the trader resizes

        self.tray = TrayController(self, close_to_tray=settings.ui.close_to_tray)
        self.tray.quit_requested.connect(self.quit)
        self.tray.show()
        self.notifier = Notifier.for_window(
            self, self.tray.tray_icon, settings.notifications, area=self._toast_area
        )
        self.notifier.subscribe(hub)

        # A viewer has no trading actions at all: absent, not disabled.
        self.trade_actions: TradeActions | None = None
        if not read_only:
            self.trade_actions = TradeActions(
                self,
                self.positions,
                state,
                self._focus,
                terminal_queries=terminal_queries,
                terminal_queries_for=terminal_queries_for,
                models_dir=models_dir,
                window_state=self._window_state,
            )
        self._build_actions()
        if self.trade_actions is not None:
            self.trade_actions.connect_positions()
            self.trade_actions.order_requested.connect(self.order_requested)
            self.trade_actions.command_requested.connect(self.command_requested)
            self.model_dock.command.connect(self.command_requested)
            # An imported model trades on the window's trading account, as a trained one does.
            self.model_dock.account_for_new_models = self.trade_actions.trading_account
            self.model_dock.train_requested.connect(self.open_training_dialog)
            self.model_dock.auto_trading_changed.connect(self._show_auto_trading)
            self.tray.pause_auto_trading.connect(
                lambda paused: self.model_dock.request_auto_trading(not paused)
            )
        else:
            self.tray.pause_action.setVisible(False)  # a viewer cannot pause the desk it watches
        self.restore_window_state()

    # ---- actions --------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        menu = self.menuBar()
        assert menu is not None  # QMainWindow makes one on first call
        desk_menu = menu.addMenu("&Desk")
        assert desk_menu is not None
        if self.read_only:
            badge = QLabel("  Read-only view  ")
            badge.setStyleSheet(
                "QLabel { background: #b45309; color: white; border-radius: 4px; padding: 2px; }"
            )
            toolbar.addWidget(badge)
        else:
            self.connect_action = QAction("Disconnect", self)
            self.connect_action.setToolTip("Disconnect from MetaTrader 5 (the desk stops polling)")
            self.connect_action.triggered.connect(self._toggle_link)
            self.new_order_action = QAction("New order…", self)
            self.new_order_action.setShortcuts(list(NEW_ORDER_KEYS))  # F9 as in MetaTrader 5
            self.new_order_action.triggered.connect(self.open_order_ticket)
            self.settings_action = QAction("Settings…", self)
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
            self.settings_action.triggered.connect(self.settings_requested)
            for action in (self.new_order_action, self.connect_action):
                toolbar.addAction(action)
                desk_menu.addAction(action)
            desk_menu.addAction(self.settings_action)
            desk_menu.addSeparator()
            self._build_auto_trading_actions(toolbar, desk_menu)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit)
        desk_menu.addAction(quit_action)
        view_menu = menu.addMenu("&View")
        assert view_menu is not None
        view_menu.addAction(self.model_dock.toggleViewAction())
        theme_menu = view_menu.addMenu("Theme")
        assert theme_menu is not None
        group = QActionGroup(self)
        self.theme_actions: dict[Theme, QAction] = {}
        for theme in Theme:
            action = QAction(theme.value.capitalize(), self)
            action.setCheckable(True)
            action.setChecked(theme is self._settings.ui.theme)
            action.triggered.connect(lambda _checked, t=theme: self.set_theme(t))
            group.addAction(action)
            theme_menu.addAction(action)
            self.theme_actions[theme] = action

    def _build_auto_trading_actions(self, toolbar: QToolBar, desk_menu: QMenu) -> None:
        toolbar.addSeparator()
        self.auto_trading_action = QAction(master_text(False), self)
        self.auto_trading_action.setCheckable(True)
        self.auto_trading_action.setToolTip("Master switch: off, no model opens a trade (positions stay)")
        self.auto_trading_action.triggered.connect(self.model_dock.request_auto_trading)
        self.kill_action = QAction("Kill switch", self)
        self.kill_action.setToolTip("Stop every model now, and optionally close their positions")
        self.kill_action.triggered.connect(self.model_dock.kill_switch)
        self.train_action = QAction("Train model…", self)
        self.train_action.triggered.connect(self.open_training_dialog)
        for action, style in ((self.auto_trading_action, MASTER_STYLE), (self.kill_action, KILL_STYLE)):
            toolbar.addAction(action)
            button = toolbar.widgetForAction(action)
            if button is not None:
                button.setStyleSheet(style.replace("QPushButton", "QToolButton"))
        desk_menu.addAction(self.train_action)
        desk_menu.addAction(self.auto_trading_action)
        desk_menu.addAction(self.kill_action)
        desk_menu.addSeparator()

    @pyqtSlot(bool)
    def _show_auto_trading(self, enabled: bool) -> None:
        """Mirror the master switch on the toolbar and in the tray (the dock already shows it)."""
        with QSignalBlocker(self.auto_trading_action):
            self.auto_trading_action.setChecked(enabled)
        self.auto_trading_action.setText(master_text(enabled))
        self.tray.set_auto_trading_paused(not enabled)

    @pyqtSlot()
    def open_training_dialog(self) -> TrainingDialog | None:
        """The training dialog (none in a viewer); a saved model is registered with the desk, switched off."""
        return None if self.trade_actions is None else self.trade_actions.open_training_dialog()

    @pyqtSlot()
    def open_order_ticket(self) -> OrderTicket | None:
        """The order ticket (none in a viewer), on the selected position's symbol, else the last one traded;
        its order goes to the engine through `order_requested`."""
        return None if self.trade_actions is None else self.trade_actions.open_order_ticket()

    @pyqtSlot()
    def _toggle_link(self) -> None:
        connect = self.connect_action.text() == "Connect"
        if not connect:
            self.notifier.expect_disconnect()
        self.link_requested.emit(connect)

    @pyqtSlot(object)
    def _on_status(self, event: Event) -> None:
        if self.read_only or not isinstance(event, StatusUpdate) or not self._focus.shows(event):
            return
        disconnected = event.status.state is ConnectionState.DISCONNECTED
        self.connect_action.setText("Connect" if disconnected else "Disconnect")
        self.connect_action.setToolTip(
            "Connect to MetaTrader 5"
            if disconnected
            else "Disconnect from MetaTrader 5 (the desk stops polling)"
        )

    def set_theme(self, theme: Theme) -> None:
        """Switch light/dark/system now; the launcher saves the choice."""
        self._show_theme(theme)
        self.theme_chosen.emit(theme)

    def _show_theme(self, theme: Theme) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        self._settings = replace(self._settings, ui=replace(self._settings.ui, theme=theme))
        self.theme_actions[theme].setChecked(True)

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings (notifications, tray behaviour, theme) without a restart."""
        self._settings = settings
        self.notifier.set_settings(settings.notifications)
        self.tray.set_close_to_tray(settings.ui.close_to_tray)
        # Not set_theme: these settings are being saved already, announcing the theme would save again.
        self._show_theme(settings.ui.theme)

    def _toast_area(self) -> QRect:
        """The chart panel: toasts (without a system tray) go there, clear of the account's figures."""
        return QRect(self.right_tabs.mapTo(self, QPoint(0, 0)), self.right_tabs.size())

    # ---- window state -----------------------------------------------------------------------------
    def restore_window_state(self) -> None:
        """Geometry, splitters and column layouts as the trader left them."""
        store = self._window_state
        if store is None:
            return
        for key, restore in (
            ("geometry", self.restoreGeometry),
            ("state", self.restoreState),
            ("main_split", self.main_split.restoreState),
            ("right_split", self.right_split.restoreState),
            ("positions_header", self.positions.restore_header_state),
            ("history_header", self.history.restore_header_state),
            ("deals_header", self.deals.restore_header_state),
            ("event_log_header", self.event_log.table.restore_header_state),
            ("models_header", self.model_dock.restore_header_state),
        ):
            value = store.value(key)
            if value is not None:
                restore(value)

    def save_window_state(self) -> None:
        store = self._window_state
        if store is None:
            return
        store.setValue("geometry", self.saveGeometry())
        store.setValue("state", self.saveState())
        store.setValue("main_split", self.main_split.saveState())
        store.setValue("right_split", self.right_split.saveState())
        store.setValue("positions_header", self.positions.header_state())
        store.setValue("history_header", self.history.header_state())
        store.setValue("deals_header", self.deals.header_state())
        store.setValue("event_log_header", self.event_log.table.header_state())
        store.setValue("models_header", self.model_dock.header_state())
        store.sync()

    @pyqtSlot()
    def quit(self) -> None:
        """Save the layout and ask the launcher to stop the engine and exit."""
        self._quitting = True
        # A training still running would hold the exit until its fit ends: stop it at the next step.
        for dialog in self.findChildren(QDialog, "training-dialog"):
            dialog.reject()
        self.save_window_state()
        self.tray.tray_icon.hide()
        self.quit_requested.emit()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        if event is None:
            return
        if not self._quitting and self.tray.should_hide_on_close():
            self.save_window_state()
            self.hide()
            event.ignore()
            return
        if not self._quitting:
            self.quit()
        event.accept()
