"""records: fhir_measure_index, what each resource counts for in the authorities' reports

Revision ID: 0004m
Revises: 0004k
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004m"
down_revision: str | None = "0004k"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fhir_measure_index",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource_pk", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("stratum", sa.String(length=16), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_pk"],
            ["fhir_resources.pk"],
            name=op.f("fk_fhir_measure_index_resource_pk_fhir_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_measure_index")),
    )
    with op.batch_alter_table("fhir_measure_index", schema=None) as batch_op:
        batch_op.create_index("ix_fhir_measure_index_lookup", ["measure", "day", "region"], unique=False)
        batch_op.create_index(batch_op.f("ix_fhir_measure_index_resource_pk"), ["resource_pk"], unique=True)
    _backfill()


def _backfill() -> None:
    """Index the Observations and Immunizations written before this revision (the same extraction
    the writes run from now on)."""
    import json

    from egisz_api.records.measures import fact_of

    bind = op.get_bind()
    resources = sa.table(
        "fhir_resources",
        sa.column("pk", sa.Integer),
        sa.column("resource_type", sa.String),
        sa.column("content", sa.LargeBinary),
    )
    index = sa.table(
        "fhir_measure_index",
        sa.column("resource_pk", sa.Integer),
        sa.column("measure", sa.String),
        sa.column("stratum", sa.String),
        sa.column("positive", sa.Boolean),
        sa.column("region", sa.String),
        sa.column("day", sa.Date),
        sa.column("week", sa.Date),
        sa.column("month", sa.Date),
    )
    rows = bind.execute(
        sa.select(resources.c.pk, resources.c.content).where(
            resources.c.resource_type.in_(["Observation", "Immunization"])
        )
    )
    facts = []
    for pk, content in rows:
        fact = fact_of(json.loads(content))
        if fact is not None:
            facts.append(
                {
                    "resource_pk": pk,
                    "measure": fact.measure,
                    "stratum": fact.stratum,
                    "positive": fact.positive,
                    "region": fact.region,
                    "day": fact.day,
                    "week": fact.week,
                    "month": fact.month,
                }
            )
    if facts:
        bind.execute(sa.insert(index), facts)


def downgrade() -> None:
    with op.batch_alter_table("fhir_measure_index", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fhir_measure_index_resource_pk"))
        batch_op.drop_index("ix_fhir_measure_index_lookup")
    op.drop_table("fhir_measure_index")
