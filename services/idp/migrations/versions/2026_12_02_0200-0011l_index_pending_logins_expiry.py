"""index pending_logins.expires_at (each parked login purges the expired ones, under the write
lock: without the index that DELETE reads the whole table, ~10 ms at 36k live rows on SQLite)

Revision ID: 0011l
Revises: 0011o
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011l"
down_revision: str | None = "0011o"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pending_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_logins_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_logins_expires_at"))
