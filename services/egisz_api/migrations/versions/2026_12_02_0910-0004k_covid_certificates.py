"""covid: issued vaccination certificates and the Immunizations each certifies

Revision ID: 0004k
Revises: 0004t
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004k"
down_revision: str | None = "0004t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "covid_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_covid_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_covid_certificates_number")),
    )
    with op.batch_alter_table("covid_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_covid_certificates_patient_id"), ["patient_id"], unique=False)
    op.create_table(
        "covid_certificate_doses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("immunization_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["covid_certificates.id"],
            name=op.f("fk_covid_certificate_doses_certificate_id_covid_certificates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_covid_certificate_doses")),
    )
    with op.batch_alter_table("covid_certificate_doses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_covid_certificate_doses_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_covid_certificate_doses_immunization_id"), ["immunization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("covid_certificate_doses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_covid_certificate_doses_immunization_id"))
        batch_op.drop_index(batch_op.f("ix_covid_certificate_doses_certificate_id"))
    op.drop_table("covid_certificate_doses")
    with op.batch_alter_table("covid_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_covid_certificates_patient_id"))
    op.drop_table("covid_certificates")
