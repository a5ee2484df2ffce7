"""Storing and finding FHIR resources: validated writes with versions and index rows, reads of
the stored bytes, and searches compiled to SQL over the index tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.records import repository
from egisz_api.records.dates import instant_text
from egisz_api.records.errors import (
    InvalidResourceError,
    PreconditionFailedError,
    ResourceNotFoundError,
    VersionConflictError,
)
from egisz_api.records.parameters import DEFINITIONS, extract, normalise_identifier
from egisz_api.records.schemas import (
    Criteria,
    Cursor,
    MeasureCount,
    OrganizationRule,
    StoredResource,
    TokenCondition,
)
from egisz_api.records.validation import ID_PATTERN, parse_body, validate
from egisz_api.terminology import service as terminology

Clock = Callable[[], dt.datetime]


def _prepare(
    resource_type: str, body: bytes | dict[str, Any], resource_id: str, version_id: int, now: dt.datetime
) -> tuple[bytes, dict[str, Any]]:
    data = parse_body(body, resource_type) if isinstance(body, bytes) else dict(body)
    meta = dict(data.get("meta") or {}) if isinstance(data.get("meta", {}), dict) else {}
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = instant_text(now)
    data["id"] = resource_id
    data["meta"] = meta
    canonical = validate(data)
    return canonical.encode(), json.loads(canonical)


def create(
    session: Session,
    resource_type: str,
    body: bytes | dict[str, Any],
    *,
    clock: Clock,
    resource_id: str | None = None,
) -> StoredResource:
    """A new resource at version 1 (the server assigns the id unless an update creates it)."""
    now = clock()
    rid = resource_id or str(uuid.uuid4())
    content, data = _prepare(resource_type, body, rid, 1, now)
    terminology.check_bindings(session, data)  # codes within their value sets (422 code-invalid)
    extracted = extract(DEFINITIONS[resource_type], data)
    pk = repository.add_resource(
        session,
        {
            "resource_type": resource_type,
            "resource_id": rid,
            "version_id": 1,
            "last_updated": now,
            "sort_date": extracted.sort_date or now,
            "patient_id": extracted.patient_id,
            "deleted": False,
            "content": content,
        },
    )
    repository.add_version(
        session,
        {"resource_pk": pk, "version_id": 1, "last_updated": now, "method": "create", "content": content},
    )
    repository.add_index(session, pk, resource_type, extracted)
    return StoredResource(pk, resource_type, rid, 1, now, extracted.patient_id, content, method="create")


def body_of(resource_type: str, body: bytes) -> dict[str, Any]:
    """The parsed resource of a write (400 unless JSON of that type): what an authorization rule
    that looks at the new content (its patient) reads before the write."""
    return parse_body(body, resource_type)


def patient_of(resource_type: str, data: dict[str, Any]) -> str | None:
    return extract(DEFINITIONS[resource_type], data).patient_id


def update(
    session: Session,
    resource_type: str,
    resource_id: str,
    data: dict[str, Any],
    *,
    clock: Clock,
    if_match: int | None,
) -> StoredResource:
    """The next version of a resource (R4 §3.1.0.4); a PUT to an unknown id creates it."""
    if not ID_PATTERN.match(resource_id):
        raise InvalidResourceError("The id in the URL is not a FHIR id ([A-Za-z0-9-.]{1,64}).")
    body_id = data.get("id")
    if body_id != resource_id:
        raise InvalidResourceError(f"The body's id {body_id!r} does not match the URL's id {resource_id!r}.")
    located = repository.locate(session, resource_type, resource_id)
    if located is None:
        if if_match is not None:
            raise PreconditionFailedError(f"{resource_type}/{resource_id} does not exist.")
        return create(session, resource_type, data, clock=clock, resource_id=resource_id)
    pk, current_version = located
    if if_match is not None and if_match != current_version:
        raise PreconditionFailedError(
            f"If-Match names version {if_match}; the current version is {current_version}."
        )
    meta = data.get("meta")
    claimed = meta.get("versionId") if isinstance(meta, dict) else None
    if claimed is not None and str(claimed) != str(current_version):
        raise VersionConflictError(
            f"The body is based on version {claimed}; the current version is {current_version}."
        )
    now = clock()
    new_version = current_version + 1
    content, canonical = _prepare(resource_type, data, resource_id, new_version, now)
    terminology.check_bindings(session, canonical)  # codes within their value sets (422 code-invalid)
    extracted = extract(DEFINITIONS[resource_type], canonical)
    written = repository.replace_current(
        session,
        pk,
        current_version,
        {
            "version_id": new_version,
            "last_updated": now,
            "sort_date": extracted.sort_date or now,
            "patient_id": extracted.patient_id,
            "deleted": False,
            "content": content,
        },
    )
    if not written:
        raise VersionConflictError("Another update was written at the same time; read and retry.")
    repository.add_version(
        session,
        {
            "resource_pk": pk,
            "version_id": new_version,
            "last_updated": now,
            "method": "update",
            "content": content,
        },
    )
    repository.replace_index(session, pk, resource_type, extracted)
    return StoredResource(pk, resource_type, resource_id, new_version, now, extracted.patient_id, content)


def read(session: Session, resource_type: str, resource_id: str) -> StoredResource:
    found = repository.current(session, resource_type, resource_id)
    if found is None:
        raise ResourceNotFoundError(f"{resource_type}/{resource_id} is not known.")
    return found


def vread(session: Session, current: StoredResource, version_id: int) -> StoredResource:
    found = repository.version(session, current.pk, version_id)
    if found is None:
        raise ResourceNotFoundError(
            f"{current.resource_type}/{current.resource_id} has no version {version_id}."
        )
    content, last_updated = found
    return StoredResource(
        current.pk,
        current.resource_type,
        current.resource_id,
        version_id,
        last_updated,
        current.patient_id,
        content,
    )


def history(
    session: Session, current: StoredResource, *, before: int | None, count: int
) -> list[StoredResource]:
    rows = repository.versions(session, current.pk, before=before, limit=count)
    return [
        StoredResource(
            current.pk,
            current.resource_type,
            current.resource_id,
            r.version_id,
            r.last_updated,
            current.patient_id,
            r.content,
            method=r.method,
        )
        for r in rows
    ]


def search(session: Session, criteria: Criteria) -> list[StoredResource]:
    return repository.search(session, criteria)


def count(session: Session, criteria: Criteria) -> int:
    return repository.count(session, criteria)


def search_counted(session: Session, criteria: Criteria) -> tuple[list[StoredResource], int]:
    """One page and the number of all matches, in one statement."""
    rows, total = repository.search_counted(session, criteria)
    assert total is not None
    return rows, total


def satisfies(session: Session, resource: StoredResource, restrictions: list[list[TokenCondition]]) -> bool:
    """Whether a resource meets one of the granular restrictions (``?category=...`` scopes)."""
    return repository.satisfies(session, resource.pk, resource.resource_type, restrictions)


def included(
    session: Session,
    matches: Sequence[StoredResource],
    param: str,
    *,
    compartment: str | None,
    restrictions: dict[str, list[list[TokenCondition]] | None],
    organization: OrganizationRule | None = None,
) -> list[StoredResource]:
    """Targets of ``param`` from the matched resources (``_include``), limited to the types in
    ``restrictions`` (what the caller may read), to the compartment and to the organisation's
    patients (in the same statement)."""
    targets = repository.reference_targets(session, (m.pk for m in matches), param)
    found: list[StoredResource] = []
    for target_type in dict.fromkeys(t for t, _ in targets):
        if target_type not in restrictions or target_type not in DEFINITIONS:
            continue
        ids = list(dict.fromkeys(i for t, i in targets if t == target_type))
        found.extend(
            repository.by_ids(
                session,
                target_type,
                ids,
                compartment=compartment,
                restrictions=restrictions[target_type],
                organization=organization,
            )
        )
    return found


def patient_in_organization(session: Session, patient_id: str, rule: OrganizationRule) -> bool:
    """Whether the Patient is attached to the rule's organisation (one indexed query)."""
    return repository.patient_in_organization(session, patient_id, rule)


def patient_ids_with_identifier(session: Session, system: str, value: str) -> list[str]:
    system, value = normalise_identifier(system, value)
    return repository.patients_with_identifier(session, system, value)


def compartment_page(
    session: Session,
    patient_id: str,
    allowed: dict[str, list[list[TokenCondition]] | None],
    *,
    after_pk: int | None,
    count: int,
) -> list[StoredResource]:
    return repository.compartment_page(session, patient_id, allowed, after_pk=after_pk, limit=count)


def find(session: Session, resource_type: str, resource_id: str) -> StoredResource | None:
    return repository.current(session, resource_type, resource_id)


def timeline(
    session: Session,
    patient_id: str,
    types: Sequence[str],
    *,
    hide_reported_results: bool,
    after: Cursor | None,
    count: int,
) -> list[StoredResource]:
    """The patient's record across ``types``, newest first (the cabinet's timeline); each result
    carries its ``sort_value`` for the next page's :class:`Cursor`."""
    return repository.timeline(
        session,
        patient_id,
        types,
        hide_reported_results=hide_reported_results,
        after=(after.sort_value, after.pk) if after is not None else None,
        limit=count,
    )


def in_compartment(
    session: Session, resource_type: str, ids: Sequence[str], patient_id: str
) -> list[StoredResource]:
    """The resources of ``ids`` that belong to the patient (others are silently absent)."""
    return repository.by_ids(session, resource_type, ids, compartment=patient_id, restrictions=None)


def latest_with_token(
    session: Session, resource_type: str, patient_id: str, param: str, system: str, code: str
) -> bytes | None:
    """The stored bytes of the patient's most recently written ``resource_type`` carrying the token
    ``param=system|code`` (one indexed query with a cached statement: the consent gate's lookup)."""
    return repository.latest_with_token(session, resource_type, patient_id, param, system, code)


def measure_counts(
    session: Session,
    measure: str,
    start: dt.date,
    end: dt.date,
    period: str,
    regions: Sequence[str] | None = None,
) -> list[MeasureCount]:
    """Aggregates of one measure (records/measures.py) per region, period and stratum: SQL over
    the measure index, never a resource loaded (R-EGZ-4). ``regions`` None: every region."""
    return repository.measure_counts(session, measure, start, end, period, regions)


def lock_condition(session: Session, resource_type: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Serialise the writers of one conditional create (``If-None-Exist``) until this transaction
    ends. SQLite: the request session's transaction already holds the write lock (``BEGIN
    IMMEDIATE``); PostgreSQL: a transaction-scoped advisory lock keyed by the condition."""
    text = resource_type + "?" + "&".join(f"{k}={v}" for k, v in pairs)
    key = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)
    repository.lock_key(session, key)
