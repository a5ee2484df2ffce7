"""OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414), built from what is registered.

Every advertised value has a behaviour test (tests/idp/oidc/test_discovery_honesty.py).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.service import SCOPE_CLAIMS
from idp.clients import service as clients_service
from idp.keys.jose import SUPPORTED_ALGS
from idp.oauth2.acr import ACR_VALUES
from idp.oauth2.checks import KNOWN_PROMPTS, RESPONSE_MODES
from idp.oauth2.grants import GRANT_TYPES, TOKEN_AUTH_METHODS
from idp.smart.scopes import ADVERTISED as SMART_SCOPES

#: accounts hold no postal address: the ``address`` scope and claim would promise nothing
NOT_COLLECTED = {"address"}
BASE_SCOPES = [
    "openid",
    "offline_access",
    *[s for s in SCOPE_CLAIMS if s not in {"openid", *NOT_COLLECTED}],
    # SMART App Launch v2 for the EGISZ FHIR server (idp.smart): granular forms are granted too
    *SMART_SCOPES,
]


def supported_scopes(session: Session) -> list[str]:
    registered = {scope for client in clients_service.list_clients(session) for scope in client.scopes}
    return sorted(set(BASE_SCOPES) | registered)


def provider_metadata(session: Session, issuer: str) -> dict[str, Any]:
    base = issuer.rstrip("/")
    grant_types = sorted(GRANT_TYPES)
    claims = sorted(
        {c for names in SCOPE_CLAIMS.values() for c in names if c not in NOT_COLLECTED}
        | {"iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash"}
    )
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "end_session_endpoint": f"{base}/logout",
        "revocation_endpoint": f"{base}/revoke",
        "introspection_endpoint": f"{base}/introspect",
        "scopes_supported": supported_scopes(session),
        "response_types_supported": ["code"],
        "response_modes_supported": sorted(RESPONSE_MODES),
        "grant_types_supported": grant_types,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(SUPPORTED_ALGS),
        "userinfo_signing_alg_values_supported": ["none"],
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],  # joserfc refuses PS256
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": [m for m in TOKEN_AUTH_METHODS if m != "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": claims,
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "acr_values_supported": ACR_VALUES,
        "ui_locales_supported": ["ru", "en"],
        # only what behaves (tests/idp/oidc/test_discovery_honesty.py): no claims_locales (claims
        # have one language), display only as a full page
        "display_values_supported": ["page"],
        "prompt_values_supported": sorted(KNOWN_PROMPTS),
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "access_token_signing_alg_values_supported": list(SUPPORTED_ALGS),
    }


class MetadataCache:
    """Discovery is fetched by every RP at start and by some on every login: keep it for a while.

    It only changes when a client registers a new scope; ``ttl`` bounds how stale it can be.
    """

    def __init__(self, ttl: float = 30.0) -> None:
        self._ttl = ttl
        self._value: dict[str, Any] | None = None
        self._at = 0.0

    def peek(self) -> dict[str, Any] | None:
        """The document if it is still fresh: served on the event loop, no database."""
        if self._value is None or time.monotonic() - self._at > self._ttl:
            return None
        return self._value

    def get(self, session: Session, issuer: str) -> dict[str, Any]:
        value = self.peek()
        if value is None:
            value = self._value = provider_metadata(session, issuer)
            self._at = time.monotonic()
        return value
