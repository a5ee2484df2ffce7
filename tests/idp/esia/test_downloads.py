"""ESIA.md §2, §5.3: the face's signing certificate and public key as files; a client that pins
them (PEM public key as esia-connector, certificate as AISGorod) verifies our tokens with them."""

from __future__ import annotations

import io
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jose import jwt

from tests.idp.esia.conftest import Esia
from tests.idp.esia.helpers import callback, through_pages
from tests.idp.pki.openssl_signing import needs_gost

pytestmark = needs_gost


async def _tokens(esia: Esia) -> dict[str, str]:
    response = await through_pages(
        esia.http, await esia.http.get("/aas/oauth2/v2/ac", params=esia.rp.v2_ac())
    )
    code = callback(response)["code"]
    answer = await esia.http.post("/aas/oauth2/v3/te", data=esia.rp.v3_te(code))
    body: dict[str, str] = answer.json()
    return body


async def test_the_pinned_public_key_verifies_the_access_and_id_tokens(esia: Esia):
    tokens = await _tokens(esia)
    pem = (await esia.http.get("/public/esia.public.pem")).text
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    access = jwt.decode(tokens["access_token"], pem, algorithms=["RS256"], options={"verify_aud": False})
    assert access["client_id"] == "EKAP01"
    claims = jwt.decode(
        tokens["id_token"],
        pem,
        algorithms=["RS256"],
        audience="EKAP01",
        options={"verify_sub": False, "verify_at_hash": False},
    )
    assert claims["aud"] == "EKAP01"


async def test_the_certificate_is_self_signed_cn_esia_over_the_same_key(esia: Esia):
    cer = await esia.http.get("/public/esia.cer")
    certificate = x509.load_pem_x509_certificate(cer.content)
    assert certificate.subject == certificate.issuer
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "ESIA"
    public = (await esia.http.get("/public/esia.public.pem")).content
    assert (
        certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == public
    )
    certificate.verify_directly_issued_by(certificate)
    assert (await esia.http.get("/public/esia.pem")).content == cer.content


async def test_the_zip_holds_the_certificate_and_the_key(esia: Esia):
    archive = zipfile.ZipFile(io.BytesIO((await esia.http.get("/public/esia.zip")).content))
    assert sorted(archive.namelist()) == ["esia-gost.public.pem", "esia.cer", "esia.der", "esia.public.pem"]
    assert archive.read("esia.cer") == (await esia.http.get("/public/esia.cer")).content
