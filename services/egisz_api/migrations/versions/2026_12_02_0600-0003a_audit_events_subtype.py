"""audit_events.subtype: the FHIR interaction, for the AuditEvent search parameter ``subtype``

Revision ID: 0003a
Revises: 0003c
Create Date: 2026-12-02 06:00:00

Rows stored before this revision keep NULL (the table is append-only: its triggers refuse UPDATE),
so a ``subtype`` search does not find them; every event stored after it carries the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003a"
down_revision: str | None = "0003c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (no batch copy): SQLite's table rebuild would drop the append-only triggers
    op.add_column("audit_events", sa.Column("subtype", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", recreate="never") as batch_op:
        batch_op.drop_column("subtype")
