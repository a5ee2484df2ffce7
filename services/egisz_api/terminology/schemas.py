"""What the terminology operations take and give, and what the CapabilityStatement says of them."""

from __future__ import annotations

from dataclasses import dataclass

#: the resource types this feature serves (read and search; no write interaction)
TYPES = ("CodeSystem", "ValueSet")
#: search parameters of both types: name → (FHIR search type, documentation)
SEARCH_PARAMETERS: dict[str, tuple[str, str]] = {
    "_id": ("token", "The logical id (e.g. icd-10)"),
    "url": ("uri", "The canonical URL, exactly (urn:oid:1.2.643.2.69.1.1.1.2, urn:egisz:vs:icd-10)"),
    "name": ("string", "The computer-friendly name, starts-with, case-insensitive"),
    "status": ("token", "draft | active | retired | unknown"),
}
#: the operations: type → [(name, definition canonical, documentation)]
OPERATIONS: dict[str, list[tuple[str, str, str]]] = {
    "CodeSystem": [
        (
            "lookup",
            "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup",
            "GET|POST /fhir/CodeSystem/$lookup: system, code[, version] → name, version, display, "
            "designation (ru, en)",
        )
    ],
    "ValueSet": [
        (
            "validate-code",
            "http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code",
            "GET|POST /fhir/ValueSet/$validate-code (url) and /fhir/ValueSet/{id}/$validate-code: "
            "system, code[, display] or coding/codeableConcept → result, message, display",
        )
    ],
}


@dataclass(frozen=True)
class CodingInput:
    system: str | None
    code: str | None
    display: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Lookup:
    name: str
    version: str
    display: str
    display_ru: str
    display_en: str | None


@dataclass(frozen=True)
class Validation:
    result: bool
    message: str | None
    display: str | None
