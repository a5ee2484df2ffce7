"""The resource servers' JWT verifier, attacked (RFC 8725, RFC 6750 §3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from shared.tokens import (
    InsufficientScopeError,
    InvalidTokenError,
    JwksCache,
    JwtVerifier,
    require_scopes,
)

ISSUER = "http://idp.test"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self, kid: str = "k1") -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = kid

    def jwk(self) -> dict[str, Any]:
        data = jwk.construct(self.public_pem.decode(), algorithm="RS256").to_dict()
        data.update(kid=self.kid, use="sig", alg="RS256")
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in data.items()}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": "notifier", "sub": "svc", "exp": now + 60, "iat": now, "scope": "a b"}
        headers = {"kid": overrides.pop("kid", self.kid)}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.pem.decode(), algorithm="RS256", headers=headers)


class JwksServer:
    """The issuer's JWKS endpoint over an httpx transport; counts fetches."""

    def __init__(self, *issuers: Issuer) -> None:
        self.issuers = list(issuers)
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json={"keys": [i.jwk() for i in self.issuers]})


@pytest.fixture
def setup() -> tuple[Issuer, JwksServer, JwtVerifier]:
    issuer = Issuer()
    server = JwksServer(issuer)
    cache = JwksCache(
        "http://idp.test/.well-known/jwks.json",
        min_refresh_interval=300,
        transport=httpx.MockTransport(server.handler),
    )
    return issuer, server, JwtVerifier(cache, issuer=ISSUER, audience="notifier", leeway=0)


def _reject(verifier: JwtVerifier, token: str, fragment: str) -> InvalidTokenError:
    with pytest.raises(InvalidTokenError) as info:
        verifier.verify(token)
    assert fragment in info.value.detail
    challenge = info.value.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert info.value.status_code == 401
    return info.value


def test_a_valid_token_passes(setup: Any) -> None:
    issuer, _, verifier = setup
    assert verifier.verify(issuer.token())["sub"] == "svc"


def test_alg_none_is_refused(setup: Any) -> None:
    issuer, _, verifier = setup
    header = _b64(json.dumps({"alg": "none", "kid": issuer.kid, "typ": "JWT"}).encode())
    payload = _b64(
        json.dumps({"iss": ISSUER, "aud": "notifier", "sub": "x", "exp": time.time() + 60}).encode()
    )
    _reject(verifier, f"{header}.{payload}.", "Algorithm 'none'")


def test_hs256_signed_with_the_public_key_is_refused(setup: Any) -> None:
    issuer, server, verifier = setup
    header = _b64(json.dumps({"alg": "HS256", "kid": issuer.kid, "typ": "JWT"}).encode())
    payload = _b64(
        json.dumps({"iss": ISSUER, "aud": "notifier", "sub": "x", "exp": time.time() + 60}).encode()
    )
    signing_input = f"{header}.{payload}".encode()
    for secret in (issuer.public_pem, json.dumps(issuer.jwk()).encode()):
        signature = _b64(hmac.new(secret, signing_input, hashlib.sha256).digest())
        _reject(verifier, f"{header}.{payload}.{signature}", "Algorithm 'HS256'")
    assert server.fetches == 0  # refused before any key was looked up


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "http://evil.test"},
        {"aud": "egisz"},
        {"iss": None},
        {"aud": None},
        {"exp": -5},  # seconds from now, resolved when the test runs
        {"exp": None},
        {"nbf": 300},
    ],
    ids=["wrong-iss", "wrong-aud", "no-iss", "no-aud", "expired", "no-exp", "not-yet-valid"],
)
def test_claims_are_strict(setup: Any, claims: dict[str, Any]) -> None:
    issuer, _, verifier = setup
    now = int(time.time())
    resolved = {k: (now + v if k in ("exp", "nbf") and isinstance(v, int) else v) for k, v in claims.items()}
    with pytest.raises(InvalidTokenError):
        verifier.verify(issuer.token(**resolved))


def test_not_yet_valid_token_is_refused(setup: Any) -> None:
    issuer, _, verifier = setup
    with pytest.raises(InvalidTokenError):
        verifier.verify(issuer.token(nbf=int(time.time()) + 300))


def test_a_token_signed_by_a_stranger_key_with_a_known_kid_fails(setup: Any) -> None:
    _, _, verifier = setup
    stranger = Issuer(kid="k1")
    _reject(verifier, stranger.token(), "signature is invalid")


def test_unknown_kid_refetches_the_jwks_exactly_once(setup: Any) -> None:
    issuer, server, verifier = setup
    verifier.verify(issuer.token())
    assert server.fetches == 1
    stranger = Issuer(kid="unknown")
    for _ in range(5):
        _reject(verifier, stranger.token(), "unknown key")
    assert server.fetches == 2  # one refetch, then rate-limited


def test_a_rotated_in_key_is_found_by_the_refetch(setup: Any) -> None:
    issuer, server, verifier = setup
    verifier.verify(issuer.token())
    new = Issuer(kid="k2")
    server.issuers.append(new)
    assert verifier.verify(new.token())["sub"] == "svc"
    assert server.fetches == 2


def test_malformed_tokens_are_invalid_not_errors(setup: Any) -> None:
    _, _, verifier = setup
    for junk in ("", "abc", "a.b.c", "e30.e30.", "🙂.🙂.🙂"):
        with pytest.raises(InvalidTokenError):
            verifier.verify(junk)


def test_missing_scope_is_a_403_insufficient_scope() -> None:
    with pytest.raises(InsufficientScopeError) as info:
        require_scopes({"scope": "a b"}, ["notify:send"])
    assert info.value.status_code == 403
    assert 'error="insufficient_scope"' in info.value.headers["WWW-Authenticate"]
    assert 'scope="notify:send"' in info.value.headers["WWW-Authenticate"]


def test_a_detail_in_russian_keeps_the_challenge_ascii() -> None:
    """RFC 6750 §3: error_description is printable ASCII; a Russian detail (the consent refusal)
    once made the header unencodable — a 500 instead of the 403."""
    error = InsufficientScopeError("Пациент отозвал согласие", realm="egisz")
    challenge = error.headers["WWW-Authenticate"]
    challenge.encode("ascii")
    assert 'error_description="Insufficient scope"' in challenge
    assert error.detail == "Пациент отозвал согласие"
    plain = InsufficientScopeError('Needs "a" scope', realm="egisz").headers["WWW-Authenticate"]
    assert 'error_description="Needs \\"a\\" scope"' in plain
