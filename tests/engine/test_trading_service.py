"""TradingService: journal first, then MetaTrader 5, then the journal again; every refusal reaches the trader.

Runs the service directly (it is Qt-free) on a real simulator and a real journal file.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.core.enums import NoticeLevel, OrderAction, Side, TradeStatus
from app.core.events import Notice, TradeError
from app.core.models import OrderRequest
from app.core.number_format import format_volume
from app.engine.commands import COMMENT_TAG, TradeCommand, trade_id_in
from app.engine.trading import Outcome
from app.terminal.simulator import ManualClock, constants
from tests.one_account import MAIN

from .fixtures_trading import (
    SATURDAY,
    WEDNESDAY,
    Rig,
    build_rig,
    rig_fixture,  # noqa: F401  (the `rig` fixture)
)

DEAL_ENTRY_IN = 0
EURUSD_BUY = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1)


def the_one_trade_error(rig: Rig, trade_id: str) -> TradeError:
    errors = rig.trade_errors()
    assert len(errors) == 1, f"expected one TRADE_ERROR, got {errors}"
    assert errors[0].trade_id == trade_id
    return errors[0]


def assert_failed_once(rig: Rig, trade_id: str, code: int | None, order_type: str = "BUY") -> TradeError:
    """The row is failed with the code and text kept; one TRADE_ERROR says the same; nothing opened."""
    row = rig.row(trade_id)
    error = the_one_trade_error(rig, trade_id)
    assert row.status is TradeStatus.FAILED
    assert row.retcode == code
    assert row.error and row.error == error.error
    assert error.code == code
    assert error.order_type == order_type
    assert rig.deals_of(trade_id) == []
    return error


# ---- the happy path, and the order of writes -----------------------------------------------------------


def test_the_row_is_pending_in_the_journal_when_order_send_is_called(rig: Rig) -> None:
    command, _ = rig.open()
    [sent] = rig.sim.sent
    assert sent.trade_id == command.trade_id
    assert sent.row_at_send is not None, "order_send was called before the trade was journaled"
    assert sent.row_at_send.status is TradeStatus.PENDING


def test_a_filled_open_marks_the_row_open_with_the_position_ticket(rig: Rig) -> None:
    command, outcome = rig.open(volume=0.2)
    [position] = rig.positions()
    row = rig.row(command.trade_id)
    assert outcome.outcome is Outcome.FILLED
    assert row.status is TradeStatus.OPEN
    assert row.position_ticket == position.ticket
    assert row.volume == pytest.approx(0.2)
    assert row.price_open == pytest.approx(position.price_open)


def test_the_position_comment_carries_the_trade_id_tag(rig: Rig) -> None:
    command, _ = rig.open(comment="scalp")
    [position] = rig.positions()
    assert f"{COMMENT_TAG}{command.trade_id}" in position.comment


def test_a_fill_emits_no_trade_error(rig: Rig) -> None:
    rig.open()
    assert rig.trade_errors() == []


# ---- refusals: a failed row, the retcode and text kept, one TRADE_ERROR ------------------------------


@pytest.mark.parametrize(
    ("retcode", "says"),
    [
        (10006, "rejected"),
        (10011, "could not process"),
        (10012, "did not answer in time"),
        (10031, "no connection to the broker"),
        (10040, "limit on open positions"),
    ],
)
def test_a_broker_refusal_ends_as_a_failed_row_and_one_trade_error(rig: Rig, retcode: int, says: str) -> None:
    rig.sim.force_next_retcode(retcode)
    command, outcome = rig.open()
    error = assert_failed_once(rig, command.trade_id, retcode)
    assert outcome.outcome is Outcome.REJECTED
    assert says in error.error
    assert "not placed" in error.error
    assert error.symbol == "EURUSD"
    assert rig.positions() == ()


@pytest.mark.parametrize("volume", [0.015, 0.001, 150.0])
def test_a_volume_off_the_symbols_limits_names_the_allowed_volumes(rig: Rig, volume: float) -> None:
    command, _ = rig.open(volume=volume)
    error = assert_failed_once(rig, command.trade_id, 10014)
    assert f"{format_volume(volume)} lots" in error.error
    assert "0.01" in error.error and "100" in error.error  # min, step and max of EURUSD
    assert "step" in error.error


def test_a_stop_loss_inside_the_stops_level_names_the_minimum_distance(rig: Rig) -> None:
    bid = rig.terminal.tick("EURUSD").bid
    command, _ = rig.open(sl=round(bid - 0.00003, 5))
    error = assert_failed_once(rig, command.trade_id, 10016)
    assert "10 points" in error.error
    assert "0.00010" in error.error


def test_not_enough_margin_names_the_required_and_the_free_margin(rig: Rig) -> None:
    ask = rig.terminal.tick("EURUSD").ask
    required = rig.terminal.calc_margin(Side.BUY, "EURUSD", 90.0, ask)
    free = rig.terminal.account().margin_free
    command, _ = rig.open(volume=90.0)
    error = assert_failed_once(rig, command.trade_id, 10019)
    assert f"{required:,.2f}" in error.error
    assert f"{free:,.2f}" in error.error


def test_algo_trading_switched_off_tells_the_trader_to_press_algo_trading(rig: Rig) -> None:
    rig.sim.set_algo_trading(False)
    command, _ = rig.open()
    error = assert_failed_once(rig, command.trade_id, 10027)
    assert "Press Algo Trading" in error.error


def test_an_order_on_a_saturday_says_the_market_is_closed(rig: Rig) -> None:
    rig.clock.set(SATURDAY)
    command, _ = rig.open()
    error = assert_failed_once(rig, command.trade_id, 10018)
    assert "market for EURUSD is closed" in error.error


@pytest.mark.parametrize(
    ("mode", "retcode", "says"),
    [
        (constants.SYMBOL_TRADE_MODE_DISABLED, 10017, "Trading is disabled for EURUSD"),
        (constants.SYMBOL_TRADE_MODE_CLOSEONLY, 10044, "EURUSD is close-only"),
    ],
)
def test_a_symbol_the_broker_does_not_let_you_open_says_so(
    rig: Rig, mode: int, retcode: int, says: str
) -> None:
    rig.sim.set_symbol_trade_mode("EURUSD", mode)
    command, _ = rig.open()
    error = assert_failed_once(rig, command.trade_id, retcode)
    assert says in error.error


def test_python_api_trading_disabled_in_the_terminal_says_how_to_enable_it(rig: Rig) -> None:
    rig.sim.set_api_trading(False)
    command, outcome = rig.open()
    error = assert_failed_once(rig, command.trade_id, -8)
    assert outcome.outcome is Outcome.FAILED
    assert "Python API" in error.error
    assert "Options" in error.error


def test_an_unknown_symbol_fails_with_a_message_naming_it(rig: Rig) -> None:
    command, _ = rig.open(symbol="EURUSDX")
    error = the_one_trade_error(rig, command.trade_id)
    assert rig.row(command.trade_id).status is TradeStatus.FAILED
    assert "EURUSDX" in error.error
    assert rig.sim.sent == []


def test_a_refused_command_is_journaled_failed_with_the_reason_and_never_sent(rig: Rig) -> None:
    command = TradeCommand.manual(EURUSD_BUY, MAIN)
    outcome = rig.service.refuse(command, "MetaTrader 5 is not connected, so the order was not sent.")
    error = assert_failed_once(rig, command.trade_id, None)
    assert outcome.outcome is Outcome.FAILED
    assert error.error == "MetaTrader 5 is not connected, so the order was not sent."
    assert rig.sim.sent == []


@pytest.mark.parametrize("trade_id", ["0123456789abcdef0123456789abcdef", "order-0001"])
def test_a_command_whose_trade_id_cannot_be_read_back_from_the_mt5_comment_is_not_sent(
    rig: Rig, trade_id: str
) -> None:
    # After a crash the comment is the only link between the order and its row: it must carry the id.
    rig.service.execute(TradeCommand(request=EURUSD_BUY, trade_id=trade_id, account_id=MAIN))
    carried = [trade_id_in(str(s.request["comment"])) for s in rig.sim.sent]
    assert carried in ([], [trade_id]), "sent with a comment that names another trade id, or none"


# ---- requotes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("retcode", [10004, 10020])
def test_a_moved_price_is_retried_until_the_order_fills_once(rig: Rig, retcode: int) -> None:
    rig.sim.force_next_retcode(retcode, count=2)
    command, outcome = rig.open()
    assert outcome.outcome is Outcome.FILLED
    assert len(rig.positions()) == 1
    assert len(rig.deals_of(command.trade_id, DEAL_ENTRY_IN)) == 1
    assert [s.trade_id for s in rig.sim.sent] == [command.trade_id] * 3
    assert rig.row(command.trade_id).status is TradeStatus.OPEN
    assert rig.trade_errors() == []


def test_each_retry_is_sent_at_the_price_of_its_moment(rig: Rig) -> None:
    rig.sim.seconds_per_send = 60.0
    rig.sim.force_next_retcode(10004, count=2)
    rig.open()
    prices = [s.request["price"] for s in rig.sim.sent]
    asks = [rig.sim.market.quote("EURUSD", s.at).ask for s in rig.sim.sent]
    assert prices == asks
    assert len(set(prices)) == 3, "the market moved between attempts, so must the price sent"


def test_a_requote_that_persists_fails_after_a_bounded_number_of_retries(rig: Rig) -> None:
    rig.sim.force_next_retcode(10004, count=10)
    command, outcome = rig.open()
    assert outcome.outcome is Outcome.REJECTED
    assert 2 <= len(rig.sim.sent) < 10
    assert rig.positions() == ()
    assert_failed_once(rig, command.trade_id, 10004)


# ---- the terminal goes away ----------------------------------------------------------------------------


def test_a_terminal_gone_before_the_send_fails_the_order_and_reports_the_lost_link(rig: Rig) -> None:
    rig.sim.disconnect()
    command, outcome = rig.open()
    assert outcome.outcome is Outcome.FAILED
    assert outcome.link_lost
    error = the_one_trade_error(rig, command.trade_id)
    assert "MetaTrader 5 is not running or not responding" in error.error
    assert rig.row(command.trade_id).status is TradeStatus.FAILED


def test_an_order_refused_for_a_lost_terminal_is_not_opened_once_it_is_back(rig: Rig) -> None:
    rig.sim.disconnect()
    command, _ = rig.open()
    rig.sim.restore()
    rig.terminal.connect()
    assert rig.positions() == ()
    assert rig.deals_of(command.trade_id) == []


def test_a_reply_lost_after_the_order_executed_keeps_the_row_pending_and_says_it_may_have_executed(
    rig: Rig,
) -> None:
    rig.sim.lose_next_reply = True
    command, outcome = rig.open()
    error = the_one_trade_error(rig, command.trade_id)
    assert outcome.outcome is Outcome.UNCONFIRMED
    assert outcome.link_lost
    assert rig.row(command.trade_id).status is TradeStatus.PENDING
    assert "may or may not have been executed" in error.error
    assert "will not send it again" in error.error


# ---- idempotency ----------------------------------------------------------------------------------------


def test_the_same_command_executed_twice_opens_one_position(rig: Rig) -> None:
    command, first = rig.open()
    second = rig.service.execute(command)
    assert first.outcome is Outcome.FILLED
    assert second.outcome is Outcome.DUPLICATE
    assert len(rig.positions()) == 1
    assert len(rig.sim.sent) == 1
    assert rig.row(command.trade_id).status is TradeStatus.OPEN


# ---- close and modify ------------------------------------------------------------------------------------


def test_a_full_close_marks_the_close_row_done_and_the_position_is_gone(rig: Rig) -> None:
    rig.open(volume=0.2)
    [position] = rig.positions()
    command, outcome = rig.close(position.ticket)
    row = rig.row(command.trade_id)
    assert outcome.outcome is Outcome.FILLED
    assert row.action is OrderAction.CLOSE
    assert row.status is TradeStatus.CLOSED
    assert row.position_ticket == position.ticket
    assert rig.positions() == ()


def test_a_partial_close_leaves_the_rest_of_the_position_open(rig: Rig) -> None:
    rig.open(volume=0.3)
    [position] = rig.positions()
    command, _ = rig.close(position.ticket, volume=0.1)
    [rest] = rig.positions()
    assert rig.row(command.trade_id).status is TradeStatus.CLOSED
    assert rest.ticket == position.ticket
    assert rest.volume == pytest.approx(0.2)


def test_a_modify_sets_sl_and_tp_in_the_terminal_and_on_the_open_trade(rig: Rig) -> None:
    opening, _ = rig.open()
    [position] = rig.positions()
    sl, tp = round(position.price_open - 0.0050, 5), round(position.price_open + 0.0080, 5)
    command, outcome = rig.modify(position.ticket, sl=sl, tp=tp)
    [changed] = rig.positions()
    assert outcome.outcome is Outcome.FILLED
    assert rig.row(command.trade_id).status is TradeStatus.CLOSED
    assert (changed.sl, changed.tp) == (sl, tp)
    assert (rig.row(opening.trade_id).current_sl, rig.row(opening.trade_id).current_tp) == (sl, tp)


def test_a_refused_close_names_the_positions_symbol_even_when_the_request_left_it_out(rig: Rig) -> None:
    rig.open()
    [position] = rig.positions()
    rig.clock.set(SATURDAY)
    command, _ = rig.close(position.ticket)
    error = assert_failed_once(rig, command.trade_id, 10018, order_type="CLOSE")
    assert error.symbol == "EURUSD"
    assert rig.row(command.trade_id).symbol == "EURUSD"


def test_modifying_a_position_closed_in_the_terminal_fails_saying_it_is_closed(rig: Rig) -> None:
    rig.open()
    [position] = rig.positions()
    rig.sim.close_external(position.ticket)
    command, _ = rig.modify(position.ticket, sl=1.0, tp=None, symbol="EURUSD")
    error = assert_failed_once(rig, command.trade_id, 10036, order_type="MODIFY")
    assert "already closed" in error.error


def test_closing_an_unknown_ticket_fails_with_a_message_naming_the_ticket(rig: Rig) -> None:
    command, outcome = rig.close(987_654)
    error = assert_failed_once(rig, command.trade_id, -4, order_type="CLOSE")
    assert outcome.outcome is Outcome.FAILED
    assert "#987654" in error.error
    assert "no longer open" in error.error
    assert rig.sim.sent == []


# ---- a journal that cannot be written ------------------------------------------------------------------


def test_a_journal_whose_folder_is_gone_stops_the_order_before_it_is_sent(rig: Rig) -> None:
    rig.database.close()
    shutil.rmtree(rig.database.path.parent)  # the data folder's drive was unplugged
    command, outcome = rig.open()
    error = the_one_trade_error(rig, command.trade_id)
    assert outcome.outcome is Outcome.FAILED
    assert "journal" in error.error
    assert rig.sim.sent == []
    assert rig.positions() == ()


def test_a_journal_that_refuses_to_mark_the_row_sent_stops_the_order(rig: Rig) -> None:
    with sqlite3.connect(rig.database.path) as other:
        other.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON trades BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    command, outcome = rig.open()
    error = the_one_trade_error(rig, command.trade_id)
    assert outcome.outcome is Outcome.FAILED
    assert "journal" in error.error and "not sent" in error.error
    assert rig.sim.sent == []
    assert rig.positions() == ()


def test_an_order_that_fills_while_the_journal_cannot_record_it_stays_pending_and_says_so(rig: Rig) -> None:
    with sqlite3.connect(rig.database.path) as other:
        other.execute(
            "CREATE TRIGGER refuse BEFORE UPDATE ON trades WHEN NEW.status = 'open' "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    command, outcome = rig.open()
    notices = [e for e in rig.events if isinstance(e, Notice) and e.level is NoticeLevel.ERROR]
    assert outcome.outcome is Outcome.FILLED
    assert rig.row(command.trade_id).status is TradeStatus.PENDING  # for the reconcile to resolve
    assert any(command.trade_id in n.text and "not saved" in n.text for n in notices)
    assert rig.trade_errors() == []


# ---- netting accounts ------------------------------------------------------------------------------------


def test_on_a_netting_account_no_open_row_points_at_a_position_the_terminal_does_not_have(
    tmp_path: Path,
) -> None:
    netting = build_rig(
        tmp_path, ManualClock(WEDNESDAY), margin_mode=constants.ACCOUNT_MARGIN_MODE_RETAIL_NETTING
    )
    try:
        netting.open()
        netting.open()  # adds to the EURUSD position: same position ticket, a new order number
        assert not netting.journal.pending_trades(), "the add-on fill was not recorded"
        tickets = {p.ticket for p in netting.positions()}
        claimed = {t.trade_id: t.position_ticket for t in netting.journal.open_trades()}
        assert all(ticket in tickets for ticket in claimed.values()), (
            f"journal open trades {claimed} but the terminal holds positions {tickets}"
        )
    finally:
        netting.database.close()
