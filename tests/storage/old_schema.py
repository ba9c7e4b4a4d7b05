"""Journals at an older schema revision, with rows written the way that revision's code wrote them."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from app.storage.database import MIGRATIONS_DIR

OLD_TIME = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def head_revision() -> str | None:
    """The newest revision the app's migrations reach."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def migrations_up_to(revision: str, tmp_path: Path) -> Path:
    """A copy of the migrations that stops at `revision` (e.g. '0002')."""
    copy = tmp_path / f"migrations-{revision}"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for later in (copy / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"):
        if later.name[:4] > revision:
            later.unlink()
    return copy


def insert_old_trade(
    path: Path, trade_id: str, comment: str, *, source: str = "manual", at: datetime = OLD_TIME
) -> None:
    """One pending OPEN row, with only the columns revisions 0001 and 0002 have."""
    stored = at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")  # the journal's form
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO trades (trade_id, source, status, action, symbol, side, requested_volume, magic, "
            "comment, closed_volume, profit, commission, swap, fee, requested_at, updated_at) "
            "VALUES (?, ?, 'pending', 'open', 'EURUSD', 'BUY', 0.01, 0, ?, 0, 0, 0, 0, 0, ?, ?)",
            (trade_id, source, comment, stored, stored),
        )
    connection.close()
