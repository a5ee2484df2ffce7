"""The worker forms as data (leaves): which fields each form has, what a parked form holds, and
what the layers hand each other.

Each form is one kind of FHIR write; its coded fields are selects fed from the terminology's value
sets (the same value sets the FHIR API's binding check uses, so a select can only offer what the
write will accept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from egisz_api.terminology.bindings import (
    DIAGNOSES_VS,
    ENCOUNTER_CLASS_VS,
    LAB_TESTS_VS,
    MEDICATIONS_VS,
    SERVICE_REQUESTS_VS,
    VACCINES_VS,
)

FieldKind = Literal["select", "text", "date", "number"]


@dataclass(frozen=True)
class FormField:
    name: str
    label_key: str
    kind: FieldKind
    #: a select's value set (its members are the options)
    value_set: str | None = None
    #: only the codes starting with one of these (the lab services of the medical-services list)
    prefixes: tuple[str, ...] = ()
    required: bool = True
    hint_key: str | None = None
    maxlength: int = 200


@dataclass(frozen=True)
class FormKind:
    slug: str
    title_key: str
    #: the resource types it writes, in order (a lab result: the Observation, then its report)
    resource_types: tuple[str, ...]
    fields: tuple[FormField, ...]


_DATE = FormField("date", "wf_date", "date", hint_key="wf_date_hint")
_NOTE = FormField("note", "wf_note", "text", required=False, maxlength=500)
_LAB_SERVICES = ("A09", "A26", "B03")
_VISIT_SERVICES = ("B01",)

FORMS: dict[str, FormKind] = {
    form.slug: form
    for form in (
        FormKind(
            "prescription", "wf_prescription_title", ("MedicationRequest",),
            (
                FormField("code", "wf_medication", "select", MEDICATIONS_VS),
                FormField("dosage", "wf_dosage", "text", hint_key="wf_dosage_hint", maxlength=300),
                _DATE,
            ),
        ),
        FormKind(
            "referral", "wf_referral_title", ("ServiceRequest",),
            (FormField("code", "wf_service", "select", SERVICE_REQUESTS_VS, _VISIT_SERVICES), _DATE, _NOTE),
        ),
        FormKind(
            "lab-order", "wf_lab_order_title", ("ServiceRequest",),
            (FormField("code", "wf_lab_service", "select", SERVICE_REQUESTS_VS, _LAB_SERVICES), _DATE, _NOTE),
        ),
        FormKind(
            "lab-result", "wf_lab_result_title", ("Observation", "DiagnosticReport"),
            (
                FormField("code", "wf_lab_test", "select", LAB_TESTS_VS),
                FormField("value", "wf_value", "number", hint_key="wf_value_hint", maxlength=20),
                FormField("unit", "wf_unit", "text", hint_key="wf_unit_hint", maxlength=30),
                _DATE,
            ),
        ),
        FormKind(
            "vaccination", "wf_vaccination_title", ("Immunization",),
            (
                FormField("code", "wf_vaccine", "select", VACCINES_VS),
                FormField("dose", "wf_dose", "number", hint_key="wf_dose_hint", maxlength=4),
                FormField("lot", "wf_lot", "text", maxlength=40),
                _DATE,
            ),
        ),
        FormKind(
            "visit", "wf_visit_title", ("Encounter",),
            (FormField("code", "wf_encounter_class", "select", ENCOUNTER_CLASS_VS), _DATE, _NOTE),
        ),
        FormKind(
            "diagnosis", "wf_diagnosis_title", ("Condition",),
            (FormField("code", "wf_icd10", "select", DIAGNOSES_VS, hint_key="wf_icd10_hint"), _DATE, _NOTE),
        ),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Option:
    #: ``system|code``: what the select posts
    value: str
    label: str


@dataclass(frozen=True)
class Checked:
    """A form as typed (``values``, echoed back), its errors (field id, text key) and, when it has
    none, the coded choices with their displays (field name → (system, code, display))."""

    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    codings: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    day: dt.date | None = None


@dataclass(frozen=True)
class Parked:
    """A form kept server-side while its worker signs at the idp (docs/worker-forms.md)."""

    handle: str
    kind: str
    patient_id: str
    values: dict[str, str]


@dataclass(frozen=True)
class Saved:
    """What a write created: (type, id) of each resource, the first the one to show."""

    created: list[tuple[str, str]]
