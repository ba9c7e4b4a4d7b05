"""reconcile_pending: the terminal's positions and deals decide what a pending row became; nothing is re-sent.

Each test leaves the journal as a crash would (a pending row) and the terminal as the broker would (the
order executed, or never arrived), then reconciles with a real simulator and a real journal file.
"""

from __future__ import annotations

import pytest

from app.core.enums import OrderAction, Side, TradeStatus
from app.core.models import OrderRequest
from app.engine.reconcile import NOT_EXECUTED, ReconcileReport, reconcile_pending
from app.terminal.errors import TerminalError

from .fixtures_trading import (
    Rig,
    record_pending_change,
    record_pending_open,
    rig_fixture,  # noqa: F401  (the `rig` fixture)
    sent_straight,
)

EURUSD_BUY = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1)


def reconcile(rig: Rig) -> ReconcileReport:
    return reconcile_pending(rig.terminal, rig.journal, rig.now)


def executed_but_unrecorded_open(rig: Rig, request: OrderRequest = EURUSD_BUY) -> tuple[str, int]:
    """A pending OPEN whose order reached the terminal and filled; returns (trade id, position ticket)."""
    assert request.volume is not None
    trade_id = record_pending_open(
        rig.journal, rig.now(), symbol=request.symbol, volume=request.volume, sl=request.sl
    )
    result = sent_straight(rig.terminal, trade_id, request)
    assert result.retcode == 10009, f"setting up the fill failed: {result}"
    return trade_id, result.order


def an_open_position(rig: Rig, volume: float = 0.2) -> int:
    """A position opened through the service (journaled open), as the trader had before the crash."""
    rig.open(volume=volume)
    [position] = rig.positions()
    return int(position.ticket)


# ---- pending OPEN --------------------------------------------------------------------------------------


def test_a_pending_open_that_executed_is_marked_open_with_its_position_ticket(rig: Rig) -> None:
    trade_id, ticket = executed_but_unrecorded_open(rig)
    report = reconcile(rig)
    row = rig.row(trade_id)
    assert report.opened == (trade_id,)
    assert row.status is TradeStatus.OPEN
    assert row.position_ticket == ticket
    assert row.volume == pytest.approx(0.1)


def test_a_pending_open_that_never_reached_the_terminal_is_failed_and_not_sent_again(rig: Rig) -> None:
    trade_id = record_pending_open(rig.journal, rig.now())
    report = reconcile(rig)
    row = rig.row(trade_id)
    assert report.failed == (trade_id,)
    assert row.status is TradeStatus.FAILED
    assert row.error == NOT_EXECUTED
    assert "not executed" in NOT_EXECUTED.lower() and "not sent again" in NOT_EXECUTED
    assert rig.sim.sent == []
    assert rig.positions() == ()
    assert rig.deals_of(trade_id) == []


def test_a_pending_open_that_executed_and_was_closed_by_hand_is_recorded_open_then_closed(rig: Rig) -> None:
    trade_id, ticket = executed_but_unrecorded_open(rig)
    rig.clock.advance(600)
    rig.sim.close_external(ticket)
    reconcile(rig)
    row = rig.row(trade_id)
    assert row.status is TradeStatus.CLOSED
    assert row.position_ticket == ticket
    assert row.closed_volume == pytest.approx(0.1)
    assert row.price_close is not None
    assert row.closed_at is not None


def test_a_pending_open_whose_stop_loss_was_hit_before_reconcile_is_recorded_closed(rig: Rig) -> None:
    bid = rig.terminal.tick("EURUSD").bid
    sl = round(bid - 0.0001, 5)  # the closest stop the broker allows: the market soon reaches it
    request = OrderRequest(action=OrderAction.OPEN, symbol="EURUSD", side=Side.BUY, volume=0.1, sl=sl)
    trade_id, ticket = executed_but_unrecorded_open(rig, request)
    for _ in range(24 * 60):
        if not rig.positions():
            break
        rig.clock.advance(60)
    assert rig.positions() == (), "the stop loss was never reached; pick a closer one"
    reconcile(rig)
    row = rig.row(trade_id)
    assert row.status is TradeStatus.CLOSED
    assert row.position_ticket == ticket
    assert row.price_close == pytest.approx(sl, abs=0.0005)


def test_a_reply_lost_mid_send_is_resolved_by_the_reconcile_after_reconnecting(rig: Rig) -> None:
    rig.sim.lose_next_reply = True
    command, _ = rig.open()
    rig.sim.restore()
    rig.terminal.connect()
    reconcile(rig)
    [position] = rig.positions()
    row = rig.row(command.trade_id)
    assert row.status is TradeStatus.OPEN
    assert row.position_ticket == position.ticket


# ---- pending CLOSE ----------------------------------------------------------------------------------


def test_a_pending_close_whose_position_is_gone_is_done(rig: Rig) -> None:
    ticket = an_open_position(rig)
    trade_id = record_pending_change(rig.journal, rig.now(), OrderAction.CLOSE, ticket)
    sent_straight(rig.terminal, trade_id, OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket))
    report = reconcile(rig)
    assert report.done == (trade_id,)
    assert rig.row(trade_id).status is TradeStatus.CLOSED


def test_a_pending_partial_close_that_executed_is_done(rig: Rig) -> None:
    ticket = an_open_position(rig, volume=0.3)
    trade_id = record_pending_change(rig.journal, rig.now(), OrderAction.CLOSE, ticket)
    partial = OrderRequest(OrderAction.CLOSE, "EURUSD", ticket=ticket, volume=0.1)
    sent_straight(rig.terminal, trade_id, partial)
    reconcile(rig)
    [rest] = rig.positions()
    assert rest.volume == pytest.approx(0.2)
    assert rig.row(trade_id).status is TradeStatus.CLOSED


def test_a_pending_close_whose_position_is_still_open_is_failed(rig: Rig) -> None:
    ticket = an_open_position(rig)
    trade_id = record_pending_change(rig.journal, rig.now(), OrderAction.CLOSE, ticket)
    report = reconcile(rig)
    assert report.failed == (trade_id,)
    assert rig.row(trade_id).status is TradeStatus.FAILED
    assert [p.ticket for p in rig.positions()] == [ticket]


# ---- pending MODIFY -----------------------------------------------------------------------------------


def modified_straight(rig: Rig, ticket: int, sl: float | None, tp: float | None) -> str:
    trade_id = record_pending_change(rig.journal, rig.now(), OrderAction.MODIFY, ticket, sl=sl, tp=tp)
    request = OrderRequest(OrderAction.MODIFY, "EURUSD", ticket=ticket, sl=sl, tp=tp)
    assert sent_straight(rig.terminal, trade_id, request).retcode == 10009
    return trade_id


def test_a_pending_modify_whose_stops_match_the_position_is_done(rig: Rig) -> None:
    ticket = an_open_position(rig)
    bid = rig.terminal.tick("EURUSD").bid
    trade_id = modified_straight(rig, ticket, sl=round(bid - 0.005, 5), tp=round(bid + 0.008, 5))
    report = reconcile(rig)
    assert report.done == (trade_id,)
    assert rig.row(trade_id).status is TradeStatus.CLOSED


def test_a_pending_modify_whose_stops_do_not_match_the_position_is_failed(rig: Rig) -> None:
    ticket = an_open_position(rig)
    bid = rig.terminal.tick("EURUSD").bid
    trade_id = record_pending_change(
        rig.journal, rig.now(), OrderAction.MODIFY, ticket, sl=round(bid - 0.005, 5), tp=None
    )
    report = reconcile(rig)
    assert report.failed == (trade_id,)
    assert rig.row(trade_id).status is TradeStatus.FAILED


def test_a_pending_modify_that_removed_the_stops_is_done_when_the_position_has_none(rig: Rig) -> None:
    bid = rig.terminal.tick("EURUSD").bid
    rig.open(sl=round(bid - 0.005, 5), tp=round(bid + 0.008, 5))
    [position] = rig.positions()
    trade_id = modified_straight(rig, position.ticket, sl=None, tp=None)  # None = remove (OrderRequest)
    [changed] = rig.positions()
    assert (changed.sl, changed.tp) == (0.0, 0.0)
    reconcile(rig)
    assert rig.row(trade_id).status is TradeStatus.CLOSED


def test_a_pending_modify_whose_stops_differ_from_the_terminals_only_by_float_noise_is_done(rig: Rig) -> None:
    ticket = an_open_position(rig)
    bid = rig.terminal.tick("EURUSD").bid
    sl = bid - 0.0011  # arithmetic as a risk rule does it: 1.0860699999999999, which MT5 keeps as 1.08607
    assert sl != round(sl, 5)
    trade_id = modified_straight(rig, ticket, sl=sl, tp=None)
    reconcile(rig)
    assert rig.row(trade_id).status is TradeStatus.CLOSED


# ---- what reconcile never does ------------------------------------------------------------------------


def test_reconcile_never_sends_an_order(rig: Rig) -> None:
    ticket = an_open_position(rig)
    record_pending_open(rig.journal, rig.now())
    executed_but_unrecorded_open(rig)
    record_pending_change(rig.journal, rig.now(), OrderAction.CLOSE, ticket)
    record_pending_change(rig.journal, rig.now(), OrderAction.MODIFY, ticket, sl=1.0, tp=None)
    sends_before = len(rig.sim.sent)
    reconcile(rig)
    assert len(rig.sim.sent) == sends_before
    assert rig.journal.pending_trades() == []


def test_reconcile_with_the_terminal_gone_raises_and_leaves_every_row_pending(rig: Rig) -> None:
    trade_id = record_pending_open(rig.journal, rig.now())
    rig.sim.disconnect()
    with pytest.raises(TerminalError):
        reconcile(rig)
    assert rig.row(trade_id).status is TradeStatus.PENDING
