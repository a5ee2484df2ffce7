"""delivery state, attempts and dev outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 22:15:16.976464
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dev_outbox_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=512), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dev_outbox_entries")),
    )
    with op.batch_alter_table("dev_outbox_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dev_outbox_entries_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_dev_outbox_entries_message_id"), ["message_id"], unique=False)

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_delivery_attempts_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_attempts_message_id"), ["message_id"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("params_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("params_purged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("channel_index", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("channel_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("delivered_channel", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))

    # Rows accepted by the first schema were never delivered (no dispatcher existed) and hold the
    # recipient and parameters in clear. A migration has no data key to seal them with, so they are
    # dead-lettered and their plaintext dropped rather than carried into the new schema.
    op.execute(
        sa.text(
            "UPDATE messages SET updated_at = created_at, status = 'dead', "
            "last_error = 'accepted before delivery existed (migration 0002); "
            "recipient and parameters dropped', "
            "params_purged_at = created_at"
        )
    )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("channel_index", server_default=None, existing_type=sa.Integer())
        batch_op.alter_column("channel_attempts", server_default=None, existing_type=sa.Integer())
        batch_op.alter_column("attempts", server_default=None, existing_type=sa.Integer())
        batch_op.create_index(
            "ix_messages_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_messages_sender_idempotency_key"), ["sender", "idempotency_key"]
        )
        batch_op.drop_column("recipient")
        batch_op.drop_column("params")


def downgrade() -> None:
    # Sealed recipients and parameters cannot be turned back into the old plaintext columns
    # without the data key: the old columns come back empty.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("recipient", sa.JSON(), nullable=True))
    op.execute(sa.text("UPDATE messages SET params = '{}', recipient = '{}'"))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("params", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("recipient", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_messages_sender_idempotency_key"), type_="unique")
        batch_op.drop_index("ix_messages_status_next_attempt_at")
        for column in (
            "updated_at",
            "last_error",
            "delivered_at",
            "delivered_channel",
            "claim_token",
            "claimed_until",
            "next_attempt_at",
            "attempts",
            "channel_attempts",
            "channel_index",
            "expires_at",
            "request_digest",
            "idempotency_key",
            "params_purged_at",
            "params_sealed",
            "recipient_sealed",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempts_message_id"))

    op.drop_table("delivery_attempts")
    with op.batch_alter_table("dev_outbox_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dev_outbox_entries_message_id"))
        batch_op.drop_index(batch_op.f("ix_dev_outbox_entries_address"))

    op.drop_table("dev_outbox_entries")
