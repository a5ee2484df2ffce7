"""Which SMART App Launch v2 scopes a client may be granted (EGISZ.md §2.2), and which of them need
the person's Patient record at the FHIR server.

A client's registration lists what it may ask for (``clients.scopes``). A non-SMART scope must be
listed as it is; a SMART resource scope is granted when a registered one includes it
(:meth:`shared.smart_scopes.Scope.includes`): ``patient/*.rs`` lets a client ask for
``patient/Observation.rs``, never the other way round, and a registered ``?category=`` restriction
must be in the request too.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.smart_scopes import CONTEXT_SCOPES, RESOURCE_SCOPES, parse_scope

#: SMART App Launch v2 §"Scopes for requesting context data": the patient of a standalone launch
LAUNCH_PATIENT = "launch/patient"
#: SMART App Launch v2 §"Scopes for requesting identity data": ``fhirUser`` in the ID token
FHIR_USER = "fhirUser"
#: EGISZ.md §5 row 34: the patient's own notification settings at egisz_api (not a SMART scope,
#: but bound to the person's Patient the same way)
NOTIFICATIONS = "notifications.rw"
#: the SMART scopes the discovery document names (the granular forms are accepted as well)
ADVERTISED = (*CONTEXT_SCOPES, *RESOURCE_SCOPES)


def unregistered(registered: Iterable[str], requested: Iterable[str]) -> set[str]:
    """The requested scopes no registered scope covers (RFC 6749 §3.3 ``invalid_scope``)."""
    registered = set(registered)
    granted = [s for s in (parse_scope(r) for r in registered) if s is not None]
    refused = set()
    for name in set(requested) - registered:
        wanted = parse_scope(name)
        if wanted is None or not any(g.includes(wanted) for g in granted):
            refused.add(name)
    return refused


def needs_patient(scopes: Iterable[str]) -> bool:
    """The token must name the person's Patient: a standalone patient launch, the patient's own
    notification settings (``notifications.rw``), or patient-level resource scopes (egisz_api bounds
    such a token to the Patient in its ``patient`` claim)."""
    names = set(scopes)
    if LAUNCH_PATIENT in names or NOTIFICATIONS in names:
        return True
    return any(s is not None and s.context == "patient" for s in map(parse_scope, names))
