"""The roles vocabulary of EGISZ.md §5 ("Roles"), as the idp issues it and egisz_api reads it.

The idp records an employment's role in its own words (docs/organizations.md: ``doctor``, ``nurse``,
``lab``, ``registrar``, ``chief``); tokens and the EGISZ cabinet speak EGISZ's: a doctor and a chief
physician are ``practitioner``s. Every person is a ``patient`` of their own record; an integrator
system bound to an organisation is ``mis``.
"""

from __future__ import annotations

from collections.abc import Iterable

PATIENT = "patient"
PRACTITIONER = "practitioner"
MIS = "mis"
#: the idp's employment role → the EGISZ role
EGISZ_ROLE_OF: dict[str, str] = {
    "doctor": PRACTITIONER,
    "chief": PRACTITIONER,
    "nurse": "nurse",
    "lab": "lab",
    "registrar": "registrar",
}
#: the roles of a medical worker (what opens the worker pages)
WORKER_ROLES = frozenset(EGISZ_ROLE_OF.values())
#: the idp's employment role in a health authority (a regional health department, the ministry)
#: → the EGISZ role (EGISZ.md §5 "Roles"): aggregates only, never a patient's record. The idp's
#: employment roles are at most 16 characters, hence the short forms.
AUTHORITY_ROLE_OF: dict[str, str] = {
    "authority_reg": "authority_regional",
    "authority_fed": "authority_federal",
}
AUTHORITY_ROLES = frozenset(AUTHORITY_ROLE_OF.values())


def egisz_role(employment_role: str) -> str | None:
    """The EGISZ role of a medical worker's employment role; None for one EGISZ does not know."""
    return EGISZ_ROLE_OF.get(employment_role)


def authority_role(employment_role: str) -> str | None:
    """The EGISZ role of a health-authority employment; None for any other."""
    return AUTHORITY_ROLE_OF.get(employment_role)


def person_roles(employment_roles: Iterable[str]) -> list[str]:
    """A person's ``roles`` claim: ``patient``, then each worker or authority role once, in a
    stable order."""
    found = {r for r in (egisz_role(e) or authority_role(e) for e in employment_roles) if r}
    return [PATIENT, *sorted(found)]
