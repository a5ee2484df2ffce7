"""Which coded element of which resource type is bound to which value set, and the check of one
resource against those bindings (pure: the membership test is given by the service).

Strengths (R4 §4.1.5 "Terminology binding"):

- ``required``: when the element is present, at least one of its codings comes from the value set,
  and every coding in a system the value set draws from is one of its codes (a wrong ICD-10 code
  beside a right one is still refused); codings of other systems ride along as translations.
- ``extensible`` (checked here as: no wrong code of a system the value set draws from): codings
  of other systems are allowed alone.

Each problem names its element as a FHIRPath expression (``Condition.code.coding[0]``), never the
code itself (a diagnosis is medical data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

ICD10_VS = "urn:egisz:vs:icd-10"
#: ICD-10 and the SNOMED CT disorders held: what Condition.code takes
DIAGNOSES_VS = "urn:egisz:vs:diagnoses"
ENCOUNTER_CLASS_VS = "urn:egisz:vs:encounter-class"
OBSERVATION_CATEGORY_VS = "urn:egisz:vs:observation-category"
LAB_TESTS_VS = "urn:egisz:vs:lab-tests"
COVID_TESTS_VS = "urn:egisz:vs:covid-tests"
COVID_RESULTS_VS = "urn:egisz:vs:covid-test-results"
VACCINES_VS = "urn:egisz:vs:vaccines"
MEDICATIONS_VS = "urn:egisz:vs:medications"
SERVICE_REQUESTS_VS = "urn:egisz:vs:service-requests"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

#: is (system, code) in the value set: ``member(value_set, system, code)``
Member = Callable[[str, str, str], bool]
#: does the value set draw codes from this system: ``governs(value_set, system)``
Governs = Callable[[str, str], bool]


@dataclass(frozen=True)
class Binding:
    element: str
    value_set: str
    strength: str = "required"
    #: the element is a Coding (Encounter.class), not a CodeableConcept
    coding: bool = False
    #: applies only when this element holds this (system, code): a lab Observation
    when_token: tuple[str, str, str] | None = None
    #: applies only when this element holds a code of this value set: a COVID test's result
    when_in: tuple[str, str] | None = None


BINDINGS: Mapping[str, tuple[Binding, ...]] = {
    "Condition": (Binding("code", DIAGNOSES_VS),),
    "Encounter": (Binding("class", ENCOUNTER_CLASS_VS, coding=True),),
    "Observation": (
        Binding("category", OBSERVATION_CATEGORY_VS, strength="extensible"),
        Binding("code", LAB_TESTS_VS, when_token=("category", OBSERVATION_CATEGORY, "laboratory")),
        Binding("valueCodeableConcept", COVID_RESULTS_VS, when_in=("code", COVID_TESTS_VS)),
    ),
    "Immunization": (Binding("vaccineCode", VACCINES_VS),),
    "MedicationRequest": (Binding("medicationCodeableConcept", MEDICATIONS_VS),),
    "ServiceRequest": (Binding("code", SERVICE_REQUESTS_VS),),
}


def _concepts(resource: Mapping[str, Any], element: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each CodeableConcept (or Coding) of an element, with its expression."""
    value = resource.get(element)
    base = f"{resource.get('resourceType')}.{element}"
    if isinstance(value, Mapping):
        yield base, value
    elif isinstance(value, list):
        for n, item in enumerate(value):
            if isinstance(item, Mapping):
                yield f"{base}[{n}]", item


def _codings(concept: Mapping[str, Any]) -> Iterator[tuple[int, str, str]]:
    codings = concept.get("coding")
    for n, coding in enumerate(codings if isinstance(codings, list) else ()):
        if isinstance(coding, Mapping):
            system, code = coding.get("system"), coding.get("code")
            yield n, system if isinstance(system, str) else "", code if isinstance(code, str) else ""


def _holds(resource: Mapping[str, Any], element: str, test: Callable[[str, str], bool]) -> bool:
    return any(
        test(system, code)
        for _, concept in _concepts(resource, element)
        for _, system, code in _codings(concept)
    )


def _applies(binding: Binding, resource: Mapping[str, Any], member: Member) -> bool:
    if binding.when_token is not None:
        element, want_system, want_code = binding.when_token
        if not _holds(resource, element, lambda s, c: s == want_system and c == want_code):
            return False
    if binding.when_in is not None:
        element, value_set = binding.when_in
        if not _holds(resource, element, lambda s, c: member(value_set, s, c)):
            return False
    return True


def _message(value_set: str, absent: bool) -> str:
    if absent:
        return (
            f"Нет ни одного кода из набора значений {value_set} (no coding from the value set {value_set})."
        )
    return f"Код не входит в набор значений {value_set} (the code is not in the value set {value_set})."


def _check_coding(
    binding: Binding, expression: str, coding: Mapping[str, Any], member: Member
) -> list[tuple[str, str]]:
    system, code = coding.get("system"), coding.get("code")
    if isinstance(system, str) and isinstance(code, str) and member(binding.value_set, system, code):
        return []
    return [(expression, _message(binding.value_set, absent=False))]


def problems(resource: Mapping[str, Any], member: Member, governs: Governs) -> list[tuple[str, str]]:
    """(expression, message) for every coded element outside its value set; empty when all pass."""
    found: list[tuple[str, str]] = []
    for binding in BINDINGS.get(str(resource.get("resourceType")), ()):
        if not _applies(binding, resource, member):
            continue
        for expression, concept in _concepts(resource, binding.element):
            if binding.coding:
                found.extend(_check_coding(binding, expression, concept, member))
                continue
            in_set = wrong = False
            for n, system, code in _codings(concept):
                if not governs(binding.value_set, system):
                    continue
                if member(binding.value_set, system, code):
                    in_set = True
                else:
                    wrong = True
                    found.append((f"{expression}.coding[{n}]", _message(binding.value_set, absent=False)))
            if binding.strength == "required" and not in_set and not wrong:
                found.append((expression, _message(binding.value_set, absent=True)))
    return found
