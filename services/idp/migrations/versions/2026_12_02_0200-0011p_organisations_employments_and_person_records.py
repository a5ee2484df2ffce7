"""medical organisations, employments (accounts × organisations) and sealed person records

Revision ID: 0011p
Revises: 0011l
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011p"
down_revision: str | None = "0011l"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("oid", sa.BigInteger(), nullable=False),
        sa.Column("ogrn", sa.String(length=13), nullable=False),
        sa.Column("inn", sa.String(length=10), nullable=False),
        sa.Column("kpp", sa.String(length=9), nullable=True),
        sa.Column("full_name", sa.String(length=500), nullable=False),
        sa.Column("short_name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=False),
        sa.Column("region_name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("ogrn", name=op.f("uq_organizations_ogrn")),
        sa.UniqueConstraint("oid", name=op.f("uq_organizations_oid")),
    )
    op.create_table(
        "employments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("chief", sa.Boolean(), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_employments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_employments_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employments")),
        sa.UniqueConstraint(
            "account_id", "organization_id", name=op.f("uq_employments_account_id_organization_id")
        ),
    )
    with op.batch_alter_table("employments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employments_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_employments_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "person_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload_encrypted", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_person_records_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_records")),
    )
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_records_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_records_account_id"))

    op.drop_table("person_records")
    with op.batch_alter_table("employments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employments_organization_id"))
        batch_op.drop_index(batch_op.f("ix_employments_account_id"))

    op.drop_table("employments")
    op.drop_table("organizations")
