"""JWT verification for resource servers, against the idp's JWKS fetched over HTTP.

Rules (RFC 8725 JWT BCP, RFC 9068, RFC 6750):
- only asymmetric algorithms from an allow-list; ``none`` and every ``HS*`` are refused before any
  key is touched, so a token "signed" with the public key as an HMAC secret cannot pass;
- the key is chosen by ``kid`` from the JWKS and must be of the algorithm's key type;
- ``iss``, ``aud`` and ``exp`` are required and checked; ``nbf`` and ``iat`` when present;
- an unknown ``kid`` refetches the JWKS, at most once per ``min_refresh_interval`` seconds, so a
  flood of forged kids cannot turn into a flood of JWKS requests;
- failures become 401/403 problem responses with an RFC 6750 ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import httpx
from fastapi import Request
from jose import jwk, jws, jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTClaimsError

from shared.errors import AppError
from shared.logging import outgoing_headers

#: Algorithm → JWK key type. Anything not listed (none, HS256, ...) is refused outright.
ASYMMETRIC_ALGORITHMS: Mapping[str, str] = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
}


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _description(detail: str | None, title: str) -> str:
    """RFC 6750 §3: ``error_description`` is printable ASCII; a detail in another script (a Russian
    sentence) gives way to the title, which the response body's detail still carries in full."""
    text = detail or title
    if not (text.isascii() and text.isprintable()):
        text = title
    return _quote(text)


class BearerError(AppError):
    """An RFC 6750 §3 error: renders problem JSON plus the ``WWW-Authenticate`` challenge."""

    status_code = 401
    code = "invalid_token"
    title = "Invalid token"
    #: The RFC 6750 ``error`` attribute, or None for a request that carried no token (§3.1).
    bearer_error: ClassVar[str | None] = "invalid_token"

    def __init__(self, detail: str | None = None, *, realm: str = "api", **challenge: str) -> None:
        parts = [f'realm="{_quote(realm)}"']
        if self.bearer_error:
            parts.append(f'error="{self.bearer_error}"')
            parts.append(f'error_description="{_description(detail, self.title)}"')
        parts.extend(f'{key}="{_quote(value)}"' for key, value in challenge.items())
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer " + ", ".join(parts)})


class MissingTokenError(BearerError):
    code = "missing_token"
    title = "Authentication required"
    bearer_error = None


class InvalidTokenError(BearerError):
    pass


class InsufficientScopeError(BearerError):
    status_code = 403
    code = "insufficient_scope"
    title = "Insufficient scope"
    bearer_error = "insufficient_scope"


class InvalidRequestError(BearerError):
    status_code = 400
    code = "invalid_request"
    title = "Invalid request"
    bearer_error = "invalid_request"


class JwksCache:
    """The issuer's public keys, fetched lazily and refreshed on an unknown ``kid`` (rate-limited)."""

    def __init__(
        self,
        jwks_url: str,
        *,
        min_refresh_interval: float = 30.0,
        max_age: float = 3600.0,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_url = jwks_url
        self.min_refresh_interval = min_refresh_interval
        self.max_age = max_age
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._forced_at: float | None = None  # last refetch caused by an unknown kid
        self._lock = threading.Lock()
        self.fetch_count = 0

    def _fetch(self) -> None:
        self.fetch_count += 1
        self._fetched_at = self._clock()
        response = self._client.get(self.jwks_url, headers=outgoing_headers())
        response.raise_for_status()
        keys = response.json().get("keys", [])
        self._keys = {k["kid"]: k for k in keys if isinstance(k, dict) and "kid" in k}

    def get(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > self.max_age
            may_force = self._forced_at is None or now - self._forced_at >= self.min_refresh_interval
            if stale or (kid not in self._keys and may_force):
                if not stale:
                    self._forced_at = now
                try:
                    self._fetch()
                except (httpx.HTTPError, ValueError) as exc:
                    if not self._keys:
                        raise InvalidTokenError("The issuer's keys cannot be fetched right now.") from exc
            return self._keys.get(kid)

    def close(self) -> None:
        self._client.close()


class JwtVerifier:
    def __init__(
        self,
        keys: JwksCache,
        *,
        issuer: str,
        audience: str,
        algorithms: Iterable[str] = ("RS256", "ES256"),
        leeway: int = 30,
        allowed_types: Iterable[str] | None = None,
        realm: str = "api",
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(a for a in algorithms if a in ASYMMETRIC_ALGORITHMS)
        if not self.algorithms:
            raise ValueError("no asymmetric algorithm allowed")
        self.leeway = leeway
        self.allowed_types = {t.lower() for t in allowed_types} if allowed_types else None
        self.realm = realm

    def _fail(self, detail: str) -> InvalidTokenError:
        return InvalidTokenError(detail, realm=self.realm)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jws.get_unverified_header(token)
        except JOSEError as exc:
            raise self._fail("The token is not a well-formed JWS.") from exc
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise self._fail(f"Algorithm {alg!r} is not accepted.")
        typ = header.get("typ")
        if self.allowed_types is not None and (
            not isinstance(typ, str) or typ.lower() not in self.allowed_types
        ):
            raise self._fail(f"Token type {typ!r} is not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise self._fail("The token has no key id.")
        key_data = self.keys.get(kid)
        if key_data is None:
            raise self._fail("The token is signed by an unknown key.")
        if key_data.get("kty") != ASYMMETRIC_ALGORITHMS[alg] or key_data.get("alg", alg) != alg:
            raise self._fail("The key does not match the token's algorithm.")
        try:
            key = jwk.construct(key_data, algorithm=alg)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_iss": True,
                    "require_aud": True,
                    "leeway": self.leeway,
                    "verify_at_hash": False,
                },
            )
        except ExpiredSignatureError as exc:
            raise self._fail("The token has expired.") from exc
        except JWTClaimsError as exc:
            raise self._fail(f"Invalid claims: {exc}") from exc
        except JOSEError as exc:
            raise self._fail("The token signature is invalid.") from exc
        return claims


def bearer_token(request: Request, realm: str = "api") -> str:
    """The token from ``Authorization: Bearer`` (RFC 6750 §2.1), or a 401 challenge."""
    header = request.headers.get("authorization")
    if not header:
        raise MissingTokenError("A bearer token is required.", realm=realm)
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise InvalidRequestError("The Authorization header must be 'Bearer <token>'.", realm=realm)
    return value.strip()


def require_scopes(claims: Mapping[str, Any], needed: Iterable[str], realm: str = "api") -> None:
    granted = set(str(claims.get("scope", "")).split())
    missing = [s for s in needed if s not in granted]
    if missing:
        raise InsufficientScopeError(
            f"The token lacks scope: {' '.join(missing)}.", realm=realm, scope=" ".join(needed)
        )


def verified_claims(request: Request) -> dict[str, Any]:
    """FastAPI dependency for resource servers: the claims of a valid bearer token, or 401.

    The app must carry a :class:`JwtVerifier` as ``app.state.token_verifier``. Declared ``def`` so
    that a JWKS fetch runs in the threadpool, not on the event loop.
    """
    verifier: JwtVerifier = request.app.state.token_verifier
    return verifier.verify(bearer_token(request, realm=verifier.realm))
