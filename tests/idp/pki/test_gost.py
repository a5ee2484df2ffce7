"""GOST R 34.10-2012 and Streebog against OpenSSL's GOST engine: keys, certificates and signatures are
made by ``openssl -engine gost``; both verifiers (the engine and pure-Python gostcrypto) must agree."""

from __future__ import annotations

import re

import pytest

from idp.pki import gost
from idp.pki.algorithms import (
    CertificateUnreadableError,
    DigestMismatchError,
    UnsupportedAlgorithmError,
    WrongSignatureError,
    digest,
)
from idp.pki.cms import verify_cms
from tests.idp.pki.openssl_signing import (
    cms_sign,
    gost_raw_sign,
    gost_signer,
    needs_gost,
    openssl,
    rsa_signer,
)

pytestmark = needs_gost

MESSAGE = b"EKAP01openid2025.09.02 13:00:29 +0300f8b9c7b0https://rp.example/cb"
VERIFIERS = [gost.PureGostVerifier(), gost.OpenSSLGostVerifier()]
KEYS = [(256, "A"), (256, "B"), (256, "TCA"), (512, "A"), (512, "B")]


@pytest.fixture(params=VERIFIERS, ids=lambda verifier: verifier.name)
def verifier(request):
    return request.param


def test_certificate_hash_is_what_openssl_prints():
    signer = gost_signer()
    printed = openssl("dgst", "-engine", "gost", "-md_gost12_256", stdin=signer.certificate_der).decode()
    assert gost.certificate_hash(signer.certificate_der) == printed.split("= ")[-1].strip()


def test_streebog_512_is_what_openssl_prints():
    printed = openssl("dgst", "-engine", "gost", "-md_gost12_512", stdin=MESSAGE).decode()
    assert digest("streebog512", MESSAGE).hex() == printed.split("= ")[-1].strip()


def test_certificate_hash_matches_in_either_case():
    value = gost.certificate_hash(gost_signer().certificate_der)
    assert gost.same_certificate_hash(value, value.upper())
    assert not gost.same_certificate_hash(value, value[:-1] + ("0" if value[-1] != "0" else "1"))


@pytest.mark.parametrize(("bits", "paramset"), KEYS)
def test_public_key_is_what_openssl_prints(bits, paramset):
    signer = gost_signer(bits, paramset)
    key = gost.public_key_from_certificate(signer.certificate_der)
    text = openssl("x509", "-engine", "gost", "-in", str(signer.certificate), "-noout", "-text").decode()
    x = re.search(r"X:\s*([0-9A-Fa-f]+)", text)
    assert key.bits == bits
    assert x is not None and int(x.group(1), 16) == int.from_bytes(key.x, "big")


@pytest.mark.parametrize(("bits", "paramset"), KEYS)
def test_raw_signature_made_by_openssl_verifies(verifier, bits, paramset):
    signer = gost_signer(bits, paramset)
    signature = gost_raw_sign(signer, MESSAGE)
    assert len(signature) == bits // 4
    key = gost.public_key_from_certificate(signer.certificate_der)
    assert verifier.verify(key, MESSAGE, signature)
    assert not verifier.verify(key, MESSAGE + b"!", signature)
    assert not verifier.verify(key, MESSAGE, signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not verifier.verify(key, MESSAGE, signature[:-1])


def test_signature_by_another_key_is_wrong(verifier):
    signature = gost_raw_sign(gost_signer(256, "B"), MESSAGE)
    key = gost.public_key_from_certificate(gost_signer(256, "A").certificate_der)
    with pytest.raises(WrongSignatureError):
        gost.verify_gost(key, MESSAGE, signature, verifier)


@pytest.mark.parametrize("bits", [256, 512])
@pytest.mark.parametrize("command", ["cms", "smime"])
def test_gost_cms_made_by_openssl_verifies(verifier, bits, command):
    signer = gost_signer(bits)
    signature = cms_sign(signer, MESSAGE, command=command)
    result = verify_cms(signature, MESSAGE, gost_verifier=verifier)
    assert result.signature_algorithm == f"gost2012_{bits}"
    assert result.digest_algorithm == f"streebog{bits}"
    assert result.signer_certificate == signer.certificate_der


def test_gost_cms_attached_without_attributes(verifier):
    signature = cms_sign(gost_signer(), MESSAGE, attached=True, noattr=True)
    assert verify_cms(signature, MESSAGE, gost_verifier=verifier).attached
    with pytest.raises(WrongSignatureError):
        verify_cms(cms_sign(gost_signer(), MESSAGE, noattr=True), MESSAGE[:-1], gost_verifier=verifier)


def test_gost_cms_over_other_content(verifier):
    with pytest.raises(DigestMismatchError):
        verify_cms(cms_sign(gost_signer(), MESSAGE), MESSAGE + b" ", gost_verifier=verifier)


def test_rsa_certificate_is_not_a_gost_key():
    with pytest.raises(UnsupportedAlgorithmError):
        gost.public_key_from_certificate(rsa_signer().certificate_der)


def test_garbage_certificate():
    with pytest.raises(CertificateUnreadableError):
        gost.public_key_from_certificate(b"\x30\x03\x02\x01\x01")


def test_engine_is_the_default_when_installed():
    assert isinstance(gost.default_verifier(), gost.OpenSSLGostVerifier)
