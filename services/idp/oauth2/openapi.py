"""OpenAPI descriptions of the protocol endpoints: their form (or query) parameters and every status
they answer, with its media type.

The handlers read the form themselves (:func:`idp.oauth2.requests.read_payload`: the hot routes take
no FastAPI parameters), so FastAPI cannot infer any of this; it is written here, once, next to the
protocol. Parameters that the protocol requires are documented as optional, because a request
without them is answered by the protocol (an error redirect, an error page, a JSON error), not by
schema validation; the descriptions say which are required.
"""

from __future__ import annotations

from typing import Any

from shared.errors import PROBLEM_JSON

FORM = "application/x-www-form-urlencoded"

OAUTH_ERROR: dict[str, Any] = {
    "type": "object",
    "title": "OAuthError",
    "description": "RFC 6749 §5.2 error response.",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "examples": ["invalid_request", "invalid_client", "invalid_grant"]},
        "error_description": {"type": "string", "description": "One sentence for the developer."},
        "error_uri": {"type": "string"},
    },
}
PROBLEM: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
_STRING = {"type": "string"}
_HTML = {"text/html": {"schema": _STRING}}
_LOCATION = {"Location": {"description": "Where the browser goes next.", "schema": _STRING}}
_WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "RFC 6750 §3 / RFC 7617 §2.", "schema": _STRING}}

#: every protocol endpoint may answer these from the plumbing (shared/http.py)
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "The body exceeds the size limit (or a Content-Length that is not a number: 400).",
        "content": {PROBLEM_JSON: {"schema": PROBLEM}},
    },
}


def _params(names: dict[str, str]) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {n: {"type": "string", "description": t} for n, t in names.items()}
    if "resource" in fields:
        fields["resource"]["minLength"] = 1  # RFC 8707 §2: an absolute URI
    return fields


def form(
    fields: dict[str, str], required: tuple[str, ...] = (), enums: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """``openapi_extra`` for a form body of string fields."""
    properties = _params(fields)
    for name, values in (enums or {}).items():
        properties[name]["enum"] = values
    for name in required:
        properties[name]["minLength"] = 1
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"requestBody": {"required": bool(required), "content": {FORM: {"schema": schema}}}}


def query(fields: dict[str, str]) -> dict[str, Any]:
    """``openapi_extra`` for optional string query parameters."""
    return {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": _STRING, "description": text}
            for name, text in fields.items()
        ]
    }


def oauth_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """RFC 6749 §5.2 JSON errors; 400 may also be the plumbing's problem JSON (a bad Content-Length)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        content: dict[str, Any] = {"application/json": {"schema": OAUTH_ERROR}}
        if status == 400:
            content[PROBLEM_JSON] = {"schema": PROBLEM}
        entry: dict[str, Any] = {
            "description": "invalid_client: the client could not be authenticated (RFC 6749 §5.2)."
            if status == 401
            else "The protocol error (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 7662 §2.3).",
            "content": content,
        }
        if status == 401:
            entry["headers"] = _WWW_AUTHENTICATE
        responses[status] = entry
    return responses | TOO_LARGE


def json_ok(description: str, schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {"application/json": {"schema": schema}}}}


def bearer_errors() -> dict[int | str, dict[str, Any]]:
    """RFC 6750 §3: problem JSON with a ``WWW-Authenticate: Bearer`` challenge."""
    content = {PROBLEM_JSON: {"schema": PROBLEM}}
    return {
        400: {"description": "invalid_request (the token sent twice).", "content": content},
        401: {
            "description": "No token, or an invalid, expired or revoked one.",
            "content": content,
            "headers": _WWW_AUTHENTICATE,
        },
        403: {"description": "insufficient_scope: no openid scope.", "content": content},
    } | TOO_LARGE


def redirects(*statuses: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": description, "headers": _LOCATION} for status in statuses}


def html(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": description, "content": _HTML}}


# --- the endpoints ------------------------------------------------------------------------------
CLIENT_AUTH = {
    "client_id": "With client_secret_post or none (RFC 6749 §2.3.1); or use HTTP Basic.",
    "client_secret": "client_secret_post only.",
    "client_assertion_type": "private_key_jwt: urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
    "client_assertion": "private_key_jwt: the signed JWT (RFC 7523 §2.2).",
}
TOKEN_FORM = form(
    {
        "grant_type": "Required: authorization_code, refresh_token or client_credentials.",
        "code": "authorization_code: the code from the redirect.",
        "redirect_uri": "authorization_code: the redirect_uri of the authorization request.",
        "code_verifier": "authorization_code: the PKCE verifier (RFC 7636 §4.5).",
        "refresh_token": "refresh_token: the refresh token (rotated on use).",
        "scope": "refresh_token, client_credentials: a subset of what is allowed (RFC 6749 §3.3).",
        "resource": "The audience of the access token (RFC 8707 §2): one registered for the client.",
        **CLIENT_AUTH,
    },
    required=("grant_type",),
    enums={"grant_type": ["authorization_code", "refresh_token", "client_credentials"]},
)
TOKEN_RESPONSE: dict[str, Any] = {
    "type": "object",
    "title": "TokenResponse",
    "required": ["access_token", "token_type", "expires_in"],
    "properties": {
        "access_token": _STRING,
        "token_type": _STRING,
        "expires_in": {"type": "integer"},
        "scope": _STRING,
        "refresh_token": _STRING,
        "id_token": _STRING,
    },
}
TOKEN_RESPONSES = json_ok("The tokens (RFC 6749 §5.1).", TOKEN_RESPONSE) | oauth_errors(400, 401)

TOKEN_PARAMS = {
    "token": "Required: the token.",
    "token_type_hint": "access_token or refresh_token.",
    **CLIENT_AUTH,
}
INTROSPECT_FORM = form(TOKEN_PARAMS, required=("token",))
INTROSPECT_RESPONSES = json_ok(
    'RFC 7662 §2.2; {"active": false} for tokens the caller may not see.',
    {
        "type": "object",
        "title": "Introspection",
        "required": ["active"],
        "properties": {"active": {"type": "boolean"}},
        "additionalProperties": True,
    },
) | oauth_errors(400, 401)
REVOKE_FORM = form(TOKEN_PARAMS, required=("token",))
REVOKE_RESPONSES = json_ok(
    "Revoked, or not ours to revoke (RFC 7009 §2.2).", {"type": "object"}
) | oauth_errors(400, 401)

USERINFO_FORM = form({"access_token": "The access token in the body (RFC 6750 §2.2) instead of a header."})
USERINFO_RESPONSES = (
    json_ok(
        "The person's claims (OIDC Core §5.3.2).",
        {"type": "object", "title": "UserInfo", "required": ["sub"], "additionalProperties": True},
    )
    | bearer_errors()
)

AUTHORIZE_FIELDS = {
    "response_type": "Required: code.",
    "client_id": "Required.",
    "redirect_uri": "Required, registered exactly.",
    "scope": "Space-separated; openid for an ID token.",
    "state": "Returned unchanged.",
    "nonce": "Copied into the ID token.",
    "code_challenge": "PKCE (RFC 7636), required for public clients.",
    "code_challenge_method": "S256.",
    "response_mode": "query.",
    "prompt": "none, login, consent or select_account.",
    "max_age": "Seconds since the last login.",
    "acr_values": "urn:idp:acr:pwd or urn:idp:acr:mfa, in order of preference.",
    "claims": "OIDC Core §5.5 JSON.",
    "id_token_hint": "An ID token this issuer gave.",
    "login_hint": "The login to prefill.",
    "ui_locales": "ru or en.",
    "display": "page.",
    "resource": "RFC 8707 audience (the EGISZ FHIR base URL stands for egisz).",
    "aud": "SMART App Launch v2: the FHIR base URL the app will call (checked as the resource).",
}
AUTHORIZE_RESPONSES = (
    redirects(
        302,
        303,
        description="Back to the client with code or error, state and iss (RFC 9207), or to the "
        "login or consent page (303 after a POST).",
    )
    | html(400, "Unknown client or redirect_uri: an error page, never a redirect (RFC 9700 §4.11).")
    | {413: TOO_LARGE[413]}
)

LOGOUT_FIELDS = {
    "id_token_hint": "An ID token this issuer gave (needed for a redirect).",
    "post_logout_redirect_uri": "Registered for the client the hint names.",
    "client_id": "Must match the hint.",
    "state": "Returned with the redirect.",
    "ui_locales": "ru or en.",
}
LOGOUT_RESPONSES = (
    html(200, "Logged out; no redirect was asked for.")
    | redirects(302, 303, description="To the registered post_logout_redirect_uri.")
    | html(400, "A hint or URI that does not check out: an error page.")
    | {413: TOO_LARGE[413]}
)
