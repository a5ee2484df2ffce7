"""pki: cached OCSP answers (one per certificate)

Revision ID: 0011o
Revises: 0010
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011o"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pki_ocsp_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_key", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("this_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_ocsp_responses")),
    )
    with op.batch_alter_table("pki_ocsp_responses", schema=None) as batch_op:
        batch_op.create_index("ux_pki_ocsp_responses_issuer_serial", ["issuer_key", "serial"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("pki_ocsp_responses", schema=None) as batch_op:
        batch_op.drop_index("ux_pki_ocsp_responses_issuer_serial")
    op.drop_table("pki_ocsp_responses")
