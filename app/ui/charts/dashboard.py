"""PerformanceDashboard: does a model earn its keep? Live trades beside its training backtest.

Live figures are `compute_metrics` over the journal's closed automatic trades (all models, or one),
each with the confidence journaled when it was filled. Their starting balance is the account balance
when the first of those trades opened: the last equity sample of the journal in the hour before it;
when the journal has none there (the desk was not running), the current account balance. The backtest
column is the model's training manifest (from the registry): its money is in the account currency for
the backtest's lots and deposit (price units of one unit for models trained before that), so amounts
compare with live trading when the lots match; rates and ratios always do. The curve is cumulative
profit over close time, one per model. A model's trade closing (AUTO_TRADE_EXECUTED, or POSITIONS_UPDATE
removing a position) reloads everything a second later, once the desk has journaled the closing deals.
"""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, Qt, QTimer, pyqtSlot
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.account_directory import AccountFocus, ModelsByAccount
from app.core.events import AccountUpdate, AutoTradeExecuted, ModelsUpdate, PositionsUpdate, Snapshot
from app.core.models import ModelSummary
from app.core.number_format import format_pips
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.ml.metrics import PerformanceMetrics, compute_metrics
from app.ml.money import backtest_money_of
from app.storage.model_registry import RegisteredModel
from app.storage.records import EquitySample, TradeRecord
from app.ui.charts.chart_axes import MoneyAxis, TimeAxis
from app.ui.charts.dashboard_data import (
    BALANCE_LOOKBACK,
    LiveTrade,
    balance_before,
    equity_curve,
    first_moment,
    live_trades,
    scope_trades,
)
from app.ui.charts.pnl_by_symbol_chart import plain_plot, theme_colours
from app.ui.widgets.columns import money_colour
from app.ui.widgets.metrics_rows import (
    METRIC_ROW_INDEX,
    METRIC_ROWS,
    account_money,
    metric_texts,
    money_in,
    price_units,
)

log = logging.getLogger(__name__)

REFRESH_DELAY_MS = 1000
VIEWER_NOTICE = "Model performance is available on the trading desk only"
NO_CURVE = "No closed automatic trades yet: each model's cumulative profit is drawn here as its trades close."
ALL_MODELS = "All models"
LIVE, BACKTEST = 0, 1
CURVE_COLOURS = ("#0a58ca", "#1a7f37", "#b45309", "#8250df", "#cf222e", "#0598bc", "#bf3989")
DARK_CURVE_COLOURS = ("#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#ff6b6b", "#39c5cf", "#f778ba")
_JUST_AFTER = timedelta(seconds=1)  # load_equity's `until` is exclusive


class PerformanceDashboard(QWidget):
    """Model selector, live-vs-backtest metrics table and equity curves; a viewer gets a notice only."""

    def __init__(
        self,
        queries: JournalQueries | None,
        parent: QWidget | None = None,
        *,
        refresh_delay_ms: int = REFRESH_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._queries = queries
        self._pending: dict[str, int] = {}
        self._answers: dict[str, object] = {}
        self._balance_request: tuple[int, tuple[str | None, float]] | None = None
        self._balances: dict[tuple[str | None, float], float] = {}
        self._current_balance: float | None = None
        self._focus = AccountFocus()  # the balance a backtest is compared at: the first account's
        self._models = ModelsByAccount()
        self._currency = ""
        self._summaries: dict[str, ModelSummary] = {}
        self._registered: dict[str, RegisteredModel] = {}
        self.trades: list[LiveTrade] = []
        self.live_metrics: PerformanceMetrics | None = None
        self.backtest_metrics: PerformanceMetrics | None = None
        self.starting_balance: float | None = None
        self.curve_points: dict[str, tuple[list[float], list[float]]] = {}

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(refresh_delay_ms)
        self._refresh_timer.timeout.connect(self.refresh)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if queries is None:
            notice = QLabel(VIEWER_NOTICE, self)
            notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(notice)
            return
        self._build(layout)
        for signal in (queries.trades_loaded, queries.confidences_loaded, queries.models_loaded):
            signal.connect(self._on_answer)
        queries.equity_loaded.connect(self._on_balance_samples)
        queries.failed.connect(self._on_failed)
        self.refresh()

    # ---- building ---------------------------------------------------------------------------------
    def _build(self, layout: QVBoxLayout) -> None:
        self.model_combo = QComboBox(self)
        self.model_combo.addItem(ALL_MODELS, None)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model_combo.currentIndexChanged.connect(lambda _: self._recompute())
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.status_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Model", self))
        top.addWidget(self.model_combo)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.status_label)
        self.info_label = QLabel(self)
        self.info_label.setWordWrap(True)

        self.table = QTableWidget(len(METRIC_ROWS), 2, self)
        self.table.setHorizontalHeaderLabels(["Live", "Backtest"])
        backtest_item = self.table.horizontalHeaderItem(BACKTEST)
        assert backtest_item is not None  # made by setHorizontalHeaderLabels
        backtest_item.setToolTip(
            "The training backtest of the model's out-of-sample signals, in the account currency for the "
            "lots and deposit it was run with (see the line above the table)"
        )
        self.table.setVerticalHeaderLabels([row.label for row in METRIC_ROWS])
        for index, row in enumerate(METRIC_ROWS):
            row_item = self.table.verticalHeaderItem(index)
            assert row_item is not None  # made by setVerticalHeaderLabels
            row_item.setToolTip(row.tooltip)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        vertical, header = self.table.verticalHeader(), self.table.horizontalHeader()
        assert vertical is not None and header is not None  # a table view always has both headers
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setMinimumWidth(260)
        # One row at least, the rest scrolled: a page's minimum is the whole chart panel's (a stacked
        # widget takes its tallest page's), and every row at once kept the window from fitting 768 px.
        rows_height = vertical.defaultSectionSize() + header.sizeHint().height()
        self.table.setMinimumHeight(rows_height + 2 * self.table.frameWidth())

        self.plot_widget = pg.PlotWidget(self, axisItems={"bottom": TimeAxis(), "left": MoneyAxis("left")})
        self.plot = self.plot_widget.getPlotItem()
        plain_plot(self.plot)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.no_curve_label = QLabel(NO_CURVE, self)
        self.no_curve_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_curve_label.setWordWrap(True)
        self.no_curve_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0)
        self.plot.addItem(self.zero_line, ignoreBounds=True)
        self.legend = self.plot.addLegend(offset=(10, 10))
        self._apply_theme()

        curve = QWidget(self)
        curve_layout = QVBoxLayout(curve)
        curve_layout.setContentsMargins(0, 0, 0, 0)
        curve_layout.addWidget(self.no_curve_label)
        curve_layout.addWidget(self.plot_widget, 1)
        self.plot_widget.hide()  # until a model has closed a trade: no axes of nothing
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(curve)
        split.setStretchFactor(1, 1)
        layout.addLayout(top)
        layout.addWidget(self.info_label)
        layout.addWidget(split, 1)

    def _apply_theme(self) -> None:
        background, text, muted = theme_colours(self)
        self.plot.setTitle(f"Cumulative profit{self._unit()}", justify="left", size="9pt", color=text)
        self.plot_widget.setBackground(background)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setPen(muted)
            self.plot.getAxis(side).setTextPen(text)
        self.zero_line.setPen(pg.mkPen(muted))
        self.legend.setLabelTextColor(text)

    def _unit(self) -> str:
        return f" ({self._currency})" if self._currency else ""

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "zero_line"):
            self._apply_theme()
            self._plot(self.selected_model())  # legend entries take the new text colour when re-added

    # ---- events -----------------------------------------------------------------------------------
    def subscribe(self, hub: EventHub) -> None:
        hub.accounts_update.connect(self._focus.shows)
        hub.snapshot.connect(self._on_event)
        hub.models_update.connect(self._on_event)
        hub.account_update.connect(self._on_event)
        if self._queries is not None:
            hub.auto_trade_executed.connect(self._on_event)
            hub.positions_update.connect(self._on_event)

    @pyqtSlot(object)
    def _on_event(self, event: object) -> None:
        account = None
        if isinstance(event, Snapshot):
            view = self._focus.view(event)
            account = view.account if view is not None else None
            self._models.replace(event)
        elif isinstance(event, AccountUpdate) and self._focus.shows(event):
            account = event.account
        if account is not None:
            first_balance = self._current_balance is None
            self._current_balance = account.balance
            if account.currency != self._currency:
                self._currency = account.currency
                self._apply_theme()  # the curve's title names the currency
            if first_balance and self._queries is not None:
                self._recompute()
        if isinstance(event, ModelsUpdate):
            self._models.update(event)
        if isinstance(event, Snapshot | ModelsUpdate):
            self.set_models(self._models.all())
        closed = isinstance(event, AutoTradeExecuted) or (
            isinstance(event, PositionsUpdate) and event.removed
        )
        if closed and not self._refresh_timer.isActive():  # a stream of closes still reloads once a second
            self._refresh_timer.start()

    def set_models(self, models: tuple[ModelSummary, ...] | list[ModelSummary]) -> None:
        """The desk's models (for names and the selector); a model not seen before reloads its manifest."""
        known = set(self._summaries)
        self._summaries = {model.model_id: model for model in models}
        if self._queries is None:
            return
        self._fill_selector()
        if set(self._summaries) - known - set(self._registered):
            self._refresh_timer.start()

    # ---- loading ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload trades, their confidences and the registered models."""
        self._refresh_timer.stop()
        if self._queries is None:
            return
        self._answers.clear()
        self._pending = {
            "trades": self._queries.load_model_trades(None),
            "confidences": self._queries.load_trade_confidences(),
            "models": self._queries.load_models(),
        }
        self.status_label.setText("Loading…")

    @pyqtSlot(int, object)
    def _on_answer(self, request_id: int, answer: object) -> None:
        kind = next((kind for kind, pending in self._pending.items() if pending == request_id), None)
        if kind is None:
            return
        self._answers[kind] = answer
        if len(self._answers) < len(self._pending):
            return
        # Each answer is what the query of its kind promises (see _reload); the dict holds them as objects.
        records: list[TradeRecord] = self._answers["trades"]  # type: ignore[assignment]
        self.trades = live_trades(records, self._answers["confidences"])  # type: ignore[arg-type]
        registered: list[RegisteredModel] = self._answers["models"]  # type: ignore[assignment]
        self._registered = {model.model_id: model for model in registered}
        self._pending.clear()
        self._balances.clear()  # balances are cached per refresh: an older sample may have been thinned
        self.status_label.clear()
        self._fill_selector()
        self._recompute()

    @pyqtSlot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        pending = [*self._pending.values()]
        if self._balance_request is not None:
            pending.append(self._balance_request[0])
        if request_id in pending:
            self._pending.clear()
            self._balance_request = None
            self.status_label.setText(f"{message} Press Refresh to try again.")

    def _fill_selector(self) -> None:
        chosen = self.selected_model()
        names = {model_id: model.name for model_id, model in self._registered.items()}
        names.update({model_id: summary.name for model_id, summary in self._summaries.items()})
        for trade in self.trades:
            if trade.model_id and trade.model_id not in names:
                names[trade.model_id] = f"{trade.model_id} (removed)"
        shown = [
            (self.model_combo.itemData(i), self.model_combo.itemText(i))
            for i in range(1, self.model_combo.count())
        ]
        if shown == list(names.items()):
            return  # unchanged: rebuilding would close the list under the trader's pointer
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItem(ALL_MODELS, None)
        for model_id, name in names.items():
            self.model_combo.addItem(name, model_id)
        index = self.model_combo.findData(chosen) if chosen is not None else 0
        self.model_combo.setCurrentIndex(max(index, 0))
        self.model_combo.blockSignals(False)

    def selected_model(self) -> str | None:
        """The chosen model's id; None for all models."""
        return self.model_combo.currentData() if self._queries is not None else None

    def select_model(self, model_id: str | None) -> None:
        self.model_combo.setCurrentIndex(max(self.model_combo.findData(model_id), 0) if model_id else 0)

    # ---- figures ----------------------------------------------------------------------------------
    def _recompute(self) -> None:
        if self._pending:
            return  # the answers still coming will recompute
        model_id = self.selected_model()
        trades = scope_trades(self.trades, model_id)
        first = first_moment(trades)
        if first is None:
            self._show(model_id, trades, self._current_balance)
            return
        key = (model_id, first.timestamp())
        if key in self._balances:
            self._show(model_id, trades, self._balances[key])
            return
        assert self._queries is not None
        request = self._queries.load_equity(since=first - BALANCE_LOOKBACK, until=first + _JUST_AFTER)
        self._balance_request = (request, key)

    @pyqtSlot(int, object)
    def _on_balance_samples(self, request_id: int, samples: list[EquitySample]) -> None:
        if self._balance_request is None or self._balance_request[0] != request_id:
            return
        key = self._balance_request[1]
        self._balance_request = None
        model_id = self.selected_model()
        trades = scope_trades(self.trades, model_id)
        first = first_moment(trades)
        found = balance_before(samples, first) if first is not None else None
        balance = found if found is not None else self._current_balance
        if balance is not None and found is not None:
            self._balances[key] = balance
        if first is not None and key == (model_id, first.timestamp()):
            self._show(model_id, trades, balance)

    def _show(self, model_id: str | None, trades: list[LiveTrade], balance: float | None) -> None:
        self.starting_balance = balance
        if not trades:
            self.live_metrics = compute_metrics([], 1.0)  # no figure of zero trades depends on the balance
            self.info_label.setText(self._info_text(model_id, None))
        elif balance is None or balance <= 0:
            self.live_metrics = None
            self.info_label.setText("Waiting for the account balance to compute the live figures.")
        else:
            self.live_metrics = compute_metrics(trades, balance)
            self.info_label.setText(self._info_text(model_id, balance))
        self.backtest_metrics = self._backtest(model_id)
        self._fill_column(LIVE, metric_texts(self.live_metrics, account_money))
        if self.live_metrics is not None and self.live_metrics.trades:
            for key in ("net_profit", "expectancy"):
                amount = getattr(self.live_metrics, key)
                item = self.table.item(METRIC_ROW_INDEX[key], LIVE)
                assert item is not None  # _fill_column just set every row of the column
                item.setForeground(money_colour(amount) or QColor())
        model = self._registered.get(model_id) if model_id else None
        money = backtest_money_of(model.manifest) if model is not None else None
        backtest_format = money_in(money.currency) if money is not None else price_units
        self._fill_column(BACKTEST, metric_texts(self.backtest_metrics, backtest_format))
        self._plot(model_id)

    def _backtest(self, model_id: str | None) -> PerformanceMetrics | None:
        model = self._registered.get(model_id) if model_id else None
        if model is None:
            return None
        try:
            # The metrics part only: ModelManifest would import scikit-learn for its Algorithm enum.
            return PerformanceMetrics.from_dict(model.manifest["backtest"])
        except (KeyError, TypeError, ValueError) as error:
            log.warning("model %s: its training figures cannot be read: %s", model_id, error)
            return None

    def _info_text(self, model_id: str | None, balance: float | None) -> str:
        if balance is None:
            start = "No closed automatic trades yet."
        else:
            start = f"Live figures start from a balance of {account_money(balance).lstrip('+')}."
        model = self._registered.get(model_id) if model_id else None
        if model is None:
            return start if model_id else f"{start} Pick a model to compare with its training backtest."
        manifest = model.manifest
        accuracy, baseline = manifest.get("oos_accuracy"), manifest.get("baseline_accuracy")
        trained = f"Trained on {model.symbol} {model.timeframe}, {manifest.get('bars', 0):,} bars"
        if isinstance(accuracy, float) and isinstance(baseline, float):
            trained += f"; out-of-sample accuracy {accuracy:.1%} vs {baseline:.1%} baseline"
        money = backtest_money_of(manifest)
        if money is None:
            backtest = "Backtest money in price units of one unit (trained before backtests were in money)"
        else:
            backtest = f"Backtest: {money.sizing_text()}, net {format_pips(money.pips.net)}"
        return f"{trained}. {backtest}. {start}"

    def _fill_column(self, column: int, texts: dict[str, str]) -> None:
        for row, metric in enumerate(METRIC_ROWS):
            item = QTableWidgetItem(texts[metric.key])
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)

    def column_texts(self, column: int) -> dict[str, str]:
        """The texts a column shows, by metric key (for tests and copy)."""
        items = {metric.key: self.table.item(row, column) for row, metric in enumerate(METRIC_ROWS)}
        return {key: item.text() if item is not None else "" for key, item in items.items()}

    def _plot(self, model_id: str | None) -> None:
        for item in list(self.plot.listDataItems()):
            self.plot.removeItem(item)
        self.legend.clear()
        self.curve_points = {}
        model_ids = [model_id] if model_id else sorted({t.model_id for t in self.trades if t.model_id})
        dark = theme_colours(self)[0].lightness() < 128
        colours = itertools.cycle(DARK_CURVE_COLOURS if dark else CURVE_COLOURS)
        for key in model_ids:
            times, profits = equity_curve(scope_trades(self.trades, key))
            if not times.size:
                continue
            self.curve_points[key] = (times.tolist(), profits.tolist())
            name = self.model_combo.itemText(max(self.model_combo.findData(key), 0))
            pen = pg.mkPen(next(colours), width=2)
            self.plot.plot(
                times, profits, pen=pen, name=name, symbol="o", symbolSize=4, symbolBrush=pen.color()
            )
        self.plot.enableAutoRange()
        self.plot_widget.setVisible(bool(self.curve_points))
        self.no_curve_label.setVisible(not self.curve_points)
