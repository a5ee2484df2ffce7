"""SMART App Launch v2 scopes: the grammar both the idp (which grants them) and egisz_api (which
enforces them) read (EGISZ.md §2.2; HL7 smart-app-launch "scopes-and-launch-context").

Grammar: ``(patient|user|system)/(Type|*).<permissions>[?param=value&...]`` where the permissions
are a non-empty subset of ``cruds`` in that order, or a v1 alias: ``read`` = ``rs``, ``write`` =
``cud``, ``*`` = ``cruds``. Anything else (``openid``, ``launch/patient``, an out-of-order ``.dus``)
is not a resource scope: :func:`parse_scope` returns None and it grants no resource access.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

Context = Literal["patient", "user", "system"]

#: the SMART scopes both discovery documents name (idp ``scopes_supported``, egisz_api
#: ``smart-configuration``); any narrower form of them (one type, fewer letters, ``?category=``) is
#: granted and enforced as well
CONTEXT_SCOPES = ("fhirUser", "launch/patient")
RESOURCE_SCOPES = ("patient/*.rs", "user/*.rs", "system/*.rs", "user/*.cu", "system/*.cu")

_SCOPE = re.compile(r"^(patient|user|system)/([A-Z][A-Za-z]*|\*)\.([a-z*]+)(?:\?(.*))?$")
_V2 = re.compile(r"^c?r?u?d?s?$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}


@dataclass(frozen=True)
class Scope:
    context: Context
    resource_type: str
    permissions: frozenset[str]
    #: granular restriction: every (param, value) must hold (``?category=...|laboratory``)
    restrictions: tuple[tuple[str, str], ...] = ()

    def covers(self, resource_type: str, permission: str) -> bool:
        return self.resource_type in ("*", resource_type) and permission in self.permissions

    def includes(self, other: Scope) -> bool:
        """Everything ``other`` grants, this grants too: the same context, this type or ``*``, at
        least its permissions, and none of this scope's restrictions missing from ``other``'s (a
        restricted scope never includes a less restricted one). A client registered for
        ``patient/Observation.rs`` may ask for ``patient/Observation.r`` or
        ``patient/Observation.rs?category=laboratory``, never ``patient/*.rs``."""
        return (
            self.context == other.context
            and self.resource_type in ("*", other.resource_type)
            and other.permissions <= self.permissions
            and set(self.restrictions) <= set(other.restrictions)
        )


@functools.lru_cache(maxsize=4096)  # a pure function of the text; Scope is immutable
def parse_scope(text: str) -> Scope | None:
    match = _SCOPE.match(text)
    if match is None:
        return None
    context, resource_type, letters, query = match.groups()
    if letters in _V1:
        letters = _V1[letters]
    elif not _V2.match(letters) or not letters:
        return None
    restrictions: tuple[tuple[str, str], ...] = ()
    if query is not None:
        try:
            restrictions = tuple(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
        except ValueError:
            return None
        if not restrictions or any(not k or not v for k, v in restrictions):
            return None
    return Scope(context, resource_type, frozenset(letters), restrictions)  # type: ignore[arg-type]


def parse_scopes(scope_claim: object) -> list[Scope]:
    """The resource scopes of a token's ``scope`` claim (a space-separated string, RFC 9068 §2.2.3)."""
    items = [str(s) for s in scope_claim] if isinstance(scope_claim, list) else str(scope_claim or "").split()
    return [s for s in (parse_scope(item) for item in items) if s is not None]
