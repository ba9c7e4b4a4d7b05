"""Model registry and prediction log for the auto-trader.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-20

Written out in full rather than imported from the ORM (see 0001). Adds tables only, so the rows of 0001
are untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("feature_names_json", sa.Text(), nullable=False),
        sa.Column("parameters_json", sa.Text(), nullable=False),
        sa.Column("sklearn_version", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("metrics_json", sa.Text(), nullable=False),
        sa.Column("magic", sa.Integer(), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("model_id", name="pk_models"),
        sa.UniqueConstraint("magic", name="uq_models_magic"),
    )
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("bar_time", sa.DateTime(), nullable=False),
        sa.Column("side", sa.String(16), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("acted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_predictions"),
        sa.UniqueConstraint("model_id", "bar_time", name="uq_predictions_model_id_bar_time"),
    )


def downgrade() -> None:
    op.drop_table("predictions")
    op.drop_table("models")
