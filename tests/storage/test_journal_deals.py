"""History from deals: every closing deal is a row (partial closes too), and a period's rows add up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.enums import DealEntry, DealType, OrderAction, Side, TradeSource
from app.core.models import Deal
from app.storage.database import open_database
from app.storage.journal import Journal

T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def deal(ticket: int, position: int, entry: DealEntry, volume: float, at: datetime, **fields: object) -> Deal:
    values: dict[str, object] = {
        "order": ticket,
        "type": DealType.SELL if entry is not DealEntry.IN else DealType.BUY,
        "symbol": "EURUSD",
        "price": 1.1,
        "profit": 0.0,
    }
    values.update(fields)
    return Deal(ticket=ticket, time=at, entry=entry, position_id=position, volume=volume, **values)  # type: ignore[arg-type]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with open_database(tmp_path / "journal.sqlite3") as database:
        yield Journal(database)


def open_by_the_desk(journal: Journal, position: int, volume: float, note: str = "my scalp trade") -> None:
    trade_id = f"{position:010d}"
    journal.record_pending(
        trade_id=trade_id, source=TradeSource.MANUAL, action=OrderAction.OPEN, symbol="EURUSD",
        side=Side.BUY, volume=volume, sl=None, tp=None, magic=0, comment=f"MD-{trade_id} {note}",
        note=note, model_id=None, position_ticket=None, requested_at=T0,
    )  # fmt: skip
    journal.mark_opened(
        trade_id, position_ticket=position, order=position, deal=position * 10, price=1.08729,
        volume=volume, opened_at=T0, retcode=10009,
    )  # fmt: skip


def test_every_partial_close_is_its_own_row_with_what_stayed_open(journal: Journal) -> None:
    open_by_the_desk(journal, 7, 0.10)
    journal.record_deals(
        [
            deal(70, 7, DealEntry.IN, 0.10, T0, price=1.08729),
            deal(71, 7, DealEntry.OUT, 0.04, T0 + MINUTE, profit=-6.90, price=1.08560),
            deal(72, 7, DealEntry.OUT, 0.04, T0 + 2 * MINUTE, profit=2.00),
            deal(73, 7, DealEntry.OUT, 0.02, T0 + 3 * MINUTE, profit=1.00, swap=-0.30),
        ]
    )

    history = journal.closed_history()

    assert [(c.deal.ticket, c.deal.volume, c.remaining, c.partial) for c in history.closings] == [
        (71, 0.04, 0.06, True),
        (72, 0.04, 0.02, True),
        (73, 0.02, 0.0, False),
    ]
    first = history.closings[0]
    assert (first.side, first.opened_at, first.price_open, first.position_volume) == (
        Side.BUY,
        T0,
        1.08729,
        0.10,
    )
    assert (first.source, first.note, first.trade_id) == (TradeSource.MANUAL, "my scalp trade", "0000000007")
    assert history.net_profit == pytest.approx(-6.90 + 2.00 + 1.00 - 0.30)


def test_a_position_the_journal_never_saw_open_is_described_by_its_opening_deal(journal: Journal) -> None:
    journal.record_deals(
        [
            deal(80, 8, DealEntry.IN, 0.20, T0, type=DealType.SELL, price=1.2, comment="grid EA"),
            deal(81, 8, DealEntry.OUT, 0.20, T0 + MINUTE, type=DealType.BUY, profit=5.0),
        ]
    )

    (closing,) = journal.closed_history().closings

    assert (closing.side, closing.opened_at, closing.price_open) == (Side.SELL, T0, 1.2)
    assert (closing.source, closing.note, closing.trade_id, closing.partial) == (
        TradeSource.EXTERNAL, "grid EA", None, False,
    )  # fmt: skip


def test_a_periods_net_is_what_trading_did_to_the_balance_entry_commission_included(journal: Journal) -> None:
    open_by_the_desk(journal, 9, 0.10)
    journal.record_deals(
        [
            deal(90, 9, DealEntry.IN, 0.10, T0, commission=-0.70),
            deal(91, 9, DealEntry.OUT, 0.05, T0 + MINUTE, profit=4.0, commission=-0.35),
            deal(92, 9, DealEntry.OUT, 0.05, T0 + timedelta(days=1), profit=-1.0, commission=-0.35),
            Deal(ticket=99, order=0, time=T0 + MINUTE, type=DealType.BALANCE, entry=DealEntry.IN,
                 position_id=0, symbol="", volume=0.0, price=0.0, profit=500.0),
        ]
    )  # fmt: skip
    day_one = journal.closed_history(since=T0, until=T0 + timedelta(hours=12))

    assert [c.deal.ticket for c in day_one.closings] == [91]
    assert day_one.entry_charges == pytest.approx(-0.70)
    assert day_one.net_profit == pytest.approx(4.0 - 0.35 - 0.70)
    assert day_one.net_profit == pytest.approx(journal.closed_profit(T0) - (-1.0 - 0.35))
    assert journal.closed_history().net_profit == pytest.approx(journal.closed_profit(T0))


def test_symbol_and_source_filters_narrow_rows_and_entry_charges_alike(journal: Journal) -> None:
    open_by_the_desk(journal, 10, 0.10)
    journal.record_deals(
        [
            deal(100, 10, DealEntry.IN, 0.10, T0, commission=-0.5),
            deal(101, 10, DealEntry.OUT, 0.10, T0 + MINUTE, profit=3.0),
            deal(110, 11, DealEntry.IN, 0.10, T0, commission=-0.5, symbol="GBPUSD"),
            deal(111, 11, DealEntry.OUT, 0.10, T0 + MINUTE, profit=-2.0, symbol="GBPUSD"),
        ]
    )

    manual = journal.closed_history(source=TradeSource.MANUAL)
    gbp = journal.closed_history(symbol="GBPUSD")

    assert [c.deal.ticket for c in manual.closings] == [101] and manual.entry_charges == -0.5
    assert [c.deal.ticket for c in gbp.closings] == [111] and gbp.closings[0].source is TradeSource.EXTERNAL


def test_the_deals_list_holds_balance_operations_unless_a_symbol_is_chosen(journal: Journal) -> None:
    journal.record_deals(
        [
            deal(1, 1, DealEntry.IN, 0.1, T0 + MINUTE),
            Deal(ticket=2, order=0, time=T0, type=DealType.BALANCE, entry=DealEntry.IN, position_id=0,
                 symbol="", volume=0.0, price=0.0, profit=10_000.0, comment="Initial deposit"),
        ]
    )  # fmt: skip

    assert [d.ticket for d in journal.deals()] == [2, 1]
    assert [d.ticket for d in journal.deals(symbol="EURUSD")] == [1]
    assert [d.ticket for d in journal.deals(since=T0 + MINUTE)] == [1]
