"""The journal's SQLite file: opening it safely, migrating its schema, and short sessions for one thread each.

Money records must survive a crash, so every connection runs in WAL mode with `synchronous=FULL` (each
commit is on disk before it returns). A file that is not a database or fails SQLite's integrity check is
never repaired or replaced here: a copy is put next to it and `JournalError` says what to do.
"""

from __future__ import annotations

import glob
import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.settings import FIRST_ACCOUNT_ID
from app.storage.errors import JournalError
from app.storage.journal_health import JournalHealth
from app.storage.private_files import create_private_file, make_private_dir

log = logging.getLogger(__name__)

__all__ = ["MIGRATIONS_DIR", "Database", "JournalError", "open_database"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
WAL_AUTOCHECKPOINT_PAGES = 128  # 512 KiB at SQLite's 4 KiB pages
WAL_SIZE_LIMIT = 512 * 1024
PROBE_EVERY_S = 2.0
SQLITE_HEADER = b"SQLite format 3\x00"
_WRITE_OPTION = "journal_write"
log = logging.getLogger(__name__)
_DAMAGE_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


class Database:
    """An open journal file handing out short sessions; safe to use from several threads at once.

    `health` follows every write: it says whether the journal can be written now (see JournalHealth).
    """

    def __init__(self, path: Path, engine: Engine) -> None:
        self._path = path
        self._engine = engine
        self.health = JournalHealth()
        self._last_probe = -PROBE_EVERY_S
        # Writers take the write lock at BEGIN, so a busy database makes them wait (busy_timeout) instead
        # of failing when a read inside the transaction has gone stale.
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})

    @property
    def path(self) -> Path:
        return self._path

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        try:
            with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            if _storage_trouble(exc):
                self.health.failed(
                    f"the trade journal {self._path} cannot be written ({_reason(exc)}). Free disk space "
                    "or make the data folder writable; orders are accepted again once the journal can write"
                )
            raise JournalError(f"Could not write to the trade journal {self._path}: {_reason(exc)}") from exc
        self.health.succeeded()

    def can_write(self) -> bool:
        """Whether an order's result can be recorded now. While the last write failed, it tries a tiny
        write (at most every PROBE_EVERY_S seconds), so the journal recovers by itself once space returns."""
        if self.health.writable:
            return True
        now = time.monotonic()
        if now - self._last_probe < PROBE_EVERY_S:
            return False
        self._last_probe = now
        try:
            with self.write() as session:
                # Rewriting the header's user_version with its own value: one page, no record touched.
                connection = session.connection()
                version = int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
                connection.exec_driver_sql(f"PRAGMA user_version = {version}")
        except JournalError:
            return False
        return self.health.writable

    def checkpoint(self) -> bool:
        """Fold the write-ahead log back into the file and truncate it; False when a reader held it back."""
        return self._checkpoint(logging.WARNING)

    def _checkpoint(self, level: int) -> bool:
        try:
            with self._engine.connect() as connection:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except SQLAlchemyError as exc:
            log.log(level, "journal checkpoint failed: %s", _reason(exc))
            return False
        return busy is not None and busy[0] == 0

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction on a consistent snapshot; never blocks the writer (WAL)."""
        try:
            with Session(self._engine) as session:
                yield session
        except SQLAlchemyError as exc:
            raise JournalError(f"Could not read the trade journal {self._path}: {_reason(exc)}") from exc

    def schema_revision(self) -> str | None:
        """The Alembic revision the file is at."""
        with self.read() as session:
            return MigrationContext.configure(session.connection()).get_current_revision()

    def integrity_problems(self) -> list[str]:
        """What `PRAGMA integrity_check` reports; empty when the file is sound."""
        with self.read() as session:
            result = session.connection().exec_driver_sql("PRAGMA integrity_check")
            rows = [str(row[0]) for row in result]
        return [] if rows == ["ok"] else rows

    def close(self) -> None:
        """Checkpoint, so the `.sqlite3` file alone holds every committed row (what a trader copying "the
        journal" backs up), and close every pooled connection."""
        # A vanished file must not come back empty just to be checkpointed. A journal already known not to
        # write (a full disk, said once) fails here too: no second warning for the same cause.
        level = logging.WARNING if self.health.writable else logging.INFO
        if self._path.exists() and not self._checkpoint(level):
            log.log(level, "the trade journal %s kept part of its write-ahead log on closing", self._path)
        self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_database(
    path: Path | str, *, migrations: Path = MIGRATIONS_DIR, first_account: str = FIRST_ACCOUNT_ID
) -> Database:
    """Open (or create) the journal at `path` and bring its schema to the newest revision.

    `first_account` is the desk's first account: rows of a journal written before rows named their
    account become its rows. `migrations` is the Alembic script folder; only tests point it elsewhere.
    """
    path = Path(path)
    try:
        make_private_dir(path.parent)
    except OSError as exc:
        raise JournalError(
            f"Could not create the folder {path.parent} for the trade journal: {exc}. "
            "Check that the drive is there and the folder is writable, or choose another data folder."
        ) from exc
    script = _script_directory(migrations)
    if path.exists() and path.stat().st_size > 0:
        _check_existing_file(path, script)
    try:
        create_private_file(path)  # SQLite gives the -wal and -shm files the journal's own mode
    except OSError as exc:
        raise JournalError(
            f"Could not create the trade journal {path}: {exc.strerror or exc}. "
            "Check that the folder is writable and the disk has free space, or choose another data folder."
        ) from exc
    engine = _create_engine(path)
    try:
        _require_wal(engine, path)
        _upgrade_to_head(engine, path, script, first_account)
    except BaseException:
        engine.dispose()
        raise
    return Database(path, engine)


def _create_engine(path: Path) -> Engine:
    engine = create_engine(URL.create("sqlite", database=str(path)))
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", _begin)
    return engine


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _begin): the sqlite3 module's own transaction handling skips
    # BEGIN before SELECT, which would split a read-then-write into two transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        # The WAL is folded back every WAL_AUTOCHECKPOINT_PAGES and cut back to WAL_SIZE_LIMIT after each
        # fold, instead of SQLite's 1000 pages (4 MB) left on disk for good: on a nearly full disk
        # the difference decides whether the journal can write at all.
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # macOS: plain fsync does not flush the drive's cache; these make a commit survive a power cut.
        cursor.execute("PRAGMA fullfsync = ON")
        cursor.execute("PRAGMA checkpoint_fullfsync = ON")
    finally:
        cursor.close()


def _begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _require_wal(engine: Engine, path: Path) -> None:
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0])
            cursor.close()
        finally:
            raw.close()
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise JournalError(
            f"Could not open the trade journal {path}: {_reason(exc)}. "
            "Check that the file and its folder are writable and that no other program holds it."
        ) from exc
    if mode.lower() != "wal":
        raise JournalError(
            f"The trade journal {path} cannot use SQLite's write-ahead log (journal mode stays '{mode}'); "
            "this happens on network drives. Choose a data folder on a local disk."
        )


def _check_existing_file(path: Path, script: ScriptDirectory) -> None:
    """Refuse a file that is not a sound SQLite database of a schema this version knows, untouched.

    Everything here reads through a read-only connection: a damaged file gets a copy beside it, and a
    journal from a newer version is refused before anything (not even the switch to WAL) writes to it.
    """
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise JournalError(
            f"Could not read the trade journal {path}: {exc}. Check that it is a file you may read and write."
        ) from exc
    if header != SQLITE_HEADER:
        raise _damaged(path, "it is not an SQLite database")
    try:
        # Read-only, so that nothing (not even folding the WAL back in) is written before the copy is made.
        read_only = f"{path.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(read_only, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
            revision = _stored_revision(connection) if rows == ["ok"] else None
        finally:
            connection.close()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "") in _DAMAGE_CODES:
            raise _damaged(path, f"SQLite says: {exc}") from exc
        raise JournalError(
            f"Could not open the trade journal {path}: {exc}. "
            "If MT5 Desk is already running, use that window; otherwise check the file's permissions."
        ) from exc
    if rows != ["ok"]:
        raise _damaged(path, "SQLite's integrity check found: " + "; ".join(rows[:5]))
    if revision is not None:
        _refuse_unknown_revision(path, revision, script)


def _stored_revision(connection: sqlite3.Connection) -> str | None:
    """The Alembic revision recorded in the file, None when it has none (new or not ours yet)."""
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no alembic_version table
        return None
    return None if row is None else str(row[0])


def _refuse_unknown_revision(path: Path, revision: str, script: ScriptDirectory) -> None:
    try:
        script.get_revision(revision)
    except CommandError as exc:
        raise JournalError(
            f"The trade journal {path} was written by a newer version of MT5 Desk (schema '{revision}', "
            f"this version knows up to '{script.get_current_head()}'). It was not changed. Install that "
            "newer version again, or move the file out of the folder to start a new journal with this one."
        ) from exc


def _damaged(path: Path, problem: str) -> JournalError:
    try:
        copy = _copy_damaged(path)
    except OSError as exc:
        saved = f"Making a copy of it failed ({exc}); the file itself was not changed."
    else:
        saved = f"A copy of it is at {copy}; the file itself was not changed."
    return JournalError(
        f"The trade journal {path} is damaged: {problem}. {saved} "
        f"To go on, close MT5 Desk and move {path.name} out of that folder; MT5 Desk then starts a new, "
        "empty journal (your positions are still in the terminal). Keep the copy: the sqlite3 tool's "
        "'.recover' command may get the old records back."
    )


def _copy_damaged(path: Path) -> Path:
    """Copy the file (and its WAL, which may hold the newest commits) once per distinct content."""
    for earlier in sorted(path.parent.glob(f"{glob.escape(path.name)}.damaged-*")):
        if not earlier.name.endswith("-wal") and _same_bytes(earlier, path):
            return earlier
    copy = _free_name(path.parent, f"{path.name}.damaged-{_stamp()}")
    shutil.copy2(path, copy)
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        shutil.copy2(wal, copy.with_name(copy.name + "-wal"))
    return copy


def _same_bytes(first: Path, second: Path) -> bool:
    if first.stat().st_size != second.stat().st_size:
        return False
    with first.open("rb") as a, second.open("rb") as b:
        while True:
            block_a, block_b = a.read(1 << 20), b.read(1 << 20)
            if block_a != block_b:
                return False
            if not block_a:
                return True


def _alembic_config(migrations: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    return config


def _script_directory(migrations: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config(migrations))


def _upgrade_to_head(engine: Engine, path: Path, script: ScriptDirectory, first_account: str) -> None:
    config = _alembic_config(Path(script.dir))
    head = script.get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise JournalError(
            f"Could not read the schema version of the trade journal {path}: {_reason(exc)}"
        ) from exc
    if current == head:
        return
    backup_note = ""
    if current is not None:
        _refuse_unknown_revision(path, current, script)  # written between the check and now
        backup = _backup_before_upgrade(path, current)
        backup_note = f" A copy taken before the update is at {backup}."
    try:
        with engine.execution_options(**{_WRITE_OPTION: True}).begin() as connection:
            config.attributes["connection"] = connection
            config.attributes["first_account"] = first_account
            command.upgrade(config, "head")
    except Exception as exc:  # a revision is code: whatever it raises, the trader needs the message
        raise JournalError(
            f"Could not update the trade journal {path} to schema '{head}': {_reason(exc)}. "
            f"The update was rolled back, so the file is as it was.{backup_note} "
            "Please report this; meanwhile run the MT5 Desk version that wrote the file."
        ) from exc


def _backup_before_upgrade(path: Path, revision: str) -> Path:
    """A consistent copy through SQLite's backup API (it includes commits still in the WAL)."""
    backup = _free_name(path.parent, f"{path.name}.backup-schema-{revision}-{_stamp()}")
    try:
        source = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            target = sqlite3.connect(backup)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except (sqlite3.Error, OSError) as exc:
        raise JournalError(
            f"The trade journal {path} needs a schema update, but the safety copy {backup} could not be "
            f"made: {exc}. Free some disk space or make the folder writable, then start MT5 Desk again."
        ) from exc
    return backup


def _free_name(folder: Path, name: str) -> Path:
    candidate, number = folder / name, 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{name}-{number}"
    return candidate


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


_STORAGE_TROUBLE = (
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_READONLY",
    "SQLITE_CANTOPEN",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
    "SQLITE_PERM",
)


def _storage_trouble(exc: SQLAlchemyError) -> bool:
    """The disk or the file failed (full, I/O, read-only, held by another program), not a record refused."""
    origin = getattr(exc, "orig", None)
    name = str(getattr(origin, "sqlite_errorname", ""))
    if name:
        return name.startswith(_STORAGE_TROUBLE)
    return isinstance(origin, sqlite3.OperationalError | OSError)


def _reason(exc: BaseException) -> str:
    """The driver's own words (not SQLAlchemy's SQL dump), with a hint for the common operational causes."""
    origin = getattr(exc, "orig", None) or exc
    text = str(origin).strip() or type(origin).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return f"{text} (another program is holding the journal; is MT5 Desk running twice?)"
    if "disk is full" in lowered or "disk i/o" in lowered:
        return f"{text} (check free space and health of the disk)"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{text} (the file or its folder is read-only)"
    return text
