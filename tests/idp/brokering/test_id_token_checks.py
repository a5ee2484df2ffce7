"""OIDC Core §3.1.3.7: the checks of a bank's ID token, each broken on its own (the real bank in
test_bank_login.py only ever sends good ones). Signed here with a key of the test's own, as a bank
would; ``verify_id_token`` is the function the callback runs."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from idp.brokering.client import IdTokenError, verify_id_token

ISSUER = "https://bank.example.test"
CLIENT = "idp"
NONCE = "n-0S6_WzA2Mj"
NOW = time.time()

BANK_KEY = RSAKey.generate_key(2048, parameters={"kid": "bank-1", "alg": "RS256"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "bank-1", "alg": "RS256"})
BANK_KEYS = KeySet([BANK_KEY])


def _token(key: RSAKey = BANK_KEY, **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "customer-1",
        "nonce": NONCE,
        "iat": int(NOW),
        "exp": int(NOW) + 300,
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": "bank-1"}, claims, key)


def _verify(token: str) -> dict[str, Any]:
    return verify_id_token(token, BANK_KEYS, issuer=ISSUER, client_id=CLIENT, nonce=NONCE, now=NOW)


def test_a_good_id_token_passes() -> None:
    assert _verify(_token())["sub"] == "customer-1"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_token(nonce="another-login"), "nonce"),
        (_token(nonce=None), "nonce"),
        (_token(iss="https://evil.example.test"), "issuer"),
        (_token(aud="someone-else"), "audience"),
        (_token(aud=[CLIENT, "someone-else"]), "audience"),  # several audiences without azp = us
        (_token(exp=int(NOW) - 3600), "expired"),
        (_token(iat=int(NOW) + 3600, exp=int(NOW) + 7200), "expired"),
        (_token(sub=None), "subject"),
        (_token(OTHER_KEY), "signature"),
    ],
    ids=[
        "nonce-mismatch",
        "nonce-missing",
        "issuer",
        "audience",
        "audiences-no-azp",
        "expired",
        "future",
        "no-sub",
        "foreign-key",
    ],
)
def test_a_broken_id_token_is_refused(token: str, reason: str) -> None:
    with pytest.raises(IdTokenError) as refused:
        _verify(token)
    assert refused.value.reason == reason


def test_an_unsigned_id_token_is_refused() -> None:
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    body = _token().split(".")[1]
    with pytest.raises(IdTokenError) as refused:
        _verify(f"{header}.{body}.")
    assert refused.value.reason == "malformed"  # joserfc: "none" is no algorithm it accepts
