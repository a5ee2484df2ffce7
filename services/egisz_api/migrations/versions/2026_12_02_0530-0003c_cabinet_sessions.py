"""cabinet sessions, pending logins and seen back-channel logout tokens

Revision ID: 0003c
Revises: 0002
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003c"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cabinet_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("oid", sa.String(length=64), nullable=False),
        sa.Column("idp_sid", sa.String(length=128), nullable=True),
        sa.Column("patient_id", sa.String(length=64), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("person_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_cabinet_sessions")),
    )
    with op.batch_alter_table("cabinet_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_cabinet_sessions_oid", ["oid"], unique=False)
        batch_op.create_index("ix_cabinet_sessions_idp_sid", ["idp_sid"], unique=False)
        batch_op.create_index("ix_cabinet_sessions_expires_at", ["expires_at"], unique=False)
    op.create_table(
        "cabinet_logins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("binding_hash", sa.String(length=64), nullable=False),
        sa.Column("return_to", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_cabinet_logins")),
    )
    with op.batch_alter_table("cabinet_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cabinet_logins_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "cabinet_logout_tokens",
        sa.Column("jti", sa.String(length=256), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_cabinet_logout_tokens")),
    )
    with op.batch_alter_table("cabinet_logout_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cabinet_logout_tokens_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cabinet_logout_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cabinet_logout_tokens_expires_at"))
    op.drop_table("cabinet_logout_tokens")
    with op.batch_alter_table("cabinet_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cabinet_logins_expires_at"))
    op.drop_table("cabinet_logins")
    with op.batch_alter_table("cabinet_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_cabinet_sessions_expires_at")
        batch_op.drop_index("ix_cabinet_sessions_idp_sid")
        batch_op.drop_index("ix_cabinet_sessions_oid")
    op.drop_table("cabinet_sessions")
