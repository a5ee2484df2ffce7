"""terminology: code systems, concepts, value sets and their members, seeded from the catalog

Revision ID: 0004t
Revises: 0003r
Create Date: 2026-12-02 09:00:00

The rows come from ``egisz_api/terminology/data/*.json`` (``terminology.catalog``): the tables are
reference data every deployment needs (writes are checked against them), so the migration loads
them, not the dev seed. A later change of the catalog ships as a new migration that reloads it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from egisz_api.terminology.catalog import catalog_rows

revision: str = "0004t"
down_revision: str | None = "0003r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    code_systems = op.create_table(
        "terminology_code_systems",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=256), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_terminology_code_systems")),
        sa.UniqueConstraint("resource_id", name=op.f("uq_terminology_code_systems_resource_id")),
        sa.UniqueConstraint("url", name=op.f("uq_terminology_code_systems_url")),
    )
    aliases = op.create_table(
        "terminology_system_aliases",
        sa.Column("alias", sa.String(length=256), nullable=False),
        sa.Column("url", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_terminology_system_aliases")),
    )
    concepts = op.create_table(
        "terminology_concepts",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system", sa.String(length=256), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("display", sa.String(length=512), nullable=False),
        sa.Column("display_en", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_terminology_concepts")),
        sa.UniqueConstraint("system", "code", name=op.f("uq_terminology_concepts_system_code")),
    )
    value_sets = op.create_table(
        "terminology_value_sets",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=256), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_terminology_value_sets")),
        sa.UniqueConstraint("resource_id", name=op.f("uq_terminology_value_sets_resource_id")),
        sa.UniqueConstraint("url", name=op.f("uq_terminology_value_sets_url")),
    )
    members = op.create_table(
        "terminology_value_set_members",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("value_set_url", sa.String(length=256), nullable=False),
        sa.Column("system", sa.String(length=256), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_terminology_value_set_members")),
        sa.UniqueConstraint(
            "value_set_url",
            "system",
            "code",
            name=op.f("uq_terminology_value_set_members_value_set_url_system_code"),
        ),
    )
    rows = catalog_rows()
    for table in (code_systems, aliases, concepts, value_sets, members):
        op.bulk_insert(table, rows[table.name])


def downgrade() -> None:
    for name in (
        "terminology_value_set_members",
        "terminology_value_sets",
        "terminology_concepts",
        "terminology_system_aliases",
        "terminology_code_systems",
    ):
        op.drop_table(name)
