"""Every journal row names its account: trades, deals, equity samples, events and models.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10

A desk may run several accounts, at brokers that reuse the same ticket numbers, so a deal is keyed by
(account, ticket), an equity sample by (account, time), and a position belongs to one OPEN trade per
account. Rows written before this revision were all of the desk's one account: they become the first
account's (`open_database(first_account=...)`, the first of `[[accounts]]`; 'main' when not given, the id
an older settings file's `[terminal]` section became). Predictions belong to their model, which now names
its account. Written out in full rather than imported from the ORM (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("trades", "deals", "equity_samples", "events", "models")


def _first_account() -> str:
    config = op.get_context().config
    return str(config.attributes.get("first_account", "main")) if config is not None else "main"


def upgrade() -> None:
    first = _first_account()
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("account_id", sa.String(32), nullable=False, server_default=first))
    # The default only filled the rows already there; every new row names its account itself.
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("account_id", existing_type=sa.String(32), server_default=None)
            if table != "equity_samples":
                batch.create_index(f"ix_{table}_account_id", ["account_id"])
    with op.batch_alter_table("trades") as batch:
        batch.drop_index("uq_trades_open_position_ticket")
        batch.create_index(
            "uq_trades_open_position_ticket",
            ["account_id", "position_ticket"],
            unique=True,
            sqlite_where=sa.text("action = 'open' AND position_ticket IS NOT NULL"),
        )
    with op.batch_alter_table("deals") as batch:
        batch.drop_constraint("pk_deals", type_="primary")
        batch.create_primary_key("pk_deals", ["account_id", "ticket"])
    with op.batch_alter_table("equity_samples") as batch:
        batch.drop_constraint("pk_equity_samples", type_="primary")
        batch.create_primary_key("pk_equity_samples", ["account_id", "time"])


def downgrade() -> None:
    # Back to one account: only the first account's rows fit the older keys.
    first = _first_account()
    for table in _TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE account_id != :first").bindparams(first=first))
    with op.batch_alter_table("equity_samples") as batch:
        batch.drop_constraint("pk_equity_samples", type_="primary")
        batch.create_primary_key("pk_equity_samples", ["time"])
    with op.batch_alter_table("deals") as batch:
        batch.drop_constraint("pk_deals", type_="primary")
        batch.create_primary_key("pk_deals", ["ticket"])
    with op.batch_alter_table("trades") as batch:
        batch.drop_index("uq_trades_open_position_ticket")
        batch.create_index(
            "uq_trades_open_position_ticket",
            ["position_ticket"],
            unique=True,
            sqlite_where=sa.text("action = 'open' AND position_ticket IS NOT NULL"),
        )
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            if table != "equity_samples":
                batch.drop_index(f"ix_{table}_account_id")
            batch.drop_column("account_id")
