"""The SMART launch context of an authorization (SMART App Launch v2, standalone launch): which
Patient the person is, decided by the idp from the person's own SNILS, never by the client.

A standalone patient launch has no EHR to hand over a context, and the only patient a citizen's
app may see is the citizen: the idp finds the person's Patient at the FHIR server by SNILS
(:mod:`idp.smart.client`) when the request needs one (:func:`idp.smart.scopes.needs_patient`,
or ``fhirUser``). Nothing the client sends (``patient``, ``launch``) is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from idp.accounts.models import Account
from idp.accounts.protection import FieldCipher
from idp.smart.client import PatientDirectoryUnavailableError
from idp.smart.scopes import FHIR_USER, needs_patient
from shared.contracts.roles import WORKER_ROLES


class PatientDirectory(Protocol):
    def patient_by_snils(self, snils_digits: str, subject: str) -> str | None: ...


@dataclass(frozen=True)
class LaunchOutcome:
    #: the person's Patient id; None: no launch context was asked for, or none was found
    patient: str | None
    #: why the request cannot go on (None: it can): ``access_denied`` or ``temporarily_unavailable``
    error: str | None = None
    description: str | None = None


def resolve_launch(
    account: Account,
    cipher: FieldCipher,
    directory: PatientDirectory,
    scopes: set[str],
    *,
    worker: bool = False,
) -> LaunchOutcome:
    """The person's Patient for a request with ``scopes``. ``launch/patient`` and patient-level
    scopes need one (no record is ``access_denied``); ``fhirUser`` alone is served when there is one
    — except for a medical ``worker`` (an active employment), whose ``fhirUser`` without a patient
    context is their Practitioner (:func:`acting_as_practitioner`): no Patient is looked up."""
    required = needs_patient(scopes)
    if not required and (FHIR_USER not in scopes or worker):
        return LaunchOutcome(None)
    snils = cipher.open(account.snils_encrypted, "snils") if account.snils_encrypted else None
    patient = None
    if snils:
        try:
            patient = directory.patient_by_snils(snils, account.sub)
        except PatientDirectoryUnavailableError:
            if required:
                return LaunchOutcome(
                    None, "temporarily_unavailable", "The health record service cannot be reached now."
                )
            return LaunchOutcome(None)
    if patient is None and required:
        return LaunchOutcome(None, "access_denied", "The person has no health record at the FHIR server.")
    return LaunchOutcome(patient)


def fhir_user(fhir_base: str, patient: str | None) -> str | None:
    """SMART App Launch v2 ``fhirUser``: the absolute URL of the person's FHIR resource."""
    return f"{fhir_base.rstrip('/')}/Patient/{patient}" if patient else None


def acting_as_practitioner(roles: Iterable[str], scopes: Iterable[str]) -> bool:
    """A person acts as a medical worker when their ``roles`` (the idp's, from active employments:
    ``idp.oauth2.grants.common.person_context``) name a worker role and the request asks for no
    patient context (``launch/patient``, patient-level scopes: then they act as the patient)."""
    return bool(WORKER_ROLES & set(roles)) and not needs_patient(scopes)


def practitioner_user(fhir_base: str, person_oid: int) -> str:
    """A worker's ``fhirUser`` (SMART App Launch v2; EGISZ.md §5 "Roles"): their Practitioner at the
    EGISZ FHIR server, ``<base>/Practitioner/<oid>``. The id is the person's ESIA-style ``oid`` —
    stable across employments, the same the EGISZ cabinet knows the person by, and no personal
    number (a SNILS never goes into a URL). The PractitionerRole (the organisation) is the ``org``
    claim beside it."""
    return f"{fhir_base.rstrip('/')}/Practitioner/{person_oid}"
