"""The JSON Schema of ``POST /v1/messages`` as the notifier really checks a message.

The wire model (``shared.contracts.notifier.MessageRequest``) types ``template`` as a string and
``params`` as any object, because the catalog belongs to the notifier. Its OpenAPI document says
more: one variant per template of the catalog (so template names are an enum and each template's
parameters have their own schema), and the cross-field rules the intake enforces (every channel
needs its address, channels do not repeat, a parameter required by another's value). A request the
schema allows is one the notifier accepts, short of rules no schema states (an ``expires_at``
already past, a rate limit).
"""

from __future__ import annotations

import copy
from typing import Any
from zoneinfo import available_timezones

# The patterns the catalog checks with, so that the schema and the check cannot disagree.
from notifier.rendering.catalog import (
    CODE_PATTERN,
    DATETIME_PATTERN,
    TEMPLATES,
    TEXT_PATTERN,
    Param,
    TemplateSpec,
)

#: channel -> the recipient field it needs (``MessageRequest._channels_have_addresses``)
CHANNEL_ADDRESS = {"email": "email", "sms": "phone", "push": "push_token"}


def param_schema(param: Param) -> dict[str, Any]:
    """One parameter, as ``notifier.rendering.catalog._check`` accepts it."""
    schema: dict[str, Any]
    if param.kind == "int":
        schema = {"type": "integer", "minimum": param.minimum, "maximum": param.maximum}
    elif param.kind == "code":
        schema = {"type": "string", "pattern": CODE_PATTERN}
    elif param.kind == "url":
        schema = {"type": "string", "pattern": "^https?://", "maxLength": 2048}
    elif param.kind == "choice":
        schema = {"type": "string", "enum": list(param.choices)}
    elif param.kind == "datetime":
        schema = {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}
    elif param.kind == "timezone":
        # exactly the zones the check accepts (a name the schema allowed but the check refused was a
        # schema-valid request answered 422, found by tests/test_openapi_fuzz.py)
        schema = {"type": "string", "enum": sorted(available_timezones())}
    else:
        schema = {"type": "string", "maxLength": param.max_length, "pattern": TEXT_PATTERN}
    if param.secret:
        schema["description"] = "Secret: masked in every answer and log, purged once sent"
    return schema


def params_schema(spec: TemplateSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for param in spec.params:
        # null counts as absent: allowed for an optional parameter, "missing" for a required one
        one = param_schema(param)
        properties[param.name] = one if param.required else {"anyOf": [one, {"type": "null"}]}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [p.name for p in spec.params if p.required],
        "additionalProperties": False,
    }
    by_name = {p.name: p for p in spec.params}
    rules = [
        {
            "if": {"properties": {other: {"const": value}}, "required": [other]},
            "then": {"properties": {name: param_schema(by_name[name])}, "required": [name]},
        }
        for name, (other, value) in spec.required_when.items()
    ]
    if rules:
        schema["allOf"] = rules
    return schema


def _channel_rules() -> list[dict[str, Any]]:
    return [
        {
            "if": {"properties": {"channels": {"contains": {"const": channel}}}, "required": ["channels"]},
            "then": {
                "properties": {
                    "recipient": {
                        "properties": {field: {"type": "string", "minLength": 1}},
                        "required": [field],
                    }
                }
            },
        }
        for channel, field in CHANNEL_ADDRESS.items()
    ]


def message_request_schema(generated: dict[str, Any]) -> dict[str, Any]:
    """``generated``: FastAPI's schema of the wire model; returns one variant per template."""
    variants = []
    for name in sorted(TEMPLATES):
        spec = TEMPLATES[name]
        variant = copy.deepcopy(generated)
        variant["title"] = f"MessageRequest_{name}"
        variant["properties"]["template"] = {"type": "string", "const": name, "description": "Template name"}
        variant["properties"]["params"] = params_schema(spec)
        variant["properties"]["channels"]["uniqueItems"] = True
        required = [*variant.get("required", []), "template"]
        if any(p.required for p in spec.params):
            required.append("params")
        variant["required"] = sorted(set(required))
        variant["allOf"] = _channel_rules()
        variants.append(variant)
    return {
        "title": "MessageRequest",
        "description": "A message to deliver: one of the catalog's templates with its parameters.",
        "type": "object",
        "properties": {"template": {"$ref": "#/components/schemas/TemplateName"}},
        "required": ["template"],
        "oneOf": variants,
    }


def template_name_schema() -> dict[str, Any]:
    return {"title": "TemplateName", "type": "string", "enum": sorted(TEMPLATES)}


def document_templates(openapi: dict[str, Any]) -> dict[str, Any]:
    """Replace the generated MessageRequest schema with the per-template one (in place)."""
    schemas = openapi["components"]["schemas"]
    schemas["MessageRequest"] = message_request_schema(schemas["MessageRequest"])
    schemas["TemplateName"] = template_name_schema()
    return openapi
