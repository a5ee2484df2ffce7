"""The kinds of entry the timeline shows and filters by, and the FHIR types behind each."""

from __future__ import annotations

#: kind → FHIR resource types, in the order the filter lists them
KINDS: dict[str, tuple[str, ...]] = {
    "visits": ("Encounter",),
    "results": ("DiagnosticReport", "Observation"),
    "diagnoses": ("Condition",),
    "prescriptions": ("MedicationRequest",),
    "referrals": ("ServiceRequest",),
    "appointments": ("Appointment",),
    "vaccinations": ("Immunization",),
    "documents": ("DocumentReference",),
}
KIND_OF_TYPE: dict[str, str] = {t: kind for kind, types in KINDS.items() for t in types}


def types_of(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The FHIR types of the kinds asked for (every kind when none is)."""
    chosen = kinds or tuple(KINDS)
    return tuple(t for kind in chosen for t in KINDS[kind])
