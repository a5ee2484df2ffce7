"""Turning request bytes into a valid R4 resource (``fhir.resources`` R4B models, EGISZ.md §3.2).

R4B is used because the package's default models are R5 and refuse R4-shaped resources; R4B keeps
the R4 (4.0.1) shape of the eleven types served here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from egisz_api.records.errors import InvalidResourceError, ResourceValidationError

#: R4 §2.24 "id": 1-64 of [A-Za-z0-9\-\.]
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def parse_body(body: bytes, resource_type: str) -> dict[str, Any]:
    """The JSON object of a resource of ``resource_type`` (400 for anything else)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidResourceError("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidResourceError("The request body must be a JSON object (a FHIR resource).")
    found = data.get("resourceType")
    if found != resource_type:
        raise InvalidResourceError(
            f"The body's resourceType is {found!r}; this endpoint takes {resource_type!r}."
        )
    return data


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if not str(part).startswith("function-")) or "(resource)"


def validate(resource: dict[str, Any]) -> str:
    """The canonical JSON of a valid resource, as its R4B model writes it; 422 with every problem."""
    model = get_fhir_model_class(resource["resourceType"])
    try:
        instance = model.model_validate(resource)
    except ValidationError as exc:
        # the submitted values are not echoed back (they may be medical data): paths and reasons only
        issues = [(_location(e["loc"]), e["msg"]) for e in exc.errors(include_input=False)]
        detail = "; ".join(f"{path}: {msg}" for path, msg in issues)
        raise ResourceValidationError(detail, issues) from exc
    except (ValueError, TypeError) as exc:
        raise ResourceValidationError(str(exc), [("(resource)", str(exc))]) from exc
    canonical: str = instance.model_dump_json(exclude_none=True, by_alias=True)
    return canonical
