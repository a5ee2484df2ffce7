"""A patient's copy of their whole record (R-EGZ-5; seed 001 §4.1 «запросить копию всех своих
записей»): a FHIR Bundle (collection) and a readable PDF.

Both page through the records feature (``compartment_page``, keyset by pk, :data:`PAGE` rows a
read), each page in a short read-only session of its own, so memory stays bounded whatever the
size of the record. Each export is one AuditEvent in the patient's trail (the patient's own
access, purpose PATRQT), recorded before the first byte is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from egisz_api.audit.balp import AccessRecord, Outcome
from egisz_api.exports import bundle
from egisz_api.exports.errors import NoRecordError
from egisz_api.exports.formatting import SECTIONS, fhir_date, identifier, line, person_name
from egisz_api.exports.pdf import PdfExtract
from egisz_api.exports.texts import text
from egisz_api.records import service as records
from egisz_api.records.dates import instant_text
from egisz_api.records.parameters import DEFINITIONS, OMS_SYSTEM, SNILS_SYSTEM
from egisz_api.records.schemas import StoredResource
from shared.db import read_only
from shared.web.formatting import format_datetime, format_snils

PAGE = 200
Factory = sessionmaker[Session]
AuditTrail = Callable[[AccessRecord], None]


def _pages(factory: Factory, patient_id: str, types: list[str]) -> Iterator[list[StoredResource]]:
    allowed = dict.fromkeys(types)
    after: int | None = None
    while True:
        with factory() as session, read_only(session):
            page = records.compartment_page(session, patient_id, allowed, after_pk=after, count=PAGE)
        if not page:
            return
        yield page
        if len(page) < PAGE:
            return
        after = page[-1].pk


def _patient(factory: Factory, patient_id: str) -> StoredResource:
    with factory() as session, read_only(session):
        found = records.find(session, "Patient", patient_id)
    if found is None:
        raise NoRecordError("The patient record of this person was not found.")
    return found


def _audit(trail: AuditTrail, subject: str, patient_id: str, what: str, now: dt.datetime) -> None:
    trail(
        AccessRecord(
            interaction="operation",
            recorded=now,
            outcome=Outcome.SUCCESS,
            subject=subject,
            client_id="egisz-cabinet",
            resource_type="Patient",
            resource_id=patient_id,
            patient_id=patient_id,
            query=f"export={what}",
            purpose_of_use=("PATRQT",),
        )
    )


def bundle_export(
    factory: Factory, patient_id: str, *, base: str, subject: str, trail: AuditTrail, now: dt.datetime
) -> Iterator[bytes]:
    """The Bundle's bytes as an iterator (for a streamed download). Checks the record and writes
    the AuditEvent now; the pages are read as the iterator is consumed."""
    _patient(factory, patient_id)
    _audit(trail, subject, patient_id, "bundle", now)
    return bundle.chunks(
        base, str(uuid.uuid4()), instant_text(now), _pages(factory, patient_id, sorted(DEFINITIONS))
    )


def pdf_export(
    factory: Factory,
    patient_id: str,
    *,
    locale: str,
    font_dir: Path,
    subject: str,
    trail: AuditTrail,
    now: dt.datetime,
) -> bytes:
    """The readable extract: the person, then one section per kind of record, oldest first."""
    patient = json.loads(_patient(factory, patient_id).content)
    document = PdfExtract(font_dir, locale)
    facts = [(text("export_pdf_birth_date", locale), _birth(patient))]
    snils = identifier(patient, SNILS_SYSTEM)
    if snils:
        facts.append((text("export_pdf_snils", locale), format_snils(snils)))
    oms = identifier(patient, OMS_SYSTEM)
    if oms:
        facts.append((text("export_pdf_oms", locale), oms))
    document.header(person_name(patient), facts, format_datetime(now))
    _audit(trail, subject, patient_id, "pdf", now)
    for kind in SECTIONS:
        document.section(kind)
        items = [
            line(json.loads(r.content), locale) for page in _pages(factory, patient_id, [kind]) for r in page
        ]
        # oldest first; a line without a date last
        for item in sorted(items, key=lambda i: (not i.date, _sortable(i.date))):
            document.line(item)
    return document.finish()


def _sortable(date: str) -> str:
    parts = date.split(".")
    return "".join(reversed(parts)) if len(parts) == 3 else date


def _birth(patient: dict[str, object]) -> str:
    return fhir_date(patient.get("birthDate"))
