"""One JOSE library (joserfc) with an open algorithm table: the ESIA face's GOST R 34.10-2012 will
be one more entry. A custom algorithm is registered here through joserfc's JWSRegistry and used
end to end: key generation, sealing, the JWKS, signing through the token core, verification."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from fastapi import FastAPI
from joserfc import jws
from joserfc.jwk import ECKey, OctKey
from joserfc.jws import JWSAlgModel, JWSRegistry

from idp.keys import service as keys_service
from idp.keys.jose import DEFAULT_ALGORITHMS, SigningAlgorithm
from idp.keys.service import KeyStore
from idp.tokens.access import AccessTokens
from idp.tokens.schemas import Issuance
from idp.tokens.verify import OwnTokenError, verify_own_jwt

CUSTOM = "X-ES384-TEST"  # a stand-in for GOST3410_2012_256 (ESIA.md §5.3); fits String(16)


class CustomEcdsa(JWSAlgModel):
    """A JWSAlgModel joserfc does not ship, written the way a GOST one would be: its own name,
    curve and hash, a raw fixed-size r||s signature."""

    name = CUSTOM
    description = "ECDSA over P-384 with SHA-384, under a private name"
    key_type = "EC"

    def sign(self, msg: bytes, key: ECKey) -> bytes:
        r, s = decode_dss_signature(key.get_op_key("sign").sign(msg, ec.ECDSA(hashes.SHA384())))
        return r.to_bytes(48, "big") + s.to_bytes(48, "big")

    def verify(self, msg: bytes, sig: bytes, key: ECKey) -> bool:
        if len(sig) != 96:
            return False
        der = encode_dss_signature(int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big"))
        try:
            key.get_op_key("verify").verify(der, msg, ec.ECDSA(hashes.SHA384()))
        except InvalidSignature:
            return False
        return True


CUSTOM_ENTRY = SigningAlgorithm(
    CUSTOM,
    key_type="EC",
    generate=lambda: ECKey.generate_key("P-384"),
    digest=lambda data: hashlib.sha384(data).digest(),
    model=CustomEcdsa(),
)


def _issuance(alg: str) -> Issuance:
    return Issuance(
        grant_type="client_credentials",
        client_id="svc",
        alg=alg,
        subject="svc",
        audience="egisz",
        scope="egisz:read",
    )


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def custom_store(idp: tuple[FastAPI, Any]) -> KeyStore:
    app, _ = idp
    algorithms = DEFAULT_ALGORITHMS.with_algorithm(CUSTOM_ENTRY)
    keys_service.ensure_signing_keys(app.state.session_factory, app.state.key_encryptor, algorithms)
    return KeyStore(app.state.session_factory, app.state.key_encryptor, 0, algorithms=algorithms)


async def test_a_registered_algorithm_signs_and_verifies_through_the_core(
    idp: tuple[FastAPI, Any], custom_store: KeyStore
) -> None:
    app, http = idp
    issuer = app.state.settings.issuer
    assert JWSRegistry.algorithms[CUSTOM] is CUSTOM_ENTRY.model  # joserfc's own registry knows it
    token, stamp = AccessTokens(custom_store, issuer, 600).issue(_issuance(CUSTOM))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == CUSTOM and header["typ"] == "at+jwt"
    claims = verify_own_jwt(token, custom_store, issuer, typ="at+jwt")
    assert claims["jti"] == stamp.jti and claims["aud"] == "egisz"
    # the key was generated, sealed, published and re-read like any other
    published = {k["kid"]: k for k in (await http.get("/.well-known/jwks.json")).json()["keys"]}
    assert published[header["kid"]]["alg"] == CUSTOM and published[header["kid"]]["crv"] == "P-384"
    # a resource server verifying with joserfc and the published JWK agrees
    obj = jws.deserialize_compact(
        token, ECKey.import_key(published[header["kid"]]), registry=JWSRegistry(algorithms=[CUSTOM])
    )
    assert json.loads(obj.payload)["sub"] == "svc"
    # at_hash follows the algorithm's own hash (OIDC Core §3.1.3.6)
    left = hashlib.sha384(b"abc").digest()[:24]
    assert (
        custom_store.algorithms.half_hash("abc", CUSTOM)
        == base64.urlsafe_b64encode(left).rstrip(b"=").decode()
    )


async def test_a_store_without_the_algorithm_refuses_its_tokens(
    idp: tuple[FastAPI, Any], custom_store: KeyStore
) -> None:
    """The table is per key store: registering an algorithm in joserfc does not make every
    verifier accept it."""
    app, _ = idp
    issuer = app.state.settings.issuer
    token, _ = AccessTokens(custom_store, issuer, 600).issue(_issuance(CUSTOM))
    with pytest.raises(OwnTokenError):
        verify_own_jwt(token, app.state.key_store, issuer)


async def test_alg_none_is_refused(idp: tuple[FastAPI, Any]) -> None:
    app, _ = idp
    issuer = app.state.settings.issuer
    token, _ = app.state.token_issuer.access.issue(_issuance("RS256"))
    header, payload, _ = token.split(".")
    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    unsigned = f"{_b64({'alg': 'none', 'kid': kid, 'typ': 'at+jwt'})}.{payload}."
    with pytest.raises(OwnTokenError):
        verify_own_jwt(unsigned, app.state.key_store, issuer)


async def test_hmac_with_the_public_key_as_secret_is_refused(idp: tuple[FastAPI, Any]) -> None:
    """The classic key-confusion forgery: HS256 keyed with our published RSA key."""
    app, http = idp
    issuer = app.state.settings.issuer
    rsa_jwk = next(
        k for k in (await http.get("/.well-known/jwks.json")).json()["keys"] if k["alg"] == "RS256"
    )
    claims = {"iss": issuer, "sub": "admin", "aud": issuer, "exp": 2**40, "jti": "x", "client_id": "x"}
    secret = OctKey.import_key(json.dumps(rsa_jwk).encode())
    forged = jws.serialize_compact(
        {"alg": "HS256", "kid": rsa_jwk["kid"], "typ": "at+jwt"},
        json.dumps(claims),
        secret,
        registry=JWSRegistry(algorithms=["HS256"]),
    )
    with pytest.raises(OwnTokenError):
        verify_own_jwt(forged, app.state.key_store, issuer)


@pytest.mark.parametrize(
    "extra",
    [{"jwk": {"kty": "oct", "k": "AAAA"}}, {"crit": ["x-ours"], "x-ours": 1}, {"b64": True, "crit": ["b64"]}],
)
async def test_a_header_we_never_write_is_refused(idp: tuple[FastAPI, Any], extra: dict[str, Any]) -> None:
    """Embedded keys, ``crit`` and RFC 7797 unencoded payloads are not ours, even when the
    signature over them is good."""
    app, _ = idp
    issuer = app.state.settings.issuer
    store: KeyStore = app.state.key_store
    key = store.signing_key("ES256")
    token = store.algorithms.sign(
        {"iss": issuer, "exp": 2**40}, key.private, "ES256", key.kid, {"typ": "JWT"}
    )
    assert verify_own_jwt(token, store, issuer)["iss"] == issuer
    header = {"alg": "ES256", "kid": key.kid, "typ": "JWT", **extra}
    signing_input = f"{_b64(header)}.{_b64({'iss': issuer, 'exp': 2**40})}".encode()
    signature = JWSRegistry.algorithms["ES256"].sign(signing_input, key.private)  # a good signature
    tampered = signing_input.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    with pytest.raises(OwnTokenError):
        verify_own_jwt(tampered, store, issuer)


async def test_malformed_tokens_are_refused_not_crashed(idp: tuple[FastAPI, Any]) -> None:
    app, _ = idp
    issuer = app.state.settings.issuer
    for value in ["", "a.b", "a.b.c", "é.é.é", "eyJhbGciOiJFUzI1NiJ9.e30.%%%", "a" * 200_000]:
        with pytest.raises(OwnTokenError):
            verify_own_jwt(value, app.state.key_store, issuer)
