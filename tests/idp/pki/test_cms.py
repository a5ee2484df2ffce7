"""CMS SignedData verification (RFC 5652) against signatures made by the ``openssl`` command line:
every shape clients send is accepted, and every refusal is attacked with a real signature."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from idp.pki.algorithms import (
    ContentMismatchError,
    CorruptSignatureError,
    DigestMismatchError,
    NoSignerError,
    NotSignedDataError,
    PrivateKeyGivenError,
    SignatureError,
    SignatureTooLargeError,
    SignerCertificateMissingError,
    UnsupportedAlgorithmError,
    WrongSignatureError,
)
from idp.pki.cms import decode_signature, verify_cms
from tests.idp.pki.openssl_signing import cms_sign, ec_signer, openssl, rsa_signer

CHALLENGE = b"openid2025.09.02 13:00:29 +0300EKAP01f8b9c7b0-6f2e-4a67-9f2c-3d0b2f4c1a11"


# --- accepted shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize("attached", [False, True], ids=["detached", "attached"])
@pytest.mark.parametrize("outform", ["DER", "PEM"])
@pytest.mark.parametrize("signer", [rsa_signer, ec_signer], ids=["rsa", "ecdsa"])
def test_openssl_cms_verifies(signer, outform, attached):
    signature = cms_sign(signer(), CHALLENGE, attached=attached, outform=outform)
    result = verify_cms(signature, CHALLENGE)
    assert result.signer_certificate == signer().certificate_der
    assert result.attached is attached
    assert result.digest_algorithm == "sha256"
    assert result.signature_algorithm == ("rsa_pkcs1v15" if signer is rsa_signer else "ecdsa")
    assert result.signing_time is not None
    assert abs(result.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)


def test_without_signed_attributes_the_signature_covers_the_content():
    result = verify_cms(cms_sign(rsa_signer(), CHALLENGE, noattr=True), CHALLENGE)
    assert result.signing_time is None


def test_openssl_smime_sign_as_esia_connector_does():
    signature = cms_sign(rsa_signer(), CHALLENGE, command="smime")
    assert verify_cms(signature, CHALLENGE).signature_algorithm == "rsa_pkcs1v15"


def test_rsa_pss():
    signature = cms_sign(rsa_signer(), CHALLENGE, extra=("-keyopt", "rsa_padding_mode:pss"))
    assert verify_cms(signature, CHALLENGE).signature_algorithm == "rsa_pss"


def test_signer_found_by_subject_key_identifier():
    signature = cms_sign(rsa_signer(), CHALLENGE, extra=("-keyid",))
    assert verify_cms(signature, CHALLENGE).signer_certificate == rsa_signer().certificate_der


@pytest.mark.parametrize(
    "encode",
    [
        lambda der: base64.b64encode(der).decode(),
        lambda der: base64.urlsafe_b64encode(der).decode(),
        lambda der: base64.urlsafe_b64encode(der).decode().rstrip("="),
        lambda der: base64.urlsafe_b64encode(der).decode().replace("=", "", 1),
        lambda der: base64.b64encode(der).decode().replace("+", " "),
        lambda der: base64.encodebytes(der).decode(),
    ],
    ids=["standard", "urlsafe-padded", "urlsafe-unpadded", "first-pad-removed", "space-for-plus", "wrapped"],
)
def test_lenient_base64(encode):
    der = cms_sign(ec_signer(), CHALLENGE)
    assert decode_signature(encode(der)) == der
    assert verify_cms(encode(der), CHALLENGE).signature_algorithm == "ecdsa"


# --- refusals ------------------------------------------------------------------------------------


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_tampered_content_detached_is_a_digest_mismatch():
    signature = cms_sign(rsa_signer(), CHALLENGE)
    with pytest.raises(DigestMismatchError) as caught:
        verify_cms(signature, CHALLENGE + b"x")
    assert caught.value.code == "digest_mismatch"


def test_tampered_content_without_attributes_is_a_wrong_signature():
    signature = cms_sign(rsa_signer(), CHALLENGE, noattr=True)
    with pytest.raises(WrongSignatureError):
        verify_cms(signature, CHALLENGE[:-1] + b"X")


def test_attached_content_other_than_expected():
    signature = cms_sign(rsa_signer(), b"another challenge", attached=True)
    with pytest.raises(ContentMismatchError):
        verify_cms(signature, CHALLENGE)


@pytest.mark.parametrize("signer", [rsa_signer, ec_signer], ids=["rsa", "ecdsa"])
def test_tampered_signature_value(signer):
    # the SignerInfo's signature is the last field of the DER (no unsigned attributes)
    signature = cms_sign(signer(), CHALLENGE)
    with pytest.raises((WrongSignatureError, CorruptSignatureError)):
        verify_cms(_flip(signature, len(signature) - 2), CHALLENGE)


def test_tampered_signed_attribute_breaks_the_signature():
    signature = cms_sign(rsa_signer(), CHALLENGE)
    # signing-time (1.2.840.113549.1.9.5) is a signed attribute: change a digit of its seconds
    oid = bytes.fromhex("06092a864886f70d010905")
    at = signature.index(oid) + len(oid) + 2 + 2 + 11
    assert signature[at : at + 1].isdigit()
    with pytest.raises(WrongSignatureError):
        verify_cms(_flip(signature, at), CHALLENGE)


def test_signer_certificate_left_out():
    signature = cms_sign(rsa_signer(), CHALLENGE, extra=("-nocerts",))
    with pytest.raises(SignerCertificateMissingError):
        verify_cms(signature, CHALLENGE)


def test_signer_certificate_swapped_for_another():
    # a CMS by one key carrying another's certificate only: the sid matches nothing
    signature = cms_sign(
        rsa_signer(), CHALLENGE, extra=("-nocerts", "-certfile", str(rsa_signer("other").certificate))
    )
    with pytest.raises(SignerCertificateMissingError):
        verify_cms(signature, CHALLENGE)


def test_two_signers_are_refused():
    once = cms_sign(rsa_signer(), CHALLENGE, attached=True)
    twice = openssl(
        "cms", "-resign", "-binary", "-inform", "DER", "-outform", "DER",
        "-signer", str(ec_signer().certificate), "-inkey", str(ec_signer().key), stdin=once,
    )  # fmt: skip
    with pytest.raises(NoSignerError):
        verify_cms(twice, CHALLENGE)


@pytest.mark.parametrize("cut", [1, 10, 200])
def test_truncated(cut):
    signature = cms_sign(rsa_signer(), CHALLENGE)
    with pytest.raises(CorruptSignatureError):
        verify_cms(signature[:-cut], CHALLENGE)


def test_trailing_garbage_after_the_der():
    with pytest.raises(CorruptSignatureError):
        verify_cms(cms_sign(rsa_signer(), CHALLENGE) + b"\x00\x00", CHALLENGE)


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00\x01\x02", b"\x30\x03\x02\x01", "не подпись", "%%%%", "A", b"\x30\x80" * 40, b"\xff" * 100],
    ids=["empty", "bytes", "short-der", "cyrillic", "symbols", "one-char", "nested-indefinite", "ff"],
)
def test_garbage(garbage):
    with pytest.raises(SignatureError) as caught:
        verify_cms(garbage, CHALLENGE)
    assert caught.value.code in {"signature_corrupt", "not_signed_data"}


def test_oversized():
    with pytest.raises(SignatureTooLargeError):
        verify_cms(b"\x30" + b"\x00" * 70_000, CHALLENGE)
    with pytest.raises(SignatureTooLargeError):
        verify_cms(base64.b64encode(b"\x00" * 70_000), CHALLENGE)
    with pytest.raises(SignatureTooLargeError):
        verify_cms(cms_sign(rsa_signer(), CHALLENGE), CHALLENGE, max_bytes=500)


def test_private_key_given_as_a_signature():
    pem = rsa_signer().key.read_bytes()
    with pytest.raises(PrivateKeyGivenError) as caught:
        verify_cms(pem, CHALLENGE)
    assert "private key" in caught.value.detail


def test_certificate_given_as_a_signature():
    with pytest.raises(NotSignedDataError) as caught:
        verify_cms(rsa_signer().certificate.read_bytes(), CHALLENGE)
    assert "CERTIFICATE" in caught.value.detail


def test_der_certificate_given_as_a_signature():
    with pytest.raises(SignatureError):
        verify_cms(rsa_signer().certificate_der, CHALLENGE)


def test_other_cms_content_type_is_not_signed_data():
    enveloped = openssl(
        "cms", "-encrypt", "-binary", "-outform", "DER", str(rsa_signer().certificate), stdin=CHALLENGE
    )
    with pytest.raises(NotSignedDataError):
        verify_cms(enveloped, CHALLENGE)


def test_sha1_is_refused():
    signature = cms_sign(rsa_signer(), CHALLENGE, extra=("-md", "sha1"))
    with pytest.raises(UnsupportedAlgorithmError):
        verify_cms(signature, CHALLENGE)


def test_short_rsa_key_is_refused():
    signature = cms_sign(rsa_signer("rsa1024", 1024), CHALLENGE)
    with pytest.raises(UnsupportedAlgorithmError):
        verify_cms(signature, CHALLENGE)


def test_public_key_pem_is_not_a_signature():
    public = rsa_signer().key.read_bytes()
    key = serialization.load_pem_private_key(public, None).public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(NotSignedDataError):
        verify_cms(pem, CHALLENGE)
