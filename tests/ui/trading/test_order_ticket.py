"""Order ticket, modify dialog and close confirmation against a real engine on the simulator.

The simulator's clock is frozen, so EURUSD quotes 1.08717 / 1.08729 (bid / ask) throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.enums import Backend, OrderAction, Side
from app.core.models import OrderRequest, Position
from app.core.target import TerminalTarget
from app.engine.commands import MT5_COMMENT_LIMIT, new_trade_id, tagged_comment
from app.engine.desk import Desk, DeskConfig
from app.engine.intervals import Intervals
from app.engine.queries import TerminalQueries
from app.terminal.simulator import ClockSpec
from app.ui.trading.order_ticket import COMMENT_LIMIT, ModifyDialog, OrderTicket, confirm_close
from app.ui.widgets.order_validation import StopKind

WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
SL, TP = StopKind.SL, StopKind.TP


@pytest.fixture
def desk(qapp: QApplication, tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(
        DeskConfig(
            target=TerminalTarget(Backend.SIM, sim_state_file=str(tmp_path / "sim.json")),
            database_file=tmp_path / "journal.sqlite3",
            intervals=Intervals(0.1, 0.3, 0.3, 1.0),
            sim_clock=ClockSpec.manual(WEDNESDAY),
        )
    )
    desk.start()
    yield desk
    assert desk.stop(10), "worker did not stop"


@pytest.fixture
def queries(desk: Desk) -> TerminalQueries:
    return TerminalQueries(desk.host)


@pytest.fixture
def ticket(qtbot: QtBot, queries: TerminalQueries) -> OrderTicket:
    dialog = OrderTicket(queries, "EURUSD", "USD")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.feed.tick is not None and dialog.feed.spec is not None, timeout=5000)
    return dialog


def type_stop(dialog: OrderTicket | ModifyDialog, kind: StopKind, text: str) -> None:
    dialog.stops.edits[kind].setText(text)
    dialog.stops.changed.emit()


def buy_and_sell_enabled(dialog: OrderTicket) -> tuple[bool, bool]:
    return dialog.buttons[Side.BUY].isEnabled(), dialog.buttons[Side.SELL].isEnabled()


# -- the ticket -----------------------------------------------------------------------------------------


def test_the_symbol_picker_lists_the_brokers_symbols(qtbot: QtBot, ticket: OrderTicket) -> None:
    qtbot.waitUntil(lambda: ticket.symbol_box.count() == 8, timeout=5000)
    names = [ticket.symbol_box.itemText(i) for i in range(ticket.symbol_box.count())]
    assert {"EURUSD", "USDJPY", "XAUUSD", "BTCUSD"} <= set(names)
    assert ticket.symbol_box.currentText() == "EURUSD"


def test_live_bid_and_ask_are_shown_at_the_symbols_precision(ticket: OrderTicket) -> None:
    assert (ticket.bid_label.text(), ticket.ask_label.text()) == ("1.08717", "1.08729")
    assert ticket.buttons[Side.BUY].text() == "Buy at ASK\n1.08729"
    assert ticket.buttons[Side.SELL].text() == "Sell at BID\n1.08717"
    assert ticket.description.text() == "Euro vs US Dollar"


def test_a_typed_symbol_is_followed_whatever_its_case(qtbot: QtBot, ticket: OrderTicket) -> None:
    qtbot.waitUntil(lambda: ticket.symbol_box.count() == 8, timeout=5000)
    ticket.symbol_box.setEditText("usdjpy")
    ticket.symbol_box.lineEdit().editingFinished.emit()
    qtbot.waitUntil(lambda: ticket.feed.spec is not None and ticket.feed.spec.name == "USDJPY", timeout=5000)
    qtbot.waitUntil(lambda: ticket.bid_label.text().count(".") == 1 and len(ticket.bid_label.text()) == 7)
    assert ticket.symbol_box.currentText() == "USDJPY"


def test_an_unknown_typed_symbol_is_refused_inline(qtbot: QtBot, ticket: OrderTicket) -> None:
    qtbot.waitUntil(lambda: ticket.symbol_box.count() == 8, timeout=5000)
    ticket.symbol_box.setEditText("NOPE")
    ticket.symbol_box.lineEdit().editingFinished.emit()
    assert ticket.symbol_error.text() == "NOPE is not one of the broker's symbols: pick one from the list."
    assert ticket.feed.symbol == "EURUSD"
    assert buy_and_sell_enabled(ticket) == (False, False)


def test_quotes_for_a_symbol_no_longer_followed_are_ignored(
    qtbot: QtBot, desk: Desk, ticket: OrderTicket
) -> None:
    desk.simulator.set_latency(0.05)
    seen: list[str] = []
    ticket.feed.quote_changed.connect(lambda tick: seen.append(tick.symbol) if tick else None)
    ticket.feed.set_symbol("GBPUSD")
    ticket.feed.set_symbol("USDJPY")
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert set(seen) == {"USDJPY"}


def test_the_symbols_details_arriving_mid_typing_leave_the_typed_volume_alone(
    qtbot: QtBot, desk: Desk, queries: TerminalQueries
) -> None:
    assert desk.simulator is not None
    desk.simulator.hang()  # the symbol's details answer while the trader is still typing
    dialog = OrderTicket(queries, "EURUSD", "USD")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.volume.setFocus()
    qtbot.keyClick(dialog.volume, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.volume, "0.")
    desk.simulator.release()
    qtbot.waitUntil(lambda: dialog.feed.spec is not None, timeout=5000)
    qtbot.keyClicks(dialog.volume, "25")
    qtbot.waitUntil(lambda: dialog.feed.tick is not None, timeout=5000)
    assert dialog.volume.text() == "0.25 lots"
    assert dialog.volume.value() == pytest.approx(0.25)
    assert buy_and_sell_enabled(dialog) == (True, True)


def test_a_volume_off_the_step_is_refused_inline_with_the_allowed_values(ticket: OrderTicket) -> None:
    ticket.volume.setValue(0.015)
    assert ticket.volume_error.isVisible()
    assert ticket.volume_error.text() == (
        "0.015 lots is not a multiple of EURUSD's volume step 0.01: use 0.01 or 0.02."
    )
    assert buy_and_sell_enabled(ticket) == (False, False)


def test_a_volume_above_the_maximum_is_refused_inline(ticket: OrderTicket) -> None:
    ticket.volume.setValue(250)
    assert ticket.volume_error.text() == "250 lots is above EURUSD's maximum of 100.00 lots."
    ticket.volume.setValue(0.5)
    assert not ticket.volume_error.isVisible()
    assert buy_and_sell_enabled(ticket) == (True, True)


def test_a_stop_loss_inside_the_stops_level_is_refused_with_the_minimal_distance(ticket: OrderTicket) -> None:
    type_stop(ticket, SL, "1.08712")  # 5 points under the bid: too close for a Buy, wrong side for a Sell
    error = ticket.stops.errors[SL]
    assert error.isVisible()
    assert (
        "For a Buy: Stop loss 1.08712 is 5 points from the bid 1.08717; EURUSD needs at least 10 points "
        "(1 pip): 1.08707 or lower."
    ) in error.text()
    assert buy_and_sell_enabled(ticket) == (False, False)


def test_a_stop_loss_that_only_fits_a_buy_leaves_only_the_buy_button_and_says_why(
    ticket: OrderTicket,
) -> None:
    type_stop(ticket, SL, "1.08500")
    assert buy_and_sell_enabled(ticket) == (True, False)
    assert not ticket.stops.errors[SL].isVisible()
    assert ticket.stops.hints[SL].text() == "22.9 pips for a Buy"
    assert ticket.side_note.text().startswith("Sell unavailable: Stop loss 1.08500 is on the wrong side")


def test_stops_typed_in_pips_show_the_price_for_each_side(ticket: OrderTicket) -> None:
    ticket.stops.pips_radio.setChecked(True)
    type_stop(ticket, SL, "20")
    assert ticket.stops.hints[SL].text() == "Sell → 1.08917 · Buy → 1.08529"
    assert buy_and_sell_enabled(ticket) == (True, True)


def test_switching_pips_to_price_converts_for_a_buy_and_back(ticket: OrderTicket) -> None:
    ticket.stops.pips_radio.setChecked(True)
    type_stop(ticket, SL, "20")
    type_stop(ticket, TP, "40")
    ticket.stops.price_radio.setChecked(True)
    assert (ticket.stops.edits[SL].text(), ticket.stops.edits[TP].text()) == ("1.08529", "1.09129")
    ticket.stops.pips_radio.setChecked(True)
    assert (ticket.stops.edits[SL].text(), ticket.stops.edits[TP].text()) == ("20.0", "40.0")


def test_prices_typed_for_a_sell_convert_to_pips_from_the_bid(ticket: OrderTicket) -> None:
    type_stop(ticket, SL, "1.08917")  # above the market: a Sell's stop loss
    ticket.stops.pips_radio.setChecked(True)
    assert ticket.stops.edits[SL].text() == "20.0"
    ticket.stops.price_radio.setChecked(True)
    assert ticket.stops.edits[SL].text() == "1.08917"


def test_the_margin_estimate_is_shown_and_follows_the_volume(qtbot: QtBot, ticket: OrderTicket) -> None:
    qtbot.waitUntil(lambda: ticket.margin_label.text() == "Margin ≈ 108.73 USD", timeout=5000)
    ticket.volume.setValue(1.0)
    qtbot.waitUntil(lambda: ticket.margin_label.text() == "Margin ≈ 1,087.29 USD", timeout=5000)


def test_buy_emits_an_open_request_with_pips_turned_into_prices(qtbot: QtBot, ticket: OrderTicket) -> None:
    ticket.volume.setValue(0.25)
    ticket.stops.pips_radio.setChecked(True)
    type_stop(ticket, SL, "20")
    type_stop(ticket, TP, "40")
    ticket.comment.setText("breakout")
    with qtbot.waitSignal(ticket.order_requested, timeout=1000) as signal:
        qtbot.mouseClick(ticket.buttons[Side.BUY], Qt.MouseButton.LeftButton)
    assert signal.args == [
        OrderRequest(
            action=OrderAction.OPEN,
            symbol="EURUSD",
            side=Side.BUY,
            volume=0.25,
            sl=1.08529,
            tp=1.09129,
            comment="breakout",
        )
    ]
    assert ticket.result() == QDialog.DialogCode.Accepted


def test_sell_emits_an_open_request_with_the_typed_prices(qtbot: QtBot, ticket: OrderTicket) -> None:
    type_stop(ticket, SL, "1.09000")
    with qtbot.waitSignal(ticket.order_requested, timeout=1000) as signal:
        qtbot.mouseClick(ticket.buttons[Side.SELL], Qt.MouseButton.LeftButton)
    assert signal.args == [
        OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.SELL, volume=0.1, sl=1.09)
    ]


def test_enter_in_a_field_never_places_an_order(qtbot: QtBot, ticket: OrderTicket) -> None:
    buy = ticket.buttons[Side.BUY]
    assert not buy.isDefault() and not buy.autoDefault()
    ticket.volume.setFocus()
    with qtbot.assertNotEmitted(ticket.order_requested, wait=100):
        qtbot.keyClick(ticket.volume, Qt.Key.Key_Enter)
        qtbot.keyClick(ticket, Qt.Key.Key_Return)
    assert ticket.isVisible()


def test_enter_on_the_focused_buy_button_places_the_order(qtbot: QtBot, ticket: OrderTicket) -> None:
    buy = ticket.buttons[Side.BUY]
    qtbot.waitUntil(buy.isEnabled, timeout=5000)
    buy.setFocus()

    with qtbot.waitSignal(ticket.order_requested, timeout=1000) as placed:
        qtbot.keyClick(buy, Qt.Key.Key_Return)

    assert placed.args[0].side is Side.BUY


def test_the_comment_leaves_room_for_the_apps_own_id(ticket: OrderTicket) -> None:
    assert ticket.comment.maxLength() == COMMENT_LIMIT
    words = "x" * COMMENT_LIMIT
    tagged = tagged_comment(new_trade_id(), words)
    assert tagged.endswith(words) and len(tagged) <= MT5_COMMENT_LIMIT


def test_quotes_failing_show_an_inline_message_and_disable_placing(
    qtbot: QtBot, desk: Desk, ticket: OrderTicket
) -> None:
    desk.simulator.disconnect()
    qtbot.waitUntil(lambda: ticket.quote_error.isVisible(), timeout=5000)
    assert ticket.quote_error.text().startswith("Quotes unavailable: MetaTrader 5 is not running")
    assert ticket.bid_label.text() == "—"
    assert buy_and_sell_enabled(ticket) == (False, False)


# -- modify and close -----------------------------------------------------------------------------------

OPEN_BUY = Position(
    ticket=123,
    symbol="EURUSD",
    side=Side.BUY,
    volume=0.10,
    price_open=1.08500,
    price_current=1.08717,
    sl=None,
    tp=1.09500,
    swap=0.0,
    profit=21.70,
    time=WEDNESDAY,
    digits=5,
)


@pytest.fixture
def modify(qtbot: QtBot, queries: TerminalQueries) -> ModifyDialog:
    dialog = ModifyDialog(queries, OPEN_BUY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.feed.tick is not None and dialog.feed.spec is not None, timeout=5000)
    return dialog


def test_modify_shows_the_position_its_levels_and_the_live_closing_price(modify: ModifyDialog) -> None:
    assert modify.title.text() == "BUY 0.10 EURUSD #123"
    assert modify.price_label.text() == "1.08717"
    assert (modify.stops.edits[SL].text(), modify.stops.edits[TP].text()) == ("", "1.09500")
    assert not modify.modify_button.isEnabled()
    assert modify.note.text() == "Nothing changed yet."


def test_modify_emits_the_new_levels_for_the_position(qtbot: QtBot, modify: ModifyDialog) -> None:
    type_stop(modify, SL, "1.08400")
    type_stop(modify, TP, "")
    with qtbot.waitSignal(modify.order_requested, timeout=1000) as signal:
        qtbot.mouseClick(modify.modify_button, Qt.MouseButton.LeftButton)
    assert signal.args == [
        OrderRequest(action=OrderAction.MODIFY, symbol="EURUSD", side=Side.BUY, ticket=123, sl=1.084, tp=None)
    ]


def test_modify_in_pips_counts_from_the_open_price(modify: ModifyDialog) -> None:
    modify.stops.pips_radio.setChecked(True)
    type_stop(modify, SL, "10")
    assert modify.requested_stops()[0] == 1.08400
    assert modify.stops.hints[SL].text() == "→ 1.08400"


def test_modify_refuses_a_stop_loss_inside_the_stops_level(modify: ModifyDialog) -> None:
    type_stop(modify, SL, "1.08712")
    assert modify.stops.errors[SL].text().startswith("Stop loss 1.08712 is 5 points from the bid 1.08717")
    assert not modify.modify_button.isEnabled()


def answer_next_message_box(qtbot: QtBot, choose: Callable[[QMessageBox], None]) -> list[QMessageBox]:
    """Act on the next modal message box once it is up; returns the list the box is put in."""
    seen: list[QMessageBox] = []

    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, act)
            return
        seen.append(box)
        choose(box)

    QTimer.singleShot(0, act)
    return seen


def test_confirm_close_asks_about_the_exact_position_and_is_true_when_confirmed(qtbot: QtBot) -> None:
    seen = answer_next_message_box(
        qtbot, lambda box: next(b for b in box.buttons() if b.text() == "Close at market").click()
    )
    assert confirm_close(None, OPEN_BUY, 0.10) is True
    assert seen[0].text() == "Close BUY 0.10 EURUSD #123 at market?"


def test_confirm_close_is_false_when_cancelled_and_cancel_is_the_default(qtbot: QtBot) -> None:
    seen = answer_next_message_box(qtbot, lambda box: box.defaultButton().click())
    assert confirm_close(None, OPEN_BUY, 0.10) is False
    assert seen[0].defaultButton() is seen[0].escapeButton()


def test_confirm_close_of_part_says_what_stays_open(qtbot: QtBot) -> None:
    seen = answer_next_message_box(qtbot, lambda box: box.escapeButton().click())
    assert confirm_close(None, OPEN_BUY, 0.04) is False
    assert seen[0].text() == "Close BUY 0.04 EURUSD #123 at market?"
    assert "Partial close: 0.04 of 0.10 lots; 0.06 lots stay open." in seen[0].informativeText()
