"""worker forms: the cabinet session's login level (acr) and signature, step-up logins, parked forms

Revision ID: 0005stepup
Revises: 0004b
Create Date: 2026-12-02 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005stepup"
down_revision: str | None = "0004b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cabinet_sessions") as batch:
        batch.add_column(sa.Column("acr", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("acr_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("thumbprint", sa.String(length=128), nullable=True))
    with op.batch_alter_table("cabinet_logins") as batch:
        batch.add_column(sa.Column("session_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "worker_parked_forms",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("data_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_worker_parked_forms_expires_at", "worker_parked_forms", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_parked_forms_expires_at", table_name="worker_parked_forms")
    op.drop_table("worker_parked_forms")
    with op.batch_alter_table("cabinet_logins") as batch:
        batch.drop_column("session_hash")
    with op.batch_alter_table("cabinet_sessions") as batch:
        batch.drop_column("thumbprint")
        batch.drop_column("acr_at")
        batch.drop_column("acr")
