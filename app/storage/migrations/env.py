"""Alembic environment for the journal, configured in code (no alembic.ini).

`open_database` passes its own open connection in `config.attributes["connection"]` and owns the
transaction, so a failed upgrade leaves the file as it was. For writing new revisions by hand a
`sqlalchemy.url` main option may be set instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from app.storage.tables import Base


def _run(connection: Connection) -> None:
    # Batch mode: SQLite cannot ALTER most things in place, Alembic copies the table instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("the journal is migrated online only; use app.storage.database.open_database")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given; open the journal with app.storage.database.open_database")
    engine = create_engine(url)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


_main()
