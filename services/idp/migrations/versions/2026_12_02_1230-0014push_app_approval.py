"""app_devices and app_approvals: confirmation of a login in the app (issue 15 item 1)

Revision ID: 0014push
Revises: 0013w
Create Date: 2026-12-02 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014push"
down_revision: str | None = "0013w"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("push_token", sa.String(length=64), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("dev_credential_sealed", sa.String(length=400), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_app_devices_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_devices")),
        sa.UniqueConstraint("credential_hash", name=op.f("uq_app_devices_credential_hash")),
        sa.UniqueConstraint("push_token", name=op.f("uq_app_devices_push_token")),
    )
    op.create_index(op.f("ix_app_devices_account_id"), "app_devices", ["account_id"], unique=False)
    op.create_table(
        "app_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("pending_handle", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("choices", sa.String(length=16), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("browser", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'denied', 'used')", name=op.f("ck_app_approvals_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_app_approvals_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_approvals")),
        sa.UniqueConstraint("handle", name=op.f("uq_app_approvals_handle")),
    )
    op.create_index(op.f("ix_app_approvals_account_id"), "app_approvals", ["account_id"], unique=False)
    op.create_index(op.f("ix_app_approvals_expires_at"), "app_approvals", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_app_approvals_expires_at"), table_name="app_approvals")
    op.drop_index(op.f("ix_app_approvals_account_id"), table_name="app_approvals")
    op.drop_table("app_approvals")
    op.drop_index(op.f("ix_app_devices_account_id"), table_name="app_devices")
    op.drop_table("app_devices")
