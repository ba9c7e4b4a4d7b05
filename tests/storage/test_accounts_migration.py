"""Bringing a one-account desk's files to several accounts: the journal's rows become the first account's,
and settings.toml's `[terminal]` section becomes the first of `[[accounts]]`, the old file kept."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from app.core.enums import Backend, DealEntry, DealType
from app.core.models import Deal
from app.storage.database import MIGRATIONS_DIR, open_database
from app.storage.journal import Journal
from app.storage.settings_store import load_settings
from tests.one_account import MAIN

WHEN = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def journal_at_0003(tmp_path: Path) -> Path:
    """A journal as the desk wrote it before rows named their account, with one deal and one event."""
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / "versions" / "0004_accounts.py").unlink()
    path = tmp_path / "journal.sqlite3"
    open_database(path, migrations=migrations).close()
    with sqlite3.connect(path) as db:
        db.execute(
            'INSERT INTO deals (ticket, "order", position_id, time, type, entry, symbol, volume, price, '
            "profit, commission, swap, fee, magic, reason, comment) VALUES (700, 701, 702, ?, 'BUY', 'in', "
            "'EURUSD', 0.1, 1.085, 0, 0, 0, 0, 0, 0, '')",
            (WHEN.replace(tzinfo=None).isoformat(sep=" "),),
        )
        db.execute(
            "INSERT INTO events (time, type, level, title, text, payload_json) VALUES (?, 'NOTICE', 'info', "
            "'kept', '', '{}')",
            (WHEN.replace(tzinfo=None).isoformat(sep=" "),),
        )
    return path


def deal(ticket: int) -> Deal:
    return Deal(ticket, ticket + 1, WHEN, DealType.SELL, DealEntry.IN, ticket + 2, "GBPUSD", 0.2, 1.27, 0.0)


def test_rows_of_a_journal_from_before_accounts_become_the_first_accounts(tmp_path: Path) -> None:
    path = journal_at_0003(tmp_path)

    with open_database(path) as database:
        [kept] = Journal(database).deals()
        assert (kept.account_id, kept.ticket) == (MAIN, 700)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT account_id, title FROM events").fetchall() == [(MAIN, "kept")]


def test_the_migration_gives_old_rows_to_the_first_account_the_settings_name(tmp_path: Path) -> None:
    path = journal_at_0003(tmp_path)

    with open_database(path, first_account="ftmo") as database:
        assert [d.account_id for d in Journal(database).deals()] == ["ftmo"]


def test_two_accounts_may_hold_a_deal_with_the_same_ticket_and_are_read_apart(tmp_path: Path) -> None:
    with open_database(tmp_path / "journal.sqlite3") as database:
        journal = Journal(database)
        journal.record_deals([deal(900)], account_id="usd")
        journal.record_deals([deal(900)], account_id="eur")

        assert sorted(d.account_id for d in journal.deals()) == ["eur", "usd"]
        assert [d.account_id for d in journal.deals(account_id="eur")] == ["eur"]


def test_a_terminal_section_becomes_the_first_account_and_the_old_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    old = '[terminal]\nbackend = "mt5"\nlogin = 51234567\nserver = "Broker-Demo"\n\n[ui]\ntheme = "dark"\n'
    path.write_text(old)

    loaded = load_settings(path)

    [account] = loaded.settings.accounts
    assert (account.id, account.enabled) == (MAIN, True)
    assert (account.terminal.backend, account.terminal.login, account.terminal.server) == (
        Backend.MT5,
        51234567,
        "Broker-Demo",
    )
    assert loaded.problems == []
    [note] = loaded.notes
    [backup] = tmp_path.glob("settings.toml.before-accounts*")
    assert str(backup) in note
    assert backup.read_text() == old
    written = tomllib.loads(path.read_text())
    assert "terminal" not in written and written["accounts"][0]["login"] == 51234567
    assert written["ui"] == {"theme": "dark"}


def test_the_move_happens_once(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[terminal]\nbackend = "sim"\n')
    first = load_settings(path)

    again = load_settings(path)

    assert again.notes == [] and again.settings == first.settings
    assert len(list(tmp_path.glob("settings.toml.before-accounts*"))) == 1
