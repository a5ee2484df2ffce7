"""authorization_codes.patient_id, refresh_tokens.patient_id: the SMART launch context

Revision ID: 0012s
Revises: 0011e
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012s"
down_revision: str | None = "0011e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("authorization_codes", "refresh_tokens"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("patient_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ("authorization_codes", "refresh_tokens"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("patient_id")
