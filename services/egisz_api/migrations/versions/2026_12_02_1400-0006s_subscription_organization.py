"""a Subscription remembers its subscriber's organisation (a bound integrator is notified only while
the patient is that organisation's; docs/fhir.md «Subscriptions»).

Revision ID: 0006s
Revises: 0005claims_org
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006s"
down_revision: str | None = "0005claims_org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fhir_subscriptions") as batch:
        batch.add_column(sa.Column("organization", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fhir_subscriptions") as batch:
        batch.drop_column("organization")
