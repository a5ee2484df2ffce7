"""The protocol errors the idp raises itself, beside Authlib's (RFC 6749 §4.1.2.1, §5.2).

Every description is one sentence a developer can read. Authlib refuses a description with
characters outside RFC 6749's error set (%x20-21 / %x23-5B / %x5D-7E) with a ``ValueError`` (a 500),
so anything echoed from the request goes through :func:`printable` first.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error

_ALLOWED = {*range(0x20, 0x22), *range(0x23, 0x5C), *range(0x5D, 0x7F)}


def printable(value: str, limit: int = 40) -> str:
    """``value`` made safe for an ``error_description``: other characters become ``?``, long values
    are cut (RFC 6749 §4.1.2.1 restricts the character set)."""
    text = "".join(c if ord(c) in _ALLOWED else "?" for c in value[:limit])
    return text + ("..." if len(value) > limit else "")


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: the requested resource is unknown or not allowed for this client."""

    error = "invalid_target"


class TemporarilyUnavailableError(OAuth2Error):
    """RFC 6749 §4.1.2.1: a service the authorization depends on (the FHIR server's Patient lookup
    for a SMART launch) cannot be reached now."""

    error = "temporarily_unavailable"


class UnsupportedResponseTypeError(OAuth2Error):
    """RFC 6749 §4.1.2.1. Authlib's own class describes itself as ``response_type=<input> is not
    supported`` whatever description it is given."""

    error = "unsupported_response_type"


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """OpenID Connect Core Unmet Authentication Requirements 1.0 §2: an essential ``acr`` that the
    login could not reach (OIDC Core §5.5.1.1: "a failed authentication attempt")."""

    error = "unmet_authentication_requirements"


class ErrorPageError(OAuth2Error):
    """Raised while the client or its redirect URI is not established: shown on an error page and
    never sent back by redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11: no open redirector)."""

    error = "invalid_request"


class UnknownClientPageError(ErrorPageError):
    error = "invalid_client"
