"""The order ticket: a market order checked against the symbol's limits before the trader may place it.

The ticket never sends anything: pressing "Sell at BID" or "Buy at ASK" emits `order_requested` with an
OPEN OrderRequest, and `account_order_requested` with the account it is for, for the main window to route.
On a desk of several accounts the ticket asks which account (symbols, quotes and margin then come from that
account's terminal). Enter never places an order; only a click (or Space on a
focused button) does. ModifyDialog and confirm_close live in modify_dialog.py and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import QRegularExpression, Qt, QTimer, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QKeyEvent, QRegularExpressionValidator
from PyQt6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import OrderAction, Side
from app.core.models import OrderRequest, SymbolSpec, Tick
from app.core.number_format import format_money
from app.engine.commands import COMMENT_TAG, MT5_COMMENT_LIMIT, TRADE_ID_LENGTH
from app.engine.queries import TerminalQueries
from app.ui.trading.modify_dialog import ModifyDialog, confirm_close
from app.ui.trading.ticket_accounts import AccountChoice, TicketAccount
from app.ui.trading.ticket_checks import (
    SIDES,
    SymbolMatch,
    button_text,
    match_symbol,
    side_problems,
    stop_hint,
    stop_verdict,
)
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.order_fields import (
    InlineError,
    StopsEditor,
    StopUnit,
    SymbolFeed,
    VolumeSpinBox,
    muted_label,
    price_label,
    side_button,
    stack,
)
from app.ui.widgets.order_validation import (
    StopKind,
    entry_price,
    format_lots,
    format_spec_price,
    implied_side,
    step_decimals,
    validate_volume,
)

# The app writes "MD-<trade id> " before the trader's words; MT5 cuts comments at 29 characters.
COMMENT_LIMIT = MT5_COMMENT_LIMIT - len(COMMENT_TAG) - TRADE_ID_LENGTH - 1
MARGIN_DEBOUNCE_MS = 300
DEFAULT_VOLUME = 0.10  # until an order has been placed, whose volume the ticket then remembers
__all__ = ["COMMENT_LIMIT", "ModifyDialog", "OrderTicket", "TicketAccount", "confirm_close"]


class OrderTicket(QDialog):
    """New market order: symbol, live bid/ask, volume, SL/TP (price or pips), margin estimate, comment."""

    order_requested = pyqtSignal(object)  # OrderRequest (action OPEN)
    account_order_requested = pyqtSignal(str, object)  # the chosen account's id, the same OrderRequest

    def __init__(
        self,
        queries: TerminalQueries,
        symbol: str = "",
        account_currency: str = "",
        parent: QWidget | None = None,
        *,
        volume: float | None = None,
        stop_unit: StopUnit = StopUnit.PRICE,
        accounts: Sequence[TicketAccount] = (),
        account_id: str = "",
    ) -> None:
        """`queries` and `account_currency` are those of `account_id`, the account the ticket opens on;
        `accounts` (two or more) adds the choice of account."""
        super().__init__(parent)
        self.setWindowTitle("New order")
        self._queries = queries
        self._currency = account_currency
        self._account_id = account_id
        self.account_box = AccountChoice(accounts, account_id)
        self._symbols: list[str] = []
        self._symbols_id: int | None = queries.request_symbols()
        self._margin_id: int | None = None
        self._last_side = Side.BUY
        self.feed = SymbolFeed(queries, self)
        self._build()
        self._margin_timer = QTimer(self)
        self._margin_timer.setSingleShot(True)
        self._margin_timer.setInterval(MARGIN_DEBOUNCE_MS)
        self._margin_timer.timeout.connect(self._ask_margin)
        if volume is not None:  # the last order's; a symbol that cannot take it starts at its minimum
            self.volume.setValue(volume)
        if stop_unit is StopUnit.PIPS:
            self.stops.pips_radio.setChecked(True)
        self._listen(queries, True)
        self._attach_feed()
        if symbol:
            self._follow(symbol)
        self._revalidate()

    # -- layout --------------------------------------------------------------------------------------

    def _listen(self, queries: TerminalQueries, on: bool) -> None:
        pairs = (
            (queries.symbols_ready, self._on_symbols),
            (queries.margin_ready, self._on_margin),
            (queries.failed, self._on_failed),
        )
        for signal, slot in pairs:
            if on:
                signal.connect(slot)
            else:
                signal.disconnect(slot)

    def _attach_feed(self) -> None:
        self.feed.spec_changed.connect(self._on_spec)
        self.feed.quote_changed.connect(self._on_quote)
        self.feed.problems_changed.connect(self._show_feed_problems)

    @property
    def account_id(self) -> str:
        """The account the order goes to."""
        return self._account_id

    @pyqtSlot(object)
    def _on_account_chosen(self, entry: TicketAccount) -> None:
        if entry.account_id == self._account_id:
            return
        symbol = self.feed.symbol or self.symbol_box.currentText().strip()
        self._listen(self._queries, False)
        self.feed.stop()
        self.feed.deleteLater()
        self._queries, self._currency, self._account_id = entry.queries, entry.currency, entry.account_id
        self._listen(entry.queries, True)
        self.feed = SymbolFeed(entry.queries, self)
        self._attach_feed()
        self._show_account_title()
        # Another terminal: its own symbol list (a broker may name symbols differently) and quotes.
        self._symbols = []
        self._symbols_id = entry.queries.request_symbols()
        self.symbol_error.show_messages(None)
        if symbol:
            self._follow(symbol)
        else:
            self._revalidate()

    def _show_account_title(self) -> None:
        several = self.account_box.several
        self.setWindowTitle(
            f"New order — {self.account_box.label_of(self._account_id)}" if several else "New order"
        )

    def _build(self) -> None:
        self.account_box.account_chosen.connect(self._on_account_chosen)
        self._show_account_title()
        self.symbol_box = QComboBox()
        self.symbol_box.setEditable(True)
        self.symbol_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(self.symbol_box.model(), self.symbol_box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.symbol_box.setCompleter(completer)
        self.symbol_box.activated.connect(lambda index: self._follow(self.symbol_box.itemText(index)))
        symbol_line = self.symbol_box.lineEdit()
        assert symbol_line is not None  # an editable combo box has a line edit
        symbol_line.editingFinished.connect(self._on_symbol_typed)
        # While the text differs from the symbol whose prices are shown, Buy and Sell must not be pressable.
        self.symbol_box.editTextChanged.connect(lambda _text: self._revalidate())
        self.description = muted_label()
        self.symbol_error = InlineError()
        self.bid_label = price_label(trade_colours().sell)
        self.ask_label = price_label(trade_colours().buy)
        self.spread_label = muted_label(wrap=False)
        self.quote_error = InlineError()
        self.volume = VolumeSpinBox()
        self.volume.setValue(DEFAULT_VOLUME)
        self.volume.valueChanged.connect(self._on_volume_changed)
        # Once the trader has typed a volume, the symbol's details arriving never overwrite it (they did
        # mid-typing: "0." became 0.01 under the cursor and "0.20" ended as 0.2001); a bad one is shown red.
        self._volume_typed = False
        line_edit = self.volume.lineEdit()
        assert line_edit is not None  # a spin box always has its line edit
        line_edit.textEdited.connect(self._on_volume_typed)
        self.volume_limits = muted_label(wrap=False)
        self.volume_error = InlineError()
        self.stops = StopsEditor(
            self._conversion_basis, "Pips from the entry price: the ask for a Buy, the bid for a Sell"
        )
        self.stops.changed.connect(self._revalidate)
        self.comment = QLineEdit()
        self.comment.setMaxLength(COMMENT_LIMIT)
        self.comment.setValidator(QRegularExpressionValidator(QRegularExpression("[ -~]*"), self.comment))
        self.comment.setPlaceholderText("optional: your note, kept with the trade")
        self.comment_room = muted_label(wrap=False)
        self.comment.textChanged.connect(self._show_comment_room)
        self._show_comment_room("")
        self.margin_label = QLabel("Margin ≈ —")
        self.margin_error = InlineError()
        self.buttons: dict[Side, QPushButton] = {}
        for side in SIDES:
            self.buttons[side] = side_button(side)
            self.buttons[side].clicked.connect(lambda _checked, s=side: self._place(s))
        self.side_note = muted_label()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)

        form = QFormLayout()
        if self.account_box.several:  # a desk of one account asks nothing
            form.addRow("Account", self.account_box)
        else:
            self.account_box.hide()
        form.addRow("Symbol", stack(self.symbol_box, self.description, self.symbol_error))
        quotes = QHBoxLayout()
        for caption, label in (("Bid", self.bid_label), ("Ask", self.ask_label)):
            quotes.addWidget(muted_label(caption, wrap=False))
            quotes.addWidget(label)
            quotes.addSpacing(16)
        quotes.addWidget(self.spread_label)
        quotes.addStretch(1)
        form.addRow("Market", stack(quotes, self.quote_error))
        form.addRow("Volume", stack(self.volume, self.volume_limits, self.volume_error))
        form.addRow(self.stops)
        form.addRow("Comment", stack(self.comment, self.comment_room))
        form.addRow("", stack(self.margin_label, self.margin_error))
        place = QHBoxLayout()
        for side in SIDES:
            place.addWidget(self.buttons[side])
        bottom = QHBoxLayout()
        bottom.addWidget(self.side_note, 1)
        bottom.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        # The ticket grows and shrinks with its messages instead of squeezing them into each other.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addLayout(form)
        layout.addLayout(place)
        layout.addLayout(bottom)
        self.symbol_box.setMinimumWidth(420)

    # -- symbol, quotes, spec ------------------------------------------------------------------------

    @pyqtSlot(int, object)
    def _on_symbols(self, request_id: int, symbols: list[str]) -> None:
        if request_id != self._symbols_id:
            return
        self._symbols_id = None
        self._symbols = sorted(symbols)
        current = self.feed.symbol or self.symbol_box.currentText()
        self.symbol_box.blockSignals(True)
        self.symbol_box.clear()
        self.symbol_box.addItems(self._symbols)
        self.symbol_box.blockSignals(False)
        if current:
            self._show_symbol(current)
        elif self._symbols:
            self.symbol_box.setCurrentIndex(0)
            self._follow(self._symbols[0])
        self.symbol_error.show_messages(None)

    @pyqtSlot()
    def _on_symbol_typed(self) -> None:
        """Enter (or leaving the field): follow the symbol typed, or the one symbol the text is part of."""
        typed = self.symbol_box.currentText().strip()
        if not typed or typed == self.feed.symbol:
            return
        if not self._symbols:
            self._follow(typed.upper())  # no list to check against: the spec request will say if it exists
            return
        matched = match_symbol(typed, self._symbols)
        if isinstance(matched, SymbolMatch):
            self._follow(matched.symbol)
            return
        self.symbol_error.show_messages(matched)
        self._revalidate()

    def _symbol_problem(self) -> str | None:
        """Why no order can be placed for what the symbol field says (None: it names the followed symbol)."""
        typed = self.symbol_box.currentText().strip()
        if not typed:
            return "Choose a symbol."
        if self.feed.symbol and typed.upper() == self.feed.symbol.upper():
            return None
        return f"{typed} is not chosen yet: press Enter or pick a symbol from the list."

    @pyqtSlot(str)
    def _show_comment_room(self, text: str) -> None:
        left = COMMENT_LIMIT - len(text)
        self.comment_room.setText(
            f"{len(text)} of {COMMENT_LIMIT} characters · MT5 keeps {MT5_COMMENT_LIMIT}, the desk's "
            f"order id takes {MT5_COMMENT_LIMIT - COMMENT_LIMIT}"
            if left
            else f"{COMMENT_LIMIT} of {COMMENT_LIMIT} characters: that is all MT5 keeps beside the order id"
        )

    def _follow(self, symbol: str) -> None:
        if symbol == self.feed.symbol:
            self._show_symbol(symbol)  # e.g. 'aud' + Enter while AUDUSD is shown: the field names it again
            self.symbol_error.show_messages(None)
            self._revalidate()
            return
        self._show_symbol(symbol)
        self.symbol_error.show_messages(None)
        self.description.setText("")
        self._margin_id = None
        self.margin_label.setText("Margin ≈ —")
        self.feed.set_symbol(symbol)
        self.stops.set_spec(None)
        self._revalidate()

    def _show_symbol(self, symbol: str) -> None:
        index = self.symbol_box.findText(symbol)
        if index >= 0:
            self.symbol_box.setCurrentIndex(index)
        else:
            self.symbol_box.setEditText(symbol)

    @pyqtSlot(object)
    def _on_spec(self, spec: SymbolSpec) -> None:
        self.description.setText(spec.description)
        self.volume.set_step(spec.volume_step, max(2, step_decimals(spec.volume_step)))
        self.volume_limits.setText(
            f"min {format_lots(spec.volume_min, spec)} · max {format_lots(spec.volume_max, spec)} · "
            f"step {format_lots(spec.volume_step, spec)}"
        )
        if not self._volume_typed and validate_volume(self.volume.value(), spec) is not None:
            self.volume.setValue(spec.volume_min)
        self.stops.set_spec(spec)
        self._revalidate()
        self._margin_timer.start()

    @pyqtSlot(object)
    def _on_quote(self, tick: Tick | None) -> None:
        spec = self.feed.spec
        if tick is None or spec is None:
            self.bid_label.setText("—")
            self.ask_label.setText("—")
            self.spread_label.setText("")
        else:
            self.bid_label.setText(format_spec_price(tick.bid, spec))
            self.ask_label.setText(format_spec_price(tick.ask, spec))
            self.spread_label.setText(f"spread {round((tick.ask - tick.bid) / spec.point)} points")
            if self._margin_id is None and self.margin_label.text() == "Margin ≈ —":
                self._margin_timer.start()
        self._revalidate()

    @pyqtSlot()
    def _show_feed_problems(self) -> None:
        self.quote_error.show_messages(self.feed.problems())

    # -- margin --------------------------------------------------------------------------------------

    @pyqtSlot(str)
    def _on_volume_typed(self, _text: str) -> None:
        self._volume_typed = True

    @pyqtSlot(float)
    def _on_volume_changed(self, _value: float) -> None:
        self._margin_id = None
        self._margin_timer.start()
        self._revalidate()

    @pyqtSlot()
    def _ask_margin(self) -> None:
        spec, tick = self.feed.spec, self.feed.tick
        volume = self.volume.value()
        if spec is None or tick is None or validate_volume(volume, spec) is not None:
            self.margin_label.setText("Margin ≈ —")
            return
        # A Buy at the ask: a Sell at the bid needs the same margin to within the spread.
        self._margin_id = self._queries.request_margin(Side.BUY, spec.name, volume, tick.ask)

    @pyqtSlot(int, float)
    def _on_margin(self, request_id: int, margin: float) -> None:
        if request_id != self._margin_id:
            return
        self._margin_id = None
        self.margin_label.setText(f"Margin ≈ {format_money(margin)} {self._currency}".rstrip())
        self.margin_error.show_messages(None)

    @pyqtSlot(int, str)
    def _on_failed(self, request_id: int, error: str) -> None:
        if request_id == self._symbols_id:
            self._symbols_id = None
            self.symbol_error.show_messages(f"Symbol list unavailable: {error}")
        elif request_id == self._margin_id:
            self._margin_id = None
            self.margin_label.setText("Margin ≈ —")
            self.margin_error.show_messages(f"Margin estimate unavailable: {error}")

    # -- validation and placing ----------------------------------------------------------------------

    def _conversion_basis(self) -> tuple[Side, float] | None:
        tick = self.feed.tick
        if tick is None:
            return None
        if self.stops.unit is StopUnit.PRICE:  # prices become pips: take the side they were typed for
            sl, tp = (self.stops.value(kind) for kind in StopKind)
            self._last_side = implied_side(sl, tp, tick) or self._last_side
        return self._last_side, entry_price(self._last_side, tick)

    def _problems(self, side: Side) -> dict[str, list[str]]:
        """What stops a `side` order now, keyed by field ('volume', 'sl', 'tp', 'market')."""
        return side_problems(side, self.feed.spec, self.feed.tick, self.volume.value(), self.stops)

    @pyqtSlot()
    def _revalidate(self) -> None:
        symbol_problem = self._symbol_problem()
        if symbol_problem is not None:
            for side in SIDES:
                button = self.buttons[side]
                button.setText(button_text(side, None, None))
                button.setEnabled(False)
                button.setToolTip(symbol_problem)
            self.side_note.setText("" if self.symbol_error.text() else symbol_problem)
            return
        per_side = {side: self._problems(side) for side in SIDES}
        tick, spec = self.feed.tick, self.feed.spec
        shown = set(per_side[Side.BUY].get("volume", []))
        self.volume_error.show_messages(per_side[Side.BUY].get("volume", []))
        for kind in StopKind:
            verdict = stop_verdict(kind, per_side)
            shown.update(verdict.errors)
            hint = stop_hint(kind, tick, spec, self.stops, verdict.failing)
            self.stops.show_feedback(kind, list(verdict.errors), hint)
        notes = []
        for side in SIDES:
            reasons = [text for texts in per_side[side].values() for text in texts]
            button = self.buttons[side]
            button.setText(button_text(side, tick, spec))
            button.setEnabled(not reasons)
            button.setToolTip("\n".join(reasons))
            unexplained = [text for text in reasons if text not in shown]
            if unexplained and "market" not in per_side[side]:
                notes.append(f"{side.value.title()} unavailable: {unexplained[0]}")
        if "market" in per_side[Side.BUY]:  # the feed's own problem, if any, is already shown in red
            notes = [] if self.feed.problems() else per_side[Side.BUY]["market"]
        self.side_note.setText("\n".join(notes))

    def _place(self, side: Side) -> None:
        tick, spec = self.feed.tick, self.feed.spec
        if tick is None or spec is None or self._symbol_problem() is not None or self._problems(side):
            self._revalidate()
            return
        sl, tp = self.stops.prices(side, entry_price(side, tick))
        request = OrderRequest(
            action=OrderAction.OPEN,
            symbol=spec.name,
            side=side,
            volume=round(self.volume.value(), step_decimals(spec.volume_step)),
            sl=sl,
            tp=tp,
            comment=self.comment.text().strip(),
        )
        self.order_requested.emit(request)
        self.account_order_requested.emit(self._account_id, request)
        self.accept()

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            # Enter presses the Buy or Sell button the trader moved the focus to (as in MetaTrader 5),
            # and nothing else: a stray Enter in a field never places an order.
            focused = self.focusWidget()
            for side_button in self.buttons.values():
                if focused is side_button and side_button.isEnabled():
                    side_button.click()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.feed.stop()
        self._margin_timer.stop()
        self._margin_id = self._symbols_id = None
        super().done(result)
