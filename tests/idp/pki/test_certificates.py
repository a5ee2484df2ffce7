"""Reading certificates: PEM, DER, base64; Russian attributes; refusals (private keys, .pfx,
oversized, truncated, garbage), each with its own error and never a 500."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from idp.pki.certificates import MAX_CERTIFICATE_BYTES, load_certificate
from idp.pki.errors import CertificateFormatError, CertificateTooLargeError, PrivateKeyRefusedError
from tests.idp.pki.conftest import SNILS, Pki


def test_pem_der_and_base64_are_the_same_certificate(pki: Pki) -> None:
    pem = pki.pem("good")
    der = load_certificate(pem).der
    b64 = base64.b64encode(der)
    assert (
        load_certificate(der).thumbprint
        == load_certificate(pem).thumbprint
        == load_certificate(b64).thumbprint
    )


def test_subject_and_russian_attributes_are_read(pki: Pki) -> None:
    info = load_certificate(pki.pem("good"))
    assert (info.common_name, info.surname, info.given_name, info.snils) == (
        "Иванов Иван",
        "Иванов",
        "Иван",
        SNILS,
    )
    assert "digital_signature" in info.key_usage and not info.is_ca
    ca = load_certificate(pki.accredited.cert_pem.read_bytes())
    assert (ca.inn, ca.ogrn, ca.is_ca) == ("7700000000", "1027700000000", True)
    assert len(info.thumbprint) == 64 and info.not_before < info.not_after


def test_gost_certificate_is_read_although_its_key_is_not(pki: Pki) -> None:
    if pki.gost is None:
        pytest.skip("libengine-gost-openssl is not installed")
    info = load_certificate(pki.pem("gost"))
    assert info.is_gost and info.snils == SNILS and info.public_key_algorithm == "1.2.643.7.1.1.1.1"


def test_pem_with_a_private_key_is_refused(pki: Pki) -> None:
    bundle = pki.pem("good") + pki.certs["good"].key_pem.read_bytes()
    with pytest.raises(PrivateKeyRefusedError, match="private key"):
        load_certificate(bundle)


def test_pfx_is_refused_as_holding_a_private_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pfx = pkcs12.serialize_key_and_certificates(
        b"x", key, None, None, serialization.BestAvailableEncryption(b"1")
    )
    with pytest.raises(PrivateKeyRefusedError, match="PKCS#12"):
        load_certificate(pfx)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"\x30\x82\x01",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        b"!!!",
    ],
    ids=["empty", "text", "truncated_der", "bad_pem_body", "pem_of_a_key", "not_base64"],
)
def test_unreadable_input_is_a_format_error(data: bytes) -> None:
    with pytest.raises(CertificateFormatError):
        load_certificate(data)


def test_truncated_certificate_is_refused(pki: Pki) -> None:
    der = load_certificate(pki.pem("good")).der
    with pytest.raises(CertificateFormatError):
        load_certificate(der[: len(der) // 2])


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(CertificateTooLargeError):
        load_certificate(b"0" * (MAX_CERTIFICATE_BYTES + 1))
