"""Migration ``0005claims_org`` indexes the managing organisation of the Patients stored before the
search parameters ``organization``/``organization-identifier`` existed (the organisation restriction
of integrator systems runs on them: a Patient left unindexed would be unreachable for its own
organisation's system). Downgrade removes exactly those rows."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import create_engine, text

from shared import migrations
from tests.conftest import MIGRATIONS

BEFORE = "0004b"
PATIENT = {
    "resourceType": "Patient",
    "id": "old-patient",
    "managingOrganization": {
        "reference": "Organization/mo-a",
        "identifier": {"system": "urn:oid:1.2.643.100.1", "value": "1027700999017"},
    },
}


def _index_rows(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        refs = conn.execute(
            text(
                "SELECT param, target_type || '/' || target_id FROM fhir_reference_index "
                "WHERE resource_pk = 1"
            )
        ).all()
        tokens = conn.execute(
            text("SELECT param, system || '|' || code FROM fhir_token_index WHERE resource_pk = 1")
        ).all()
    engine.dispose()
    return sorted([(str(p), str(v)) for p, v in [*refs, *tokens]])


def test_patients_stored_before_are_indexed_by_their_managing_organisation(
    make_db: Callable[..., str],
) -> None:
    url = make_db("egisz_api", migrate=False)
    migrations.upgrade(MIGRATIONS["egisz_api"], url, BEFORE)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO fhir_resources (pk, resource_type, resource_id, version_id, last_updated, "
                "sort_date, patient_id, deleted, content) VALUES (1, 'Patient', 'old-patient', 1, "
                ":now, :now, 'old-patient', false, :content)"
            ),
            {"now": "2026-01-01 00:00:00", "content": json.dumps(PATIENT).encode()},
        )
    engine.dispose()
    assert _index_rows(url) == []
    migrations.upgrade(MIGRATIONS["egisz_api"], url)
    assert _index_rows(url) == [
        ("organization", "Organization/mo-a"),
        ("organization-identifier", "urn:oid:1.2.643.100.1|1027700999017"),
    ]
    migrations.downgrade(MIGRATIONS["egisz_api"], url, BEFORE)
    assert _index_rows(url) == []
