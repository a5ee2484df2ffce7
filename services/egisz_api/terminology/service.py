"""Terminology: ``$lookup``, ``$validate-code``, the CodeSystem/ValueSet reads and searches, and the
write-time binding check the records write path calls (:func:`check_bindings`).

The binding check is on every clinical write, so it reads a value set's expansion once per process
and database (one indexed query) and then tests set membership; the tables change only by
migration (reference data), so nothing needs invalidating while a process runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.parameters import Parameters
from pydantic import ValidationError
from sqlalchemy.orm import Session

from egisz_api.terminology import bindings, repository
from egisz_api.terminology.catalog import ID_PATTERN
from egisz_api.terminology.errors import (
    CodeNotInValueSetError,
    InvalidParameterError,
    MissingParameterError,
    TerminologyResourceNotFoundError,
    UnknownCodeError,
    UnknownCodeSystemError,
    UnknownValueSetError,
    UnsupportedParameterError,
)
from egisz_api.terminology.schemas import SEARCH_PARAMETERS, CodingInput, Lookup, Validation

_LOOKUP_PARAMETERS = frozenset({"system", "code", "version", "coding", "displayLanguage", "date", "property"})
_VALIDATE_PARAMETERS = frozenset(
    {
        "url",
        "valueSetVersion",
        "system",
        "systemVersion",
        "code",
        "display",
        "coding",
        "codeableConcept",
        "displayLanguage",
        "date",
        "abstract",
    }
)


# --- the per-process cache of expansions -----------------------------------------------------------


@dataclass
class _Catalog:
    aliases: dict[str, str]
    #: value set URL → (systems it draws from, its (system, code) members)
    expansions: dict[str, tuple[frozenset[str], frozenset[tuple[str, str]]]] = field(default_factory=dict)


_CATALOGS: dict[str, _Catalog] = {}
_LOCK = threading.Lock()


def _catalog(session: Session) -> _Catalog:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    found = _CATALOGS.get(key)
    if found is None:
        found = _Catalog(aliases=dict(repository.aliases(session)))
        with _LOCK:
            _CATALOGS.setdefault(key, found)
    return found


def _expansion(
    session: Session, catalog: _Catalog, value_set: str
) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    found = catalog.expansions.get(value_set)
    if found is None:
        members = frozenset(repository.members(session, value_set))
        found = (frozenset(system for system, _ in members), members)
        with _LOCK:
            catalog.expansions[value_set] = found
    return found


def canonical_system(session: Session, system: str) -> str:
    """The held system's canonical URI for one of its aliases (the federal ICD-10 OID)."""
    return _catalog(session).aliases.get(system, system)


def choices(session: Session, value_set: str) -> list[tuple[str, str, str, str | None]]:
    """What a form's select offers for a value set: (system, code, Russian display, English
    display) of each member, by code (the worker forms, docs/worker-forms.md)."""
    return repository.member_concepts(session, value_set)


def check_bindings(session: Session, resource: Mapping[str, Any]) -> None:
    """422 ``code-invalid`` naming each coded element of ``resource`` outside its value set
    (:mod:`egisz_api.terminology.bindings`); nothing when every binding holds."""
    if resource.get("resourceType") not in bindings.BINDINGS:
        return
    catalog = _catalog(session)

    def member(value_set: str, system: str, code: str) -> bool:
        _, codes = _expansion(session, catalog, value_set)
        return (catalog.aliases.get(system, system), code) in codes

    def governs(value_set: str, system: str) -> bool:
        systems, _ = _expansion(session, catalog, value_set)
        return catalog.aliases.get(system, system) in systems

    found = bindings.problems(resource, member, governs)
    if found:
        detail = "; ".join(f"{expression}: {message}" for expression, message in found)
        raise CodeNotInValueSetError(detail, found)


# --- operation parameters ----------------------------------------------------------------------------


def _value(parameter: Mapping[str, Any]) -> Any:
    for key, value in parameter.items():
        if key.startswith("value"):
            return value
    return None


def parameters_of(body: bytes) -> list[tuple[str, Any]]:
    """The (name, value) pairs of a POSTed ``Parameters`` resource (400 unless it is one)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidParameterError("The request body is not valid JSON.") from exc
    if not isinstance(data, dict) or data.get("resourceType") != "Parameters":
        raise InvalidParameterError("The body of an operation must be a FHIR Parameters resource.")
    try:
        Parameters.model_validate(data)
    except (ValidationError, ValueError, TypeError) as exc:
        raise InvalidParameterError("The Parameters resource is not valid FHIR R4.") from exc
    items = data.get("parameter")
    if not isinstance(items, list):  # absent or null: no parameters (the operation says which are missing)
        return []
    return [(str(p.get("name")), _value(p)) for p in items if isinstance(p, dict)]


def _only(pairs: Sequence[tuple[str, Any]], allowed: frozenset[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name not in allowed:
            raise UnsupportedParameterError(f"The parameter {name!r} is not supported by this operation.")
        if name in found:
            raise InvalidParameterError(f"The parameter {name!r} may be given once.")
        found[name] = value
    return found


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or "\x00" in value:
        raise InvalidParameterError(f"The parameter {name!r} must be a non-empty string.")
    return value


def _coding_of(value: Any, name: str) -> CodingInput:
    if not isinstance(value, Mapping):
        raise InvalidParameterError(f"The parameter {name!r} must be a Coding.")
    return CodingInput(
        system=_text(value, "system"),
        code=_text(value, "code"),
        display=_text(value, "display"),
        version=_text(value, "version"),
    )


def _parameters(
    pairs: Sequence[tuple[str, Any]], allowed: frozenset[str]
) -> tuple[dict[str, Any], list[CodingInput]]:
    """The operation's parameters and the codings it asks about (``system``+``code``, ``coding``
    or the codings of ``codeableConcept``)."""
    params = _only(pairs, allowed)
    codings: list[CodingInput] = []
    if "coding" in params:
        codings.append(_coding_of(params["coding"], "coding"))
    if "codeableConcept" in params:
        concept = params["codeableConcept"]
        items = concept.get("coding") if isinstance(concept, Mapping) else None
        if not isinstance(items, list) or not items:
            raise InvalidParameterError("The parameter 'codeableConcept' must hold at least one coding.")
        codings.extend(_coding_of(item, "codeableConcept.coding") for item in items)
    code = _text(params, "code")
    if code is not None:
        version = _text(params, "version") or _text(params, "systemVersion")
        codings.append(CodingInput(_text(params, "system"), code, _text(params, "display"), version))
    if not codings:
        raise MissingParameterError("Give a code (with its system), a coding or a codeableConcept.")
    for coding in codings:
        if coding.code is None:
            raise MissingParameterError("A coding needs a code.")
        if coding.system is None:
            # R4 ValueSet-validate-code / CodeSystem-lookup: a code needs its system here
            raise MissingParameterError("A code needs its system (the parameter 'system').")
    return params, codings


# --- $lookup -----------------------------------------------------------------------------------------


def lookup(session: Session, pairs: Sequence[tuple[str, Any]]) -> Lookup:
    """CodeSystem ``$lookup`` (R4 CodeSystem-lookup): the concept's display and designations."""
    params, codings = _parameters(pairs, _LOOKUP_PARAMETERS)
    if len(codings) != 1:
        raise InvalidParameterError("$lookup takes one code.")
    (coding,) = codings
    assert coding.system is not None and coding.code is not None
    system = canonical_system(session, coding.system)
    code_system = repository.code_system_by_url(session, system)
    if code_system is None:
        raise UnknownCodeSystemError(f"This server holds no code system {coding.system}.")
    if coding.version is not None and coding.version != code_system.version:
        raise UnknownCodeSystemError(
            f"This server holds version {code_system.version} of {coding.system}, not {coding.version}."
        )
    concept = repository.concept(session, system, coding.code)
    if concept is None:
        raise UnknownCodeError(f"The code system {coding.system} has no such code.")
    language = _text(params, "displayLanguage") or "ru"
    english = language.lower().startswith("en") and concept.display_en
    return Lookup(
        name=code_system.name,
        version=code_system.version,
        display=concept.display_en if english and concept.display_en else concept.display,
        display_ru=concept.display,
        display_en=concept.display_en,
    )


def lookup_parameters(result: Lookup) -> bytes:
    designations = [("ru", result.display_ru)] + ([("en", result.display_en)] if result.display_en else [])
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "name", "valueString": result.name},
            {"name": "version", "valueString": result.version},
            {"name": "display", "valueString": result.display},
            *(
                {
                    "name": "designation",
                    "part": [
                        {"name": "language", "valueCode": language},
                        {"name": "value", "valueString": value},
                    ],
                }
                for language, value in designations
            ),
        ],
    }
    return _json(body)


# --- $validate-code ----------------------------------------------------------------------------------


def _one_coding(session: Session, value_set: str, coding: CodingInput) -> Validation:
    assert coding.system is not None and coding.code is not None
    system = canonical_system(session, coding.system)
    code_system = repository.code_system_by_url(session, system)
    if code_system is None:
        return Validation(
            False,
            f"Система кодирования {coding.system} неизвестна этому серверу "
            f"(unknown code system {coding.system}).",
            None,
        )
    concept = repository.concept(session, system, coding.code)
    if concept is None:
        return Validation(
            False,
            f"В системе {coding.system} нет кода {coding.code} (unknown code in {coding.system}).",
            None,
        )
    if not repository.is_member(session, value_set, system, coding.code):
        return Validation(
            False,
            f"Код {coding.code} системы {coding.system} не входит в набор значений {value_set} "
            f"(the code is not in the value set).",
            concept.display,
        )
    if coding.display is not None and coding.display.casefold() not in {
        concept.display.casefold(),
        (concept.display_en or "").casefold(),
    }:
        return Validation(
            False,
            f"Наименование не совпадает с наименованием кода {coding.code}: «{concept.display}» "
            f"(the display does not match the code's).",
            concept.display,
        )
    return Validation(True, None, concept.display)


def validate_code(
    session: Session, pairs: Sequence[tuple[str, Any]], *, value_set_id: str | None = None
) -> Validation:
    """ValueSet ``$validate-code`` (R4 ValueSet-validate-code): is the code in the value set named
    by ``url`` (type level) or by the path's id (instance level). An unknown value set is an error
    (404); an unknown system or code is an answer (``result`` false with a message)."""
    params, codings = _parameters(pairs, _VALIDATE_PARAMETERS)
    url = _text(params, "url")
    if value_set_id is not None:
        row = (
            repository.value_set_by_id(session, value_set_id) if ID_PATTERN.fullmatch(value_set_id) else None
        )
        if row is None or (url is not None and url != row.url):
            raise UnknownValueSetError(f"ValueSet/{value_set_id} is not known here.")
    elif url is None:
        raise MissingParameterError("Name the value set: the parameter 'url'.")
    else:
        row = repository.value_set_by_url(session, url)
        if row is None:
            raise UnknownValueSetError(f"This server holds no value set {url}.")
    version = _text(params, "valueSetVersion")
    if version is not None and version != row.version:
        raise UnknownValueSetError(f"This server holds version {row.version} of {row.url}, not {version}.")
    answers = [_one_coding(session, row.url, coding) for coding in codings]
    passed = [a for a in answers if a.result]
    return passed[0] if passed else answers[0]


def validation_parameters(result: Validation) -> bytes:
    parameter: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result.result}]
    if result.message:
        parameter.append({"name": "message", "valueString": result.message})
    if result.display:
        parameter.append({"name": "display", "valueString": result.display})
    return _json({"resourceType": "Parameters", "parameter": parameter})


def run_lookup(
    session: Session, *, pairs: Sequence[tuple[str, Any]] = (), body: bytes | None = None
) -> bytes:
    """``$lookup`` from query parameters (GET) or a ``Parameters`` body (POST): the Parameters answer."""
    return lookup_parameters(lookup(session, parameters_of(body) if body is not None else pairs))


def run_validate_code(
    session: Session,
    *,
    pairs: Sequence[tuple[str, Any]] = (),
    body: bytes | None = None,
    value_set_id: str | None = None,
) -> bytes:
    """``$validate-code`` from query parameters (GET) or a ``Parameters`` body (POST)."""
    given = parameters_of(body) if body is not None else pairs
    return validation_parameters(validate_code(session, given, value_set_id=value_set_id))


# --- read and search ---------------------------------------------------------------------------------


def read(session: Session, resource_type: str, resource_id: str) -> bytes:
    if not ID_PATTERN.fullmatch(resource_id):
        raise TerminologyResourceNotFoundError(f"{resource_type}/{resource_id} is not known.")
    row = (
        repository.code_system_by_id(session, resource_id)
        if resource_type == "CodeSystem"
        else repository.value_set_by_id(session, resource_id)
    )
    if row is None:
        raise TerminologyResourceNotFoundError(f"{resource_type}/{resource_id} is not known.")
    return row.content


def search(
    session: Session, resource_type: str, pairs: Sequence[tuple[str, str]], *, base: str, self_url: str
) -> bytes:
    """A searchset of the CodeSystems or ValueSets matching ``_id``, ``url``, ``name`` (starts
    with), ``status``; a comma is OR, a repeated parameter AND (R4 §3.1.1.4.6)."""
    values: dict[str, list[list[str]]] = {name: [] for name in SEARCH_PARAMETERS}
    for name, value in pairs:
        if name not in SEARCH_PARAMETERS:
            raise UnsupportedParameterError(f"The parameter {name!r} is not supported for {resource_type}.")
        if not value or "\x00" in value:
            raise InvalidParameterError(f"The parameter {name!r} needs a value.")
        values[name].append(value.split(","))
    finder = repository.search_code_systems if resource_type == "CodeSystem" else repository.search_value_sets
    contents = finder(
        session,
        ids=values["_id"],
        urls=values["url"],
        names=values["name"],
        statuses=values["status"],
    )
    entries = []
    for content in contents:
        resource_id = json.loads(content)["id"]
        entries.append(
            b'{"fullUrl":'
            + _json(f"{base}/{resource_type}/{resource_id}")
            + b',"resource":'
            + content
            + b',"search":{"mode":"match"}}'
        )
    head = _json(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(entries),
            "link": [{"relation": "self", "url": self_url}],
        }
    )
    if not entries:
        return head  # no empty arrays in FHIR JSON (R4 §2.6.2)
    return head[:-1] + b',"entry":[' + b",".join(entries) + b"]}"


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
