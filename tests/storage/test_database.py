"""Opening the journal file: durable settings, schema migrations, and refusing damaged files without loss."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.storage.database import MIGRATIONS_DIR, Database, JournalError, open_database
from app.storage.journal import Journal
from app.storage.tables import Base
from tests.hostile_files import newer_schema_journal

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
GARBAGE = b"these are not the bytes of a database\n" * 200

EXTRA_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("note", sa.Text(), nullable=True))
    {failure}


def downgrade() -> None:
    op.drop_column("events", "note")
"""


def head_revision(migrations: Path = MIGRATIONS_DIR) -> str | None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    return ScriptDirectory.from_config(config).get_current_head()


def pragma(database: Database, name: str) -> object:
    with database.read() as session:
        return session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()


def add_event(database: Database, title: str = "kept") -> None:
    Journal(database).add_event(
        time=NOW, type="NOTICE", level="info", title=title, text="", payload_json="{}"
    )


def event_titles(database: Database) -> list[str]:
    return [event.title for event in Journal(database).events()]


def migrations_with_an_extra_revision(tmp_path: Path, failure: str = "") -> Path:
    """The real migrations plus revision 9001 on top of their head."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    extra = EXTRA_REVISION.format(failure=failure, head=head_revision())
    (copy / "versions" / "9001_event_note.py").write_text(extra)
    return copy


def test_connections_run_in_wal_mode_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    with open_database(tmp_path / "journal.sqlite3") as database:
        assert pragma(database, "journal_mode") == "wal"
        assert pragma(database, "synchronous") == 2  # FULL
        assert pragma(database, "foreign_keys") == 1
        assert pragma(database, "busy_timeout") == 10_000


def test_a_new_journal_passes_the_integrity_check(tmp_path: Path) -> None:
    with open_database(tmp_path / "journal.sqlite3") as database:
        assert database.integrity_problems() == []


def test_a_new_file_gets_the_head_revision(tmp_path: Path) -> None:
    with open_database(tmp_path / "data" / "journal.sqlite3") as database:
        assert database.schema_revision() == head_revision() == "0004"


def test_migrations_build_exactly_the_schema_the_tables_declare(tmp_path: Path) -> None:
    with open_database(tmp_path / "journal.sqlite3") as database, database.read() as session:
        differences = compare_metadata(MigrationContext.configure(session.connection()), Base.metadata)

    assert differences == []


def test_reopening_keeps_the_rows_and_migrates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with open_database(path) as database:
        add_event(database)

    with open_database(path) as database:
        assert event_titles(database) == ["kept"]
        assert database.schema_revision() == head_revision()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite3"]


def test_a_file_that_is_not_a_database_is_refused_kept_and_copied(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(GARBAGE)

    with pytest.raises(JournalError) as raised:
        open_database(path)

    message = str(raised.value)
    [copy] = tmp_path.glob("journal.sqlite3.damaged-*")
    assert "is damaged: it is not an SQLite database" in message
    assert str(copy) in message
    assert "move journal.sqlite3 out of that folder" in message
    assert path.read_bytes() == GARBAGE
    assert copy.read_bytes() == GARBAGE


def test_opening_the_same_damaged_file_again_makes_no_second_copy(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(GARBAGE)
    for _ in range(2):
        with pytest.raises(JournalError):
            open_database(path)

    assert len(list(tmp_path.glob("journal.sqlite3.damaged-*"))) == 1


def fill_events(path: Path, count: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO events (account_id, time, type, level, title, text, payload_json) "
            "VALUES ('main', '2025-03-03 10:00:00.000000', 'NOTICE', 'info', ?, '', '{}')",
            [(f"event {i} " + "x" * 200,) for i in range(count)],
        )
    connection.close()


def test_a_database_with_malformed_pages_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    open_database(path).close()
    fill_events(path, 300)
    damaged = bytearray(path.read_bytes())
    damaged[3 * 4096 : 8 * 4096] = b"\xa5" * (5 * 4096)
    path.write_bytes(bytes(damaged))

    with pytest.raises(JournalError, match="is damaged: SQLite says: database disk image is malformed"):
        open_database(path)

    assert path.read_bytes() == bytes(damaged)
    assert len(list(tmp_path.glob("journal.sqlite3.damaged-*"))) == 1


def test_a_database_that_fails_the_integrity_check_is_refused_with_its_findings(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    open_database(path).close()
    fill_events(path, 1)
    with sqlite3.connect(path) as connection:  # the index no longer matches the rows it holds
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_events_type ON events (level)' "
            "WHERE name = 'ix_events_type'"
        )
    connection.close()

    with pytest.raises(JournalError, match="integrity check found: row 1 missing from index ix_events_type"):
        open_database(path)

    assert path.exists()


def test_an_older_schema_is_copied_then_migrated_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with open_database(path) as database:
        add_event(database)
    migrations = migrations_with_an_extra_revision(tmp_path)

    with open_database(path, migrations=migrations) as database:
        assert database.schema_revision() == "9001"
        assert event_titles(database) == ["kept"]

    [backup] = tmp_path.glob(f"journal.sqlite3.backup-schema-{head_revision()}-*")
    with sqlite3.connect(backup) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
        assert old.execute("SELECT title FROM events").fetchall() == [("kept",)]


def test_a_failed_migration_is_rolled_back_and_says_where_the_copy_is(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with open_database(path) as database:
        add_event(database)
    migrations = migrations_with_an_extra_revision(tmp_path, failure='raise RuntimeError("broken step")')

    with pytest.raises(JournalError, match="broken step") as raised:
        open_database(path, migrations=migrations)

    assert f"backup-schema-{head_revision()}" in str(raised.value)
    with open_database(path) as database:
        assert database.schema_revision() == head_revision()
        assert event_titles(database) == ["kept"]


def test_a_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()

    with pytest.raises(JournalError, match="newer version of MT5 Desk"):
        open_database(path)


def test_a_journal_from_a_newer_version_is_refused_before_anything_writes_to_it(tmp_path: Path) -> None:
    # As a newer version might leave it: a rollback-journal file (not WAL), an unknown revision.
    path = tmp_path / "journal.sqlite3"
    before = newer_schema_journal(path)
    stamp = path.stat().st_mtime_ns

    with pytest.raises(JournalError, match=r"schema '9999'.*It was not changed\. Install that newer version"):
        open_database(path)

    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite3"]  # no -wal, -shm or copy
