"""The worker forms: what each offers, checking what was typed, parking a form while its worker
signs, and writing it through the FHIR API's own ``create`` (docs/worker-forms.md).

One write path. A form becomes FHIR resources (:mod:`egisz_api.worker_forms.resources`) and each
goes through :func:`egisz_api.fhir.service.create` with the claims the worker's cabinet session
stands for (:func:`claims_of`): scope → role → organisation rule → consent → the signature rule
(``acr`` ≥ ``urn:idp:acr:sig``) → validation and terminology binding → the write → its Provenance,
exactly as for a token at ``POST /fhir/{type}``.

Step-up (RFC 9470 in a browser): a session whose login is below ``sig`` does not write. The form is
parked (sealed under the session's cookie, keyed by a random handle, bound to the session, expiring)
and :class:`SignatureNeededError` sends the worker to the idp's signature step; back with a raised
``acr``, the worker sees the form again with its data and confirms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.access.errors import AccessDeniedError
from egisz_api.access.errors import ConsentWithdrawnError as AccessConsentWithdrawnError
from egisz_api.cabinet import sealing
from egisz_api.cabinet.schemas import CabinetPerson, Membership
from egisz_api.fhir import service as fhir
from egisz_api.signatures.errors import InsufficientUserAuthenticationError, OrganizationMismatchError
from egisz_api.terminology import service as terminology
from egisz_api.terminology.errors import CodeNotInValueSetError
from egisz_api.worker_forms import repository, resources
from egisz_api.worker_forms.errors import (
    ParkedFormGoneError,
    SignatureNeededError,
    UnknownFormError,
    WriteRefusedError,
)
from egisz_api.worker_forms.models import ParkedForm
from egisz_api.worker_forms.schemas import FORMS, Checked, FormKind, Option, Parked, Saved
from egisz_api.workers import service as workers
from egisz_api.workers.errors import ConsentWithdrawnError, PatientNotFoundError
from shared.errors import AppError

#: the acr values that satisfy the signature rule (signatures/rules.py)
SIGNED = frozenset({"urn:idp:acr:sig", "urn:idp:acr:qes"})
#: the client the cabinet's writes are recorded as (AuditEvent, access log)
CABINET_CLIENT = "egisz-cabinet"
PARK_LABEL = "worker form"
#: the fields a form may post (anything else is ignored)
FIELD_NAMES = (
    "code",
    "dosage",
    "value",
    "unit",
    "dose",
    "lot",
    "note",
    "date-day",
    "date-month",
    "date-year",
)
ContextFactory = Callable[[Mapping[str, Any]], fhir.FhirContext]


def form_of(slug: str) -> FormKind:
    form = FORMS.get(slug)
    if form is None:
        raise UnknownFormError(f"No worker form {slug!r}.")
    return form


def patient_name(db: Session, org: Membership, patient_id: str) -> str:
    """The patient's name when a worker of ``org`` may open the record (the worker pages' rule)."""
    return workers.open_record(db, org, patient_id)


def options(db: Session, form: FormKind, locale: str) -> dict[str, list[Option]]:
    """Each select's options from its value set (filtered by the field's code prefixes)."""
    out: dict[str, list[Option]] = {}
    for field in form.fields:
        if field.kind != "select" or field.value_set is None:
            continue
        out[field.name] = [
            Option(
                f"{system}|{code}", f"{code} — {(display_en if locale == 'en' and display_en else display)}"
            )
            for system, code, display, display_en in terminology.choices(db, field.value_set)
            if not field.prefixes or code.startswith(field.prefixes)
        ]
    return out


def _day(values: Mapping[str, str], today: dt.date) -> dt.date | None:
    try:
        day = dt.date(int(values["date-year"]), int(values["date-month"]), int(values["date-day"]))
    except (KeyError, ValueError):
        return None
    return day if dt.date(1900, 1, 1) <= day <= today else None


def _number_error(name: str, text: str) -> str | None:
    try:
        number = Decimal(text.replace(",", ".").strip())
    except InvalidOperation:
        return f"wf_error_{name}"
    if not number.is_finite():
        return f"wf_error_{name}"
    if name == "dose" and (number != number.to_integral_value() or not 1 <= number <= 10):
        return "wf_error_dose"
    if name == "value" and abs(number) >= Decimal(10) ** 9:
        return "wf_error_value"
    return None


def check(db: Session, form: FormKind, values: Mapping[str, str], today: dt.date) -> Checked:
    """The form's errors (field id, text key) in field order, or its coded choices and date."""
    typed = {k: (values.get(k) or "").strip() for k in FIELD_NAMES}
    errors: list[tuple[str, str]] = []
    codings: dict[str, tuple[str, str, str]] = {}
    day = None
    offered = options(db, form, "ru")
    for field in form.fields:
        text = typed.get(field.name, "")
        if field.kind == "date":
            day = _day(typed, today)
            if day is None:
                errors.append((f"{field.name}-day", "wf_error_date"))
            continue
        if not text:
            if field.required:
                errors.append(
                    (field.name, "wf_error_choose" if field.kind == "select" else "wf_error_required")
                )
            continue
        if len(text) > field.maxlength:
            errors.append((field.name, "wf_error_too_long"))
        elif field.kind == "select":
            found = next((o for o in offered.get(field.name, []) if o.value == text), None)
            if found is None:
                errors.append((field.name, "wf_error_code"))  # a code outside the value set
            else:
                system, code = text.split("|", 1)
                codings[field.name] = (system, code, found.label.split(" — ", 1)[-1])
        elif field.kind == "number" and (problem := _number_error(field.name, text)):
            errors.append((field.name, problem))
    return Checked(values=typed, errors=errors, codings=codings, day=day)


def is_signed(person: CabinetPerson) -> bool:
    return person.acr in SIGNED


def claims_of(person: CabinetPerson, org: Membership) -> dict[str, Any]:
    """What the worker's cabinet session stands for, in the shape of the idp's access token for a
    worker (docs/organizations.md «Claims»): the FHIR service applies its rules to these."""
    claims: dict[str, Any] = {
        "sub": person.oid,
        "client_id": CABINET_CLIENT,
        "scope": "user/*.cruds",
        "roles": [org.role],
        "org": org.oid,
        "org_ogrn": org.ogrn,
        "name": person.display_name,
        "acr": person.acr or "urn:idp:acr:pwd",
        "amr": [],
    }
    if person.acr_at is not None:
        claims["auth_time"] = int(person.acr_at.timestamp())
    if person.thumbprint:
        claims["cnf"] = {"x5t#S256": person.thumbprint}
    return claims


def _hash(handle: str) -> str:
    return hashlib.sha256(handle.encode()).hexdigest()


def park(
    db: Session, person: CabinetPerson, token: str, kind: str, patient_id: str, values: Mapping[str, str],
    *, now: dt.datetime, ttl: dt.timedelta,
) -> str:  # fmt: skip
    """Keep the form for this session while its worker signs; the handle to resume it by."""
    repository.purge(db, now=now)
    handle = secrets.token_urlsafe(24)
    id_hash = _hash(handle)
    data = {k: v for k, v in values.items() if k in FIELD_NAMES and v}
    repository.add(
        db,
        ParkedForm(
            id_hash=id_hash, session_hash=person.session_id, kind=kind, patient_id=patient_id,
            data_sealed=sealing.seal_for_session(token, PARK_LABEL, data, id_hash),
            created_at=now, expires_at=now + ttl,
        ),
    )  # fmt: skip
    return handle


def resume(db: Session, person: CabinetPerson, token: str, handle: str, *, now: dt.datetime) -> Parked:
    """The parked form of this session under ``handle``; :class:`ParkedFormGoneError` when it expired,
    was used, or belongs to another session (one answer for all)."""
    row = repository.find(db, _hash(handle)) if handle else None
    if row is None or row.session_hash != person.session_id or now >= row.expires_at:
        raise ParkedFormGoneError("No such form is waiting for this session.")
    try:
        values = sealing.open_for_session(token, PARK_LABEL, row.data_sealed, row.id_hash)
    except sealing.UnreadableSessionDataError as exc:
        raise ParkedFormGoneError("No such form is waiting for this session.") from exc
    return Parked(handle=handle, kind=row.kind, patient_id=row.patient_id, values=values)


def submit(
    db: Session,
    person: CabinetPerson,
    org: Membership,
    token: str,
    form: FormKind,
    patient_id: str,
    values: Mapping[str, str],
    *,
    handle: str | None,
    context: ContextFactory,
    clock: Callable[[], dt.datetime],
    park_ttl: dt.timedelta,
) -> Saved | Checked:
    """Write the form, or say why not: a :class:`Checked` with field errors (re-render), or raises
    :class:`SignatureNeededError` (parked: sign first), the worker pages' patient refusals, or
    :class:`WriteRefusedError`."""
    now = clock()
    workers.open_record(db, org, patient_id)  # the pages' rule: another organisation's patient is not found
    checked = check(db, form, values, now.date())
    if checked.errors:
        return checked
    if not is_signed(person):
        raise SignatureNeededError(
            "A medical write needs a signature-level login.",
            park(db, person, token, form.slug, patient_id, checked.values, now=now, ttl=park_ttl),
        )
    built = resources.build(form.slug, checked, patient_id=patient_id, person=person, org=org, now=now)
    ctx = context(claims_of(person, org))
    created: list[tuple[str, str]] = []
    try:
        for resource in built:
            if resource["resourceType"] == "DiagnosticReport" and created:
                resource["result"] = [{"reference": f"{created[0][0]}/{created[0][1]}"}]
            body = json.dumps(resource, ensure_ascii=False).encode()
            written = fhir.create(ctx, resource["resourceType"], body)
            created.append((written.resource.resource_type, written.resource.resource_id))
    except CodeNotInValueSetError:
        return Checked(values=checked.values, errors=[("code", "wf_error_code")])
    except InsufficientUserAuthenticationError as exc:
        handle = park(db, person, token, form.slug, patient_id, checked.values, now=now, ttl=park_ttl)
        raise SignatureNeededError(exc.detail, handle) from exc
    except OrganizationMismatchError as exc:
        raise PatientNotFoundError(exc.detail) from exc
    except AccessConsentWithdrawnError as exc:
        raise ConsentWithdrawnError(exc.detail, None) from exc
    except AccessDeniedError as exc:
        raise WriteRefusedError(exc.detail, "wf_error_role", status=403) from exc
    except AppError as exc:  # validation (400/422) or a conflict: nothing was written
        raise WriteRefusedError(exc.detail, "wf_error_invalid") from exc
    if handle:
        repository.remove(db, _hash(handle), session_hash=person.session_id)
    return Saved(created=created)
