"""Search parameters of a request → :class:`Criteria` (R4 search §3.1.1).

Checks in order: result parameters (``_count``, ``_sort``, ``_include``, ``_cursor``, ``_format``),
then each search parameter by name and kind with its modifier and value syntax. An unknown or
unsupported parameter is a 400 naming it, unless the client sent ``Prefer: handling=lenient``
(R4 search §3.1.1.3.6), when it is skipped (and so not in the ``self`` link).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field

from egisz_api.fhir.errors import InvalidSearchError, UnsupportedParameterError
from egisz_api.records.dates import FhirDateError, date_range
from egisz_api.records.parameters import (
    ResourceDefinition,
    SearchParameter,
    fold,
    parse_reference,
    token_value,
)
from egisz_api.records.schemas import (
    Condition,
    Criteria,
    Cursor,
    DateCondition,
    DatePrefix,
    IdCondition,
    LastUpdatedCondition,
    ReferenceCondition,
    StringCondition,
    TokenCondition,
)

DEFAULT_COUNT = 20
#: bigger ``_count`` values are clamped (R4 search §3.1.1.5.7: the server may return fewer)
MAX_COUNT = 100
_PREFIX = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$")
_SUPPORTED_PREFIXES = ("eq", "lt", "le", "gt", "ge")
#: result parameters this server does not implement: a 400 unless lenient
_UNSUPPORTED_RESULT = ("_summary", "_elements", "_revinclude", "_contained", "_containedType", "_total")


@dataclass
class ParsedSearch:
    criteria: Criteria
    includes: list[str] = field(default_factory=list)
    #: the query pairs as understood (for the self and next links)
    kept: list[tuple[str, str]] = field(default_factory=list)
    first_page: bool = True


def encode_cursor(sort_value: dt.datetime | None, pk: int) -> str:
    raw = json.dumps([sort_value.isoformat() if sort_value else None, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        sort_text, pk = raw
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk < 2**62:
            raise ValueError("pk")
        value = dt.datetime.fromisoformat(sort_text) if sort_text is not None else None
        if value is not None and value.tzinfo is None:
            raise ValueError("naive")
    except (ValueError, TypeError) as exc:
        raise InvalidSearchError("The _cursor value is not one this server made.") from exc
    return Cursor(value, pk)


def parse_count(values: list[str]) -> int:
    if not values:
        return DEFAULT_COUNT
    text = values[-1]
    if not text.isdigit():
        raise InvalidSearchError(f"_count must be a non-negative integer, not {text!r}.")
    return min(int(text), MAX_COUNT)


def _split(value: str) -> list[str]:
    # a comma is an OR between values; "\," is a literal comma (R4 search §3.1.1.4.15)
    parts = re.split(r"(?<!\\),", value)
    return [p.replace("\\,", ",") for p in parts if p != ""]


def _date(param: str, value: str, *, last_updated: bool) -> Condition:
    match = _PREFIX.match(value)
    assert match is not None
    prefix, text = match.group(1) or "eq", match.group(2)
    if prefix not in _SUPPORTED_PREFIXES:
        raise UnsupportedParameterError(
            f"The date prefix {prefix!r} of {param} is not supported (eq, lt, le, gt, ge are)."
        )
    try:
        low, high = date_range(text)
    except FhirDateError as exc:
        raise InvalidSearchError(f"{param}: {exc}") from exc
    p: DatePrefix = prefix  # type: ignore[assignment]
    if last_updated:
        return LastUpdatedCondition(p, low, high)
    return DateCondition(param, p, low, high)


def _condition(parameter: SearchParameter, modifier: str | None, value: str) -> Condition:
    name = parameter.name
    if parameter.kind == "token":
        system, code = token_value(value)
        return TokenCondition(name, system, code)
    if parameter.kind == "date":
        return _date(name, value, last_updated=False)
    if parameter.kind == "string":
        return StringCondition(name, fold(value))
    target = parse_reference(value)
    if target is not None:
        if modifier is not None and target[0] != modifier:
            raise InvalidSearchError(f"{name}:{modifier} cannot take a {target[0]} reference.")
        return ReferenceCondition(name, target[0], target[1])
    if "/" in value or len(value) > 64:
        raise InvalidSearchError(f"{name}: {value!r} is not a reference (Type/id or id).")
    return ReferenceCondition(name, modifier or parameter.target, value)


def _check_modifier(parameter: SearchParameter, modifier: str | None, raw_name: str) -> None:
    if modifier is None:
        return
    if parameter.kind == "reference" and modifier[:1].isupper():
        if parameter.target is not None and modifier != parameter.target:
            raise InvalidSearchError(f"{raw_name}: {parameter.name} only refers to {parameter.target}.")
        return
    raise UnsupportedParameterError(f"The modifier :{modifier} of {parameter.name} is not supported.")


def parse_search(
    definition: ResourceDefinition, pairs: list[tuple[str, str]], *, lenient: bool
) -> ParsedSearch:
    criteria = Criteria(resource_type=definition.type)
    parsed = ParsedSearch(criteria)
    counts: list[str] = []

    def unsupported(message: str) -> None:
        if not lenient:
            raise UnsupportedParameterError(message)

    for raw_name, value in pairs:
        name, _, modifier_text = raw_name.partition(":")
        modifier = modifier_text or None
        if name == "_count":
            counts.append(value)
        elif name == "_cursor":
            criteria.after = decode_cursor(value)
            parsed.first_page = False
            continue  # the next link makes its own
        elif name == "_format":
            if value not in ("json", "application/json", "application/fhir+json"):
                unsupported(f"_format={value} is not supported (json is).")
                continue
        elif name == "_sort":
            keys = {"date": "date", "_lastUpdated": "lastUpdated"}
            key = value.removeprefix("-")
            if key not in keys or (key == "date" and definition.sort_parameter is None):
                supported = ", ".join(k for k in keys if k != "date" or definition.sort_parameter)
                unsupported(f"_sort={value} is not supported for {definition.type} ({supported}, or -key).")
                continue
            criteria.sort = "date" if key == "date" else "lastUpdated"
            criteria.descending = value.startswith("-")
        elif name == "_include":
            if value not in definition.includes:
                unsupported(f"_include={value} is not supported for {definition.type}.")
                continue
            parsed.includes.append(definition.includes[value])
        elif name in _UNSUPPORTED_RESULT:
            unsupported(f"The result parameter {name} is not supported.")
            continue
        elif name == "_id" or name == "_lastUpdated":
            if modifier is not None:
                unsupported(f"The modifier :{modifier} of {name} is not supported.")
                continue
            values = _split(value)
            if not values:
                continue
            if name == "_id":
                criteria.clauses.append([IdCondition(tuple(values))])
            else:
                criteria.clauses.append([_date(name, v, last_updated=True) for v in values])
        else:
            parameter = definition.parameters.get(name)
            if parameter is None:
                unsupported(f"The search parameter {raw_name!r} is not supported for {definition.type}.")
                continue
            try:
                _check_modifier(parameter, modifier, raw_name)
            except UnsupportedParameterError:
                if lenient:
                    continue
                raise
            values = _split(value)
            if not values:
                continue  # an empty value is ignored (R4 search §3.1.1.1)
            criteria.clauses.append([_condition(parameter, modifier, v) for v in values])
        parsed.kept.append((raw_name, value))
    criteria.count = parse_count(counts)
    if counts:
        parsed.kept = [(k, v) for k, v in parsed.kept if k != "_count"]
    return parsed
