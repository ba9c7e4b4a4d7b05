"""Parts shared by the order ticket and the modify dialog: inline errors, a live symbol feed, SL/TP fields."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from enum import StrEnum

from PyQt6.QtCore import QLocale, QObject, QSize, QTimer, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QColor, QDoubleValidator, QFont, QPalette, QResizeEvent
from PyQt6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.enums import Side
from app.core.models import SymbolSpec, Tick
from app.engine.queries import TerminalQueries
from app.ui.widgets.columns import trade_colours
from app.ui.widgets.order_validation import StopKind, pips_to_price, price_to_pips

QUOTE_INTERVAL_MS = 500
# A quote older than this is not shown as live: a trader must never act on a frozen price.
QUOTE_PATIENCE_S = 3.0


class WrappingLabel(QLabel):
    """A word-wrapped label that takes the width its column offers instead of widening the dialog."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str | None) -> None:
        super().setText(text)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        # Layouts size a wrapped label for a guessed width; pin the height its real width needs instead.
        needed = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), 120), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 120), hint.height())


class InlineError(WrappingLabel):
    """Red text under a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setStyleSheet(f"color: {trade_colours().loss.name()};")
        self.hide()

    def show_messages(self, messages: list[str] | str | None) -> None:
        if isinstance(messages, str):
            messages = [messages] if messages else []
        text = "\n".join(messages or [])
        self.setText(text)
        self.setVisible(bool(text))


def muted_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A secondary-information label in the palette's placeholder colour; `wrap` for sentences."""
    label = WrappingLabel(text) if wrap else QLabel(text)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def stack(*parts: QWidget | QHBoxLayout) -> QVBoxLayout:
    """Widgets and rows one under the other, tightly spaced (a field, its hint, its error)."""
    column = QVBoxLayout()
    column.setSpacing(2)
    for part in parts:
        if isinstance(part, QHBoxLayout):
            column.addLayout(part)
        else:
            column.addWidget(part)
    return column


class VolumeSpinBox(QDoubleSpinBox):
    """Lots without trailing zeros; accepts any number so an off-step value reaches the inline check."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.display_decimals = 2
        self.setDecimals(8)
        self.setRange(0.0, 1_000_000.0)
        self.setKeyboardTracking(True)
        self.setSuffix(" lots")

    def set_step(self, step: float, display_decimals: int) -> None:
        """Take a symbol's volume step without re-rendering what the trader is typing.

        Qt re-formats the text on setSingleStep with the cursor left where it was: "0." became "0.00" and
        the next keys "25" landed inside it ("0.2500").
        """
        line = self.lineEdit()
        assert line is not None  # a spin box always has its line edit
        typed, cursor = line.text(), line.cursorPosition()
        self.display_decimals = display_decimals
        self.setSingleStep(step)
        if self.hasFocus():
            line.setText(typed)
            line.setCursorPosition(cursor)

    def textFromValue(self, value: float) -> str:
        text = f"{value:.8f}".rstrip("0")
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction.ljust(self.display_decimals, '0')}" if self.display_decimals else whole


def price_label(colour: QColor | None = None, scale: float = 1.6) -> QLabel:
    """A large bold price, in a side's colour when given."""
    label = QLabel("—")
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    if colour is not None:
        label.setStyleSheet(f"color: {colour.name()};")
    return label


def side_button(side: Side) -> QPushButton:
    """A large Buy (blue) or Sell (red) button: placing takes a click, or Enter once it has the focus."""
    button = QPushButton()
    button.setObjectName(f"{side.value.lower()}_button")
    button.setAutoDefault(False)
    button.setDefault(False)
    button.setMinimumHeight(52)
    colour = trade_colours().buy if side is Side.BUY else trade_colours().sell
    button.setStyleSheet(
        f"QPushButton {{ background: {colour.name()}; color: white; font-weight: bold; "
        "border-radius: 4px; padding: 6px 18px; }"
        "QPushButton:disabled { background: palette(mid); color: palette(button); }"
    )
    return button


class SymbolFeed(QObject):
    """Specification and live quotes of one symbol; answers to questions no longer asked are ignored."""

    spec_changed = pyqtSignal(object)  # SymbolSpec
    quote_changed = pyqtSignal(object)  # Tick, or None when the price is no longer live
    problems_changed = pyqtSignal()

    def __init__(self, queries: TerminalQueries, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queries = queries
        self.symbol = ""
        self.spec: SymbolSpec | None = None
        self.tick: Tick | None = None
        self._spec_id: int | None = None
        self._quote_id: int | None = None
        self._quote_asked_at = 0.0
        self._problems: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(QUOTE_INTERVAL_MS)
        self._timer.timeout.connect(self._poll)
        queries.spec_ready.connect(self._on_spec)
        queries.quote_ready.connect(self._on_quote)
        queries.failed.connect(self._on_failed)

    def problems(self) -> list[str]:
        """What currently keeps the feed from being complete and live, for the trader to read."""
        return [text for text in self._problems.values() if text]

    def set_symbol(self, symbol: str) -> None:
        """Follow `symbol` from now on (its spec once, its quote every 500 ms)."""
        self.symbol = symbol
        self.spec = None
        self.tick = None
        self._problems.clear()
        self._spec_id = self._queries.request_spec(symbol)
        self._ask_quote()
        self._timer.start()
        self.problems_changed.emit()
        self.quote_changed.emit(None)

    def stop(self) -> None:
        """Stop polling (the dialog closed); late answers are ignored."""
        self._timer.stop()
        self._spec_id = self._quote_id = None

    def _ask_quote(self) -> None:
        self._quote_id = self._queries.request_quote(self.symbol)
        self._quote_asked_at = time.monotonic()

    @pyqtSlot()
    def _poll(self) -> None:
        if self._quote_id is None:
            self._ask_quote()
            return
        # One question at a time, so a slow terminal is not buried under a queue of quote requests.
        waited = time.monotonic() - self._quote_asked_at
        if waited >= QUOTE_PATIENCE_S and self._problems.get("quote") is None:
            self.tick = None
            self._set_problem(
                "quote", f"Quotes unavailable: MetaTrader 5 has not answered for {waited:.0f} s"
            )
            self.quote_changed.emit(None)

    @pyqtSlot(int, object)
    def _on_spec(self, request_id: int, spec: SymbolSpec) -> None:
        if request_id != self._spec_id:
            return
        self._spec_id = None
        self.spec = spec
        self._set_problem("spec", None)
        self.spec_changed.emit(spec)

    @pyqtSlot(int, object)
    def _on_quote(self, request_id: int, tick: Tick) -> None:
        if request_id != self._quote_id:
            return
        self._quote_id = None
        self.tick = tick
        self._set_problem("quote", None)
        self.quote_changed.emit(tick)

    @pyqtSlot(int, str)
    def _on_failed(self, request_id: int, error: str) -> None:
        if request_id == self._spec_id:
            self._spec_id = None
            self._set_problem("spec", f"Symbol details unavailable: {error}")
        elif request_id == self._quote_id:
            self._quote_id = None
            self.tick = None
            self._set_problem("quote", f"Quotes unavailable: {error}")
            self.quote_changed.emit(None)

    def _set_problem(self, key: str, text: str | None) -> None:
        if self._problems.get(key) != text:
            self._problems[key] = text or ""
            if not text:
                del self._problems[key]
            self.problems_changed.emit()


class StopUnit(StrEnum):
    """How the trader types SL/TP: as prices, or as a distance in pips."""

    PRICE = "price"
    PIPS = "pips"


# (side, price the pips are counted from) used to convert the typed values when the unit is switched.
ConversionBasis = Callable[[], tuple[Side, float] | None]


class StopsEditor(QWidget):
    """Stop loss and take profit fields with a price/pips switch, a hint and an inline error under each."""

    changed = pyqtSignal()
    unit_changed = pyqtSignal(object)  # StopUnit, when the trader switches price/pips

    def __init__(self, basis: ConversionBasis, pips_note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._basis = basis
        self._spec: SymbolSpec | None = None
        self.unit = StopUnit.PRICE
        self.price_radio = QRadioButton("Price")
        self.pips_radio = QRadioButton("Pips")
        self.price_radio.setChecked(True)
        self.pips_radio.setToolTip(pips_note)
        group = QButtonGroup(self)
        group.addButton(self.price_radio)
        group.addButton(self.pips_radio)
        self.pips_radio.toggled.connect(self._on_unit_toggled)
        self.edits: dict[StopKind, QLineEdit] = {}
        self.hints: dict[StopKind, QLabel] = {}
        self.errors: dict[StopKind, InlineError] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        units = QHBoxLayout()
        units.addWidget(self.price_radio)
        units.addWidget(self.pips_radio)
        units.addStretch(1)
        form.addRow("SL / TP as", units)
        for kind in StopKind:
            edit = QLineEdit()
            edit.setObjectName(f"{kind.value}_edit")
            edit.setClearButtonEnabled(True)
            edit.textEdited.connect(lambda _text: self.changed.emit())
            self.edits[kind] = edit
            self.hints[kind] = muted_label()
            self.errors[kind] = InlineError()
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(edit)
            column.addWidget(self.hints[kind])
            column.addWidget(self.errors[kind])
            form.addRow(kind.label, column)
        self._update_validators()

    def set_spec(self, spec: SymbolSpec | None) -> None:
        self._spec = spec
        self._update_validators()

    def value(self, kind: StopKind) -> float | None:
        """The typed number (a price or pips); None when empty or zero, NaN when it does not read."""
        text = self.edits[kind].text().strip()
        if not text:
            return None
        number, ok = QLocale.c().toDouble(text.replace(",", "."))
        if not ok or not math.isfinite(number) or number < 0:
            return math.nan
        return number or None

    def prices(self, side: Side, origin: float) -> tuple[float | None, float | None]:
        """SL and TP as prices for a `side` order; pips are counted from `origin`."""
        return self.price(StopKind.SL, side, origin), self.price(StopKind.TP, side, origin)

    def price(self, kind: StopKind, side: Side, origin: float) -> float | None:
        number = self.value(kind)
        if number is None or self.unit is StopUnit.PRICE or self._spec is None or math.isnan(number):
            return number
        return pips_to_price(side, kind, origin, number, self._spec)

    def set_prices(self, sl: float | None, tp: float | None) -> None:
        """Show these prices (None: empty) and switch to price mode."""
        self.price_radio.setChecked(True)
        for kind, price in ((StopKind.SL, sl), (StopKind.TP, tp)):
            self.edits[kind].setText(self._price_text(price) if price else "")
        self.changed.emit()

    def show_feedback(self, kind: StopKind, errors: list[str], hint: str = "") -> None:
        self.errors[kind].show_messages(errors)
        self.hints[kind].setText(hint)
        self.hints[kind].setVisible(bool(hint))

    @pyqtSlot(bool)
    def _on_unit_toggled(self, pips: bool) -> None:
        new_unit = StopUnit.PIPS if pips else StopUnit.PRICE
        if new_unit is self.unit:
            return
        basis = self._basis() if self._spec is not None else None
        for kind, edit in self.edits.items():
            number = self.value(kind)
            if number is None or math.isnan(number) or basis is None:
                # Without a price to convert from, a number in the old unit would be misread in the new one.
                edit.clear()
                continue
            side, origin = basis
            assert self._spec is not None
            if new_unit is StopUnit.PIPS:
                edit.setText(f"{price_to_pips(side, kind, origin, number, self._spec):.1f}")
            else:
                edit.setText(self._price_text(pips_to_price(side, kind, origin, number, self._spec)))
        self.unit = new_unit
        self._update_validators()
        self.unit_changed.emit(new_unit)
        self.changed.emit()

    def _price_text(self, price: float) -> str:
        digits = self._spec.digits if self._spec is not None else 5
        return f"{price:.{digits}f}"

    def _update_validators(self) -> None:
        decimals = 1 if self.unit is StopUnit.PIPS else (self._spec.digits if self._spec else 8)
        for kind, edit in self.edits.items():
            validator = QDoubleValidator(0.0, 1e9, decimals, edit)
            validator.setNotation(QDoubleValidator.Notation.StandardNotation)
            validator.setLocale(QLocale.c())
            edit.setValidator(validator)
            edit.setPlaceholderText(
                "pips, empty for none" if self.unit is StopUnit.PIPS else "price, empty for none"
            )
            self.errors[kind].show_messages(None)
