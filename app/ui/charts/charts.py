"""Charts (pyqtgraph): equity and floating P&L over time; floating P&L by symbol (re-exported).

Both follow the desk's repaint rule: events fold into data and mark the chart dirty; the window's
repaint timer calls `flush`, which redraws only when something changed. The equity curve keeps a week of
1 s samples smooth: the curves get only the visible stretch, peak-reduced to a few points per pixel
column (`EquitySeries.window`, re-fed on every pan and zoom), and pyqtgraph clips what it is handed to
the view, so a redraw costs about the same for a week of samples as for an hour.

On a desk of several accounts the equity chart's selector shows one account, or the accounts of one
currency added up (chart_accounts.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QPalette
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.core.account_directory import AccountFocus
from app.core.account_lines import AccountLines
from app.core.events import AccountsUpdate, AccountUpdate, Event, PnlUpdate, Snapshot
from app.core.number_format import format_money
from app.engine.hub import EventHub
from app.engine.queries import JournalQueries
from app.storage.records import EquitySample
from app.ui.charts.chart_account_box import ChartAccountBox
from app.ui.charts.chart_accounts import AccountSum, ChartChoice, summed_history
from app.ui.charts.chart_axes import MoneyAxis, TimeAxis
from app.ui.charts.chart_series import EquitySeries, SeriesPoint
from app.ui.charts.pnl_by_symbol_chart import PnlBySymbolChart, plain_plot, theme_colours
from app.ui.widgets.columns import trade_colours

__all__ = ["RANGES", "EquityChart", "PnlBySymbolChart", "local_time_text"]

log = logging.getLogger(__name__)

HOUR, DAY, WEEK = 3_600.0, 86_400.0, 604_800.0
RANGES: dict[str, float | None] = {"1h": HOUR, "1d": DAY, "1w": WEEK, "All": None}  # None: all data
HISTORY = timedelta(days=7)
RIGHT_PAD = 0.02  # share of the visible span left empty after the newest point
MIN_SPAN = 60.0
AXIS_WIDTH = 78  # both plots' left axes, so their time axes line up
TITLE_SIZE = "9pt"
EMPTY_TEXT = (
    "No equity samples yet. The curve starts with the first account read from MetaTrader 5, and the "
    "journal's history of the past week appears once it is loaded."
)


def local_time_text(epoch: float) -> str:
    """A sample's time as the trader's clock shows it (the axis uses local time too); the date only
    when it is not today, since the readout shares its row with the range buttons."""
    moment = datetime.fromtimestamp(epoch)
    return moment.strftime("%H:%M:%S" if moment.date() == datetime.now().date() else "%d %b %H:%M:%S")


class EquityChart(QWidget):
    """Equity (top) and floating P&L (bottom) over time, sharing one date-time axis, with a crosshair."""

    def __init__(
        self,
        queries: JournalQueries | None = None,
        *,
        history: timedelta = HISTORY,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.series = EquitySeries()
        self._queries = queries
        self._history = history
        self._history_request: int | None = None
        self._account_seen = False  # PNL_UPDATE equity means nothing before the balance is known
        self.focus = AccountFocus()  # one account's equity: two currencies' money is never added
        self.lines = AccountLines()  # the desk's accounts, for the selector
        self._sum: AccountSum | None = None  # set while the accounts of one currency are shown added up
        self._history_members: tuple[str, ...] = ()
        self._currency = ""
        self._following = True
        self._span: float | None = DAY
        self._range_name: str | None = "1d"
        self._crosshair_x: float | None = None
        self._fed: tuple[int, float, float, int] | None = None
        self._dirty = False
        self._build()
        self._sync_buttons()
        self._show_readout(None)
        if queries is not None:
            queries.equity_loaded.connect(self._on_history)
            queries.failed.connect(self._on_history_failed)
            self.load_history()

    # --- layout ------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.view = pg.GraphicsLayoutWidget(self)
        self.equity_plot = self.view.addPlot(
            row=0, col=0, axisItems={"bottom": TimeAxis(), "left": MoneyAxis("left")}
        )
        self.floating_plot = self.view.addPlot(
            row=1, col=0, axisItems={"bottom": TimeAxis(), "left": MoneyAxis("left")}
        )
        self.floating_plot.setXLink(self.equity_plot)
        self.view.ci.layout.setRowStretchFactor(0, 3)
        self.view.ci.layout.setRowStretchFactor(1, 2)
        # One time axis, under the bottom plot: a second one costs a tick layout per frame for nothing.
        self.equity_plot.hideAxis("bottom")
        # Titles across the top of each plot, never turned up the side: a side title longer than a short
        # plot ran into the other plot's on a small first window.
        self._show_titles()
        self.vlines: list[pg.InfiniteLine] = []
        for plot in (self.equity_plot, self.floating_plot):
            plain_plot(plot)
            plot.setMouseEnabled(x=True, y=False)  # y follows the visible data
            plot.enableAutoRange(x=False, y=True)
            plot.setAutoVisible(y=True)
            # Major horizontal lines only: pyqtgraph redraws grid lines on every scroll, and each
            # level of them costs milliseconds per frame at this size.
            plot.showGrid(x=False, y=True, alpha=0.15)
            plot.getAxis("left").setStyle(maxTickLevel=0)
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            line = pg.InfiniteLine(angle=90, movable=False)
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self.vlines.append(line)
            plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.equity_plot.vb.sigXRangeChanged.connect(self._feed)  # the floating plot is linked to it
        self.equity_plot.vb.sigResized.connect(self._feed)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0)
        self.floating_plot.addItem(self.zero_line, ignoreBounds=True)
        self.equity_curve = self.equity_plot.plot()
        self.floating_curve = self.floating_plot.plot()
        for curve in (self.equity_curve, self.floating_curve):
            # EquitySeries.window already peak-reduces to a few points per pixel. pyqtgraph's auto
            # downsampling assumes evenly spaced samples and draws nothing when a wide view holds few
            # (pyqtgraph issue #2328): thinned history, gaps and a fresh desk all do that.
            curve.setDownsampling(ds=1, auto=False, method="peak")
            curve.setClipToView(True)
            curve.setSkipFiniteCheck(True)  # EquitySeries only holds finite values
            # Its check measures the whole array on every setData: O(n) per frame for nothing here.
            curve.setDynamicRangeLimit(None)
        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.readout = QLabel(self)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long readout is cut, not allowed to set the chart's (and the window's) minimum width.
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.empty_label = QLabel(EMPTY_TEXT, self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.range_buttons: dict[str, QToolButton] = {}
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for name, span in RANGES.items():
            button = QToolButton(self)
            button.setText(name)
            button.setCheckable(True)
            button.setToolTip("Everything loaded" if span is None else f"The last {name}, following live")
            button.clicked.connect(lambda _checked=False, n=name: self.show_range(n))
            buttons.addWidget(button)
            self.range_buttons[name] = button
        self.live_button = QToolButton(self)
        self.live_button.setText("Live")
        self.live_button.setCheckable(True)
        self.live_button.setToolTip("Scroll with new samples (on whenever the view reaches the right edge)")
        self.live_button.clicked.connect(self.set_following)
        buttons.addSpacing(8)
        buttons.addWidget(self.live_button)

        self.account_box = ChartAccountBox(
            "equity-account", "Whose equity: one account, or the accounts of one currency added up", self
        )
        self.account_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.account_box.chosen.connect(self.show_accounts)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 2, 0)
        top.addWidget(self.account_box)
        top.addWidget(self.readout, 1)
        top.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.view, 1)
        self.view.hide()  # until the first sample: an empty plot would show axes of nothing
        self._apply_theme()

    def _show_titles(self) -> None:
        unit = f" ({self._currency})" if self._currency else ""
        _background, text, _muted = theme_colours(self)
        for plot, title in ((self.equity_plot, "Equity"), (self.floating_plot, "Floating P&L")):
            plot.setTitle(f"{title}{unit}", justify="left", size=TITLE_SIZE, color=text)

    def _apply_theme(self) -> None:
        background, text, muted = theme_colours(self)
        self.view.setBackground(background)
        for plot in (self.equity_plot, self.floating_plot):
            for side in ("left", "bottom"):
                plot.getAxis(side).setPen(muted)
                plot.getAxis(side).setTextPen(text)
        for line in self.vlines:
            line.setPen(pg.mkPen(muted, style=Qt.PenStyle.DashLine))
        self.zero_line.setPen(pg.mkPen(muted, style=Qt.PenStyle.DotLine))
        self.equity_curve.setPen(pg.mkPen(trade_colours().buy, width=1))
        self.floating_curve.setPen(pg.mkPen(text, width=1))
        self.notice.setStyleSheet(f"color: {trade_colours().loss.name()};")
        self._show_titles()

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "zero_line"):
            self._apply_theme()  # a theme switch: light and dark have their own colours

    # --- feeding -----------------------------------------------------------------------------------

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's account list, snapshots, account reads and P&L ticks (of the account shown)."""
        hub.accounts_update.connect(self.apply)
        hub.snapshot.connect(self.apply)
        hub.account_update.connect(self.apply)
        hub.pnl_update.connect(self.apply)

    def apply(self, event: Event) -> None:
        """Take the event's equity and floating P&L as the sample of its second."""
        if self.lines.apply(event) and isinstance(event, AccountsUpdate | Snapshot | AccountUpdate):
            self._offer_choices()
        if isinstance(event, AccountsUpdate):
            self.focus.shows(event)
            return
        if self._sum is not None:
            self._apply_to_sum(event)
            return
        if isinstance(event, Snapshot):
            view = self.focus.view(event)
            account = view.account if view is not None else None
        elif not self.focus.shows(event):
            return
        else:
            account = event.account if isinstance(event, AccountUpdate) else None
        if account is not None:
            self._account_seen = True
            if account.currency != self._currency:
                self._currency = account.currency
                self._show_titles()
            taken = self.series.append(event.timestamp.timestamp(), account.equity, account.profit)
        elif isinstance(event, PnlUpdate) and self._account_seen:
            # Before any account read the desk knows no balance, so that equity would be wrong.
            taken = self.series.append(event.timestamp.timestamp(), event.equity, event.floating_total)
        else:
            return
        if taken:
            self._mark_dirty()

    def _apply_to_sum(self, event: Event) -> None:
        assert self._sum is not None
        found: list[tuple[str, float, float]] = []
        if isinstance(event, Snapshot):
            found = [(v.account_id, v.account.equity, v.account.profit) for v in event.accounts if v.account]
        elif isinstance(event, AccountUpdate):
            found = [(event.account_id, event.account.equity, event.account.profit)]
        elif isinstance(event, PnlUpdate) and self.lines.of(event.account_id).account is not None:
            found = [(event.account_id, event.equity, event.floating_total)]
        for account_id, equity, floating in found:
            total = self._sum.update(account_id, equity, floating)
            if total is not None and self.series.append(event.timestamp.timestamp(), *total):
                self._mark_dirty()

    # --- the account(s) shown ----------------------------------------------------------------------

    def _offer_choices(self) -> None:
        shown = "+".join(self._history_members) if self._sum is not None else self.focus.account_id or ""
        self.account_box.offer(self.lines, shown)

    def show_accounts(self, choice: ChartChoice) -> None:
        """Show one account's equity, or the sum of several of one currency, from the journal's history on."""
        self.series.clear()
        self._fed = None
        self._account_seen = False
        self._sum = AccountSum(choice.members) if choice.summed else None
        self._history_members = choice.members
        if not choice.summed:
            self.focus.follow(choice.members[0])
        self._currency = choice.currency
        self._show_titles()
        now = datetime.now(UTC).timestamp()
        for account_id in choice.members:  # the figures known now, so the curve starts at once
            account = self.lines.of(account_id).account
            if account is None:
                continue
            if self._sum is None:
                self._account_seen = True
                self.series.append(now, account.equity, account.profit)
            else:
                total = self._sum.update(account_id, account.equity, account.profit)
                if total is not None:
                    self.series.append(now, *total)
        if not len(self.series):
            self.view.hide()
            self.empty_label.show()
        self._history_request = None  # an answer for the accounts shown before is ignored
        self.load_history()
        self._mark_dirty()

    def load_history(self) -> None:
        """Ask the journal (off the GUI thread) for the equity samples of the last week."""
        if self._queries is not None and self._history_request is None:  # one read at a time
            since = datetime.now(UTC) - self._history
            # A sum needs every account's samples; one account's are asked for alone.
            account_id = None if self._sum is not None else self.focus.account_id
            self._history_request = self._queries.load_equity(since=since, account_id=account_id)

    def _on_history(self, request_id: int, samples: list[EquitySample]) -> None:
        if request_id != self._history_request:
            return
        self._history_request = None
        if self._sum is not None:
            samples = summed_history(samples, self._history_members)
        self.series.add_history(samples)
        self.notice.hide()
        self._mark_dirty()

    def _on_history_failed(self, request_id: int, error: str) -> None:
        if request_id != self._history_request:
            return
        self._history_request = None
        log.error("equity history could not be loaded: %s", error)
        self.notice.setText(f"Equity history not shown: {error} Live samples still appear.")
        self.notice.show()

    def _mark_dirty(self) -> None:
        self._dirty = True

    # --- drawing -----------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        """Redraw if anything changed since the last redraw (the timer calls this; tests may too)."""
        if not self._dirty:
            return
        self._dirty = False
        if len(self.series) and not self.view.isVisible():
            self.empty_label.hide()
            self.view.show()
        self._follow()
        self._feed()
        if self._crosshair_x is None:
            self._show_readout(None)

    def _feed(self, *_signal_args: object) -> None:
        # Also called on every view change (pan, zoom, resize), so the curves always hold the visible
        # stretch; skipped when neither the samples nor the view changed since the last feed.
        left, right = self.x_range()
        pixels = max(int(self.equity_plot.vb.width()), 100)  # not laid out yet: any sane width
        key = (self.series.revision, left, right, pixels)
        if key == self._fed:
            return
        self._fed = key
        times, equity, floating = self.series.window(left, right, buckets=2 * pixels)
        self.equity_curve.setData(times, equity)
        self.floating_curve.setData(times, floating)

    def _follow(self) -> None:
        last, first = self.series.last(), self.series.first()
        if not self._following or last is None or first is None:
            return
        # Never time before the first sample: an hour of data fills the "1d" view instead of a sliver.
        left = first.time if self._span is None else max(last.time - self._span, first.time)
        span = max(last.time - left, MIN_SPAN)
        self.equity_plot.setXRange(last.time - span, last.time + span * RIGHT_PAD, padding=0)

    def x_range(self) -> tuple[float, float]:
        """The visible time range, epoch seconds."""
        left, right = self.equity_plot.vb.viewRange()[0]
        return float(left), float(right)

    @property
    def following(self) -> bool:
        return self._following

    def show_range(self, name: str) -> None:
        """Show the last hour, day, week or everything ("1h", "1d", "1w", "All") and follow live."""
        self._span = RANGES[name]
        self._range_name = name
        self._following = True
        self._follow()
        self._sync_buttons()

    def set_following(self, follow: bool) -> None:
        """Follow live (scroll to keep the newest sample at the right edge) or hold the view still."""
        self._following = follow
        self._follow()
        self._sync_buttons()

    def _on_manual_range(self, _mask: object) -> None:
        # The trader dragged or zoomed: keep that span, and follow only if the right edge shows the newest.
        left, right = self.x_range()
        width = right - left
        self._span = width / (1 + RIGHT_PAD)
        self._range_name = None
        last = self.series.last()
        self._following = last is not None and right >= last.time - width * 0.01
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        for name, button in self.range_buttons.items():
            button.setChecked(name == self._range_name)
        self.live_button.setChecked(self._following)

    # --- crosshair ---------------------------------------------------------------------------------

    def show_crosshair(self, x: float) -> None:
        """Put the crosshair on the sample in force at time `x` and show its figures."""
        self._crosshair_x = x
        point = self.series.at(x)
        for line in self.vlines:
            line.setPos(point.time if point else x)
            line.show()
        self._show_readout(point)

    def hide_crosshair(self) -> None:
        self._crosshair_x = None
        for line in self.vlines:
            line.hide()
        self._show_readout(None)

    @property
    def readout_text(self) -> str:
        return self.readout.text()

    def _show_readout(self, point: SeriesPoint | None) -> None:
        prefix = ""
        if point is None:
            point, prefix = self.series.last(), "Latest "
        if point is None:
            self.readout.setText("")
            return
        # Two lines: on one, the figures were cut off beside the range buttons of a narrow chart panel.
        self.readout.setText(
            f"{prefix}{local_time_text(point.time)}\nEquity {format_money(point.equity, self._currency)}"
            f" · Floating {format_money(point.floating, signed=True)}"
        )

    def _on_mouse_moved(self, position: QPointF) -> None:
        for plot in (self.equity_plot, self.floating_plot):
            if plot.sceneBoundingRect().contains(position):
                self.show_crosshair(plot.vb.mapSceneToView(position).x())
                return
        self.hide_crosshair()

    def leaveEvent(self, event: QEvent | None) -> None:
        super().leaveEvent(event)
        self.hide_crosshair()
