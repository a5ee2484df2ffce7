"""What a Subscription may be (R4 subscription.html, rest-hook), without data access."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from egisz_api.subscriptions.errors import InvalidSubscriptionError

#: the types an integrator may watch (EGISZ.md §5 row 34: results, reports, immunizations)
SUBSCRIBABLE = frozenset({"Observation", "DiagnosticReport", "Immunization"})
#: subscriptions-backport IG: the payload content of a notification (only id-only is served here)
PAYLOAD_CONTENT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content"


def split_criteria(criteria: object) -> tuple[str, str]:
    """``Observation?patient=7&category=laboratory`` → (type, query)."""
    if not isinstance(criteria, str) or "?" not in criteria:
        raise InvalidSubscriptionError("Subscription.criteria must be Type?patient=<id>[&...].")
    resource_type, query = criteria.split("?", 1)
    if resource_type not in SUBSCRIBABLE:
        raise InvalidSubscriptionError(
            f"Subscriptions watch {', '.join(sorted(SUBSCRIBABLE))}; not {resource_type!r}."
        )
    return resource_type, query


def id_only(channel: dict[str, Any]) -> bool:
    """No ``payload``: an empty body (R4). A payload marked id-only (backport IG): a Bundle naming
    the resource. A full-resource payload is refused: medical data does not leave by a hook."""
    payload = channel.get("payload")
    if payload is None:
        return False
    element = channel.get("_payload")
    extensions = element.get("extension") if isinstance(element, dict) else None
    content = [
        e.get("valueCode")
        for e in (extensions if isinstance(extensions, list) else [])
        if isinstance(e, dict) and e.get("url") == PAYLOAD_CONTENT
    ]
    if content != ["id-only"] or payload not in ("application/fhir+json", "application/json"):
        raise InvalidSubscriptionError(
            "Subscription.channel.payload is served as id-only only (application/fhir+json with the "
            "backport-payload-content extension id-only); leave it out for an empty notification."
        )
    return True


def check_channel(channel: object, *, dev_mode: bool) -> dict[str, Any]:
    if not isinstance(channel, dict) or channel.get("type") != "rest-hook":
        raise InvalidSubscriptionError("Only rest-hook channels are served.")
    endpoint = channel.get("endpoint")
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or not parts.hostname or parts.scheme not in ("https", "http"):
        raise InvalidSubscriptionError("Subscription.channel.endpoint must be an absolute URL.")
    if parts.scheme != "https" and not dev_mode:
        raise InvalidSubscriptionError("Subscription.channel.endpoint must be https.")
    headers(channel)
    id_only(channel)
    return channel


def headers(channel: dict[str, Any]) -> dict[str, str]:
    """``channel.header`` ("Name: value" strings) as HTTP headers."""
    found: dict[str, str] = {}
    for item in channel.get("header") or []:
        name, sep, value = str(item).partition(":")
        if not sep or not name.strip() or any(c in name for c in " \r\n") or any(c in value for c in "\r\n"):
            raise InvalidSubscriptionError("Each Subscription.channel.header must be 'Name: value'.")
        found[name.strip()] = value.strip()
    return found


def validate(resource: dict[str, Any]) -> str:
    """The canonical JSON of a valid R4 Subscription (``fhir.resources`` R4B, as records are)."""
    from fhir.resources.R4B.subscription import Subscription
    from pydantic import ValidationError

    try:
        model = Subscription.model_validate(resource)
    except (ValidationError, ValueError, TypeError) as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in getattr(exc, "errors", lambda **_: [])(include_input=False)
        )
        raise InvalidSubscriptionError(f"The Subscription fails R4 validation: {reasons or exc}") from exc
    text: str = model.model_dump_json(exclude_none=True, by_alias=True)
    return text
