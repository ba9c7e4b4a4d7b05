"""Hostile files the attack list of issue 14 used, made the same way by every test that needs one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.storage.database import open_database


def newer_schema_journal(path: Path) -> bytes:
    """A journal as a newer version might leave it (rollback journal, unknown revision); its bytes."""
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    return path.read_bytes()
