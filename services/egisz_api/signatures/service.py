"""The signature rule for medical writes (EGISZ.md §5 (A) last step, §2.5; RFC 9470), the
organisation binding of workers, and the Provenance every signed write records.

- A person's token satisfies the rule by its login: ``acr`` ≥ ``urn:idp:acr:sig``
  (:func:`egisz_api.signatures.rules.login_kind`); else 401 ``insufficient_user_authentication``.
- A system token (no ``acr``/``amr``: ``client_credentials``) satisfies it only with a Provenance
  signed by a practitioner (``X-Provenance`` for one write, a Bundle entry for a transaction):
  :func:`verify_provenance`. Missing → 401; not verifying, or an untrusted / revoked / expired
  certificate → 422 naming why. The caller runs this before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.access import service as access
from egisz_api.access.service import Caller
from egisz_api.records import service as records
from egisz_api.records.errors import ResourceNotFoundError
from egisz_api.records.schemas import StoredResource
from egisz_api.signatures import cms, trust
from egisz_api.signatures.errors import (
    InsufficientUserAuthenticationError,
    OrganizationMismatchError,
    ProvenanceRefusedError,
)
from egisz_api.signatures.provenance import AUTHOR_SIGNATURE, CMS_FORMAT, build, canonical
from egisz_api.signatures.rules import MEDICAL_TYPES, is_person_token, login_kind
from egisz_api.signatures.schemas import SignatureInfo
from egisz_api.signatures.trust import CrlSource, HttpCrlSource, TrustStore

Clock = Callable[[], dt.datetime]
#: roles of people who work for one organisation (EGISZ.md §5 "Roles"): bound to their ``org``
WORKER_ROLES = frozenset({"practitioner", "nurse", "registrar", "lab"})
MAX_PROVENANCE_BYTES = 128 * 1024


@dataclass
class SignatureContext:
    """The trust anchors and the CRL source signed Provenances are checked against."""

    store: TrustStore = field(default_factory=TrustStore)
    crl_source: CrlSource = field(default_factory=HttpCrlSource)
    #: off only for fixtures that load data through the API (dev mode; settings refuse otherwise)
    required: bool = True


def needs_signature(resource_type: str) -> bool:
    return resource_type in MEDICAL_TYPES


def _organization(claims: Mapping[str, Any]) -> str | None:
    org = claims.get("org")
    return f"Organization/{org}" if isinstance(org, str) and org else None


def _thumbprint(claims: Mapping[str, Any]) -> str | None:
    """RFC 8705 §3.1 ``cnf`` ``x5t#S256`` (or a top-level ``x5t#S256``) of a signature login, as
    the hex SHA-256 a verified CMS gives (:func:`verify_provenance`), so that a Provenance names a
    certificate the same way whichever path satisfied the rule. Anything but the base64url of 32
    bytes names no certificate (None)."""
    cnf = claims.get("cnf")
    value = cnf.get("x5t#S256") if isinstance(cnf, dict) else claims.get("x5t#S256")
    if not isinstance(value, str) or len(value) != 43:
        return None
    try:
        digest = base64.urlsafe_b64decode(value + "=")
    except (ValueError, binascii.Error):
        return None
    return digest.hex() if len(digest) == 32 else None


def check_signed_write(
    claims: Mapping[str, Any],
    resource_type: str,
    targets: Sequence[dict[str, Any]],
    provenance_header: str | None,
    *,
    signatures: SignatureContext,
    clock: Clock,
) -> SignatureInfo | None:
    """The last step of §5 (A) for a create/update of ``targets``: None when the type is not
    medical data (or the rule is off and nothing was signed); what satisfied the rule otherwise
    (a Provenance is then recorded); raises when nothing does."""
    if not needs_signature(resource_type):
        return None
    if is_person_token(claims):
        kind = login_kind(claims)
        if kind is None and not signatures.required:
            return None  # the rule is off (dev fixtures): an unsigned write records no Provenance
        if kind is None:
            raise InsufficientUserAuthenticationError(
                f"Writing {resource_type} (medical data) needs a login by electronic signature "
                "(acr urn:idp:acr:sig or urn:idp:acr:qes); sign in again with a signature and retry.",
                realm=access.REALM,
            )
        auth_time = claims.get("auth_time")
        when = dt.datetime.fromtimestamp(auth_time, dt.UTC) if isinstance(auth_time, int) else clock()
        who = claims.get("fhirUser")
        name = claims.get("name")
        return SignatureInfo(
            kind=kind,
            source="login",
            who=who if isinstance(who, str) and who else None,
            organization=_organization(claims),
            thumbprint=_thumbprint(claims),
            when=when,
            who_display=name if isinstance(name, str) and name else None,
        )
    if not provenance_header and not signatures.required:
        return None
    if not provenance_header:
        raise InsufficientUserAuthenticationError(
            f"A system writing {resource_type} (medical data) must send a Provenance signed by a "
            "practitioner in the X-Provenance header (EGISZ.md section 5 #26).",
            realm=access.REALM,
        )
    if len(provenance_header) > MAX_PROVENANCE_BYTES:
        raise ProvenanceRefusedError(f"X-Provenance may take at most {MAX_PROVENANCE_BYTES} bytes.")
    try:
        provenance = json.loads(provenance_header)
    except ValueError as exc:
        raise ProvenanceRefusedError("X-Provenance is not a JSON Provenance resource.") from exc
    return verify_provenance(None, provenance, targets, signatures=signatures, clock=clock)


def _signature_of(provenance: Any) -> dict[str, Any]:
    if not isinstance(provenance, dict) or provenance.get("resourceType") != "Provenance":
        raise ProvenanceRefusedError("The supplied Provenance is not a Provenance resource.")
    signatures = provenance.get("signature")
    if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
        raise ProvenanceRefusedError("The Provenance must carry exactly one signature.")
    signature: dict[str, Any] = signatures[0]
    found = signature.get("type")
    types: list[Any] = found if isinstance(found, list) else []
    if not any(isinstance(t, dict) and t.get("code") == AUTHOR_SIGNATURE for t in types):
        raise ProvenanceRefusedError(
            f"Provenance.signature.type must include {AUTHOR_SIGNATURE} (Author's Signature)."
        )
    if signature.get("sigFormat", CMS_FORMAT) != CMS_FORMAT:
        raise ProvenanceRefusedError(f"Provenance.signature.sigFormat must be {CMS_FORMAT} (a detached CMS).")
    if not isinstance(signature.get("data"), str):
        raise ProvenanceRefusedError("Provenance.signature.data (the base64 CMS) is missing.")
    who = signature.get("who")
    reference = who.get("reference") if isinstance(who, dict) else None
    if not isinstance(reference, str) or not reference.split("/")[-2:-1] == ["Practitioner"]:
        raise ProvenanceRefusedError("Provenance.signature.who must reference the signing Practitioner.")
    return signature


def _on_behalf_of(provenance: dict[str, Any]) -> str | None:
    for agent in provenance.get("agent") or []:
        if isinstance(agent, dict):
            for key in ("onBehalfOf", "who"):
                value = agent.get(key)
                ref = value.get("reference") if isinstance(value, dict) else None
                if isinstance(ref, str) and ref.startswith("Organization/"):
                    return ref
    return None


def verify_provenance(
    session: Session | None,
    provenance: Any,
    targets: Sequence[dict[str, Any]],
    *,
    signatures: SignatureContext,
    clock: Clock,
) -> SignatureInfo:
    """A practitioner's detached CMS signature over ``targets`` (the resources as sent, see
    :func:`egisz_api.signatures.provenance.canonical`), verified, its certificate trusted now.
    For a transaction Bundle: pass the entries' resources the Provenance covers, in entry order.
    Raises a :class:`ProvenanceRefusedError` subclass naming why; writes nothing."""
    del session  # the trust store is configuration, not data (kept for a database-backed store)
    if not targets:
        raise ProvenanceRefusedError("The Provenance covers no resource.")
    signature = _signature_of(provenance)
    verified = cms.verify_detached(signature["data"], canonical(targets))
    kind = trust.validate(
        signatures.store,
        signatures.crl_source,
        verified.signer_certificate,
        verified.certificates,
        clock=clock,
    )
    return SignatureInfo(
        kind=kind,
        source="provenance",
        who=signature["who"]["reference"],
        organization=_on_behalf_of(provenance),
        thumbprint=hashlib.sha256(verified.signer_certificate).hexdigest(),
        when=verified.signing_time or clock(),
        data=signature["data"],
        sig_format=CMS_FORMAT,
    )


def record_provenance(
    session: Session, info: SignatureInfo, targets: Sequence[StoredResource], *, activity: str, clock: Clock
) -> StoredResource:
    """Store the Provenance of a signed write (in the write's transaction)."""
    now = clock()
    return records.create(
        session, "Provenance", build(info, targets, activity=activity, now=now), clock=lambda: now
    )


def _managing_organization(session: Session, patient_id: str) -> tuple[str | None, str | None]:
    try:
        patient = json.loads(records.read(session, "Patient", patient_id).content)
    except ResourceNotFoundError:
        return None, None
    managing = patient.get("managingOrganization")
    if not isinstance(managing, dict):
        return None, None
    identifier = managing.get("identifier")
    value = identifier.get("value") if isinstance(identifier, dict) else None
    return managing.get("reference"), value if isinstance(value, str) else None


def check_organization(
    session: Session, caller: Caller, claims: Mapping[str, Any], patient_id: str | None
) -> None:
    """A worker (practitioner, nurse, registrar, lab) writes only for patients of their own
    organisation: the Patient's ``managingOrganization`` must be ``Organization/{org}`` or carry the
    ``org`` claim, or the idp's ``org_ogrn`` (the organisation's OGRN, as the cabinet and the seed
    name it), as its identifier value. A worker token without ``org``, or a patient with no
    managing organisation, is refused (fail closed). Systems and admins are not bound here."""
    if patient_id is None or caller.is_patient or not caller.roles & WORKER_ROLES:
        return
    org = claims.get("org")
    if not isinstance(org, str) or not org:
        raise OrganizationMismatchError(
            "The token names no organisation (org claim); a worker writes only for their "
            "organisation's patients.",
            realm=access.REALM,
        )
    reference, identifier = _managing_organization(session, patient_id)
    if reference is not None and reference.split("/_history/")[0].endswith(f"Organization/{org}"):
        return
    if identifier is not None and identifier in (org, claims.get("org_ogrn")):
        return
    raise OrganizationMismatchError(
        f"Patient/{patient_id} is not a patient of the caller's organisation.", realm=access.REALM
    )
