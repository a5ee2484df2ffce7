from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: the requested resource is unknown or not allowed for this client."""

    error = "invalid_target"
