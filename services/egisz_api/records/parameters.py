"""The search parameters each resource type supports, and their extraction from a resource.

Each parameter is a kind (token, date, reference, string) and the element paths it reads, after the
base R4 definitions (https://hl7.org/fhir/R4/searchparameter-registry.html) narrowed to what
EGISZ.md §2.1 and §5 name. Extraction runs on write and fills the index tables; the
CapabilityStatement is generated from the same table, so it lists exactly what works.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from egisz_api.records.dates import EARLIEST, LATEST, FhirDateError, date_range
from egisz_api.records.measures import MeasureFact, fact_of

Kind = Literal["token", "date", "reference", "string"]

#: EGISZ.md §1.4: the N3 platform's systems are canonical; the RuCore IG URLs and the X.509 SNILS
#: OID (1.2.643.100.3) are accepted as aliases, in resources and in searches alike.
SNILS_SYSTEM = "urn:oid:1.2.643.2.69.1.1.1.6.223"
OMS_SYSTEM = "urn:oid:1.2.643.2.69.1.1.1.6.228"
SYSTEM_ALIASES = {
    "urn:oid:1.2.643.100.3": SNILS_SYSTEM,
    "https://fhir.ru/ig/core/systems/snils": SNILS_SYSTEM,
    "https://fhir.ru/ig/core/systems/oms": OMS_SYSTEM,
}
#: identifiers compared by their digits only: SNILS is printed "123-456-789 01"
DIGIT_SYSTEMS = {SNILS_SYSTEM, OMS_SYSTEM}


@dataclass(frozen=True)
class SearchParameter:
    name: str
    kind: Kind
    paths: tuple[str, ...]
    #: for reference parameters: only targets of this type are indexed (``patient`` → Patient)
    target: str | None = None
    description: str = ""


@dataclass(frozen=True)
class ResourceDefinition:
    type: str
    parameters: dict[str, SearchParameter]
    #: the reference paths that put a resource into a Patient's compartment
    compartment: tuple[str, ...]
    #: the date parameter ``_sort=date`` orders by (None: the type sorts by ``_lastUpdated`` only)
    sort_parameter: str | None
    #: ``_include`` values this type answers (EGISZ.md §5 row 14)
    includes: dict[str, str] = field(default_factory=dict)


#: the Patient search parameter over ``managingOrganization.identifier`` (local to this server)
ORGANIZATION_IDENTIFIER = "organization-identifier"


def _p(
    name: str, kind: Kind, *paths: str, target: str | None = None, description: str = ""
) -> SearchParameter:
    return SearchParameter(name, kind, paths, target, description)


def _subject(*paths: str) -> list[SearchParameter]:
    return [
        _p(
            "patient", "reference", *paths, target="Patient", description="The patient (Patient/<id> or <id>)"
        ),
        _p("subject", "reference", *paths, description="Who the resource is about"),
    ]


def _define(
    type_: str,
    params: list[SearchParameter],
    compartment: tuple[str, ...],
    sort_parameter: str | None,
    includes: dict[str, str] | None = None,
) -> ResourceDefinition:
    return ResourceDefinition(type_, {p.name: p for p in params}, compartment, sort_parameter, includes or {})


_EFFECTIVE = ("effectiveDateTime", "effectivePeriod", "effectiveInstant")

DEFINITIONS: dict[str, ResourceDefinition] = {
    d.type: d
    for d in [
        _define(
            "Patient",
            [
                _p("identifier", "token", "identifier", description="SNILS, OMS policy... as system|value"),
                _p("family", "string", "name.family"),
                _p("given", "string", "name.given"),
                _p("name", "string", "name"),
                _p("birthdate", "date", "birthDate"),
                _p("gender", "token", "gender"),
                # R4 Patient ``organization``; and the identifier EGISZ names it by (the OGRN):
                # the organisation restriction of integrator systems runs on these (issue 14)
                _p("organization", "reference", "managingOrganization", target="Organization"),
                _p(
                    ORGANIZATION_IDENTIFIER,
                    "token",
                    "managingOrganization.identifier",
                    description="The managing organisation's identifier (OGRN) as system|value",
                ),
            ],
            (),
            "birthdate",
        ),
        _define(
            "Encounter",
            [
                _p(
                    "identifier",
                    "token",
                    "identifier",
                    description="business identifier (conditional create)",
                ),
                *_subject("subject"),
                _p("date", "date", "period"),
                _p("status", "token", "status"),
                _p("class", "token", "class"),
                _p("type", "token", "type"),
                _p("service-provider", "reference", "serviceProvider"),
                _p("participant", "reference", "participant.individual"),
            ],
            ("subject",),
            "date",
        ),
        _define(
            "Condition",
            [
                *_subject("subject"),
                _p("code", "token", "code"),
                _p("clinical-status", "token", "clinicalStatus"),
                _p("verification-status", "token", "verificationStatus"),
                _p("category", "token", "category"),
                _p("onset-date", "date", "onsetDateTime", "onsetPeriod"),
                _p("encounter", "reference", "encounter"),
            ],
            ("subject",),
            "onset-date",
        ),
        _define(
            "Observation",
            [
                _p(
                    "identifier",
                    "token",
                    "identifier",
                    description="business identifier (conditional create)",
                ),
                *_subject("subject"),
                _p("category", "token", "category"),
                _p("code", "token", "code"),
                _p("date", "date", *_EFFECTIVE),
                _p("status", "token", "status"),
                _p("encounter", "reference", "encounter"),
            ],
            ("subject",),
            "date",
        ),
        _define(
            "DiagnosticReport",
            [
                _p(
                    "identifier",
                    "token",
                    "identifier",
                    description="business identifier (conditional create)",
                ),
                *_subject("subject"),
                _p("category", "token", "category"),
                _p("code", "token", "code"),
                _p("date", "date", "effectiveDateTime", "effectivePeriod"),
                _p("status", "token", "status"),
                _p("based-on", "reference", "basedOn"),
                _p("result", "reference", "result"),
            ],
            ("subject",),
            "date",
            {"DiagnosticReport:result": "result"},
        ),
        _define(
            "ServiceRequest",
            [
                *_subject("subject"),
                _p("status", "token", "status"),
                _p("intent", "token", "intent"),
                _p("category", "token", "category"),
                _p("code", "token", "code"),
                _p("authored", "date", "authoredOn"),
                _p("requester", "reference", "requester"),
                _p("performer", "reference", "performer"),
            ],
            ("subject",),
            "authored",
        ),
        _define(
            "MedicationRequest",
            [
                *_subject("subject"),
                _p("status", "token", "status"),
                _p("intent", "token", "intent"),
                _p("authoredon", "date", "authoredOn"),
                _p("code", "token", "medicationCodeableConcept"),
                _p("encounter", "reference", "encounter"),
            ],
            ("subject",),
            "authoredon",
        ),
        _define(
            "Appointment",
            [
                _p("patient", "reference", "participant.actor", target="Patient"),
                _p("actor", "reference", "participant.actor"),
                _p("practitioner", "reference", "participant.actor", target="Practitioner"),
                _p("location", "reference", "participant.actor", target="Location"),
                _p("date", "date", "start"),
                _p("status", "token", "status"),
            ],
            ("participant.actor",),
            "date",
        ),
        _define(
            "Immunization",
            [
                _p(
                    "identifier",
                    "token",
                    "identifier",
                    description="business identifier (conditional create)",
                ),
                _p("patient", "reference", "patient", target="Patient"),
                _p("date", "date", "occurrenceDateTime"),
                _p("vaccine-code", "token", "vaccineCode"),
                _p("status", "token", "status"),
                _p("lot-number", "string", "lotNumber"),
                _p("target-disease", "token", "protocolApplied.targetDisease"),
            ],
            ("patient",),
            "date",
        ),
        _define(
            "DocumentReference",
            [
                *_subject("subject"),
                _p("type", "token", "type"),
                _p("category", "token", "category"),
                _p("date", "date", "date"),
                _p("status", "token", "status"),
                _p("identifier", "token", "masterIdentifier", "identifier"),
            ],
            ("subject",),
            "date",
        ),
        _define(
            "Consent",
            [
                _p("patient", "reference", "patient", target="Patient"),
                _p("status", "token", "status"),
                _p("category", "token", "category"),
                _p("scope", "token", "scope"),
                _p("period", "date", "provision.period"),
                _p("date", "date", "dateTime"),
                _p("actor", "reference", "provision.actor.reference"),
            ],
            ("patient",),
            "date",
        ),
        # a patient's correction or deletion request (R-EGZ-5; seed 001 §4.1): ``for`` is the patient,
        # ``focus`` the resource to correct, ``code`` from urn:egisz:task (docs/rights.md)
        _define(
            "Task",
            [
                _p("patient", "reference", "for", target="Patient", description="The patient (Task.for)"),
                _p("subject", "reference", "for", description="Who the task is for (Task.for)"),
                _p("status", "token", "status"),
                _p("code", "token", "code"),
                _p("intent", "token", "intent"),
                _p("authored-on", "date", "authoredOn"),
                _p("focus", "reference", "focus", description="The resource the request is about"),
            ],
            ("for",),
            "authored-on",
        ),
        # written by the server with every signed medical write (EGISZ.md §2.5, §5 row 27): read and
        # search only; its patient is an extension (R4's Provenance has no patient element)
        _define(
            "Provenance",
            [
                _p("target", "reference", "target", description="The written resource (Type/id)"),
                _p(
                    "patient",
                    "reference",
                    "extension.valueReference",
                    target="Patient",
                    description="The patient of the target",
                ),
                _p("agent", "reference", "agent.who", description="Who signed (Practitioner)"),
                _p("recorded", "date", "recorded"),
                _p("signature-type", "token", "signature.type"),
            ],
            ("extension.valueReference",),
            "recorded",
        ),
    ]
}

#: parameters every type answers from the resource row itself
COMMON_PARAMETERS: dict[str, Kind] = {"_id": "token", "_lastUpdated": "date"}


def values_at(node: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted element path, lists flattened at each step."""
    items = [node]
    for step in path.split("."):
        found: list[Any] = []
        for item in items:
            if isinstance(item, dict) and step in item:
                value = item[step]
                found.extend(value if isinstance(value, list) else [value])
        items = found
    yield from items


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a string (FHIR string search, R4 §3.1.1.4.2)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()[:256]


def normalise_identifier(system: str, value: str) -> tuple[str, str]:
    system = SYSTEM_ALIASES.get(system, system)
    if system in DIGIT_SYSTEMS:
        value = "".join(c for c in value if c.isdigit())
    return system, value


_TYPE = re.compile(r"^[A-Z][A-Za-z]{0,63}$")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def parse_reference(text: str) -> tuple[str, str] | None:
    """``Type/id`` (relative, or the last two segments of an absolute URL); None for anything
    else, e.g. an id that is not a FHIR id (R4 §2.24: 1-64 of [A-Za-z0-9-.])."""
    parts = text.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) >= 2 and _TYPE.match(parts[-2]) and _ID.match(parts[-1]):
        return parts[-2], parts[-1]
    return None


def _tokens(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, bool):
        yield "", "true" if value else "false"
    elif isinstance(value, str):
        yield "", value
    elif isinstance(value, dict):
        if "coding" in value:
            for coding in value["coding"]:
                if isinstance(coding, dict) and "code" in coding:
                    yield str(coding.get("system", "")), str(coding["code"])
        elif "code" in value:
            yield str(value.get("system", "")), str(value["code"])
        elif "value" in value:
            yield normalise_identifier(str(value.get("system", "")), str(value["value"]))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key in ("text", "family", "given", "prefix"):
            for part in values_at(value, key):
                if isinstance(part, str):
                    yield part


def _dates(value: Any) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    try:
        if isinstance(value, str):
            yield date_range(value)
        elif isinstance(value, dict) and ("start" in value or "end" in value):
            low = date_range(value["start"])[0] if "start" in value else EARLIEST
            high = date_range(value["end"])[1] if "end" in value else LATEST
            yield low, high
    except FhirDateError:
        return  # validation already refused malformed dates; nothing to index otherwise


@dataclass
class Extracted:
    tokens: list[tuple[str, str, str]] = field(default_factory=list)
    dates: list[tuple[str, dt.datetime, dt.datetime]] = field(default_factory=list)
    references: list[tuple[str, str, str]] = field(default_factory=list)
    strings: list[tuple[str, str]] = field(default_factory=list)
    patient_id: str | None = None
    sort_date: dt.datetime | None = None
    #: what the resource counts for in the authorities' reports (records/measures.py)
    measure: MeasureFact | None = None


def extract(definition: ResourceDefinition, resource: dict[str, Any]) -> Extracted:
    """The index rows of one resource, its compartment key and its sort key."""
    out = Extracted()
    for param in definition.parameters.values():
        for path in param.paths:
            for value in values_at(resource, path):
                if param.kind == "token":
                    out.tokens.extend((param.name, s[:256], c[:256]) for s, c in _tokens(value))
                elif param.kind == "string":
                    out.strings.extend((param.name, fold(s)) for s in _strings(value) if s.strip())
                elif param.kind == "date":
                    out.dates.extend((param.name, low, high) for low, high in _dates(value))
                elif isinstance(value, dict) and isinstance(value.get("reference"), str):
                    target = parse_reference(value["reference"])
                    if target and (param.target is None or target[0] == param.target):
                        out.references.append((param.name, target[0][:64], target[1][:64]))
    out.tokens = sorted(set(out.tokens))
    out.strings = sorted(set(out.strings))
    if definition.type == "Patient":
        out.patient_id = resource.get("id")
    else:
        for path in definition.compartment:
            for value in values_at(resource, path):
                target = parse_reference(value.get("reference", "")) if isinstance(value, dict) else None
                if target and target[0] == "Patient" and out.patient_id is None:
                    out.patient_id = target[1]
    if definition.sort_parameter:
        lows = [low for name, low, _ in out.dates if name == definition.sort_parameter]
        out.sort_date = min(lows) if lows else None
    out.measure = fact_of(resource)
    return out


def token_value(text: str) -> tuple[str | None, str | None]:
    """A token search value (R4 search §3.1.1.4.5): ``code`` → any system; ``system|code``;
    ``|code`` → no system; ``system|`` → any code of the system. Identifier systems are normalised."""
    if "|" not in text:
        return None, text
    system, code = text.split("|", 1)
    if system and code:
        system, code = normalise_identifier(system, code)
    elif system:
        system = SYSTEM_ALIASES.get(system, system)
    return system, code or None
