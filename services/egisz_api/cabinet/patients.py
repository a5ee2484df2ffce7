"""Who the person is in EGISZ's records: the FHIR Patient with their SNILS (identifier system
``urn:oid:1.2.643.2.69.1.1.1.6.223``, docs/fhir.md), through the records service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from egisz_api.records import service as records
from egisz_api.records.parameters import SNILS_SYSTEM


def patient_by_snils(db: Session, snils: str | None) -> str | None:
    """The Patient id, or None when no record (or more than one: never guess between people)."""
    if not snils:
        return None
    found = records.patient_ids_with_identifier(db, SNILS_SYSTEM, snils)
    return found[0] if len(found) == 1 else None
