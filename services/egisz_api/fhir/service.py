"""The FHIR interactions: authorize (access), do (records), audit (the sink), answer bytes.

Every interaction runs the §5 (A) order: the verified token's caller → scope → role → compartment
(a resource outside the caller's compartment is *not found*, §5 (D)) → consent gate for
non-patient callers. Reads run in a read-only transaction (a WAL snapshot on SQLite that takes no
write lock); the access record is written after it. A refused or failed request's record is
committed on its own before the error propagates, so the request's rollback cannot lose it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.orm import Session

from egisz_api.access import service as access
from egisz_api.access.consent import ConsentGate
from egisz_api.access.errors import AccessDeniedError, ConsentWithdrawnError
from egisz_api.access.service import Caller, Grant
from egisz_api.data_requests import service as data_requests
from egisz_api.fhir import bundles
from egisz_api.fhir.auditing import AccessRecord, AuditSink
from egisz_api.fhir.bundle_work import BundleWork
from egisz_api.fhir.errors import (
    InvalidSearchError,
    MultipleMatchesError,
    UnknownTypeError,
    UnsupportedParameterError,
)
from egisz_api.fhir.query import decode_cursor, encode_cursor, parse_count, parse_search
from egisz_api.notifications import service as notifications
from egisz_api.records import service as records
from egisz_api.records.errors import PreconditionFailedError, ResourceNotFoundError
from egisz_api.records.parameters import DEFINITIONS
from egisz_api.records.schemas import Criteria, ReferenceCondition, StoredResource, TokenCondition
from egisz_api.signatures import rules as signature_rules
from egisz_api.signatures import service as signatures
from egisz_api.signatures.errors import NotDeletableError, OrganizationMismatchError, ServerWrittenError
from egisz_api.signatures.schemas import SignatureInfo
from egisz_api.subscriptions import service as subscriptions
from egisz_api.subscriptions.errors import InvalidSubscriptionError
from shared.db import end_transaction, read_only
from shared.errors import AppError

Clock = Callable[[], dt.datetime]
#: told of each resource a create or update wrote, in its transaction (``app.state.record_listeners``;
#: the covid feature revokes a certificate whose Immunization became entered-in-error)
RecordListener = Callable[[Session, StoredResource, dt.datetime], None]


@dataclass
class FhirContext:
    session: Session
    claims: Mapping[str, Any]
    audit: AuditSink
    gate: ConsentGate
    clock: Clock
    #: absolute base of the FHIR endpoint, e.g. ``https://egisz.example/fhir``
    base: str
    source_ip: str | None = None
    listeners: Sequence[RecordListener] = ()
    #: trust anchors, CRLs and the on/off switch of the signature rule for medical writes
    signatures: signatures.SignatureContext = field(default_factory=signatures.SignatureContext)
    #: the ``X-Provenance`` header of a write (a system's signed Provenance, JSON)
    provenance: str | None = None
    #: inside a transaction Bundle (fhir/transactions.py): a failing interaction leaves the
    #: rollback to the Bundle (every entry or none, R4 http.html#trules) and reads run in the
    #: Bundle's own transaction instead of a snapshot of their own
    atomic: bool = False
    #: the signature a transaction Bundle's signed Provenance gave its medical entries (verified by
    #: fhir/transactions.py before any entry runs); None outside a Bundle
    signed: SignatureInfo | None = None
    #: inside a transaction Bundle: what its entries share (one Provenance, checks once per patient)
    work: BundleWork | None = None


@dataclass
class _Note:
    caller: Caller | None = None
    patient: str | None = None


@dataclass(frozen=True)
class Written:
    resource: StoredResource
    created: bool


@dataclass
class Page:
    body: bytes
    resources: list[StoredResource] = field(default_factory=list)


def known_type(resource_type: str) -> None:
    if resource_type not in DEFINITIONS:
        raise UnknownTypeError(f"This server does not serve the resource type {resource_type!r}.")


def _outcome(exc: AppError) -> str:
    if isinstance(exc, ConsentWithdrawnError):
        return exc.code  # the patient's access log says why the caller was refused
    if exc.status_code in (401, 403):
        return "denied"
    if exc.status_code == 404:
        return "not_found"
    if exc.status_code in (409, 412):
        return "conflict"
    return "invalid"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _record(ctx: FhirContext, note: _Note, action: str, what: str, outcome: str) -> None:
    caller = note.caller
    ctx.audit.record(
        AccessRecord(
            who=caller.subject if caller else str(ctx.claims.get("sub", "")),
            client=caller.client_id if caller else None,
            action=action,
            what=what,
            patient=note.patient,
            outcome=outcome,
            purpose=caller.purpose if caller else "",
            source_ip=ctx.source_ip,
            fhir_user=_text(ctx.claims.get("fhirUser")),
            roles=tuple(sorted(caller.roles)) if caller else (),
            token_id=_text(ctx.claims.get("jti")),
        )
    )


@contextmanager
def _audited(ctx: FhirContext, action: str, what: str) -> Iterator[_Note]:
    note = _Note()
    try:
        yield note
    except AppError as exc:
        if ctx.atomic:  # the Bundle rolls back every entry and then releases the audit records
            _record(ctx, note, action, what, _outcome(exc))
            raise
        ctx.session.rollback()
        _record(ctx, note, action, what, _outcome(exc))
        end_transaction(ctx.session)
        raise
    _record(ctx, note, action, what, "granted")


def audited(ctx: FhirContext, action: str, what: str) -> AbstractContextManager[_Note]:
    """The audit frame of an interaction, for a feature's own FHIR operation (``$covid-certificate``):
    set ``caller`` and ``patient`` on the note; a refusal is recorded and re-raised."""
    return _audited(ctx, action, what)


def _written(ctx: FhirContext, stored: StoredResource) -> None:
    for listener in ctx.listeners:
        listener(ctx.session, stored, ctx.clock())


def _snapshot(ctx: FhirContext) -> AbstractContextManager[None]:
    """A read's own read-only transaction; inside a transaction Bundle, the Bundle's transaction
    (a snapshot would commit the entries written so far)."""
    return nullcontext() if ctx.atomic else read_only(ctx.session)


def _not_found(resource_type: str, resource_id: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"{resource_type}/{resource_id} is not known.")


def _check_visible(ctx: FhirContext, caller: Caller, grant: Grant, resource: StoredResource) -> None:
    """Compartment and granular scope hide (404, §5 (D)); a missing consent refuses (403)."""
    if grant.compartment is not None and resource.patient_id != grant.compartment:
        raise _not_found(resource.resource_type, resource.resource_id)
    if not _of_organization(ctx, caller, resource.patient_id):
        raise _not_found(resource.resource_type, resource.resource_id)
    if grant.restrictions is not None and not records.satisfies(ctx.session, resource, grant.restrictions):
        raise _not_found(resource.resource_type, resource.resource_id)
    if not caller.is_patient and data_requests.hidden_from_staff(resource):
        # restricted by a processed deletion request: only the patient reads it (docs/rights.md)
        raise _not_found(resource.resource_type, resource.resource_id)
    if not caller.is_patient and resource.patient_id is not None and not data_requests.is_request(resource):
        check_consent(ctx, caller, resource.patient_id)


def _of_organization(ctx: FhirContext, caller: Caller, patient_id: str | None) -> bool:
    """An integrator system bound to its organisation reaches only that organisation's patients
    (``access.organization_rule``); other patients' records are *not found* (§5 (D)): one indexed
    query, only for such a caller."""
    rule = caller.organization
    return (
        rule is None or patient_id is None or records.patient_in_organization(ctx.session, patient_id, rule)
    )


def check_consent(ctx: FhirContext, caller: Caller, patient_id: str) -> None:
    if not ctx.gate.allows(ctx.session, caller, patient_id):
        raise ConsentWithdrawnError(
            "Пациент отозвал согласие на обработку персональных данных: доступ к его записям "
            "приостановлен, пока он не даст согласие снова. (The patient's consent to the processing "
            "of personal data is withdrawn: access to their records is suspended until it is given "
            "again.)",
            realm=access.REALM,
        )


def read(ctx: FhirContext, resource_type: str, resource_id: str) -> StoredResource:
    known_type(resource_type)
    with _audited(ctx, "read", f"{resource_type}/{resource_id}") as note, _snapshot(ctx):
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        grant = access.authorize(caller, resource_type, "r")
        resource = records.read(ctx.session, resource_type, resource_id)
        note.patient = resource.patient_id
        _check_visible(ctx, caller, grant, resource)
        return resource


def vread(ctx: FhirContext, resource_type: str, resource_id: str, version: str) -> StoredResource:
    known_type(resource_type)
    what = f"{resource_type}/{resource_id}/_history/{version}"
    with _audited(ctx, "vread", what) as note, _snapshot(ctx):
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        grant = access.authorize(caller, resource_type, "r")
        current = records.read(ctx.session, resource_type, resource_id)
        note.patient = current.patient_id
        _check_visible(ctx, caller, grant, current)
        if not version.isdigit() or len(version) > 9:
            raise ResourceNotFoundError(f"{resource_type}/{resource_id} has no version {version!r}.")
        return records.vread(ctx.session, current, int(version))


def _only(pairs: list[tuple[str, str]], allowed: set[str], lenient: bool) -> list[tuple[str, str]]:
    kept = []
    for name, value in pairs:
        if name in allowed:
            kept.append((name, value))
        elif not lenient:
            raise UnsupportedParameterError(f"The parameter {name!r} is not supported here.")
    return kept


def history(
    ctx: FhirContext, resource_type: str, resource_id: str, pairs: list[tuple[str, str]], *, lenient: bool
) -> bytes:
    known_type(resource_type)
    path = f"{resource_type}/{resource_id}/_history"
    with _audited(ctx, "history", path) as note:
        pairs = _only(pairs, {"_count", "_cursor"}, lenient)
        count = parse_count([v for k, v in pairs if k == "_count"])
        cursors = [decode_cursor(v) for k, v in pairs if k == "_cursor"]
        before = cursors[-1].pk if cursors else None
        with _snapshot(ctx):
            caller = note.caller = access.identify(ctx.session, ctx.claims)
            grant = access.authorize(caller, resource_type, "r")
            current = records.read(ctx.session, resource_type, resource_id)
            note.patient = current.patient_id
            _check_visible(ctx, caller, grant, current)
            versions = records.history(ctx.session, current, before=before, count=count + 1)
        next_url = None
        if len(versions) > count and count > 0:
            versions = versions[:count]
            next_url = bundles.link(
                ctx.base,
                path,
                [("_count", str(count)), ("_cursor", encode_cursor(None, versions[-1].version_id))],
            )
        self_url = bundles.link(ctx.base, path, pairs)
        return bundles.history(ctx.base, self_url=self_url, next_url=next_url, versions=versions[:count])


def _patient_searched(criteria: Criteria) -> str | None:
    for clause in criteria.clauses:
        for cond in clause:
            if (
                isinstance(cond, ReferenceCondition)
                and cond.param in ("patient", "subject")
                and cond.target_type in (None, "Patient")
            ):
                return cond.target_id
    return None


def _one_patient(rows: list[StoredResource]) -> str | None:
    """The patient whose records a search returned, when they are all one patient's: a search by
    SNILS (the idp's SMART launch lookup, an integrator's ``Patient?identifier=``) belongs in that
    patient's «Кто смотрел мою карту» like a search by ``patient``."""
    found = {row.patient_id for row in rows if row.patient_id}
    return found.pop() if len(found) == 1 else None


def _consented(ctx: FhirContext, caller: Caller, rows: list[StoredResource]) -> list[StoredResource]:
    """Non-patient callers see only the records of patients whose consent covers them."""
    if caller.is_patient:
        return rows
    verdicts: dict[str, bool] = {}
    kept = []
    for row in rows:
        if data_requests.hidden_from_staff(row):
            continue
        if row.patient_id is None or data_requests.is_request(row):
            kept.append(row)
            continue
        if row.patient_id not in verdicts:
            verdicts[row.patient_id] = ctx.gate.allows(ctx.session, caller, row.patient_id)
        if verdicts[row.patient_id]:
            kept.append(row)
    return kept


def _readable(caller: Caller, permission: str = "r") -> dict[str, Grant]:
    grants = {}
    for resource_type in DEFINITIONS:
        grant = access.try_authorize(caller, resource_type, permission)
        if grant is not None:
            grants[resource_type] = grant
    return grants


def _included(
    ctx: FhirContext, caller: Caller, matches: list[StoredResource], params: list[str]
) -> list[StoredResource]:
    if not params or not matches:
        return []
    grants = _readable(caller)
    found: list[StoredResource] = []
    for param in params:
        for compartment in {g.compartment for g in grants.values()}:
            allowed: dict[str, list[list[TokenCondition]] | None] = {
                t: g.restrictions for t, g in grants.items() if g.compartment == compartment
            }
            found.extend(
                records.included(
                    ctx.session,
                    matches,
                    param,
                    compartment=compartment,
                    restrictions=allowed,
                    organization=caller.organization,
                )
            )
    unique = {(r.resource_type, r.resource_id): r for r in found}
    return _consented(ctx, caller, list(unique.values()))


def search(ctx: FhirContext, resource_type: str, pairs: list[tuple[str, str]], *, lenient: bool) -> bytes:
    known_type(resource_type)
    names = ",".join(sorted({name for name, _ in pairs}))
    with _audited(ctx, "search", f"{resource_type}?{names}") as note:
        parsed = parse_search(DEFINITIONS[resource_type], pairs, lenient=lenient)
        criteria = parsed.criteria
        hidden = signature_rules.hidden_unless_asked(resource_type, {name.split(":")[0] for name, _ in pairs})
        if hidden is not None:
            criteria.excluded.append(hidden)  # entered-in-error records, unless the status is asked
        requested = criteria.count
        with _snapshot(ctx):
            caller = note.caller = access.identify(ctx.session, ctx.claims)
            grant = access.authorize(caller, resource_type, "s")
            criteria.compartment, criteria.restrictions = grant.compartment, grant.restrictions
            criteria.organization = caller.organization  # in the statement (records.repository)
            note.patient = grant.compartment or _patient_searched(criteria)
            if note.patient is not None and not _of_organization(ctx, caller, note.patient):
                # another organisation's patient: the search finds nothing, and says nothing more
                # (not even that the patient withdrew consent)
                note.patient = None
            if not caller.is_patient and note.patient is not None and resource_type != "Task":
                # a search of one patient names the reason; the patient's requests are never
                # paused by a withdrawal (EGISZ.md §5 row 33), other Tasks are filtered per row
                check_consent(ctx, caller, note.patient)
            criteria.count = requested + 1
            total: int | None = None
            rows: list[StoredResource]
            if requested == 0:
                rows, total = [], records.count(ctx.session, criteria) if parsed.first_page else None
            elif parsed.first_page:
                rows, total = records.search_counted(ctx.session, criteria)
            else:
                rows = records.search(ctx.session, criteria)
            has_more = len(rows) > requested
            rows = rows[:requested]
            matches = _consented(ctx, caller, rows)
            included = _included(ctx, caller, matches, parsed.includes)
            note.patient = note.patient or _one_patient(matches)
        cursor = [(k, v) for k, v in pairs if k == "_cursor"][-1:]
        self_url = bundles.link(ctx.base, resource_type, [*parsed.kept, ("_count", str(requested)), *cursor])
        next_url = None
        if has_more and rows:
            last = rows[-1]
            next_url = bundles.link(
                ctx.base,
                resource_type,
                [
                    *parsed.kept,
                    ("_count", str(requested)),
                    ("_cursor", encode_cursor(last.sort_value, last.pk)),
                ],
            )
        return bundles.searchset(
            ctx.base, self_url=self_url, next_url=next_url, matches=matches, included=included, total=total
        )


def everything(ctx: FhirContext, patient_id: str, pairs: list[tuple[str, str]], *, lenient: bool) -> bytes:
    """``Patient/{id}/$everything`` (R4 patient-operation-everything): the Patient and every
    resource of its compartment the caller may read, paged by cursor."""
    path = f"Patient/{patient_id}/$everything"
    with _audited(ctx, "everything", path) as note:
        pairs = _only(pairs, {"_count", "_cursor"}, lenient)
        count = parse_count([v for k, v in pairs if k == "_count"])
        cursors = [decode_cursor(v) for k, v in pairs if k == "_cursor"]
        with _snapshot(ctx):
            caller = note.caller = access.identify(ctx.session, ctx.claims)
            grant = access.authorize(caller, "Patient", "r")
            patient = records.read(ctx.session, "Patient", patient_id)
            note.patient = patient_id
            _check_visible(ctx, caller, grant, patient)
            allowed = {
                t: g.restrictions for t, g in _readable(caller).items() if g.compartment in (None, patient_id)
            }
            rows = records.compartment_page(
                ctx.session,
                patient_id,
                allowed,
                after_pk=cursors[-1].pk if cursors else None,
                count=count + 1,
            )
        next_url = None
        if len(rows) > count and count > 0:
            rows = rows[:count]
            next_url = bundles.link(
                ctx.base, path, [("_count", str(count)), ("_cursor", encode_cursor(None, rows[-1].pk))]
            )
        if not caller.is_patient:
            # restricted records are not for staff: a page may come out shorter than _count
            rows = [r for r in rows if not data_requests.hidden_from_staff(r)]
        self_url = bundles.link(ctx.base, path, pairs)
        return bundles.searchset(
            ctx.base, self_url=self_url, next_url=next_url, matches=rows[:count], total=None
        )


def _check_write_target(
    ctx: FhirContext,
    caller: Caller,
    grant: Grant,
    patient_id: str | None,
    resource_type: str,
    *,
    request: bool = False,
    data: dict[str, Any] | None = None,
) -> None:
    """``request``: the write is a staff update of a patient's correction or deletion request, which
    a withdrawal never pauses (EGISZ.md §5 row 33: no consent gate). ``data``: the body written."""
    if grant.compartment is not None and patient_id != grant.compartment:
        raise AccessDeniedError(
            "A patient-bound token may only write resources of its own patient.", realm=access.REALM
        )
    _check_system_organization(ctx, caller, resource_type, patient_id, data)
    medical = signatures.needs_signature(resource_type)
    # in a transaction Bundle the same caller's checks of one patient run once (fhir/bundle_work.py)
    if ctx.work is not None and not ctx.work.first(("write_target", patient_id, medical, request)):
        return
    if medical:
        signatures.check_organization(ctx.session, caller, ctx.claims, patient_id)
    if not caller.is_patient and patient_id is not None and not request:
        check_consent(ctx, caller, patient_id)


def _check_system_organization(
    ctx: FhirContext,
    caller: Caller,
    resource_type: str,
    patient_id: str | None,
    data: dict[str, Any] | None,
) -> None:
    """An integrator system bound to its organisation writes only for that organisation's patients
    (403 ``organization_mismatch``); a Patient it writes must name the organisation as its
    ``managingOrganization`` (it cannot create, or hand over, another organisation's patient)."""
    rule = caller.organization
    if rule is None:
        return
    if resource_type == "Patient":
        if data is not None and not access.manages(rule, data):
            raise OrganizationMismatchError(
                "A system bound to an organisation writes only Patients whose managingOrganization "
                "is that organisation.",
                realm=access.REALM,
            )
        return
    if patient_id is not None and not records.patient_in_organization(ctx.session, patient_id, rule):
        raise OrganizationMismatchError(
            f"Patient/{patient_id} is not a patient of the caller's organisation.", realm=access.REALM
        )


def _check_restrictions(ctx: FhirContext, grant: Grant, stored: StoredResource) -> None:
    if grant.restrictions is not None and not records.satisfies(ctx.session, stored, grant.restrictions):
        raise AccessDeniedError(
            "The token's scope is restricted to resources this one does not match.", realm=access.REALM
        )


def _check_client_writable(resource_type: str) -> None:
    if resource_type in signature_rules.SERVER_WRITTEN_TYPES:
        raise ServerWrittenError(
            f"{resource_type} is recorded by this server with each signed write; send a signed one "
            "in the X-Provenance header of the write instead.",
            headers={"Allow": "GET"},
        )


def _check_signature(ctx: FhirContext, resource_type: str, sent: dict[str, Any]) -> SignatureInfo | None:
    """§5 (A) last step: a medical write needs a signature (docs/fhir.md «Signed writes»); inside a
    transaction Bundle, the one its signed Provenance entry gave (fhir/transactions.py)."""
    if ctx.signed is not None and signatures.needs_signature(resource_type):
        return ctx.signed
    return signatures.check_signed_write(
        ctx.claims, resource_type, [sent], ctx.provenance, signatures=ctx.signatures, clock=ctx.clock
    )


def _record_provenance(
    ctx: FhirContext, signature: SignatureInfo | None, stored: StoredResource, activity: str
) -> None:
    if signature is None:
        return
    if ctx.work is not None:  # a transaction's entries share one Provenance, written at its end
        ctx.work.sign(signature, stored, activity)
    else:
        signatures.record_provenance(ctx.session, signature, [stored], activity=activity, clock=ctx.clock)


def create(
    ctx: FhirContext,
    resource_type: str,
    body: bytes,
    *,
    if_none_exist: list[tuple[str, str]] | None = None,
    assigned_id: str | None = None,
) -> Written:
    """Create (R4 §3.1.0.7); with ``If-None-Exist`` a conditional create (R4 §3.1.0.8.1): no match
    creates, one match is answered with the existing resource (nothing written), more → 412.
    ``assigned_id``: the id a transaction Bundle chose ahead for an entry its other entries refer
    to by ``urn:uuid:`` (R4 §3.1.0.11.2); a client's body id is never used."""
    known_type(resource_type)
    with _audited(ctx, "create", resource_type) as note:
        _check_client_writable(resource_type)
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        grant = access.authorize(caller, resource_type, "c")
        data = records.body_of(resource_type, body)
        sent = dict(data)  # what a system's practitioner signed
        data.pop("id", None)  # the server assigns the id of a create (R4 §3.1.0.7)
        if if_none_exist is not None:
            existing = _conditional_match(ctx, caller, resource_type, if_none_exist)
            if existing is not None:
                note.patient = existing.patient_id
                return Written(existing, created=False)
        note.patient = records.patient_of(resource_type, data)
        _check_write_target(ctx, caller, grant, note.patient, resource_type, data=data)
        signature = _check_signature(ctx, resource_type, sent)
        if caller.is_patient and resource_type == "Task" and grant.compartment is not None:
            # a correction or deletion request (R-EGZ-5): its rules, and a focus in the own record
            data_requests.check_patient_request(ctx.session, data, grant.compartment)
        stored = records.create(ctx.session, resource_type, data, clock=ctx.clock, resource_id=assigned_id)
        _check_restrictions(ctx, grant, stored)
        _record_provenance(ctx, signature, stored, "CREATE")
        # a «new result» notice joins this transaction; the dispatcher sends it (never inline); it
        # is one per patient and hour, so a Bundle queues it once per patient and type
        if ctx.work is None or ctx.work.first(("result_notice", stored.resource_type, stored.patient_id)):
            notifications.result_created(ctx.session, stored, now=ctx.clock())
        _written(ctx, stored)
        _notify_watchers(ctx, stored)
        return Written(stored, created=True)


def _conditional_match(
    ctx: FhirContext, caller: Caller, resource_type: str, pairs: list[tuple[str, str]]
) -> StoredResource | None:
    """The one resource an ``If-None-Exist`` query matches, or None. The query is a search, so it
    needs the search permission and sees only what the caller may see. Race-safe: the writers of
    one condition are serialised (SQLite: the request's ``BEGIN IMMEDIATE`` write lock;
    PostgreSQL: a transaction-scoped advisory lock on the condition), so two identical retried
    uploads cannot both find nothing and both create."""
    if not [name for name, _ in pairs if not name.startswith("_")]:
        raise InvalidSearchError(
            "If-None-Exist needs at least one search parameter, e.g. identifier=sys|val."
        )
    parsed = parse_search(DEFINITIONS[resource_type], pairs, lenient=False)
    grant = access.authorize(caller, resource_type, "s")
    criteria = parsed.criteria
    criteria.compartment, criteria.restrictions = grant.compartment, grant.restrictions
    criteria.organization = caller.organization
    criteria.count = 2
    records.lock_condition(ctx.session, resource_type, sorted(parsed.kept))
    rows = records.search(ctx.session, criteria)
    if len(rows) > 1:
        raise MultipleMatchesError(
            f"If-None-Exist matches more than one {resource_type}; the create is refused (R4 §3.1.0.8.1)."
        )
    if not rows:
        return None
    _check_visible(ctx, caller, grant, rows[0])
    return rows[0]


def update(
    ctx: FhirContext, resource_type: str, resource_id: str, body: bytes, *, if_match: int | None
) -> Written:
    known_type(resource_type)
    with _audited(ctx, "update", f"{resource_type}/{resource_id}") as note:
        _check_client_writable(resource_type)
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        grant = access.authorize(caller, resource_type, "u")
        data = records.body_of(resource_type, body)
        existing = records.find(ctx.session, resource_type, resource_id)
        if existing is not None:
            note.patient = existing.patient_id
            _check_visible(ctx, caller, grant, existing)
        else:
            # an update that creates (R4 §3.1.0.4.1) needs the create permission too
            grant = access.authorize(caller, resource_type, "c")
        note.patient = records.patient_of(resource_type, data) or note.patient
        request = existing is not None and not caller.is_patient and data_requests.is_request(existing)
        _check_write_target(ctx, caller, grant, note.patient, resource_type, request=request, data=data)
        if existing is not None and existing.patient_id not in (None, note.patient):
            # moving a record to another patient must pass the organisation rule for the old one too
            _check_write_target(ctx, caller, grant, existing.patient_id, resource_type)
        signature = _check_signature(ctx, resource_type, data)
        processed = None
        if request and existing is not None:
            if if_match is not None and if_match != existing.version_id:
                raise PreconditionFailedError(
                    f"If-Match names version {if_match}; the current version is {existing.version_id}."
                )
            # issue 14 item 6: the transition's rules; a restriction labels the record here
            processed = data_requests.process_request_update(ctx.session, existing, data, clock=ctx.clock)
        stored = records.update(
            ctx.session, resource_type, resource_id, data, clock=ctx.clock, if_match=if_match
        )
        _check_restrictions(ctx, grant, stored)
        _record_provenance(ctx, signature, stored, "CREATE" if existing is None else "UPDATE")
        _written(ctx, stored)
        if processed is not None:
            notifications.request_processed(
                ctx.session,
                processed.patient_id,
                task_id=processed.task_id,
                kind=processed.kind,
                status=processed.status,
                now=ctx.clock(),
            )
        _notify_watchers(ctx, stored)
        return Written(stored, created=existing is None)


def delete(ctx: FhirContext, resource_type: str, resource_id: str, *, if_match: int | None) -> StoredResource:
    """``DELETE`` never removes a clinical record (EGISZ.md §5 (C)): it writes a new version with the
    status ``entered-in-error`` and its Provenance; admin only, with a signature (docs/fhir.md)."""
    known_type(resource_type)
    with _audited(ctx, "delete", f"{resource_type}/{resource_id}") as note:
        if not signature_rules.is_deletable(resource_type):
            raise NotDeletableError(
                f"{resource_type} resources are not deleted; only clinical records can be marked "
                "entered-in-error with DELETE.",
                headers={"Allow": "GET, PUT" if resource_type != "Provenance" else "GET"},
            )
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        grant = access.authorize(caller, resource_type, "d")
        existing = records.read(ctx.session, resource_type, resource_id)
        note.patient = existing.patient_id
        _check_visible(ctx, caller, grant, existing)
        _check_write_target(ctx, caller, grant, existing.patient_id, resource_type)
        current = json.loads(existing.content)
        if signature_rules.is_entered_in_error(resource_type, current):
            return existing  # already marked: nothing new to sign (R4 §3.1.0.9: delete is idempotent)
        marked = signature_rules.mark_entered_in_error(resource_type, current)
        signature = _check_signature(ctx, resource_type, marked)
        stored = records.update(
            ctx.session, resource_type, resource_id, marked, clock=ctx.clock, if_match=if_match
        )
        _record_provenance(ctx, signature, stored, "NULLIFY")
        return stored


def if_match_version(header: str | None) -> int | None:
    """``If-Match: W/"3"`` → 3 (R4 §3.1.0.5); None without the header."""
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise InvalidSearchError(f'If-Match must be an ETag like W/"3", not {header!r}.')
    return int(text)


def if_none_exist(header: str | None) -> list[tuple[str, str]] | None:
    """``If-None-Exist: identifier=sys|val`` → its search pairs (R4 §3.1.0.8.1); None without it."""
    if header is None:
        return None
    query = header.strip().split("?", 1)[-1]
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        raise InvalidSearchError("If-None-Exist must be a search query such as identifier=sys|val.")
    return pairs


def audit_refusal(ctx: FhirContext, caller: Caller, method: str, what: str, exc: AppError) -> None:
    """The AccessRecord of an interaction a Bundle refused after its own checks (the signature
    rule, fhir/transactions.py)."""
    action = {"POST": "create", "PUT": "update"}.get(method, "read")
    _record(ctx, _Note(caller=caller), action, what, _outcome(exc))


# --- Subscriptions (R4 rest-hook, EGISZ.md §5 row 34) --------------------------------------------


def _notify_watchers(ctx: FhirContext, stored: StoredResource) -> None:
    """Queue a notification, in this write's transaction, for each active Subscription whose
    criteria the new version matches (the criteria run as a search restricted to its ``_id``) and
    whose patient has not withdrawn consent."""
    patient = stored.patient_id
    if patient is None or stored.resource_type not in subscriptions.SUBSCRIBABLE:
        return

    def active() -> list[Any]:
        return list(subscriptions.watchers(ctx.session, stored.resource_type, patient))

    found = (
        active() if ctx.work is None else ctx.work.memo(("watchers", stored.resource_type, patient), active)
    )
    for watcher in found:
        if not ctx.gate.allows(ctx.session, subscriptions.subscriber(watcher.client_id), patient):
            continue  # a patient who withdrew consent generates no notification to systems
        rule = watcher.organization
        if rule is not None and not records.patient_in_organization(ctx.session, patient, rule):
            continue  # the patient is no longer the bound subscriber's organisation's
        pairs = [*parse_qsl(watcher.query, keep_blank_values=True), ("_id", stored.resource_id)]
        criteria = parse_search(DEFINITIONS[stored.resource_type], pairs, lenient=True).criteria
        criteria.count = 1
        if records.search(ctx.session, criteria):
            subscriptions.queue(
                ctx.session,
                watcher,
                stored.resource_type,
                stored.resource_id,
                stored.version_id,
                patient,
                now=ctx.clock(),
            )


def _subscriber(ctx: FhirContext, caller: Caller, permission: str) -> str:
    """Only integrator systems: a ``system/Subscription`` scope (unrestricted) and the mis role."""
    matching = access.check_scope(caller, "Subscription", permission)
    system = [s for s in matching if s.context == "system" and not s.restrictions]
    if caller.is_patient or not system:
        raise AccessDeniedError(
            "Subscriptions are for integrator systems (system/Subscription scopes).", realm=access.REALM
        )
    access.check_role(caller, "Subscription", permission, system)
    return caller.client_id or caller.subject


def create_subscription(ctx: FhirContext, body: bytes, *, dev_mode: bool) -> tuple[str, bytes]:
    """``POST /fhir/Subscription``: criteria ``{Observation|DiagnosticReport|Immunization}?patient=<id>``
    plus any search parameters of the type; the caller must be allowed to search that type of that
    patient now (scope, role, consent)."""
    with _audited(ctx, "create", "Subscription") as note:
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        client = _subscriber(ctx, caller, "c")
        data = records.body_of("Subscription", body)
        subscriptions.validate(data)  # R4B first: the checks below read a well-typed resource
        resource_type, query = subscriptions.split_criteria(data.get("criteria"))
        subscriptions.check_channel(data.get("channel"), dev_mode=dev_mode)
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(name.startswith("_") for name, _ in pairs):
            raise InvalidSubscriptionError(
                "Subscription.criteria takes search parameters only (no _count, _sort...)."
            )
        parse_search(DEFINITIONS[resource_type], pairs, lenient=False)
        patients = [value for name, value in pairs if name == "patient"]
        if len(patients) != 1 or "," in patients[0]:
            raise InvalidSubscriptionError(
                "Subscription.criteria must name exactly one patient (patient=<id>)."
            )
        patient_id = patients[0].removeprefix("Patient/")
        note.patient = patient_id
        grant = access.authorize(caller, resource_type, "s")
        patient = records.find(ctx.session, "Patient", patient_id)
        if patient is None:
            raise InvalidSubscriptionError(f"Patient/{patient_id} is not known.")
        _check_visible(ctx, caller, grant, patient)
        rid, content = subscriptions.subscribe(
            ctx.session,
            client,
            data,
            resource_type=resource_type,
            patient_id=patient_id,
            now=ctx.clock(),
            organization=caller.organization,
        )
        return rid, content


def read_subscription(ctx: FhirContext, resource_id: str) -> bytes:
    with _audited(ctx, "read", f"Subscription/{resource_id}") as note:
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        return subscriptions.read(ctx.session, _subscriber(ctx, caller, "r"), resource_id)


def search_subscriptions(ctx: FhirContext, pairs: list[tuple[str, str]], *, lenient: bool) -> bytes:
    """The caller's own Subscriptions (no search parameters are served)."""
    with _audited(ctx, "search", "Subscription?" + ",".join(sorted({n for n, _ in pairs}))) as note:
        _only(pairs, set(), lenient)
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        found = subscriptions.of_client(ctx.session, _subscriber(ctx, caller, "s"))
        return bundles.subscriptions(ctx.base, found)


def delete_subscription(ctx: FhirContext, resource_id: str) -> None:
    with _audited(ctx, "delete", f"Subscription/{resource_id}") as note:
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        subscriptions.unsubscribe(ctx.session, _subscriber(ctx, caller, "d"), resource_id)
