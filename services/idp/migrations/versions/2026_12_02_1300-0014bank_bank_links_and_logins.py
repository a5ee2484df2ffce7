"""bank ID brokering: bank_links (account ↔ bank subject), bank_logins (trips to a bank), bank_providers

Revision ID: 0014bank
Revises: 0014push
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014bank"
down_revision: str | None = "0014push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("linked_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_bank_links_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bank_links"),
        sa.UniqueConstraint("account_id", "bank", name="uq_bank_links_account_id_bank"),
        sa.UniqueConstraint("bank", "subject", name="uq_bank_links_bank_subject"),
    )
    with op.batch_alter_table("bank_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_links_account_id"), ["account_id"], unique=False)
    op.create_table(
        "bank_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("browser", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("interaction_handle", sa.String(length=64), nullable=True),
        sa.Column("next_path", sa.String(length=300), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("identity_encrypted", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_bank_logins_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bank_logins"),
        sa.UniqueConstraint("state", name="uq_bank_logins_state"),
    )
    with op.batch_alter_table("bank_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_logins_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "bank_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=32), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bank_providers"),
        sa.UniqueConstraint("bank", name="uq_bank_providers_bank"),
    )


def downgrade() -> None:
    op.drop_table("bank_providers")
    with op.batch_alter_table("bank_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_logins_expires_at"))
    op.drop_table("bank_logins")
    with op.batch_alter_table("bank_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_links_account_id"))
    op.drop_table("bank_links")
