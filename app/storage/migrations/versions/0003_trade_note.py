"""The trader's own comment on a trade (`note`), apart from the MT5 comment that carries the desk's tag.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Rows written before this revision get their note from the comment they already hold: the text after the
desk's "MD-<10 hex digits>" tag (as much as MT5 kept), or the whole comment when it carries no tag (a
position opened in the terminal itself). Written out in full rather than imported from the ORM (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# "MD-" and ten lowercase hex digits, then the trader's words after one space (SQLite GLOB is case-exact).
_TAGGED = "comment GLOB 'MD-" + "[0-9a-f]" * 10 + "*'"


def upgrade() -> None:
    with op.batch_alter_table("trades") as batch:
        batch.add_column(sa.Column("note", sa.String(64), nullable=False, server_default=""))
    op.execute(
        f"UPDATE trades SET note = CASE WHEN {_TAGGED} THEN trim(substr(comment, 14)) ELSE comment END"
    )


def downgrade() -> None:
    with op.batch_alter_table("trades") as batch:
        batch.drop_column("note")
