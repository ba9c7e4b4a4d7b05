"""First journal schema: trades, deals, equity samples, events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out in full rather than imported from the ORM: a revision must keep building the schema of its
day after the ORM has moved on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trade_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(16), nullable=True),
        sa.Column("requested_volume", sa.Float(), nullable=True),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("sl", sa.Float(), nullable=True),
        sa.Column("tp", sa.Float(), nullable=True),
        sa.Column("current_sl", sa.Float(), nullable=True),
        sa.Column("current_tp", sa.Float(), nullable=True),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("magic", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(64), nullable=False),
        sa.Column("position_ticket", sa.Integer(), nullable=True),
        sa.Column("open_order", sa.Integer(), nullable=True),
        sa.Column("open_deal", sa.Integer(), nullable=True),
        sa.Column("price_open", sa.Float(), nullable=True),
        sa.Column("closed_volume", sa.Float(), nullable=False),
        sa.Column("price_close", sa.Float(), nullable=True),
        sa.Column("profit", sa.Float(), nullable=False),
        sa.Column("commission", sa.Float(), nullable=False),
        sa.Column("swap", sa.Float(), nullable=False),
        sa.Column("fee", sa.Float(), nullable=False),
        sa.Column("retcode", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trades"),
        sa.UniqueConstraint("trade_id", name="uq_trades_trade_id"),
    )
    op.create_index("ix_trades_status", "trades", ["status"])
    op.create_index("ix_trades_position_ticket", "trades", ["position_ticket"])
    op.create_index("ix_trades_closed_at", "trades", ["closed_at"])
    # A position belongs to one OPEN trade; CLOSE and MODIFY requests name the position they aim at.
    op.create_index(
        "uq_trades_open_position_ticket",
        "trades",
        ["position_ticket"],
        unique=True,
        sqlite_where=sa.text("action = 'open' AND position_ticket IS NOT NULL"),
    )

    op.create_table(
        "deals",
        sa.Column("ticket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("entry", sa.String(16), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("profit", sa.Float(), nullable=False),
        sa.Column("commission", sa.Float(), nullable=False),
        sa.Column("swap", sa.Float(), nullable=False),
        sa.Column("fee", sa.Float(), nullable=False),
        sa.Column("magic", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("ticket", name="pk_deals"),
    )
    op.create_index("ix_deals_position_id", "deals", ["position_id"])
    op.create_index("ix_deals_time", "deals", ["time"])

    op.create_table(
        "equity_samples",
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("balance", sa.Float(), nullable=False),
        sa.Column("equity", sa.Float(), nullable=False),
        sa.Column("margin", sa.Float(), nullable=False),
        sa.Column("floating", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("time", name="pk_equity_samples"),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_time", "events", ["time"])
    op.create_index("ix_events_type", "events", ["type"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("equity_samples")
    op.drop_table("deals")
    op.drop_table("trades")
