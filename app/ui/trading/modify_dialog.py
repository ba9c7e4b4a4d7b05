"""Changing an open position's SL/TP, and the confirmation asked before closing one at market.

Like the order ticket these never send anything: ModifyDialog emits a MODIFY OrderRequest, and
`confirm_close` only answers whether the trader really wants the close.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import Qt, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import OrderAction, Side
from app.core.models import OrderRequest, Position, Tick
from app.core.number_format import format_lots, format_money, format_price, format_volume
from app.engine.queries import TerminalQueries
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.order_fields import (
    InlineError,
    StopsEditor,
    StopUnit,
    SymbolFeed,
    muted_label,
    price_label,
    stack,
)
from app.ui.widgets.order_validation import (
    StopKind,
    closing_price,
    format_spec_price,
    price_to_pips,
    reference_name,
    validate_stops,
)


def position_title(position: Position, volume: float | None = None) -> str:
    """'BUY 0.10 EURUSD #123', as the trader reads a position everywhere in the app."""
    lots = format_volume(position.volume if volume is None else volume)
    return f"{position.side.value} {lots} {position.symbol} #{position.ticket}"


class ModifyDialog(QDialog):
    """New SL/TP for an open position, checked against the stops level at the live price."""

    order_requested = pyqtSignal(object)  # OrderRequest (action MODIFY)

    def __init__(
        self,
        queries: TerminalQueries,
        position: Position,
        parent: QWidget | None = None,
        *,
        currency: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Modify {position_title(position)}")
        self.position = position
        self.feed = SymbolFeed(queries, self)
        colours = trade_colours()
        self.title = price_label(colours.buy if position.side is Side.BUY else colours.sell, 1.2)
        self.title.setText(position_title(position))
        self.opened = muted_label(
            f"Opened at {format_price(position.price_open, position.digits)} · "
            f"profit {format_money(position.profit, currency, signed=True)}"
        )
        self.price_label = price_label(scale=1.2)
        self.quote_error = InlineError()
        self.stops = StopsEditor(
            lambda: (position.side, position.price_open), "Pips from the position's open price"
        )
        for kind, price in ((StopKind.SL, position.sl), (StopKind.TP, position.tp)):
            self.stops.edits[kind].setText("" if price is None else format_price(price, position.digits))
        self.stops.changed.connect(self._revalidate)
        self.note = muted_label()
        self.modify_button = QPushButton("Modify")
        self.modify_button.setObjectName("modify_button")
        self.modify_button.setAutoDefault(False)  # a change to a live position needs an explicit click
        self.modify_button.clicked.connect(self._modify)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Position", stack(self.title, self.opened))
        form.addRow(f"Price ({reference_name(position.side)})", stack(self.price_label, self.quote_error))
        form.addRow(self.stops)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.modify_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addLayout(form)
        layout.addWidget(muted_label("Leave a field empty to remove that level."))
        layout.addLayout(buttons)
        self.stops.setMinimumWidth(420)

        self.feed.spec_changed.connect(self._on_spec)
        self.feed.quote_changed.connect(self._on_quote)
        self.feed.problems_changed.connect(lambda: self.quote_error.show_messages(self.feed.problems()))
        self.feed.set_symbol(position.symbol)
        self._revalidate()

    def requested_stops(self) -> tuple[float | None, float | None]:
        """SL and TP as they would be sent (None: no level)."""
        return self.stops.prices(self.position.side, self.position.price_open)

    @pyqtSlot(object)
    def _on_spec(self, spec: object) -> None:
        self.stops.set_spec(self.feed.spec)
        self._revalidate()

    @pyqtSlot(object)
    def _on_quote(self, tick: Tick | None) -> None:
        spec = self.feed.spec
        if tick is None or spec is None:
            self.price_label.setText("—")
        else:
            self.price_label.setText(format_spec_price(self._close_price(tick), spec))
        self._revalidate()

    def _close_price(self, tick: Tick) -> float:
        return closing_price(self.position.side, tick)

    def _problems(self) -> dict[StopKind, list[str]]:
        spec, tick = self.feed.spec, self.feed.tick
        assert spec is not None and tick is not None
        found: dict[StopKind, list[str]] = {}
        for kind in StopKind:
            number = self.stops.value(kind)
            if number is not None and math.isnan(number):
                found[kind] = [f"{kind.label}: enter a number above 0 ({self.stops.unit.value})."]
                continue
            price = self.stops.price(kind, self.position.side, self.position.price_open)
            sl, tp = (price, None) if kind is StopKind.SL else (None, price)
            problems = validate_stops(self.position.side, self._close_price(tick), sl, tp, spec)
            if problems:
                found[kind] = problems
        return found

    @pyqtSlot()
    def _revalidate(self) -> None:
        spec, tick = self.feed.spec, self.feed.tick
        if spec is None or tick is None:
            self.modify_button.setEnabled(False)
            self.note.setText("" if self.feed.problems() else "Waiting for a live quote…")
            return
        problems = self._problems()
        for kind in StopKind:
            self.stops.show_feedback(
                kind, problems.get(kind, []), self._hint(kind) if kind not in problems else ""
            )
        sl, tp = self.requested_stops()
        unchanged = _same(sl, self.position.sl, spec.point) and _same(tp, self.position.tp, spec.point)
        self.note.setText("Nothing changed yet." if unchanged and not problems else "")
        self.modify_button.setEnabled(not problems and not unchanged)

    def _hint(self, kind: StopKind) -> str:
        spec = self.feed.spec
        number = self.stops.value(kind)
        if spec is None or number is None or math.isnan(number):
            return ""
        side, opened = self.position.side, self.position.price_open
        if self.stops.unit is StopUnit.PIPS:
            return f"→ {format_spec_price(self.stops.price(kind, side, opened) or 0.0, spec)}"
        return f"{price_to_pips(side, kind, opened, number, spec):.1f} pips from the open price"

    def _modify(self) -> None:
        self._revalidate()
        if not self.modify_button.isEnabled():
            return
        sl, tp = self.requested_stops()
        self.order_requested.emit(
            OrderRequest(
                action=OrderAction.MODIFY,
                symbol=self.position.symbol,
                side=self.position.side,
                ticket=self.position.ticket,
                sl=sl,
                tp=tp,
            )
        )
        self.accept()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.feed.stop()
        super().done(result)


def _same(new: float | None, old: float | None, point: float) -> bool:
    if new is None or old is None:
        return new is None and (old is None or old == 0)
    return abs(new - old) < point / 2


def confirm_close(
    parent: QWidget | None, position: Position, volume: float | None = None, currency: str = ""
) -> bool:
    """Ask 'Close BUY 0.10 EURUSD #123 at market?' (`volume` None: the whole position); True only when the
    trader confirms (Cancel is the default). `currency` is the account's, for the profit it quotes."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Close position")
    box.setText(f"Close {position_title(position, volume)} at market?")
    profit = format_money(position.profit, currency, signed=True)
    details = [f"Floating profit of the whole position now: {profit}."]
    if volume is not None and volume < position.volume:
        rest = format_volume(round(position.volume - volume, 8))
        details.insert(
            0,
            f"Partial close: {format_volume(volume)} of {format_lots(position.volume)}; "
            f"{rest} lots stay open.",
        )
    box.setInformativeText("\n".join(details))
    close = box.addButton("Close at market", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)  # Enter on a surprise dialog must not close a position
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is close
