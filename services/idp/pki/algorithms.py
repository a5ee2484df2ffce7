"""The signature algorithms the idp verifies, their object identifiers, and the verification errors.

A leaf of :mod:`idp.pki`: :mod:`idp.pki.cms`, :mod:`idp.pki.gost` and :mod:`idp.pki.client_secrets`
name algorithms and raise errors from here, so a caller branches on one error family with stable
``code`` values whatever the signature's shape.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar, Literal

from shared.gost import streebog

DigestName = Literal["sha1", "sha256", "sha384", "sha512", "streebog256", "streebog512"]

#: digest algorithm OIDs (RFC 5754 for SHA-2; RFC 7836 / TC 26 for GOST R 34.11-2012 «Стрибог»)
DIGEST_OIDS: dict[str, DigestName] = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "1.2.643.7.1.1.2.2": "streebog256",
    "1.2.643.7.1.1.2.3": "streebog512",
}

#: GOST R 34.10-2012 OIDs: public-key algorithm (what CMS writers usually put in SignerInfo's
#: signatureAlgorithm) and signature-with-digest (RFC 9215 §2 / RFC 7836)
GOST_256_OIDS = frozenset({"1.2.643.7.1.1.1.1", "1.2.643.7.1.1.3.2"})
GOST_512_OIDS = frozenset({"1.2.643.7.1.1.1.2", "1.2.643.7.1.1.3.3"})


def digest(name: DigestName, data: bytes) -> bytes:
    """``data`` hashed with the named algorithm (Streebog through the pure-Python ``gostcrypto``)."""
    if name == "streebog256" or name == "streebog512":
        return streebog(name, data)
    return hashlib.new(name, data).digest()


class SignatureError(Exception):
    """A signature that cannot be accepted. ``code`` is stable (callers branch on it); ``message``
    is one English sentence for logs and problem details; neither repeats secret material."""

    code: ClassVar[str] = "signature_invalid"
    message: ClassVar[str] = "The signature cannot be accepted."

    def __init__(self, message: str | None = None) -> None:
        self.detail = message or self.message
        super().__init__(self.detail)


class SignatureTooLargeError(SignatureError):
    code = "signature_too_large"
    message = "The signature is larger than the limit."


class CorruptSignatureError(SignatureError):
    code = "signature_corrupt"
    message = "The signature is not valid DER, PEM or base64, or it is truncated."


class PrivateKeyGivenError(SignatureError):
    code = "private_key_given"
    message = "A private key was sent instead of a signature; it was not stored: keep it secret."


class NotSignedDataError(SignatureError):
    code = "not_signed_data"
    message = "The data is not a CMS/PKCS#7 SignedData structure."


class NoSignerError(SignatureError):
    code = "no_signer"
    message = "The signature has no signer, or more than one."


class SignerCertificateMissingError(SignatureError):
    code = "signer_certificate_missing"
    message = "The signer's certificate is not included in the signature."


class UnsupportedAlgorithmError(SignatureError):
    code = "unsupported_algorithm"
    message = "The signature uses an algorithm that is not supported."


class ContentMismatchError(SignatureError):
    code = "content_mismatch"
    message = "The signed content is not the expected content."


class DigestMismatchError(SignatureError):
    code = "digest_mismatch"
    message = "The message digest in the signed attributes does not match the content."


class WrongSignatureError(SignatureError):
    code = "signature_wrong"
    message = "The signature does not verify with the signer's public key."


class CertificateUnreadableError(SignatureError):
    code = "certificate_unreadable"
    message = "The certificate cannot be read."
