"""The idp as an OpenID Connect relying party of a bank: discovery, the authorization URL (code +
PKCE S256 + state + nonce, Authlib's client), the code exchange and the ID token's checks.

Every call to the bank has the ``bank_timeout`` setting; a bank that is down, slow or answers
nonsense raises :class:`BankUnavailableError`. What the bank said no to raises
:class:`BankRefusedError` with the OAuth error code. An ID token that does not verify raises
:class:`IdTokenError` with the failed check (OIDC Core §3.1.3.7, in that order)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp.settings import BankProvider

#: algorithms a bank may sign its ID tokens with (never "none", never HMAC with our secret)
ID_TOKEN_ALGS = ["RS256", "PS256", "ES256", "EdDSA"]
#: allowed clock difference between the bank and us, seconds
LEEWAY = 60


class BankUnavailableError(Exception):
    """The bank did not answer, answered too slowly or answered something that is not OIDC."""


class BankRefusedError(Exception):
    """The bank's token endpoint refused (``error`` is its RFC 6749 §5.2 code)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class IdTokenError(Exception):
    """The ID token failed a check: ``reason`` is one of ``signature``, ``issuer``, ``audience``,
    ``expired``, ``nonce``, ``malformed``, ``subject``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise BankUnavailableError(type(exc).__name__) from exc
    if response.status_code != 200:
        raise BankUnavailableError(f"status {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise BankUnavailableError("not json") from exc
    if not isinstance(body, dict):
        raise BankUnavailableError("not an object")
    return body


class BankDirectory:
    """The banks' discovery documents and JWKS, cached per process for ``cache_seconds``."""

    def __init__(self, timeout: float, cache_seconds: float = 300.0) -> None:
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._discovery: dict[str, tuple[float, Discovery]] = {}
        self._jwks: dict[str, tuple[float, dict[str, Any]]] = {}

    def discovery(self, bank: BankProvider) -> Discovery:
        now = time.monotonic()
        with self._lock:
            cached = self._discovery.get(bank.id)
        if cached and now - cached[0] < self.cache_seconds:
            return cached[1]
        url = f"{bank.issuer.rstrip('/')}/.well-known/openid-configuration"
        body = _get_json(url, self.timeout)
        # OIDC Discovery §4.3: the issuer in the document must be exactly the one configured
        if body.get("issuer") != bank.issuer:
            raise BankUnavailableError("issuer mismatch in discovery")
        try:
            found = Discovery(
                issuer=str(body["issuer"]),
                authorization_endpoint=str(body["authorization_endpoint"]),
                token_endpoint=str(body["token_endpoint"]),
                jwks_uri=str(body["jwks_uri"]),
                userinfo_endpoint=str(body["userinfo_endpoint"]) if body.get("userinfo_endpoint") else None,
            )
        except KeyError as exc:
            raise BankUnavailableError("incomplete discovery") from exc
        with self._lock:
            self._discovery[bank.id] = (now, found)
        return found

    def jwks(self, bank: BankProvider, discovery: Discovery, *, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        with self._lock:
            cached = self._jwks.get(bank.id)
        if refresh or not cached or now - cached[0] >= self.cache_seconds:
            body = _get_json(discovery.jwks_uri, self.timeout)
            cached = (now, body)
            with self._lock:
                self._jwks[bank.id] = cached
        try:
            return KeySet.import_key_set(cached[1])  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise BankUnavailableError("unreadable jwks") from exc


def _client(bank: BankProvider, redirect_uri: str, timeout: float, token_endpoint: str = "") -> OAuth2Client:
    """Authlib's client for one bank; at the token endpoint it authenticates with the client secret
    (``client_secret_basic``) or with an RS256 JWT signed by its private key (``private_key_jwt``,
    RFC 7523 §2.2, OIDC Core §9: Authlib's ``PrivateKeyJWT``, ``aud`` = the token endpoint)."""
    if bank.token_endpoint_auth_method == "private_key_jwt" and bank.private_key is not None:
        client = OAuth2Client(
            client_id=bank.client_id,
            client_secret=bank.private_key.get_secret_value(),
            token_endpoint_auth_method="private_key_jwt",
            scope=bank.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=timeout,
        )
        headers = {"kid": bank.private_key_id} if bank.private_key_id else None
        client.register_client_auth_method(PrivateKeyJWT(token_endpoint, headers=headers))
        return client
    secret = bank.client_secret.get_secret_value() if bank.client_secret is not None else None
    return OAuth2Client(
        client_id=bank.client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_basic",
        scope=bank.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=timeout,
    )


def authorization_url(
    bank: BankProvider, discovery: Discovery, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
) -> str:
    """The bank's authorization URL: code flow, PKCE S256 (RFC 7636), state, nonce."""
    with _client(bank, redirect_uri, 1.0) as client:
        url, _ = client.create_authorization_url(
            discovery.authorization_endpoint, state=state, code_verifier=code_verifier, nonce=nonce
        )
    return str(url)


def exchange_code(
    bank: BankProvider,
    discovery: Discovery,
    *,
    redirect_uri: str,
    code: str,
    code_verifier: str,
    timeout: float,
) -> dict[str, Any]:
    """The token response (RFC 6749 §4.1.3, with the PKCE verifier)."""
    with _client(bank, redirect_uri, timeout, discovery.token_endpoint) as client:
        try:
            token = client.fetch_token(
                discovery.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except OAuthError as exc:
            raise BankRefusedError(str(exc.error or "invalid_request")) from exc
        except httpx.HTTPError as exc:
            raise BankUnavailableError(type(exc).__name__) from exc
        except ValueError as exc:  # a body that is not JSON
            raise BankUnavailableError("unreadable token response") from exc
    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        raise BankRefusedError("no_id_token")
    return dict(token)


def verify_id_token(
    id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str, now: float
) -> dict[str, Any]:
    """OIDC Core §3.1.3.7: signature by the bank's key, ``iss`` the bank, ``aud`` us (and ``azp``
    when several audiences), not expired, and ``nonce`` the one this login sent."""
    try:
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGS)
    except JoseError as exc:
        name = type(exc).__name__
        raise IdTokenError("signature" if "Signature" in name or "Key" in name else "malformed") from exc
    except (ValueError, TypeError) as exc:
        raise IdTokenError("malformed") from exc
    claims = dict(token.claims)
    if claims.get("iss") != issuer:
        raise IdTokenError("issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise IdTokenError("audience")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + LEEWAY < now:
        raise IdTokenError("expired")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat - LEEWAY > now:
        raise IdTokenError("expired")
    if not isinstance(claims.get("nonce"), str) or claims["nonce"] != nonce:
        raise IdTokenError("nonce")
    if not isinstance(claims.get("sub"), str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise IdTokenError("subject")
    return claims


def userinfo(
    discovery: Discovery, access_token: str | None, *, subject: str, timeout: float
) -> dict[str, Any]:
    """The userinfo claims (OIDC Core §5.3), empty when the bank has none; a different ``sub``
    than the ID token's is refused (§5.3.2)."""
    if not discovery.userinfo_endpoint or not access_token:
        return {}
    try:
        response = httpx.get(
            discovery.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise BankUnavailableError(type(exc).__name__) from exc
    if response.status_code != 200 or not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return {}  # a signed or absent userinfo: the ID token's claims stand alone
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    if body.get("sub") != subject:
        raise IdTokenError("subject")
    return body
