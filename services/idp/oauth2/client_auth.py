"""Client authentication (RFC 6749 §2.3, OIDC Core §9) around Authlib's.

- A client authenticates only with the ``token_endpoint_auth_method`` it registered (OIDC Core §9:
  "the Client MUST use the method registered"; :meth:`OAuthClient.check_endpoint_auth_method`).
- HTTP Basic credentials that are not base64 of UTF-8 ``id:secret`` are ``invalid_client`` (401),
  never a 500 (RFC 6749 §2.3.1, RFC 7617 §2).
- ``private_key_jwt`` (RFC 7523 §2.2) with jti replay refusal; a client without usable keys is
  ``invalid_client``.
- A failure is described in one sentence.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import httpx
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.authenticate_client import ClientAuthentication
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from idp.clients.models import ESIA_SIGNED_SECRET
from idp.oauth2.clients import OAuthClient
from idp.tokens import service as tokens_service


class JwksUriCache:
    """Client JWKS fetched from ``jwks_uri``; refreshed every ``ttl`` seconds."""

    def __init__(self, ttl: float = 300.0, timeout: float = 5.0) -> None:
        self._ttl = ttl
        self._timeout = timeout
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, uri: str) -> dict[str, Any]:
        with self._lock:
            hit = self._cache.get(uri)
            if hit and time.monotonic() - hit[0] < self._ttl:
                return hit[1]
        response = httpx.get(uri, timeout=self._timeout)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        with self._lock:
            self._cache[uri] = (time.monotonic(), data)
        return data


logger = logging.getLogger("idp.oauth2")

QueryClient = Callable[[str], OAuthClient | None]
_NOT_UTF8 = "The Authorization header does not hold Basic credentials encoded in UTF-8."


def basic_credentials(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(client_id, client_secret) from ``Authorization: Basic``; (None, None) without one.

    RFC 6749 §2.3.1: both are form-urlencoded before the base64 of RFC 7617 §2. Raises
    :class:`InvalidClientError` (401) when the header is Basic but not base64 of UTF-8 text."""
    auth = headers.get("Authorization") or ""
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None, None
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidClientError(status_code=401, description=_NOT_UTF8) from None
    client_id, colon, secret = text.partition(":")
    return unquote(client_id) or None, unquote(secret) if colon else None


def basic_client_id(headers: Mapping[str, str]) -> str | None:
    """The client id in a Basic header, or None (also when unreadable): for the hot paths that only
    peek at which client is calling; the full path refuses unreadable credentials."""
    try:
        return basic_credentials(headers)[0]
    except InvalidClientError:
        return None


def _secret_basic(query_client: QueryClient, request: OAuth2Request) -> OAuthClient | None:
    client_id, secret = basic_credentials(request.headers)
    if not client_id or not secret:
        return None
    client = query_client(client_id)
    if client is None:
        raise InvalidClientError(status_code=401, description="The client does not exist on this server.")
    return client if client.check_client_secret(secret) else None


def _presented_method(request: OAuth2Request) -> str:
    """The method the request tried, for the error description."""
    if (request.headers.get("Authorization") or "").lower().startswith("basic "):
        return "client_secret_basic"
    if request.form.get("client_assertion"):
        return "private_key_jwt"
    if request.form.get("client_secret"):
        return "client_secret_post"
    return "none"


def _claimed_client_id(request: OAuth2Request) -> str | None:
    return basic_client_id(request.headers) or request.form.get("client_id") or None


class ClientAuthenticator(ClientAuthentication):
    """Authlib's method registry with a safe Basic parser and one-sentence failures."""

    def __init__(self, query_client: QueryClient) -> None:
        super().__init__(query_client)
        self.register("client_secret_basic", _secret_basic)

    def authenticate(self, request: OAuth2Request, methods: list[str], endpoint: str) -> OAuthClient:
        try:
            for method in methods:
                client = self._methods[method](self.query_client, request)
                if client is None or not client.check_endpoint_auth_method(method, endpoint):
                    continue
                request.auth_method = method
                return client
        except InvalidClientError as error:
            error.status_code = 401  # one status for every invalid_client (RFC 6749 §5.2 allows 401)
            raise
        raise InvalidClientError(status_code=401, description=self._why(request, methods))

    def _why(self, request: OAuth2Request, methods: list[str]) -> str:
        client_id = _claimed_client_id(request)
        client = self.query_client(client_id) if client_id else None
        if client is None:
            return "The request carries no client credentials this endpoint accepts."
        registered = client.row.token_endpoint_auth_method
        presented = _presented_method(request)
        if registered == ESIA_SIGNED_SECRET:
            return "The client is registered for the ESIA face only: it authenticates at /aas/oauth2/te."
        if registered == "none" and "none" not in methods:
            return "Public clients cannot authenticate at this endpoint."
        if registered not in methods:
            return f"The client's registered method {registered} is not accepted at this endpoint."
        if presented != registered:
            return f"The client is registered to authenticate with {registered}, not {presented}."
        return "The client credentials are not valid."


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, session: Session, issuer: str, jwks_cache: JwksUriCache) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.session = session
        self.issuer = issuer
        self.jwks_cache = jwks_cache

    def get_audiences(self) -> list[str]:
        # RFC 7523 §3: the token endpoint URL; OIDC Core §9 also allows the issuer.
        return [self.issuer.rstrip("/") + "/token", self.issuer]

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return tokens_service.accept_client_assertion(
            self.session, str(claims["sub"]), jti, int(claims["exp"])
        )

    def resolve_client_public_key(self, client: OAuthClient) -> KeySet:
        data = client.row.jwks
        if not data and client.row.jwks_uri:
            try:
                data = self.jwks_cache.get(client.row.jwks_uri)
            except (httpx.HTTPError, ValueError):
                logger.warning("client jwks_uri unreachable", extra={"client_id": client.client_id})
                raise InvalidClientError(description="The client's jwks_uri could not be read.") from None
        try:
            return KeySet.import_key_set(data or {"keys": []})  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            # joserfc's MissingKeyError for a client that registered no keys
            raise InvalidClientError(description="The client has no usable registered keys.") from None
