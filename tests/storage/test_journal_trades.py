"""The trade lifecycle: pending before sending, then opened, failed or done, and closed by deals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.enums import DealEntry, DealType, OrderAction, Side, TradeSource, TradeStatus
from app.core.models import Deal, Position
from app.storage.database import open_database
from app.storage.journal import Journal, JournalError

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield Journal(database)


def record_open_request(journal: Journal, trade_id: str = "t1", **overrides: Any) -> None:
    fields: dict[str, object] = {
        "trade_id": trade_id,
        "source": TradeSource.MANUAL,
        "action": OrderAction.OPEN,
        "symbol": "EURUSD",
        "side": Side.BUY,
        "volume": 1.0,
        "sl": 1.09,
        "tp": 1.12,
        "magic": 7,
        "comment": f"mt5desk {trade_id}",
        "model_id": None,
        "position_ticket": None,
        "requested_at": T0,
    }
    fields.update(overrides)
    journal.record_pending(**fields)  # type: ignore[arg-type]


def open_trade(journal: Journal, trade_id: str = "t1", ticket: int = 5001, volume: float = 1.0) -> None:
    record_open_request(journal, trade_id, volume=volume)
    journal.mark_opened(
        trade_id,
        position_ticket=ticket,
        order=ticket,
        deal=ticket + 100,
        price=1.1000,
        volume=volume,
        opened_at=T0 + timedelta(seconds=1),
        retcode=10009,
    )


def out_deal(
    ticket: int, position_id: int, volume: float, price: float, profit: float, **extra: object
) -> Deal:
    fields: dict[str, object] = {
        "ticket": ticket,
        "order": ticket + 1000,
        "time": T0 + timedelta(hours=1),
        "type": DealType.SELL,
        "entry": DealEntry.OUT,
        "position_id": position_id,
        "symbol": "EURUSD",
        "volume": volume,
        "price": price,
        "profit": profit,
    }
    fields.update(extra)
    return Deal(**fields)  # type: ignore[arg-type]


def a_position(ticket: int = 9001, comment: str = "", volume: float = 0.5) -> Position:
    return Position(
        ticket=ticket,
        symbol="EURUSD",
        side=Side.SELL,
        volume=volume,
        price_open=1.1050,
        price_current=1.1040,
        sl=1.12,
        tp=None,
        swap=0.0,
        profit=5.0,
        time=T0,
        comment=comment,
        identifier=ticket,
    )


def test_request_is_written_pending_with_what_was_asked(journal: Journal) -> None:
    record_open_request(journal)

    trade = journal.find_trade("t1")
    assert trade is not None
    assert (trade.status, trade.requested_volume, trade.volume, trade.sl) == (
        TradeStatus.PENDING,
        1.0,
        None,
        1.09,
    )
    assert trade.requested_at == T0
    assert [t.trade_id for t in journal.pending_trades()] == ["t1"]


def test_sent_request_stays_pending_with_its_send_time(journal: Journal) -> None:
    record_open_request(journal)
    journal.mark_sent("t1", T0 + timedelta(milliseconds=5))

    trade = journal.find_trade("t1")
    assert trade is not None
    assert trade.status is TradeStatus.PENDING
    assert trade.sent_at == T0 + timedelta(milliseconds=5)


def test_fill_makes_the_trade_open_with_its_position(journal: Journal) -> None:
    open_trade(journal, ticket=5001)

    [trade] = journal.open_trades()
    assert (trade.trade_id, trade.status, trade.position_ticket) == ("t1", TradeStatus.OPEN, 5001)
    assert (trade.price_open, trade.volume, trade.retcode) == (1.1, 1.0, 10009)
    assert (trade.current_sl, trade.current_tp) == (1.09, 1.12)
    assert journal.pending_trades() == []


def test_out_deal_for_the_whole_volume_closes_the_trade(journal: Journal) -> None:
    open_trade(journal, ticket=5001)

    journal.record_deals([out_deal(1, 5001, 1.0, 1.1050, 50.0, commission=-3.0, swap=-1.0, fee=-0.5)])

    trade = journal.find_trade("t1")
    assert trade is not None
    assert trade.status is TradeStatus.CLOSED
    assert (trade.closed_volume, trade.price_close) == (1.0, 1.105)
    assert trade.profit == pytest.approx(45.5)
    assert (trade.commission, trade.swap, trade.fee) == (-3.0, -1.0, -0.5)
    assert trade.closed_at == T0 + timedelta(hours=1)
    assert journal.open_trades() == []


def test_partial_closes_keep_the_trade_open_until_all_volume_is_closed(journal: Journal) -> None:
    open_trade(journal, ticket=5001)

    journal.record_deals([out_deal(1, 5001, 0.4, 1.1010, 4.0)])
    partly = journal.find_trade("t1")
    assert partly is not None
    assert (partly.status, partly.closed_volume, partly.open_volume) == (TradeStatus.OPEN, 0.4, 0.6)
    assert partly.closed_at is None

    journal.record_deals([out_deal(2, 5001, 0.6, 1.1020, 12.0, time=T0 + timedelta(hours=2))])
    closed = journal.find_trade("t1")
    assert closed is not None
    assert (closed.status, closed.closed_volume, closed.profit) == (TradeStatus.CLOSED, 1.0, 16.0)
    assert closed.price_close == pytest.approx((0.4 * 1.1010 + 0.6 * 1.1020) / 1.0)
    assert closed.closed_at == T0 + timedelta(hours=2)


def test_entry_commission_counts_in_the_trade_profit(journal: Journal) -> None:
    open_trade(journal, ticket=5001)
    entry = out_deal(1, 5001, 1.0, 1.1, 0.0, entry=DealEntry.IN, type=DealType.BUY, commission=-2.0)

    journal.record_deals([entry, out_deal(2, 5001, 1.0, 1.105, 50.0, commission=-2.0)])

    trade = journal.find_trade("t1")
    assert trade is not None
    assert (trade.profit, trade.commission) == (46.0, -4.0)


def test_deals_recorded_before_the_fill_is_known_still_close_the_trade(journal: Journal) -> None:
    journal.record_deals([out_deal(1, 5001, 1.0, 1.105, 50.0)])

    open_trade(journal, ticket=5001)

    trade = journal.find_trade("t1")
    assert trade is not None
    assert (trade.status, trade.profit) == (TradeStatus.CLOSED, 50.0)


def test_record_deals_is_idempotent(journal: Journal) -> None:
    open_trade(journal, ticket=5001)
    deals = [out_deal(1, 5001, 0.4, 1.101, 4.0), out_deal(1, 5001, 0.4, 1.101, 4.0)]

    assert journal.record_deals(deals) == 1
    assert journal.record_deals(deals) == 0

    trade = journal.find_trade("t1")
    assert trade is not None
    assert (trade.closed_volume, trade.profit, trade.status) == (0.4, 4.0, TradeStatus.OPEN)


def test_failed_request_keeps_its_row_with_the_error(journal: Journal) -> None:
    record_open_request(journal)

    journal.mark_failed("t1", retcode=10019, error="Not enough money", at=T0 + timedelta(seconds=1))

    trade = journal.find_trade("t1")
    assert trade is not None
    assert (trade.status, trade.retcode, trade.error) == (TradeStatus.FAILED, 10019, "Not enough money")
    assert trade.resolved_at == T0 + timedelta(seconds=1)
    assert journal.pending_trades() == []


def test_fill_found_after_a_failure_opens_the_trade(journal: Journal) -> None:
    record_open_request(journal)
    journal.mark_failed("t1", retcode=None, error="no answer from the terminal", at=T0)

    journal.mark_opened(
        "t1", position_ticket=5001, order=5001, deal=5101, price=1.1, volume=1.0, opened_at=T0, retcode=10009
    )

    assert [t.trade_id for t in journal.open_trades()] == ["t1"]


def test_duplicate_trade_id_is_refused_and_the_first_row_kept(journal: Journal) -> None:
    record_open_request(journal, volume=1.0)

    with pytest.raises(JournalError, match="t1 is already in the journal"):
        record_open_request(journal, volume=2.0)

    trade = journal.find_trade("t1")
    assert trade is not None
    assert trade.requested_volume == 1.0


def test_unknown_trade_id_is_named_in_the_error(journal: Journal) -> None:
    with pytest.raises(JournalError, match="Trade nope is not in the journal"):
        journal.mark_sent("nope", T0)


def test_an_open_trade_cannot_be_marked_failed(journal: Journal) -> None:
    open_trade(journal)

    with pytest.raises(JournalError, match="t1 is open"):
        journal.mark_failed("t1", retcode=1, error="late", at=T0)


def test_naive_datetime_is_refused(journal: Journal) -> None:
    with pytest.raises(JournalError, match="timezone-aware"):
        record_open_request(journal, requested_at=datetime(2025, 3, 3, 10, 0))

    assert journal.find_trade("t1") is None


def test_a_position_cannot_be_opened_by_two_trades(journal: Journal) -> None:
    open_trade(journal, "t1", ticket=5001)
    record_open_request(journal, "t2")

    with pytest.raises(JournalError, match="5001 already belongs to trade t1"):
        journal.mark_opened(
            "t2", position_ticket=5001, order=1, deal=2, price=1.1, volume=1.0, opened_at=T0, retcode=10009
        )


def test_executed_close_request_is_done_and_not_a_closed_trade(journal: Journal) -> None:
    open_trade(journal, "t1", ticket=5001)
    record_open_request(
        journal, "c1", action=OrderAction.CLOSE, side=None, sl=None, tp=None, position_ticket=5001
    )

    journal.mark_done("c1", retcode=10009, at=T0 + timedelta(hours=1))

    request = journal.find_trade("c1")
    assert request is not None
    assert (request.status, request.retcode) == (TradeStatus.CLOSED, 10009)
    assert journal.closed_trades() == []
    assert [t.trade_id for t in journal.open_trades()] == ["t1"]


def test_executed_modify_request_sets_the_stops_of_its_position(journal: Journal) -> None:
    open_trade(journal, "t1", ticket=5001)
    record_open_request(journal, "m1", action=OrderAction.MODIFY, sl=1.095, tp=None, position_ticket=5001)

    journal.mark_done("m1", retcode=10009, at=T0)

    trade = journal.find_trade("t1")
    assert trade is not None
    assert (trade.sl, trade.current_sl, trade.current_tp) == (1.09, 1.095, None)


def test_external_open_is_recorded_once(journal: Journal) -> None:
    assert journal.record_external_open(a_position(9001), T0) is True
    assert journal.record_external_open(a_position(9001), T0 + timedelta(seconds=3)) is False

    [trade] = journal.open_trades()
    assert (trade.source, trade.position_ticket, trade.side, trade.volume) == (
        TradeSource.EXTERNAL,
        9001,
        Side.SELL,
        0.5,
    )


def test_external_open_resolves_the_request_named_in_its_comment(journal: Journal) -> None:
    record_open_request(journal, "ab12cd")

    assert journal.record_external_open(a_position(9001, comment="mt5desk ab12cd", volume=1.0), T0) is False

    [trade] = journal.open_trades()
    assert (trade.trade_id, trade.source, trade.position_ticket) == ("ab12cd", TradeSource.MANUAL, 9001)


def test_external_position_seen_after_a_partial_close_takes_its_size_from_the_entry_deal(
    journal: Journal,
) -> None:
    entry = out_deal(1, 9001, 1.0, 1.105, 0.0, entry=DealEntry.IN, type=DealType.SELL, time=T0)
    journal.record_deals([entry, out_deal(2, 9001, 0.5, 1.100, 5.0, type=DealType.BUY)])

    journal.record_external_open(a_position(9001, volume=0.5), T0 + timedelta(hours=2))

    [trade] = journal.open_trades()
    assert (trade.volume, trade.closed_volume, trade.open_volume) == (1.0, 0.5, 0.5)


def test_update_position_records_the_terminal_stops_and_keeps_the_requested_ones(journal: Journal) -> None:
    journal.record_external_open(a_position(9001), T0)
    journal.update_position(replace(a_position(9001), sl=1.115, tp=1.09))

    [trade] = journal.open_trades()
    assert (trade.sl, trade.tp, trade.current_sl, trade.current_tp) == (1.12, None, 1.115, 1.09)


def test_update_of_an_unknown_position_raises(journal: Journal) -> None:
    with pytest.raises(JournalError, match="Position 404"):
        journal.update_position(a_position(404))


def close_position(journal: Journal, ticket: int, closed_at: datetime, profit: float) -> None:
    journal.record_deals([out_deal(ticket, ticket, 1.0, 1.1, profit, time=closed_at)])


def test_closed_trades_are_filtered_by_close_time_symbol_and_source(journal: Journal) -> None:
    open_trade(journal, "early", ticket=1)
    open_trade(journal, "late", ticket=2)
    record_open_request(journal, "gbp", symbol="GBPUSD", source=TradeSource.AUTO, model_id="m1")
    journal.mark_opened(
        "gbp", position_ticket=3, order=3, deal=3, price=1.3, volume=1.0, opened_at=T0, retcode=10009
    )
    close_position(journal, 1, T0 + timedelta(hours=1), 10.0)
    close_position(journal, 2, T0 + timedelta(hours=3), 20.0)
    close_position(journal, 3, T0 + timedelta(hours=2), 30.0)

    def ids(**filters: object) -> list[str]:
        return [t.trade_id for t in journal.closed_trades(**filters)]  # type: ignore[arg-type]

    assert ids() == ["early", "gbp", "late"]
    assert ids(since=T0 + timedelta(hours=2)) == ["gbp", "late"]
    assert ids(until=T0 + timedelta(hours=2)) == ["early"]
    assert ids(symbol="GBPUSD") == ["gbp"]
    assert ids(source=TradeSource.AUTO) == ["gbp"]


def test_closed_trades_leave_out_partly_closed_and_failed_trades(journal: Journal) -> None:
    open_trade(journal, "partly", ticket=1)
    record_open_request(journal, "failed")
    journal.mark_failed("failed", retcode=10019, error="Not enough money", at=T0)
    journal.record_deals([out_deal(1, 1, 0.5, 1.1, 5.0)])

    assert journal.closed_trades() == []


def test_closed_profit_sums_trading_deals_since_a_moment(journal: Journal) -> None:
    open_trade(journal, "t1", ticket=1)
    since = T0 + timedelta(hours=1)
    journal.record_deals(
        [
            out_deal(1, 1, 0.2, 1.1, 100.0, time=since - timedelta(seconds=1)),
            out_deal(2, 1, 0.3, 1.1, 10.0, time=since, commission=-1.0, swap=-0.5, fee=-0.25),
            out_deal(3, 77, 1.0, 1.1, -4.0, time=since + timedelta(minutes=5)),
            out_deal(4, 0, 0.0, 0.0, 1000.0, time=since, type=DealType.BALANCE, entry=DealEntry.IN),
        ]
    )

    assert journal.closed_profit(since) == pytest.approx(10.0 - 1.0 - 0.5 - 0.25 - 4.0)


def fill(journal: Journal, trade_id: str, ticket: int) -> TradeStatus:
    return journal.record_fill(
        trade_id, position_ticket=ticket, order=ticket + 1, deal=ticket + 2, price=1.1, volume=0.5,
        at=T0 + timedelta(seconds=2), retcode=10009,
    )  # fmt: skip


def test_a_fill_on_a_free_position_opens_the_trade(journal: Journal) -> None:
    record_open_request(journal, "t1")
    assert fill(journal, "t1", 5001) is TradeStatus.OPEN
    trade = journal.find_trade("t1")
    assert trade is not None and trade.status is TradeStatus.OPEN and trade.position_ticket == 5001


def test_a_fill_adding_to_a_held_position_is_merged_into_its_trade(journal: Journal) -> None:
    open_trade(journal, "t1", ticket=5001)
    record_open_request(journal, "t2")
    assert fill(journal, "t2", 5001) is TradeStatus.MERGED
    added = journal.find_trade("t2")
    assert added is not None and added.status is TradeStatus.MERGED and "#5001" in (added.error or "")
    assert [t.trade_id for t in journal.open_trades()] == ["t1"]
