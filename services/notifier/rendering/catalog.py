"""The templates the notifier knows and the parameters each takes.

Checked when a message is accepted, so a caller learns at once (422 naming the template or the
parameter) instead of the message dying in the queue. ``secret`` parameters (codes, links carrying
tokens) are masked in every answer and log, and purged with the rest once the message is done.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from notifier.rendering.errors import (
    InvalidParameterError,
    MissingParameterError,
    UnknownParameterError,
    UnknownTemplateError,
)
from shared.web import formatting

Kind = Literal["code", "url", "text", "int", "choice", "datetime", "timezone"]

# Each pattern is also the parameter's JSON Schema ``pattern`` in the OpenAPI document
# (notifier.messages.schemas). Matched with ``re.search`` as JSON Schema does, and written so that
# Python and ECMA-262 read them alike: explicit ASCII classes, and the end anchored with ``\Z``
# semantics (a Python ``$`` would also accept a trailing newline, which ECMA's ``$`` does not).
CODE_PATTERN = r"^[0-9A-Za-z]{4,12}$"
#: text that is not only whitespace (ASCII whitespace, the same in both engines)
TEXT_PATTERN = r"[^ \t\n\r\f\v]"
#: RFC 3339 date-time with an offset, as far as ``datetime.fromisoformat`` reads it
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.removesuffix("$") + r"\Z" if pattern.endswith("$") else pattern)


def _matches(pattern: str, value: str) -> bool:
    return _compiled(pattern).search(value) is not None


MASK = "••••••"


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind
    required: bool = True
    secret: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200
    minimum: int = 1
    maximum: int = 1440
    default: Any = None


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    params: tuple[Param, ...]
    #: ``{"level": ("kind", "level_changed")}``: ``level`` is required when ``kind`` is that value
    required_when: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def secret_params(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params if p.secret)

    @property
    def carries_secrets(self) -> bool:
        return bool(self.secret_params)


_TTL = Param("ttl_minutes", "int", required=False, maximum=1440, default=10)
_AT = Param("at", "datetime", required=False)
#: the zone ``at`` is shown in (an IANA name, the sender's setting); Moscow when not given
_TZ = Param("timezone", "timezone", required=False, max_length=64)

SECURITY_ALERT_KINDS = (
    "new_login",
    "lockout",
    "password_changed",
    "level_changed",
    "login_denied",
    "passkey_cloned",
)
ACCOUNT_LEVELS = ("simplified", "standard", "confirmed")

TEMPLATES: dict[str, TemplateSpec] = {
    spec.name: spec
    for spec in (
        TemplateSpec("otp_code", (Param("code", "code", secret=True), _TTL)),
        TemplateSpec(
            "email_confirmation",
            (Param("code", "code", secret=True), Param("link", "url", required=False, secret=True), _TTL),
        ),
        TemplateSpec(
            "password_reset",
            (Param("code", "code", secret=True), Param("link", "url", required=False, secret=True), _TTL),
        ),
        TemplateSpec(
            "security_alert",
            (
                Param("kind", "choice", choices=SECURITY_ALERT_KINDS),
                _AT,
                _TZ,
                Param("ip", "text", required=False, max_length=64),
                Param("device", "text", required=False, max_length=128),
                Param("level", "choice", required=False, choices=ACCOUNT_LEVELS),
                Param("locked_minutes", "int", required=False, maximum=10080),
            ),
            required_when={"level": ("kind", "level_changed")},
        ),
        # a login waits for confirmation in the app (idp, issue 15 item 1): where and from what
        # browser it came; in dev mode a link to the simulated app page (it carries the device
        # credential: secret). Never the number: the person must read it on the login page.
        TemplateSpec(
            "login_approval",
            (
                Param("place", "text", max_length=64),
                Param("browser", "text", max_length=128),
                Param("link", "url", required=False, secret=True),
                _AT,
                _TZ,
            ),
        ),
        TemplateSpec(
            "consent_changed",
            (Param("action", "choice", choices=("given", "withdrawn")), Param("party", "text"), _AT, _TZ),
        ),
        # a bound electronic-signature certificate expires soon (idp, issue 11 item 2): its holder's
        # name as the certificate reads, and the moment it stops working
        TemplateSpec(
            "certificate_expiring",
            (Param("certificate", "text", max_length=200), Param("expires_at", "datetime"), _TZ),
        ),
        # a new result (Observation, DiagnosticReport) is in the patient's EGISZ record; the notice
        # never carries which result nor its value (medical content stays in the cabinet)
        TemplateSpec("result_available", (_AT, _TZ)),
        # a COVID-19 vaccination certificate is ready in the EGISZ cabinet (issue 14 item 7); the
        # notice carries neither its number nor the doses
        TemplateSpec("vaccination_certificate_issued", (_AT, _TZ)),
        # staff answered the patient's correction or deletion request in EGISZ (issue 14 item 6): its
        # kind and outcome only; the reason, which may speak of medical data, is read in the cabinet
        TemplateSpec(
            "request_processed",
            (
                Param("kind", "choice", choices=("correction", "deletion")),
                Param("outcome", "choice", choices=("accepted", "rejected", "completed")),
                _AT,
                _TZ,
            ),
        ),
        TemplateSpec(
            "record_accessed",
            (Param("accessor", "text"), Param("organization", "text", required=False), _AT, _TZ),
        ),
    )
}


def get_spec(template: str) -> TemplateSpec:
    spec = TEMPLATES.get(template)
    if spec is None:
        raise UnknownTemplateError(
            f"Unknown template {template!r}; known: {', '.join(sorted(TEMPLATES))}.",
            extra={"template": template},
        )
    return spec


def _check(spec: TemplateSpec, param: Param, value: Any) -> Any:
    def bad(why: str) -> InvalidParameterError:
        # Never echo the value: it may be a code.
        return InvalidParameterError(
            f"Parameter {param.name!r} of template {spec.name!r} {why}.",
            extra={"template": spec.name, "parameter": param.name},
        )

    if param.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON has one number type: 5.0 is the integer 5 (RFC 8259 §6)
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("must be an integer")
        if not param.minimum <= value <= param.maximum:
            raise bad(f"must be between {param.minimum} and {param.maximum}")
        return value
    if not isinstance(value, str):
        raise bad("must be a string")
    if param.kind == "code" and not _matches(CODE_PATTERN, value):
        raise bad("must be 4 to 12 letters or digits")
    if param.kind == "url" and (not value.startswith(("https://", "http://")) or len(value) > 2048):
        raise bad("must be an http(s) URL of at most 2048 characters")
    if param.kind == "choice" and value not in param.choices:
        raise bad(f"must be one of {', '.join(param.choices)}")
    if param.kind == "datetime":
        if not _matches(DATETIME_PATTERN, value):
            raise bad("must be an RFC 3339 date-time with an offset")
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise bad("must be an ISO 8601 date-time") from None
        if parsed.tzinfo is None:
            raise bad("must carry a time zone offset")
    if param.kind == "timezone":
        try:
            if len(value) > param.max_length:
                raise ValueError(value)
            formatting.zone(value)
        except ValueError:
            raise bad("must be an IANA time zone name such as Europe/Moscow") from None
    if param.kind == "text" and (not _matches(TEXT_PATTERN, value) or len(value) > param.max_length):
        raise bad(f"must be non-empty text of at most {param.max_length} characters")
    return value


def validate_params(template: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as the template takes them (``5.0`` read as ``5``) if they fit it; else the first
    problem, naming the parameter."""
    spec = get_spec(template)
    known = {p.name: p for p in spec.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise UnknownParameterError(
            f"Template {spec.name!r} takes no parameter {unknown[0]!r}.",
            extra={"template": spec.name, "parameter": unknown[0]},
        )
    checked = dict(params)
    for param in spec.params:
        required = param.required
        condition = spec.required_when.get(param.name)
        if condition is not None and params.get(condition[0]) == condition[1]:
            required = True
        if param.name not in params or params[param.name] is None:
            if required:
                raise MissingParameterError(
                    f"Template {spec.name!r} needs parameter {param.name!r}.",
                    extra={"template": spec.name, "parameter": param.name},
                )
            continue
        checked[param.name] = _check(spec, param, params[param.name])
    return checked


def with_validity(
    template: str, params: Mapping[str, Any], *, created_at: dt.datetime, expires_at: dt.datetime | None
) -> dict[str, Any]:
    """Params plus ``ttl_minutes`` from ``expires_at`` when the caller gave an expiry but no TTL.

    Derived here rather than by the caller so that a retried request stays byte-identical (its
    idempotency key would otherwise meet a different body).
    """
    values = dict(params)
    spec = TEMPLATES.get(template)
    takes_ttl = spec is not None and any(p.name == "ttl_minutes" for p in spec.params)
    if takes_ttl and values.get("ttl_minutes") is None and expires_at is not None:
        values["ttl_minutes"] = max(1, math.ceil((expires_at - created_at).total_seconds() / 60))
    return values


def with_defaults(spec: TemplateSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    values = {p.name: p.default for p in spec.params}
    values.update({k: v for k, v in params.items() if v is not None})
    return values


def mask_params(spec: TemplateSpec | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Params as shown to callers and operators: secret ones replaced by a mask."""
    secret = spec.secret_params if spec else frozenset(params)
    return {k: (MASK if k in secret else v) for k, v in params.items()}


def mask_text(text: str, params: Mapping[str, Any], spec: TemplateSpec | None) -> str:
    """``text`` with every secret parameter value blanked (for reasons that might echo a body)."""
    secret = spec.secret_params if spec else frozenset()
    for name in secret:
        value = params.get(name)
        if isinstance(value, str) and value:
            text = text.replace(value, MASK)
    return text
