"""JournalSink: what the desk writes to the journal as it learns it: events, external trades, deals, equity,
each filed under the account it is about.

Lives in the desk engine's thread, so the GUI thread never waits on SQLite, and it is the journal's one
writer of these records: the terminal host sends what it reads, the sink writes it. A failing write never
stops anything. When the storage fails (a full disk...) the journal's health says so once through
`on_failure` and once more through `on_recovered` when a later write works again, however many writes
fail in between; a record the journal refuses is reported once per run of failures. Neither callback may
come back here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.exc import SQLAlchemyError

from app.core.event_text import describe
from app.core.events import Event, PositionsUpdate, StatusUpdate, encode
from app.core.models import Account, Deal
from app.storage.errors import JournalError
from app.storage.journal import Journal

log = logging.getLogger(__name__)

THIN_EVERY = timedelta(hours=1)


class JournalSink:
    """Writes to the journal; swallows and reports storage failures."""

    def __init__(
        self,
        journal: Journal,
        on_failure: Callable[[str], None] | None = None,
        on_recovered: Callable[[str], None] | None = None,
    ) -> None:
        self._journal = journal
        self._health = journal.database.health
        self._on_failure = on_failure
        self._on_recovered = on_recovered
        self._failing = False
        self._last_state: dict[str, str] = {}  # account id -> the link state last written
        self._last_thin: datetime | None = None

    @property
    def failing(self) -> bool:
        """The last write failed (and was reported)."""
        return self._failing

    def event(self, event: Event) -> None:
        """Keep every trade error, auto-trade, notice and connection state change."""
        if isinstance(event, StatusUpdate):
            state = event.status.state.value
            if state == self._last_state.get(event.account_id):
                return  # only changes of state are worth a row
            self._last_state[event.account_id] = state
        described = describe(event)
        if described is None:
            return
        self._write(
            lambda: self._journal.add_event(
                time=event.timestamp,
                type=event.type,
                level=described.level,
                title=described.title,
                text=described.text,
                payload_json=encode(event),
                account_id=event.account_id,
            )
        )

    def positions_changed(self, update: PositionsUpdate, now: datetime) -> None:
        """Journal positions opened outside the desk, and SL/TP/volume edits, from their full records."""
        records = {position.ticket: position for position in update.positions}
        account_id = update.account_id
        for ticket in update.added:
            self._write(partial(self._journal.record_external_open, records[ticket], now, account_id))
        for ticket in update.modified:
            self._write(partial(self._journal.update_position, records[ticket], account_id))

    def deals(self, account_id: str, deals: Sequence[Deal]) -> None:
        """Store an account's deals (idempotent): of closed or reduced positions, or the history the host
        synced."""
        if deals:
            self._write(lambda: self._journal.record_deals(deals, account_id))

    def equity_sample(self, account_id: str, account: Account, now: datetime) -> None:
        """One equity sample per account read; older samples thinned once an hour."""
        self._write(
            lambda: self._journal.add_equity_sample(
                time=now,
                balance=account.balance,
                equity=account.equity,
                margin=account.margin,
                floating=account.profit,
                account_id=account_id,
            )
        )
        if self._last_thin is None or now - self._last_thin >= THIN_EVERY:
            self._last_thin = now
            self._write(lambda: self._journal.thin_equity_samples(now))
            # Also cut the write-ahead log back to nothing once an hour (SQLite only trims it to its limit).
            self._journal.database.checkpoint()

    def _write(self, action: Callable[[], object]) -> None:
        try:
            action()
        except (JournalError, SQLAlchemyError, OSError) as error:
            if isinstance(error, OSError):
                self._health.failed(f"the trade journal cannot be written ({error})")
            if self._health.writable:  # the journal refused this record; the storage itself is fine
                log.error("journal write failed: %s", error)
                if not self._failing and self._on_failure is not None:
                    self._failing = True
                    self._on_failure(f"The journal could not be written ({error}).")
        else:
            self._failing = False
        self._tell_health()

    def _tell_health(self) -> None:
        news = self._health.news()
        if news is None:
            return
        if not news.writable:
            log.error("%s", news.problem)  # once: the next failures are the same story
            if self._on_failure is not None:
                self._on_failure(f"{news.problem[:1].upper()}{news.problem[1:]}.")
        else:
            log.warning("the trade journal can be written again")
            if self._on_recovered is not None:
                self._on_recovered("The trade journal can be written again; orders are accepted.")
