"""esia face: client settings, client certificates, diagnoses; alg columns wide enough for GOST

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # GOST3410_2012_256 has 17 characters (ESIA.md §5.3)
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.alter_column("alg", existing_type=sa.String(length=16), type_=sa.String(length=32))
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.alter_column("signing_alg", existing_type=sa.String(length=16), type_=sa.String(length=32))
    op.create_table(
        "esia_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("timestamp_window", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("require_confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_esia_clients_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esia_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_esia_clients_client_id")),
    )
    op.create_table(
        "esia_client_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("gost_hash", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_esia_client_certificates_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esia_client_certificates")),
    )
    with op.batch_alter_table("esia_client_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_esia_client_certificates_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_esia_client_certificates_gost_hash"), ["gost_hash"], unique=False
        )
        batch_op.create_index(
            "ux_esia_client_certificates_client_sha256", ["client_id", "sha256"], unique=True
        )
    op.create_table(
        "esia_diagnoses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("endpoint", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esia_diagnoses")),
        sa.UniqueConstraint("handle", name=op.f("uq_esia_diagnoses_handle")),
    )
    with op.batch_alter_table("esia_diagnoses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_esia_diagnoses_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_esia_diagnoses_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("esia_diagnoses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esia_diagnoses_created_at"))
        batch_op.drop_index(batch_op.f("ix_esia_diagnoses_client_id"))
    op.drop_table("esia_diagnoses")
    with op.batch_alter_table("esia_client_certificates", schema=None) as batch_op:
        batch_op.drop_index("ux_esia_client_certificates_client_sha256")
        batch_op.drop_index(batch_op.f("ix_esia_client_certificates_gost_hash"))
        batch_op.drop_index(batch_op.f("ix_esia_client_certificates_client_id"))
    op.drop_table("esia_client_certificates")
    op.drop_table("esia_clients")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.alter_column("signing_alg", existing_type=sa.String(length=32), type_=sa.String(length=16))
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.alter_column("alg", existing_type=sa.String(length=32), type_=sa.String(length=16))
