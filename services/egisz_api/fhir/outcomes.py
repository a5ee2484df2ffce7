"""OperationOutcome bodies for every FHIR error (R4 §3.1.0.6; issue types from the issue-type set)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

FHIR_JSON = "application/fhir+json"

_BY_STATUS = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


def issue_code_for(status: int) -> str:
    return _BY_STATUS.get(status, "exception")


def outcome(
    status: int,
    code: str,
    title: str,
    detail: str | None,
    *,
    issue_code: str | None = None,
    issues: Sequence[tuple[str, str]] = (),
    expression: str | None = None,
) -> bytes:
    """One error issue naming the problem (``details.coding`` carries our stable code), plus one
    issue per validation problem with its element path in ``expression``."""
    kind = issue_code or issue_code_for(status)
    first: dict[str, Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": kind,
        "details": {"coding": [{"system": "urn:egisz:error", "code": code}], "text": title},
    }
    if detail:
        first["diagnostics"] = detail
    if expression:
        first["expression"] = [expression]  # a Bundle's failing entry, e.g. Bundle.entry[7]
    entries = [first]
    for path, message in issues:
        entries.append({"severity": "error", "code": kind, "diagnostics": message, "expression": [path]})
    body = {"resourceType": "OperationOutcome", "issue": entries}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
