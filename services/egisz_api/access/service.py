"""Who is calling and what they may reach, in the order of EGISZ.md §5 (A).

token (verified before this runs) → scope ⊇ interaction → role allows it → patient compartment →
consent (the gate, called by the FHIR service for non-patient callers). Each step is a small check
raising one typed error; the FHIR service writes the AuditEvent of every denial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.access.errors import AccessDeniedError, InsufficientScopeError
from egisz_api.access.scopes import Scope, parse_scopes
from egisz_api.records import service as records
from egisz_api.records.parameters import DEFINITIONS, SNILS_SYSTEM, parse_reference, token_value
from egisz_api.records.schemas import OrganizationRule, TokenCondition

REALM = "egisz"
#: roles of people and systems who work with many patients' records (EGISZ.md §5 "Roles")
STAFF_ROLES = frozenset(
    {
        "practitioner",
        "nurse",
        "registrar",
        "lab",
        "mis",
        "admin",
        "auditor",
        "authority_regional",
        "authority_federal",
    }
)
READ_ROLES = frozenset({"practitioner", "nurse", "registrar", "lab", "mis", "admin", "auditor"})
_CLINICAL_WRITERS = frozenset({"practitioner", "mis"})
#: who may create and update each type (EGISZ.md §5 rows 7-29; the qes step-up is issue 14's)
WRITE_ROLES: Mapping[str, frozenset[str]] = {
    "Patient": frozenset({"registrar", "mis", "admin"}),
    "Encounter": _CLINICAL_WRITERS,
    "Condition": _CLINICAL_WRITERS,
    "Observation": frozenset({"lab", "practitioner", "nurse", "mis"}),
    "DiagnosticReport": frozenset({"lab", "practitioner", "mis"}),
    "ServiceRequest": _CLINICAL_WRITERS,
    "MedicationRequest": _CLINICAL_WRITERS,
    "Appointment": frozenset({"registrar", "practitioner", "mis"}),
    "Immunization": frozenset({"practitioner", "nurse", "mis"}),
    "DocumentReference": _CLINICAL_WRITERS,
    "Consent": frozenset({"registrar", "mis"}),
    # patients' correction/deletion requests are processed by registrars, practitioners and the DPO
    # (auditor), EGISZ.md §5 row 33; systems update order-workflow Tasks (row 17)
    "Task": frozenset({"registrar", "practitioner", "auditor", "mis"}),
    # R4 rest-hook Subscriptions are for integrator systems (EGISZ.md §5 row 34)
    "Subscription": frozenset({"mis"}),
}
#: who may DELETE: a clinical record (marked entered-in-error) EGISZ.md §5 (C) "admin-only plus qes";
#: an integrator system its own Subscription (row 34)
DELETE_ROLES: Mapping[str, frozenset[str]] = {"Subscription": frozenset({"mis"})}
CLINICAL_DELETE_ROLES = frozenset({"admin"})
#: what a patient may write for themselves: booking (row 21) and their own consent (row 29)
PATIENT_WRITABLE = frozenset({"Appointment", "Consent"})
#: what a patient may only create: a correction or deletion request (R-EGZ-5), never change it after
PATIENT_CREATABLE = frozenset({"Task"})
_NAMES = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}


@dataclass(frozen=True)
class Caller:
    subject: str
    client_id: str | None
    scopes: tuple[Scope, ...]
    roles: frozenset[str]
    #: the Patient whose compartment bounds this caller (a patient, or a patient-context launch)
    patient_id: str | None
    is_patient: bool
    #: an integrator system bound to its organisation reaches only that organisation's patients
    #: (:func:`organization_rule`); None: not bound here
    organization: OrganizationRule | None = None

    @property
    def purpose(self) -> str:
        """The purpose of use recorded with each access (v3 PurposeOfUse)."""
        if self.is_patient:
            return "PATRQT"
        return "HOPERAT" if not self.roles or self.roles <= {"mis"} else "TREAT"


@dataclass(frozen=True)
class Grant:
    #: only this Patient's compartment (None: any patient)
    compartment: str | None
    #: granular scope restrictions: OR of ANDs (None: unrestricted)
    restrictions: list[list[TokenCondition]] | None


def _roles(claims: Mapping[str, Any]) -> frozenset[str]:
    value = claims.get("roles")
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    return frozenset()


def identify(session: Session, claims: Mapping[str, Any]) -> Caller:
    """The caller a verified token describes. A patient's Patient is the ``patient`` claim, or the
    one Patient carrying the token's ``snils`` as a SNILS identifier (EGISZ.md §1.4)."""
    scopes = tuple(parse_scopes(claims.get("scope")))
    roles = _roles(claims)
    # the idp names every person ``patient`` and adds a worker's roles (docs/organizations.md
    # «Claims»): a worker acting with user/ scopes is staff, the same person with patient/ scopes
    # only (their own SMART app) is the patient
    patient_scopes_only = bool(scopes) and all(s.context == "patient" for s in scopes)
    is_patient = ("patient" in roles and not roles & STAFF_ROLES) or (
        patient_scopes_only and (not roles & STAFF_ROLES or "patient" in roles)
    )
    patient_id = claims.get("patient") if isinstance(claims.get("patient"), str) else None
    snils = claims.get("snils")
    if patient_id is None and is_patient and isinstance(snils, str) and snils:
        found = records.patient_ids_with_identifier(session, SNILS_SYSTEM, snils)
        patient_id = found[0] if len(found) == 1 else None
    client_id = claims.get("client_id")
    return Caller(
        subject=str(claims.get("sub", "")),
        client_id=str(client_id) if client_id is not None else None,
        scopes=scopes,
        roles=roles,
        patient_id=patient_id,
        is_patient=is_patient,
        organization=None if is_patient else organization_rule(claims, roles, scopes),
    )


#: the medical workers' roles (EGISZ.md §5 "Roles"), bound to their organisation like a system
WORKER_ROLES = frozenset({"practitioner", "nurse", "registrar", "lab"})
#: roles whose reach is not one organisation's
UNBOUND_ROLES = frozenset({"admin", "auditor"})


def organization_rule(
    claims: Mapping[str, Any], roles: frozenset[str], scopes: tuple[Scope, ...]
) -> OrganizationRule | None:
    """EGISZ.md §5 (A) organisation restriction for an integrator system (issue 14): a token acting
    as ``mis`` (the idp's ``roles: ["mis"]``, or no roles and ``system/`` scopes) that names its
    organisation (``org``, the idp's client binding, migration 0013w; ``org_ogrn`` its OGRN) reaches
    only the patients whose ``managingOrganization`` is that organisation. A system the idp binds
    to no organisation is not restricted here (docs/fhir.md «Organisation restriction»)."""
    org = claims.get("org")
    system = "mis" in roles or (not roles and any(s.context == "system" for s in scopes))
    # a medical worker acts for the organisation the idp names (issue 14 item 1: «a worker sees
    # only patients of their own organisation»); an admin or an auditor is not bound here
    worker = bool(roles & WORKER_ROLES) and not roles & UNBOUND_ROLES
    if not (system or worker) or not isinstance(org, str) or not org:
        return None
    ogrn = claims.get("org_ogrn")
    identifiers = (org, ogrn) if isinstance(ogrn, str) and ogrn else (org,)
    return OrganizationRule(reference_id=org, identifiers=identifiers)


def manages(rule: OrganizationRule, patient: Mapping[str, Any]) -> bool:
    """Whether a Patient body's ``managingOrganization`` names the rule's organisation (by reference
    or identifier value, as :func:`egisz_api.records.repository.organization_patients` indexes)."""
    managing = patient.get("managingOrganization")
    if not isinstance(managing, dict):
        return False
    reference = managing.get("reference")
    target = parse_reference(reference) if isinstance(reference, str) else None
    if target == ("Organization", rule.reference_id):
        return True
    identifier = managing.get("identifier")
    value = identifier.get("value") if isinstance(identifier, dict) else None
    return isinstance(value, str) and value in rule.identifiers


def _restrictions(scope: Scope, resource_type: str) -> list[TokenCondition] | None:
    """A scope's restriction as token conditions; None when it names something not a token
    parameter of this type (such a scope grants nothing here: fail closed)."""
    definition = DEFINITIONS[resource_type]
    conditions = []
    for param, value in scope.restrictions:
        parameter = definition.parameters.get(param)
        if parameter is None or parameter.kind != "token":
            return None
        system, code = token_value(value)
        conditions.append(TokenCondition(param, system, code))
    return conditions


def check_scope(caller: Caller, resource_type: str, permission: str) -> list[Scope]:
    matching = [s for s in caller.scopes if s.covers(resource_type, permission)]
    if not matching:
        context = "patient" if caller.is_patient else "user"
        raise InsufficientScopeError(
            f"The token has no scope to {_NAMES[permission]} {resource_type}.",
            realm=REALM,
            scope=f"{context}/{resource_type}.{permission}",
        )
    return matching


def check_role(caller: Caller, resource_type: str, permission: str, scopes: list[Scope]) -> None:
    # a client_credentials token (system/ scopes, no person) acts as the integrator system it is
    roles = caller.roles or (
        frozenset({"mis"}) if any(s.context == "system" for s in scopes) else frozenset()
    )
    if permission in "rs":
        allowed = READ_ROLES
    elif permission == "d":
        allowed = DELETE_ROLES.get(resource_type, CLINICAL_DELETE_ROLES)
    else:
        allowed = WRITE_ROLES.get(resource_type, frozenset())
    if not roles & allowed:
        raise AccessDeniedError(
            f"The caller's role does not allow it to {_NAMES[permission]} {resource_type}.", realm=REALM
        )


def check_patient(caller: Caller, resource_type: str, permission: str) -> str:
    creatable = permission == "c" and resource_type in PATIENT_CREATABLE
    if permission in "cud" and caller.is_patient and resource_type not in PATIENT_WRITABLE and not creatable:
        raise AccessDeniedError(f"A patient may not {_NAMES[permission]} {resource_type}.", realm=REALM)
    if caller.patient_id is None:
        raise AccessDeniedError("The token names no Patient record this server holds.", realm=REALM)
    return caller.patient_id


def authorize(caller: Caller, resource_type: str, permission: str) -> Grant:
    """Scope, role and compartment for one interaction (``c r u d s``) on one type."""
    matching = check_scope(caller, resource_type, permission)
    staff = [s for s in matching if s.context != "patient"]
    if caller.is_patient or not staff:
        compartment: str | None = check_patient(caller, resource_type, permission)
        relevant = matching
    else:
        check_role(caller, resource_type, permission, staff)
        compartment, relevant = None, staff
    if any(not s.restrictions for s in relevant):
        return Grant(compartment, None)
    usable = [r for r in (_restrictions(s, resource_type) for s in relevant) if r is not None]
    if not usable:
        raise InsufficientScopeError(
            f"The token's {resource_type} scopes are restricted by parameters this server does not apply.",
            realm=REALM,
        )
    return Grant(compartment, usable)


def try_authorize(caller: Caller, resource_type: str, permission: str) -> Grant | None:
    try:
        return authorize(caller, resource_type, permission)
    except InsufficientScopeError:
        return None
