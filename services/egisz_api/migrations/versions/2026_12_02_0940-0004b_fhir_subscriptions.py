"""fhir subscriptions and their notification outbox

Revision ID: 0004b
Revises: 0004w
Create Date: 2026-12-02 09:15:26.888588
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004b"
down_revision: str | None = "0004w"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fhir_subscriptions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("criteria", sa.String(length=1024), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_fhir_subscriptions")),
        sa.UniqueConstraint("resource_id", name=op.f("uq_fhir_subscriptions_resource_id")),
    )
    with op.batch_alter_table("fhir_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fhir_subscriptions_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fhir_subscriptions_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fhir_subscriptions_status"), ["status"], unique=False)

    op.create_table(
        "fhir_subscription_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_pk", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_pk"],
            ["fhir_subscriptions.pk"],
            name=op.f("fk_fhir_subscription_outbox_subscription_pk_fhir_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_subscription_outbox")),
    )
    with op.batch_alter_table("fhir_subscription_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fhir_subscription_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fhir_subscription_outbox_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fhir_subscription_outbox_subscription_pk"), ["subscription_pk"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fhir_subscription_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_subscription_outbox_subscription_pk"))
        batch_op.drop_index(batch_op.f("ix_fhir_subscription_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_fhir_subscription_outbox_next_attempt_at"))

    op.drop_table("fhir_subscription_outbox")
    with op.batch_alter_table("fhir_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_subscriptions_status"))
        batch_op.drop_index(batch_op.f("ix_fhir_subscriptions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_fhir_subscriptions_client_id"))

    op.drop_table("fhir_subscriptions")
