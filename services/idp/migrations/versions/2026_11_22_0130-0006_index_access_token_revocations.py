"""index access-token revocations (each process reads the recent ones every second)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issued_access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issued_access_tokens_revoked_at"), ["revoked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("issued_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_access_tokens_revoked_at"))
