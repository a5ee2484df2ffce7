"""pki login challenges (login by signature)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pki_login_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("browser_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pki_login_challenges")),
        sa.UniqueConstraint("handle", name=op.f("uq_pki_login_challenges_handle")),
    )
    with op.batch_alter_table("pki_login_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pki_login_challenges_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pki_login_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pki_login_challenges_expires_at"))
    op.drop_table("pki_login_challenges")
