"""The journal: one object over the database for the trading service, the engine threads and the GUI.

Every method runs in its own short transaction, so the engine thread can write while the GUI thread
reads. Datetimes go in and come out timezone-aware UTC; a naive one is refused with `JournalError`.
"""

from __future__ import annotations

from app.storage.database import Database
from app.storage.errors import JournalError
from app.storage.journal_deals import DealJournal
from app.storage.journal_history import HistoryJournal
from app.storage.journal_trades import TradeJournal
from app.storage.records import EquitySample, EventRecord, TradeRecord

__all__ = ["EquitySample", "EventRecord", "Journal", "JournalError", "TradeRecord"]


class Journal(TradeJournal, HistoryJournal, DealJournal):
    """Trades (pending before sending, then resolved and closed by deals), deals, equity and events."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def database(self) -> Database:
        return self._db
