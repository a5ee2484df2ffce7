"""pki trust store and bound certificates

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:45:38.368058
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pki_crls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("issuer_key", sa.String(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("this_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_crls")),
    )
    with op.batch_alter_table("pki_crls", schema=None) as batch_op:
        batch_op.create_index("ux_pki_crls_issuer_source", ["issuer_key", "source"], unique=True)

    op.create_table(
        "pki_trusted_cas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thumbprint", sa.String(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("accredited", sa.Boolean(), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_trusted_cas")),
        sa.UniqueConstraint("thumbprint", name=op.f("uq_pki_trusted_cas_thumbprint")),
    )
    with op.batch_alter_table("pki_trusted_cas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pki_trusted_cas_subject_key"), ["subject_key"], unique=False)

    op.create_table(
        "pki_bound_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thumbprint", sa.String(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_snapshot", sa.JSON(), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expiry_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_pki_bound_certificates_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_bound_certificates")),
        sa.UniqueConstraint("thumbprint", name=op.f("uq_pki_bound_certificates_thumbprint")),
    )
    with op.batch_alter_table("pki_bound_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pki_bound_certificates_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pki_bound_certificates_not_after"), ["not_after"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pki_bound_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pki_bound_certificates_not_after"))
        batch_op.drop_index(batch_op.f("ix_pki_bound_certificates_account_id"))

    op.drop_table("pki_bound_certificates")
    with op.batch_alter_table("pki_trusted_cas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pki_trusted_cas_subject_key"))

    op.drop_table("pki_trusted_cas")
    with op.batch_alter_table("pki_crls", schema=None) as batch_op:
        batch_op.drop_index("ux_pki_crls_issuer_source")

    op.drop_table("pki_crls")
