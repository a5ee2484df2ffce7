"""The vaccination certificate (issue 14 item 4): issuing, signing, revoking, verifying, and the
FHIR operation ``Patient/{id}/$covid-certificate`` (EGISZ.md §5 row 25).

A patient with at least one completed COVID-19 Immunization gets one valid certificate listing
those doses; a later dose replaces it with a new number, an Immunization marked entered-in-error
revokes every certificate that lists it. Revocation happens twice over: the records write path
tells :func:`on_record_written` (``app.state.record_listeners``) in the write's own transaction,
and verification re-reads the certified Immunizations, so a change that reached the records by
another path still shows the certificate as revoked.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy.orm import Session

from egisz_api.access import service as access
from egisz_api.access.errors import AccessDeniedError
from egisz_api.covid import pdf, repository
from egisz_api.covid.content import (
    NUMBER,
    Dose,
    Holder,
    claims,
    counts,
    dose_of,
    holder_of,
    new_number,
    ordered,
    parse_claims,
    spaced,
)
from egisz_api.covid.errors import NoVaccinationError
from egisz_api.covid.models import CovidCertificate
from egisz_api.covid.signing import CertificateSigner
from egisz_api.fhir import service as fhir
from egisz_api.notifications import service as notifications
from egisz_api.records import service as records
from egisz_api.records.dates import instant_text
from egisz_api.records.errors import ResourceNotFoundError
from egisz_api.records.schemas import StoredResource

#: DocumentReference.type of the certificate (local code, until the terminology tables have one)
DOCUMENT_TYPE_SYSTEM = "urn:egisz:CodeSystem:document-type"
DOCUMENT_TYPE = "covid-vaccination-certificate"
NUMBER_SYSTEM = "urn:egisz:covid-certificate-number"
VERIFY_PATH = "/covid-cert/verify"
PAGE = 200


@dataclass(frozen=True)
class Certificate:
    number: str
    patient_id: str
    status: str
    issued_at: dt.datetime
    holder: Holder
    doses: list[Dose]


@dataclass(frozen=True)
class Verdict:
    """What the public verification page shows."""

    status: Literal["valid", "invalid", "revoked"]
    number: str | None = None
    holder: Holder | None = None
    doses: list[Dose] = field(default_factory=list)


def _immunizations(session: Session, patient_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: int | None = None
    while True:
        page = records.compartment_page(
            session, patient_id, {"Immunization": None}, after_pk=after, count=PAGE
        )
        found.extend(json.loads(r.content) for r in page)
        if len(page) < PAGE:
            return found
        after = page[-1].pk


def certified_doses(session: Session, patient_id: str) -> list[Dose]:
    """The patient's completed COVID-19 doses, oldest first."""
    return ordered([dose_of(i) for i in _immunizations(session, patient_id) if counts(i)])


def _holder(session: Session, patient_id: str) -> Holder:
    patient = records.find(session, "Patient", patient_id)
    if patient is None:
        raise ResourceNotFoundError(f"Patient/{patient_id} is not known.")
    return holder_of(json.loads(patient.content))


def _fresh_number(session: Session) -> str:
    while True:
        number = new_number()
        if not repository.number_taken(session, number):
            return number


def issue(session: Session, patient_id: str, *, now: dt.datetime) -> Certificate:
    """The patient's valid certificate, issued now when none lists exactly their current doses (a
    new one replaces an older one; the patient is told of each new certificate)."""
    holder = _holder(session, patient_id)
    doses = certified_doses(session, patient_id)
    if not doses:
        raise NoVaccinationError("The patient has no completed COVID-19 vaccination.")
    ids = [d.immunization_id for d in doses]
    existing = repository.valid_for_patient(session, patient_id)
    if existing is not None and sorted(repository.immunization_ids(session, existing.id)) == sorted(ids):
        return Certificate(existing.number, patient_id, "valid", existing.issued_at, holder, doses)
    if existing is not None:
        repository.end(session, existing.id, "replaced", now)
    row = repository.add(
        session,
        CovidCertificate(number=_fresh_number(session), patient_id=patient_id, status="valid", issued_at=now),
        ids,
    )
    notifications.certificate_issued(session, patient_id, number=row.number, now=now)
    return Certificate(row.number, patient_id, "valid", now, holder, doses)


def current(session: Session, patient_id: str, *, now: dt.datetime) -> Certificate | None:
    """For the cabinet: the certificate (issued on first view), None without a completed dose."""
    try:
        return issue(session, patient_id, now=now)
    except NoVaccinationError:
        return None


def signed_payload(certificate: Certificate, signer: CertificateSigner, *, issuer: str) -> str:
    """The compact JWS (ES256) of the certificate's minimal data."""
    return signer.sign(
        claims(
            certificate.number,
            certificate.holder,
            certificate.doses,
            issuer=issuer,
            issued_at=int(certificate.issued_at.timestamp()),
        )
    )


def verification_url(public_url: str, number: str, token: str | None = None) -> str:
    """The public page that checks a certificate; with ``token`` it verifies the signed payload."""
    url = f"{public_url.rstrip('/')}{VERIFY_PATH}/{number}"
    return f"{url}?t={quote(token, safe='')}" if token else url


def on_record_written(session: Session, stored: StoredResource, now: dt.datetime) -> None:
    """A records listener: an Immunization that no longer counts (entered-in-error, not-done)
    revokes the certificates that list it, in the write's transaction."""
    if stored.resource_type != "Immunization":
        return
    if not counts(json.loads(stored.content)):
        repository.revoke_certifying(session, stored.resource_id, now)


def _still_certified(session: Session, certificate_id: int) -> list[Dose] | None:
    """The certified doses as the record has them now; None when one no longer counts."""
    doses = []
    for immunization_id in repository.immunization_ids(session, certificate_id):
        found = records.find(session, "Immunization", immunization_id)
        data = json.loads(found.content) if found is not None else None
        if data is None or not counts(data):
            return None
        doses.append(dose_of(data))
    return ordered(doses)


def verify(session: Session, signer: CertificateSigner, *, number: str | None, token: str | None) -> Verdict:
    """Valid, invalid (unknown number, bad or foreign signature, a payload for another number) or
    revoked. With ``token`` the page shows what was signed; without, what the record holds."""
    signed = None
    if token is not None:
        signed = parse_claims(signer.verify(token))
        if signed is None or (number is not None and number != signed[0]):
            return Verdict("invalid")
        number = signed[0]
    if number is None or not NUMBER.fullmatch(number):
        return Verdict("invalid")
    row = repository.by_number(session, number)
    if row is None:
        return Verdict("invalid")
    if row.status == "revoked":
        return Verdict("revoked", number)
    doses = _still_certified(session, row.id)
    if doses is None:
        return Verdict("revoked", number)
    if signed is not None:
        return Verdict("valid", number, signed[1], signed[2])
    return Verdict("valid", number, _holder(session, row.patient_id), doses)


# --- the FHIR operation (EGISZ.md §5 row 25) -------------------------------------------------------


def _check_operation_caller(ctx: fhir.FhirContext, caller: access.Caller, patient_id: str) -> None:
    """The patient for their own record (``patient/DocumentReference.r``), always; an integrator
    system (``system/DocumentReference.c``, role mis) with the patient's consent. Anyone else: 403."""
    if caller.is_patient:
        grant = access.authorize(caller, "DocumentReference", "r")
        if grant.compartment != patient_id:
            raise ResourceNotFoundError(f"Patient/{patient_id} is not known.")  # §5 (D): hidden
        return
    access.authorize(caller, "DocumentReference", "c")
    system = any(s.context == "system" for s in caller.scopes)
    if "mis" not in caller.roles and not (system and not caller.roles):
        raise AccessDeniedError(
            "Only the patient or an integrator system may get a vaccination certificate.",
            realm=access.REALM,
        )
    fhir.check_consent(ctx, caller, patient_id)


def document_reference(certificate: Certificate, token: str, url: str, *, base: str) -> dict[str, Any]:
    """The certificate as a DocumentReference: its number, the QR payload (the verification URL with
    the signed JWS) and the JWS itself."""
    data: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": f"covid-cert-{certificate.number}",
        "masterIdentifier": {"system": NUMBER_SYSTEM, "value": certificate.number},
        "status": "current",
        "type": {
            "coding": [
                {
                    "system": DOCUMENT_TYPE_SYSTEM,
                    "code": DOCUMENT_TYPE,
                    "display": "Сертификат вакцинации от COVID-19",
                }
            ],
            "text": f"Сертификат вакцинации № {spaced(certificate.number)}",
        },
        "subject": {"reference": f"Patient/{certificate.patient_id}"},
        "date": instant_text(certificate.issued_at),
        "description": "QR: " + url,
        "content": [
            {"attachment": {"contentType": "text/uri-list", "url": url, "title": "QR"}},
            {
                "attachment": {
                    "contentType": "application/jose",
                    "data": _b64(token),
                    "title": "JWS (ES256)",
                }
            },
        ],
        "context": {
            "related": [{"reference": f"{base}/Immunization/{d.immunization_id}"} for d in certificate.doses]
        },
    }
    DocumentReference.model_validate(data)
    return data


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def certificate_operation(
    ctx: fhir.FhirContext, patient_id: str, signer: CertificateSigner, *, public_url: str
) -> bytes:
    """``GET Patient/{id}/$covid-certificate``: audited like every FHIR interaction."""
    with fhir.audited(ctx, "covid-certificate", f"Patient/{patient_id}/$covid-certificate") as note:
        caller = note.caller = access.identify(ctx.session, ctx.claims)
        note.patient = patient_id
        _check_operation_caller(ctx, caller, patient_id)
        certificate = issue(ctx.session, patient_id, now=ctx.clock())
        token = signed_payload(certificate, signer, issuer=public_url)
        url = verification_url(public_url, certificate.number, token)
        return json.dumps(
            document_reference(certificate, token, url, base=ctx.base), ensure_ascii=False
        ).encode()


# --- the cabinet section and the PDF --------------------------------------------------------------


@dataclass(frozen=True)
class CabinetView:
    certificate: Certificate
    #: what the QR code holds: the verification URL with the signed payload
    qr_url: str
    #: the verification page by number (printed and linked)
    page_url: str

    def qr_svg(self, label: str) -> str:
        """The QR code as inline SVG markup (a ``data:`` image would break the pages' CSP)."""
        label = html.escape(label, quote=True)
        svg = pdf.qr_code(self.qr_url).svg_inline(omitsize=True, title=label)
        # a fixed 280 px square whatever the code's version (it fits a 320 px phone screen)
        return svg.replace("<svg ", f'<svg width="280" height="280" role="img" aria-label="{label}" ', 1)


def cabinet_view(
    session: Session, patient_id: str, signer: CertificateSigner, *, public_url: str, now: dt.datetime
) -> CabinetView | None:
    """The patient's certificate as the cabinet shows it (issued on first view); None without a
    completed COVID-19 vaccination."""
    certificate = current(session, patient_id, now=now)
    if certificate is None:
        return None
    token = signed_payload(certificate, signer, issuer=public_url)
    return CabinetView(
        certificate,
        verification_url(public_url, certificate.number, token),
        verification_url(public_url, certificate.number),
    )


def certificate_pdf(
    session: Session,
    patient_id: str,
    signer: CertificateSigner,
    *,
    public_url: str,
    now: dt.datetime,
    locale: str,
    font_dir: Path,
) -> bytes:
    view = cabinet_view(session, patient_id, signer, public_url=public_url, now=now)
    if view is None:
        raise NoVaccinationError("The patient has no completed COVID-19 vaccination.")
    certificate = view.certificate
    return pdf.certificate_pdf(
        number=certificate.number,
        holder=certificate.holder,
        doses=certificate.doses,
        qr_url=view.qr_url,
        page_url=view.page_url,
        locale=locale,
        font_dir=font_dir,
    )
