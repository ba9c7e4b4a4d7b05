"""The trader's own comment (`note`): kept whole beside the tagged MT5 comment, and derived for old rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.core.enums import OrderAction, Side, TradeSource
from app.core.models import Position
from app.storage.database import open_database
from app.storage.journal import Journal
from tests.storage.old_schema import head_revision, insert_old_trade, migrations_up_to

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_rows_from_before_the_note_get_the_words_after_the_desks_tag(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with open_database(path, migrations=migrations_up_to("0002", tmp_path)) as old:
        assert old.schema_revision() == "0002"
    insert_old_trade(path, "0123456789", "MD-0123456789 my scalp trade")
    insert_old_trade(path, "abcdef0123", "MD-abcdef0123")
    insert_old_trade(path, "ext-77", "grid EA #3", source="external")
    insert_old_trade(path, "ext-78", "MD-XYZ not ours", source="external")

    with open_database(path) as database:
        assert database.schema_revision() == head_revision()
        journal = Journal(database)
        notes = {t: journal.find_trade(t).note for t in ("0123456789", "abcdef0123", "ext-77", "ext-78")}

    assert notes == {
        "0123456789": "my scalp trade",
        "abcdef0123": "",
        "ext-77": "grid EA #3",
        "ext-78": "MD-XYZ not ours",
    }


def test_a_new_trade_keeps_the_whole_note_beside_the_comment_sent(tmp_path: Path) -> None:
    with open_database(tmp_path / "journal.sqlite3") as database:
        journal = Journal(database)
        journal.record_pending(
            trade_id="0123456789",
            source=TradeSource.MANUAL,
            action=OrderAction.OPEN,
            symbol="EURUSD",
            side=Side.BUY,
            volume=0.1,
            sl=None,
            tp=None,
            magic=0,
            comment="MD-0123456789 my scalp trade",
            note="my scalp trade",
            model_id=None,
            position_ticket=None,
            requested_at=NOW,
        )
        record = journal.find_trade("0123456789")

    assert record is not None
    assert (record.comment, record.note) == ("MD-0123456789 my scalp trade", "my scalp trade")


def test_a_position_opened_in_the_terminal_keeps_its_comment_as_the_note(tmp_path: Path) -> None:
    position = Position(
        ticket=5, symbol="EURUSD", side=Side.SELL, volume=0.2, price_open=1.1, price_current=1.1,
        sl=None, tp=None, swap=0.0, profit=0.0, time=NOW, comment="hedge for Friday",
    )  # fmt: skip
    with open_database(tmp_path / "journal.sqlite3") as database:
        journal = Journal(database)
        journal.record_external_open(position, NOW)
        (record,) = journal.open_trades()

    assert record.note == "hedge for Friday"
