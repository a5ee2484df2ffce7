"""cert_thumbprint on sessions, codes and refresh tokens: the certificate of a signature login,
named as ``cnf`` ``x5t#S256`` in the tokens issued from it (helper claims)

Revision ID: 0014claims_cnf
Revises: 0014passkeys
Create Date: 2026-12-02 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014claims_cnf"
down_revision: str | None = "0014passkeys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user_sessions", "authorization_codes", "refresh_tokens")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("cert_thumbprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("cert_thumbprint")
