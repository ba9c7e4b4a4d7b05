"""PnlBySymbolChart: floating P&L of the open positions summed by symbol, as green and red bars.

Position events fold into `SymbolPnl`; the window's repaint timer calls `flush`, which redraws
only when a bar's figure changed. Also holds the small pyqtgraph plumbing the equity chart shares
(`theme_colours`, `plain_plot`); `app.ui.charts.charts` re-exports the widget.

Every account's positions are folded; on a desk of several accounts a selector shows one account's bars, or
those of the accounts of one currency added up (chart_accounts.py).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtGui import QColor, QFontMetrics, QPalette
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.account_directory import AccountFocus
from app.core.account_lines import AccountLines
from app.core.events import AccountsUpdate, AccountUpdate, Event, PnlUpdate, PositionsUpdate, Snapshot
from app.core.number_format import format_money
from app.engine.hub import EventHub
from app.ui.charts.chart_account_box import ChartAccountBox
from app.ui.charts.chart_accounts import ChartChoice
from app.ui.charts.chart_axes import MoneyAxis
from app.ui.charts.chart_series import SymbolPnl
from app.ui.widgets.columns import money_colour


def theme_colours(widget: QWidget) -> tuple[QColor, QColor, QColor]:
    """Background, text and muted (grid, guides) colours of the widget's palette."""
    palette = widget.palette()
    return (
        palette.color(QPalette.ColorRole.Base),
        palette.color(QPalette.ColorRole.Text),
        palette.color(QPalette.ColorRole.PlaceholderText),
    )


def plain_plot(plot: pg.PlotItem) -> None:
    """Drop pyqtgraph's "A" button and context menu: they would fight the chart's own ranges."""
    plot.hideButtons()
    plot.setMenuEnabled(False)


class PnlBySymbolChart(QWidget):
    """Horizontal bars of floating P&L (profit + swap) per symbol: green for a gain, red for a loss, of one
    account (`focus`: money of two currencies is never added up)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.focus = AccountFocus()
        self.lines = AccountLines()  # the desk's accounts and currencies, for the selector
        self._by_account: dict[str, SymbolPnl] = {}
        self._members: tuple[str, ...] | None = None  # chosen in the selector; None: the focused account
        self._shown: dict[str, float] = {}
        self._dirty = False

        self.plot_widget = pg.PlotWidget(self, axisItems={"bottom": MoneyAxis("bottom")})
        self.plot = self.plot_widget.getPlotItem()
        plain_plot(self.plot)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.invertY(True)  # first symbol at the top
        self.plot.showGrid(x=True, alpha=0.15)
        self.plot.getAxis("bottom").setStyle(maxTickLevel=0)  # major lines only: the bars carry figures
        self.plot.setLabel("bottom", "Floating P&L (profit + swap)")
        self.zero_line = pg.InfiniteLine(pos=0, angle=90)
        self.plot.addItem(self.zero_line)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.6)
        self.plot.addItem(self.bars)
        self._labels: list[pg.TextItem] = []
        self._text_colour = QColor()
        self.empty_label = QLabel("No open positions", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.account_box = ChartAccountBox(
            "pnl-account", "Whose positions: one account, or the accounts of one currency added up", self
        )
        self.account_box.chosen.connect(self.show_accounts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.account_box, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.plot_widget, 1)
        self.plot_widget.hide()
        self._apply_theme()

    def _apply_theme(self) -> None:
        background, text, muted = theme_colours(self)
        self.plot_widget.setBackground(background)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setPen(muted)
            self.plot.getAxis(side).setTextPen(text)
        self.zero_line.setPen(pg.mkPen(muted))
        self._text_colour = text
        for label in self._labels:
            label.setColor(text)
        if self._shown:  # repaint the bars in this palette's gain/loss colours
            self._shown = {}
            self._dirty = True
            self.flush()

    def changeEvent(self, event: QEvent | None) -> None:
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.PaletteChange and hasattr(self, "zero_line"):
            self._apply_theme()  # a theme switch: light and dark have their own colours

    def subscribe(self, hub: EventHub) -> None:
        """Follow the hub's account list and reads, snapshots, position changes and P&L ticks."""
        hub.accounts_update.connect(self.apply)
        hub.account_update.connect(self.apply)
        hub.snapshot.connect(self.apply)
        hub.positions_update.connect(self.apply)
        hub.pnl_update.connect(self.apply)

    @property
    def positions(self) -> SymbolPnl:
        """The positions of the account the bars show by default (the first the desk lists)."""
        return self._of(self.focus.account_id or "")

    def _of(self, account_id: str) -> SymbolPnl:
        found = self._by_account.get(account_id)
        if found is None:
            found = self._by_account[account_id] = SymbolPnl()
        return found

    def _shown_accounts(self) -> tuple[str, ...]:
        return self._members if self._members is not None else (self.focus.account_id or "",)

    def apply(self, event: Event) -> None:
        """Fold the event into its account's per-position map; the bars follow at the next flush."""
        if self.lines.apply(event) and isinstance(event, AccountsUpdate | Snapshot | AccountUpdate):
            self._offer_choices()
        if isinstance(event, AccountsUpdate):
            self.focus.shows(event)
            self._mark_dirty()
            return
        if isinstance(event, Snapshot):
            self.focus.shows(event)
            self._by_account = {}
            for view in event.accounts:
                self._of(view.account_id).reset(view.positions)
        else:
            self.focus.shows(event)  # learns the first account from a desk that never listed them
            account = self._of(event.account_id)
            if isinstance(event, PositionsUpdate):
                account.remove(event.removed)
                account.upsert(event.positions)
            elif isinstance(event, PnlUpdate):
                if not account.update_profit(event.pnl):
                    return
            else:
                return
            if event.account_id not in self._shown_accounts():
                return
        self._mark_dirty()

    def _offer_choices(self) -> None:
        self.account_box.offer(self.lines, "+".join(self._shown_accounts()))

    def show_accounts(self, choice: ChartChoice) -> None:
        """Bars of one account, or of the accounts of one currency added up."""
        self._members = choice.members
        self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def shown(self) -> dict[str, float]:
        """Symbol -> the P&L its bar shows, top to bottom."""
        return dict(self._shown)

    def bar_colours(self) -> dict[str, QColor]:
        """Symbol -> its bar's fill colour."""
        brushes = self.bars.opts.get("brushes") or []
        return {symbol: brush.color() for symbol, brush in zip(self._shown, brushes, strict=True)}

    def flush(self) -> None:
        """Redraw the bars if anything changed since the last redraw."""
        if not self._dirty:
            return
        self._dirty = False
        totals: dict[str, float] = {}
        for account_id in self._shown_accounts():
            for symbol, value in self._of(account_id).totals().items():
                totals[symbol] = totals.get(symbol, 0.0) + value
        totals = {symbol: round(totals[symbol], 2) for symbol in sorted(totals)}  # bars keep their places
        if totals == self._shown:
            return
        self._shown = totals
        self.empty_label.setVisible(not totals)
        self.plot_widget.setVisible(bool(totals))
        if not totals:
            return
        values = np.fromiter(totals.values(), dtype=np.float64, count=len(totals))
        rows = np.arange(len(totals), dtype=np.float64)
        colours = [money_colour(value) or self._text_colour for value in values]
        self.bars.setOpts(
            x0=np.minimum(values, 0.0),
            y=rows,
            width=np.abs(values),
            brushes=[pg.mkBrush(colour) for colour in colours],
            pens=[pg.mkPen(colour) for colour in colours],
        )
        left = self.plot.getAxis("left")
        left.setTicks([list(enumerate(totals))])
        # Sized to the longest symbol now: pyqtgraph would only widen it after a paint, dropping labels.
        metrics = QFontMetrics(left.style["tickFont"] or self.font())
        left.setWidth(max(metrics.horizontalAdvance(symbol) for symbol in totals) + 16)
        self._place_labels(values)
        self.plot.setYRange(-0.5, len(totals) - 0.5, padding=0)
        low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
        margin = max(high - low, 1.0) * 0.25  # room for the figures at the bar ends
        self.plot.setXRange(low - (margin if low < 0 else 0), high + (margin if high > 0 else 0), padding=0)

    def _place_labels(self, values: np.ndarray) -> None:
        while len(self._labels) < len(values):
            label = pg.TextItem(color=self._text_colour)
            self.plot.addItem(label, ignoreBounds=True)
            self._labels.append(label)
        for row, label in enumerate(self._labels):
            if row >= len(values):
                label.hide()
                continue
            value = float(values[row])
            label.setText(f" {format_money(value, signed=True)} ")
            label.setAnchor((1, 0.5) if value < 0 else (0, 0.5))
            label.setPos(value, row)
            label.show()
