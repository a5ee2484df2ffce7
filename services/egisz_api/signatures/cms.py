"""Detached CMS (PKCS#7) SignedData verification over the signed resource (RFC 5652), with
asn1crypto (structure) and cryptography (RSA PKCS#1 v1.5, RSA-PSS, ECDSA).

Checks, each refusing with one sentence: base64 and size → a SignedData with exactly one signer →
a detached signature, or attached content equal to the expected bytes → the signer's certificate
among the CMS certificates (``sid``, RFC 5652 §5.3) → signed attributes' ``message-digest`` equals
the content's digest (§11.2), the signature covering their DER SET (§5.4) → the signature value.
GOST R 34.10-2012 signatures are refused as unsupported here (docs/fhir.md «Signed writes»).
Certificate trust is :mod:`egisz_api.signatures.trust`'s.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from egisz_api.signatures.errors import SignatureInvalidError

MAX_SIGNATURE_BYTES = 64 * 1024
_DIGESTS: dict[str, tuple[str, type[hashes.HashAlgorithm]]] = {
    "sha256": ("sha256", hashes.SHA256),
    "sha384": ("sha384", hashes.SHA384),
    "sha512": ("sha512", hashes.SHA512),
}
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@dataclass(frozen=True)
class Verified:
    signer_certificate: bytes
    certificates: tuple[bytes, ...]
    signing_time: dt.datetime | None


def decode(data: str) -> bytes:
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalidError("Provenance.signature.data is not base64.") from exc
    if not raw or len(raw) > MAX_SIGNATURE_BYTES:
        raise SignatureInvalidError(f"Provenance.signature.data must be 1 to {MAX_SIGNATURE_BYTES} bytes.")
    return raw


def verify_detached(data: str, content: bytes) -> Verified:
    """The signer of a CMS SignedData over exactly ``content``; raises SignatureInvalidError."""
    der = decode(data)
    try:
        return _verify(der, content)
    except _PARSE_ERRORS as exc:  # asn1crypto parses lazily: a malformed field surfaces late
        raise SignatureInvalidError("Provenance.signature.data is not a readable CMS SignedData.") from exc


def _verify(der: bytes, content: bytes) -> Verified:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise SignatureInvalidError("Provenance.signature.data is not a CMS SignedData.")
    signed_data = info["content"]
    signers = signed_data["signer_infos"]
    if len(signers) != 1:
        raise SignatureInvalidError("The CMS must carry exactly one signer.")
    signer = signers[0]
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in _DIGESTS:
        raise SignatureInvalidError(f"The digest algorithm {digest_name} is not accepted.")
    embedded = signed_data["encap_content_info"]["content"]
    if embedded.native is not None:
        value = embedded.native if isinstance(embedded.native, bytes) else embedded.contents
        if value != content:
            raise SignatureInvalidError("The signed content is not this resource.")
    certificates = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
    certificate = _signer_certificate(signer, certificates)
    signed = _signed_bytes(signer, content, digest_name)
    _check_value(signer, certificate, signed, digest_name)
    signing_time = None
    attributes = signer["signed_attrs"]
    if attributes.native is not None:
        for attribute in attributes:
            if attribute["type"].native == "signing_time" and len(attribute["values"]) == 1:
                signing_time = attribute["values"][0].native
    return Verified(certificate.dump(), tuple(c.dump() for c in certificates), signing_time)


def _signer_certificate(signer: cms.SignerInfo, certificates: list[cms.Certificate]) -> cms.Certificate:
    sid = signer["sid"]
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                certificate.serial_number == wanted["serial_number"].native
                and certificate.issuer == wanted["issuer"]
            ):
                return certificate
        elif certificate.key_identifier is not None and certificate.key_identifier == sid.chosen.native:
            return certificate
    raise SignatureInvalidError("The CMS does not carry the signer's certificate.")


def _signed_bytes(signer: cms.SignerInfo, content: bytes, digest_name: str) -> bytes:
    attributes = signer["signed_attrs"]
    if attributes.native is None:
        return content
    digests = [a["values"] for a in attributes if a["type"].native == "message_digest"]
    if len(digests) != 1 or len(digests[0]) != 1:
        raise SignatureInvalidError("The signed attributes carry no single message digest.")
    if digests[0][0].native != hashlib.new(digest_name, content).digest():
        raise SignatureInvalidError("The signature was made over other content than this resource.")
    # RFC 5652 §5.4: the signature covers the attributes' DER with the SET OF tag, not [0]
    encoded = attributes.dump()
    return b"\x31" + encoded[1:]


def _check_value(
    signer: cms.SignerInfo, certificate: cms.Certificate, signed: bytes, digest_name: str
) -> None:
    value = signer["signature"].native
    hash_type = _DIGESTS[digest_name][1]
    algorithm = signer["signature_algorithm"]
    try:
        kind = algorithm.signature_algo
        key = x509.load_der_x509_certificate(certificate.dump()).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SignatureInvalidError(
            f"The signature algorithm {algorithm['algorithm'].dotted} is not supported."
        ) from exc
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, padding.PKCS1v15(), hash_type())
            return
        if kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            salt = algorithm["parameters"]["salt_length"].native
            key.verify(
                value, signed, padding.PSS(mgf=padding.MGF1(hash_type()), salt_length=salt), hash_type()
            )
            return
        if kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed, ec.ECDSA(hash_type()))
            return
    except InvalidSignature as exc:
        raise SignatureInvalidError("The signature does not verify with the signer's certificate.") from exc
    raise SignatureInvalidError(
        f"The signature algorithm {algorithm['algorithm'].dotted} is not supported "
        "(RSA and ECDSA are; GOST is not verified by this service)."
    )
