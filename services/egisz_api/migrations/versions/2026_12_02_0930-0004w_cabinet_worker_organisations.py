"""cabinet sessions: a medical worker's organisations (from the idp's /roles) and the chosen one

Revision ID: 0004w
Revises: 0004m
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004w"
down_revision: str | None = "0004m"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cabinet_sessions") as batch:
        batch.add_column(sa.Column("memberships", sa.Text(), nullable=True))
        batch.add_column(sa.Column("org_oid", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cabinet_sessions") as batch:
        batch.drop_column("org_oid")
        batch.drop_column("memberships")
