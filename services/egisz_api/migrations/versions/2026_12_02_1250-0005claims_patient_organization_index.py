"""index the Patients' managing organisation (search parameters ``organization`` and
``organization-identifier``): the organisation restriction of integrator systems runs on them
(helper claims). No schema change: a backfill of the index rows of the Patients already stored.

Revision ID: 0005claims_org
Revises: 0005stepup
Create Date: 2026-12-02 12:50:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005claims_org"
down_revision: str | None = "0005stepup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARAMS = ("organization", "organization-identifier")
_references = sa.table(
    "fhir_reference_index",
    sa.column("resource_pk", sa.Integer),
    sa.column("resource_type", sa.String),
    sa.column("param", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.String),
)
_tokens = sa.table(
    "fhir_token_index",
    sa.column("resource_pk", sa.Integer),
    sa.column("resource_type", sa.String),
    sa.column("param", sa.String),
    sa.column("system", sa.String),
    sa.column("code", sa.String),
)


def upgrade() -> None:
    # the index rows exactly as a write makes them (records.parameters.extract of today's Patient)
    from egisz_api.records.parameters import DEFINITIONS, extract

    bind = op.get_bind()
    resources = sa.table(
        "fhir_resources",
        sa.column("pk", sa.Integer),
        sa.column("resource_type", sa.String),
        sa.column("deleted", sa.Boolean),
        sa.column("content", sa.LargeBinary),
    )
    rows = bind.execute(
        sa.select(resources.c.pk, resources.c.content).where(resources.c.resource_type == "Patient")
    )
    references, tokens = [], []
    for pk, content in rows:
        extracted = extract(DEFINITIONS["Patient"], json.loads(content))
        references += [
            {"resource_pk": pk, "resource_type": "Patient", "param": p, "target_type": t, "target_id": i}
            for p, t, i in extracted.references
            if p in PARAMS
        ]
        tokens += [
            {"resource_pk": pk, "resource_type": "Patient", "param": p, "system": s, "code": c}
            for p, s, c in extracted.tokens
            if p in PARAMS
        ]
    if references:
        bind.execute(sa.insert(_references), references)
    if tokens:
        bind.execute(sa.insert(_tokens), tokens)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (_references, _tokens):
        bind.execute(sa.delete(table).where(table.c.resource_type == "Patient", table.c.param.in_(PARAMS)))
