"""ESIA.md §5.3: tokens signed GOST3410_2012_256 for a client that asks for them: the raw 64-byte
signature over ``header.payload`` in OpenSSL gost-engine order, verified here as ekapusta does
(``openssl dgst -engine gost -verify`` with the downloaded PEM public key) and with gostcrypto."""

from __future__ import annotations

import base64
import subprocess
import tempfile
from pathlib import Path

from jose import jwt

from idp.pki import gost
from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import EsiaRp, callback, register, through_pages
from tests.idp.pki.openssl_signing import gost_signer, needs_gost

pytestmark = needs_gost


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _openssl_verifies(pem: bytes, token: str) -> bool:
    signing_input, _, signature = token.rpartition(".")
    with tempfile.TemporaryDirectory() as folder:
        key, sig, data = (Path(folder) / n for n in ("key.pem", "sig", "data"))
        key.write_bytes(pem)
        sig.write_bytes(_b64decode(signature))
        data.write_bytes(signing_input.encode())
        command = ["openssl", "dgst", "-engine", "gost", "-md_gost12_256", "-verify", str(key)]
        done = subprocess.run([*command, "-signature", str(sig), str(data)], capture_output=True, check=False)
    return b"Verified OK" in done.stdout


async def test_a_gost_client_gets_gost_signed_tokens_that_openssl_verifies(esia: Esia):
    register(esia.app, "GOSTTOK", [gost_signer()], signing_alg="GOST3410_2012_256")
    rp = EsiaRp("GOSTTOK", gost_signer())
    response = await through_pages(esia.http, await esia.http.get("/aas/oauth2/v2/ac", params=rp.v2_ac()))
    code = callback(response)["code"]
    answer = await esia.http.post("/aas/oauth2/v3/te", data=rp.v3_te(code))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    pem = (await esia.http.get("/public/esia-gost.public.pem")).content
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    key = gost.public_key_from_spki(base64.b64decode(b"".join(pem.splitlines()[1:-1])))
    for token in (body["access_token"], body["id_token"]):
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "GOST3410_2012_256"
        assert _openssl_verifies(pem, token)
        signing_input, _, signature = token.rpartition(".")
        assert len(_b64decode(signature)) == 64
        assert gost.PureGostVerifier().verify(key, signing_input.encode(), _b64decode(signature))
    assert jwt.get_unverified_header(body["access_token"])["sbt"] == "access"
    # a flipped payload byte fails
    head, payload, signature = body["access_token"].split(".")
    forged = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    assert not _openssl_verifies(pem, forged)


async def test_the_gost_key_stays_out_of_the_jwks_that_jose_libraries_read(esia: Esia):
    """A kty JOSE does not register would make joserfc/Authlib refuse the whole JWKS."""
    from joserfc.jwk import KeySet

    jwks = (await esia.http.get("/.well-known/jwks.json")).json()
    assert {k["kty"] for k in jwks["keys"]} <= {"RSA", "EC", "OKP"}
    assert {k["alg"] for k in jwks["keys"]} == {"RS256", "ES256"}
    KeySet.import_key_set(jwks)
