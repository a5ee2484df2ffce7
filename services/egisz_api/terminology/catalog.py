"""The terminology catalog kept in the repository (``data/*.json``): code systems with their
concepts and value sets with their compose rules, turned into the rows of the terminology tables
and the FHIR CodeSystem/ValueSet resources served. Pure: the migration that seeds the tables and
the tests call it; a code a value set names that its system does not hold is a data error here.

Local systems and value sets live under ``urn:egisz:cs:`` and ``urn:egisz:vs:`` (docs/fhir.md
"Terminology"); federal and N3 systems keep their ``urn:oid:`` forms (EGISZ.md §1.4).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

DATA = Path(__file__).parent / "data"
VALUE_SETS_FILE = "value-sets.json"
#: the catalog's publication date (CodeSystem.date / ValueSet.date)
PUBLISHED = "2026-12-02"
LOCAL_PUBLISHER = "EGISZ API"
#: R4 §2.24 "id": what a CodeSystem or ValueSet id in a path may be
ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True)
class Concept:
    code: str
    display: str
    display_en: str | None


@dataclass
class CodeSystemEntry:
    resource_id: str
    url: str
    aliases: list[str]
    version: str
    name: str
    title: str
    publisher: str
    description: str
    content_mode: str
    concepts: list[Concept]


@dataclass
class ValueSetEntry:
    resource_id: str
    url: str
    name: str
    title: str
    description: str
    #: (system, codes or None for every code the system holds)
    include: list[tuple[str, list[str] | None]]
    members: list[tuple[str, str]] = field(default_factory=list)


def _canonical(resource: dict[str, Any]) -> bytes:
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    text: str = model.model_dump_json(exclude_none=True, by_alias=True)
    return text.encode()


def read_code_systems(directory: Path = DATA) -> list[CodeSystemEntry]:
    systems = []
    for path in sorted(directory.glob("*.json")):
        if path.name == VALUE_SETS_FILE:
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        systems.append(
            CodeSystemEntry(
                resource_id=raw["id"],
                url=raw["url"],
                aliases=list(raw.get("aliases", [])),
                version=raw["version"],
                name=raw["name"],
                title=raw["title"],
                publisher=raw["publisher"],
                description=raw["description"],
                content_mode=raw["content"],
                concepts=[Concept(c[0], c[1], c[2] if len(c) > 2 else None) for c in raw["concepts"]],
            )
        )
    return systems


def read_value_sets(systems: list[CodeSystemEntry], directory: Path = DATA) -> list[ValueSetEntry]:
    held = {s.url: {c.code for c in s.concepts} for s in systems}
    order = {s.url: [c.code for c in s.concepts] for s in systems}
    value_sets = []
    for raw in json.loads((directory / VALUE_SETS_FILE).read_text(encoding="utf-8")):
        entry = ValueSetEntry(
            resource_id=raw["id"],
            url=raw["url"],
            name=raw["name"],
            title=raw["title"],
            description=raw["description"],
            include=[(inc["system"], inc.get("codes")) for inc in raw["include"]],
        )
        for system, codes in entry.include:
            if system not in held:
                raise ValueError(f"value set {entry.url} includes the unknown system {system}")
            missing = [c for c in codes or () if c not in held[system]]
            if missing:
                raise ValueError(f"value set {entry.url}: {system} does not hold {missing}")
            entry.members.extend((system, code) for code in (codes or order[system]))
        value_sets.append(entry)
    return value_sets


def code_system_resource(entry: CodeSystemEntry) -> dict[str, Any]:
    concepts = []
    for concept in entry.concepts:
        item: dict[str, Any] = {"code": concept.code, "display": concept.display}
        if concept.display_en:
            item["designation"] = [{"language": "en", "value": concept.display_en}]
        concepts.append(item)
    resource: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": entry.resource_id,
        "url": entry.url,
        "version": entry.version,
        "name": entry.name,
        "title": entry.title,
        "status": "active",
        "date": PUBLISHED,
        "publisher": entry.publisher,
        "description": entry.description,
        "language": "ru",
        "caseSensitive": True,
        "content": entry.content_mode,
        "count": len(concepts),
        "concept": concepts,
    }
    if entry.aliases:
        resource["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": alias} for alias in entry.aliases]
    return resource


def value_set_resource(entry: ValueSetEntry, displays: dict[tuple[str, str], str]) -> dict[str, Any]:
    include = []
    for system, codes in entry.include:
        item: dict[str, Any] = {"system": system}
        if codes is not None:
            item["concept"] = [{"code": c, "display": displays[(system, c)]} for c in codes]
        include.append(item)
    return {
        "resourceType": "ValueSet",
        "id": entry.resource_id,
        "url": entry.url,
        "version": "1",
        "name": entry.name,
        "title": entry.title,
        "status": "active",
        "date": PUBLISHED,
        "publisher": LOCAL_PUBLISHER,
        "description": entry.description,
        "immutable": False,
        "compose": {"include": include},
    }


def catalog_rows(directory: Path = DATA) -> dict[str, list[dict[str, Any]]]:
    """The rows of each terminology table (keyed by table name), resources validated as R4."""
    systems = read_code_systems(directory)
    value_sets = read_value_sets(systems, directory)
    displays = {(s.url, c.code): c.display for s in systems for c in s.concepts}
    return {
        "terminology_code_systems": [
            {
                "resource_id": s.resource_id,
                "url": s.url,
                "version": s.version,
                "name": s.name,
                "title": s.title,
                "status": "active",
                "content": _canonical(code_system_resource(s)),
            }
            for s in systems
        ],
        "terminology_system_aliases": [{"alias": a, "url": s.url} for s in systems for a in s.aliases],
        "terminology_concepts": [
            {"system": s.url, "code": c.code, "display": c.display, "display_en": c.display_en}
            for s in systems
            for c in s.concepts
        ],
        "terminology_value_sets": [
            {
                "resource_id": v.resource_id,
                "url": v.url,
                "version": "1",
                "name": v.name,
                "title": v.title,
                "status": "active",
                "content": _canonical(value_set_resource(v, displays)),
            }
            for v in value_sets
        ],
        "terminology_value_set_members": [
            {"value_set_url": v.url, "system": system, "code": code}
            for v in value_sets
            for system, code in v.members
        ],
    }
