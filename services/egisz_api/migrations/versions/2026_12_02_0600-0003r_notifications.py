"""notifications: patients' event x channel choices, the notice outbox, access-notice marks

Revision ID: 0003r
Revises: 0003a
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003r"
down_revision: str | None = "0003a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("choices", sa.String(length=512), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_outbox_idempotency_key")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_outbox_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_outbox_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notification_outbox_next_attempt_at"), ["next_attempt_at"], unique=False
        )
    op.create_table(
        "notification_access_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("accessor", sa.String(length=256), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_access_marks")),
        sa.UniqueConstraint(
            "patient_id", "accessor", "day", name=op.f("uq_notification_access_marks_patient_id_accessor_day")
        ),
    )
    op.create_table(
        "notification_cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notification_cursors")),
    )


def downgrade() -> None:
    op.drop_table("notification_cursors")
    op.drop_table("notification_access_marks")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_notification_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_notification_outbox_patient_id"))
    op.drop_table("notification_outbox")
    op.drop_table("notification_preferences")
