"""CMS / PKCS#7 SignedData verification (RFC 5652) over content the caller expects.

The input is what a person uploads or a relying party sends: DER, PEM, or base64 in any of the
alphabets ESIA clients use (``../shared/ESIA.md`` §3.2: url-safe or standard, missing or partial
padding, a space where an unescaped ``+`` was). The checks run in this order, each raising one
:class:`~idp.pki.algorithms.SignatureError` with a stable code:

1. size limit, then decoding (:func:`decode_signature`): too large, corrupt, a private key, not CMS;
2. exactly one SignerInfo, with a supported digest algorithm;
3. the content: detached → the expected bytes are what was signed; attached → the embedded content
   must equal them (RFC 5652 §5.2);
4. the signer's certificate, found among the CMS certificates by issuer and serial number or by
   subject key identifier (RFC 5652 §5.3 ``sid``);
5. signed attributes, when present: ``message-digest`` must be the content's digest (RFC 5652
   §11.2), ``signing-time`` is returned, and the signature covers their DER SET (§5.4); without
   them the signature covers the content;
6. the signature: RSA PKCS#1 v1.5 or PSS, ECDSA (``cryptography``), GOST R 34.10-2012 (:mod:`.gost`).

Certificate trust (chain, validity, revocation) is not checked here: the caller does that with
the returned signer certificate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from asn1crypto import cms
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as CryptoUnsupported
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from idp.pki import gost
from idp.pki.algorithms import (
    DIGEST_OIDS,
    GOST_256_OIDS,
    GOST_512_OIDS,
    ContentMismatchError,
    CorruptSignatureError,
    DigestMismatchError,
    DigestName,
    NoSignerError,
    NotSignedDataError,
    PrivateKeyGivenError,
    SignatureTooLargeError,
    SignerCertificateMissingError,
    UnsupportedAlgorithmError,
    WrongSignatureError,
    digest,
)

#: a CMS with a signer certificate is 2-6 KB; a short chain fits too
DEFAULT_MAX_BYTES = 64 * 1024
MIN_RSA_BITS = 2048

SignatureAlgorithm = Literal["rsa_pkcs1v15", "rsa_pss", "ecdsa", "gost2012_256", "gost2012_512"]

_CMS_PEM_LABELS = frozenset({"PKCS7", "CMS", "PKCS #7 SIGNED DATA"})
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 #]+)-----(.*?)-----END \1-----", re.DOTALL)
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*")
_CRYPTO_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


@dataclass(frozen=True)
class CmsVerification:
    """A CMS signature that verified over the expected content (its certificate not yet trusted)."""

    signer_certificate: bytes  # DER
    certificates: tuple[bytes, ...]  # every certificate the CMS carries (DER), for path building
    signing_time: dt.datetime | None  # the signed ``signing-time`` attribute, when present
    digest_algorithm: DigestName
    signature_algorithm: SignatureAlgorithm
    attached: bool  # the content was embedded (and equalled the expected content)


def decode_signature(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The DER bytes of a signature given as DER, PEM or lenient base64 (ESIA.md §3.2)."""
    raw = data.encode("latin-1", "replace") if isinstance(data, str) else bytes(data)
    # base64 is 4/3 of the DER, PEM adds line breaks and armour
    if len(raw) > max_bytes * 4 // 3 + 4096:
        raise SignatureTooLargeError()
    if raw[:1] == b"\x30":
        der = raw
    elif b"-----BEGIN" in raw:
        der = _from_pem(raw)
    else:
        der = _from_base64(raw)
    if len(der) > max_bytes:
        raise SignatureTooLargeError()
    if not der:
        raise CorruptSignatureError("The signature is empty.")
    return der


def _from_pem(raw: bytes) -> bytes:
    if b"PRIVATE KEY-----" in raw:
        raise PrivateKeyGivenError()
    found = _PEM.search(raw)
    if found is None:
        raise CorruptSignatureError("The PEM text has no matching END line.")
    label = found.group(1).decode("ascii")
    if label not in _CMS_PEM_LABELS:
        raise NotSignedDataError(f"The PEM block is a {label}, not a PKCS7 or CMS signature.")
    return _from_base64(b"".join(found.group(2).split()))


def decode_base64(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Lenient base64 (ESIA.md §3.2): either alphabet, any padding, spaces for ``+``."""
    raw = data.encode("latin-1", "replace") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes * 4 // 3 + 4096:
        raise SignatureTooLargeError()
    decoded = _from_base64(raw)
    if len(decoded) > max_bytes:
        raise SignatureTooLargeError()
    return decoded


def _from_base64(raw: bytes) -> bytes:
    text = raw.strip()
    # an unescaped "+" arrives as a space; line breaks come from wrapped PEM or e-mail
    text = text.replace(b" ", b"+")
    text = b"".join(text.split())
    text = text.translate(bytes.maketrans(b"-_", b"+/")).rstrip(b"=")
    if not text or _BASE64.fullmatch(text) is None or len(text) % 4 == 1:
        raise CorruptSignatureError()
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CorruptSignatureError() from exc


def verify_cms(
    signature: bytes | str,
    content: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    gost_verifier: gost.GostVerifier | None = None,
) -> CmsVerification:
    """Verifies a CMS SignedData over ``content`` (detached, or attached with exactly this content).

    Raises a :class:`~idp.pki.algorithms.SignatureError` subclass for every refusal; never another
    exception for any input bytes.
    """
    der = decode_signature(signature, max_bytes=max_bytes)
    try:
        signed_data, signer = _signed_data(der)
        digest_name = _digest_name(signer)
        attached = _check_content(signed_data, content)
        certificates = _certificates(signed_data)
        signer_certificate = _signer_certificate(signer, certificates)
        signed_bytes, signing_time = _signed_bytes(signer, content, digest_name)
        algorithm = _check_signature(signer, signer_certificate, signed_bytes, digest_name, gost_verifier)
        return CmsVerification(
            signer_certificate=signer_certificate.dump(),
            certificates=tuple(certificate.dump() for certificate in certificates),
            signing_time=signing_time,
            digest_algorithm=digest_name,
            signature_algorithm=algorithm,
            attached=attached,
        )
    except _PARSE_ERRORS as exc:  # asn1crypto parses lazily: a malformed field surfaces here
        raise CorruptSignatureError() from exc


def _signed_data(der: bytes) -> tuple[cms.SignedData, cms.SignerInfo]:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        content_type = info["content_type"].native
    except _PARSE_ERRORS as exc:
        raise CorruptSignatureError() from exc
    if content_type != "signed_data":
        raise NotSignedDataError()
    signed_data = info["content"]
    signers = signed_data["signer_infos"]
    if len(signers) != 1:
        raise NoSignerError()
    return signed_data, signers[0]


def _digest_name(signer: cms.SignerInfo) -> DigestName:
    oid = signer["digest_algorithm"]["algorithm"].dotted
    name = DIGEST_OIDS.get(oid)
    if name is None or name == "sha1":
        raise UnsupportedAlgorithmError(f"The digest algorithm {oid} is not supported.")
    return name


def _check_content(signed_data: cms.SignedData, content: bytes) -> bool:
    embedded = signed_data["encap_content_info"]["content"]
    if embedded.native is None:
        return False
    value = embedded.native
    if not isinstance(value, bytes):
        value = embedded.contents
    if value != content:
        raise ContentMismatchError()
    return True


def _certificates(signed_data: cms.SignedData) -> list[cms.Certificate]:
    return [choice.chosen for choice in signed_data["certificates"] if choice.name == "certificate"]


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
    raise SignerCertificateMissingError()


def _signed_bytes(
    signer: cms.SignerInfo, content: bytes, digest_name: DigestName
) -> tuple[bytes, dt.datetime | None]:
    attributes = signer["signed_attrs"]
    if attributes.native is None:
        return content, None
    values = {attribute["type"].native: attribute["values"] for attribute in attributes}
    message_digest = values.get("message_digest")
    if message_digest is None or len(message_digest) != 1:
        raise DigestMismatchError("The signed attributes carry no single message digest.")
    if message_digest[0].native != digest(digest_name, content):
        raise DigestMismatchError()
    signing_time = None
    if (times := values.get("signing_time")) is not None and len(times) == 1:
        signing_time = times[0].native
    # RFC 5652 §5.4: the signature covers the DER of the attributes with the SET OF tag, not [0]
    encoded = attributes.dump()
    return b"\x31" + encoded[1:], signing_time


def _check_signature(
    signer: cms.SignerInfo,
    certificate: cms.Certificate,
    signed: bytes,
    digest_name: DigestName,
    gost_verifier: gost.GostVerifier | None,
) -> SignatureAlgorithm:
    oid = signer["signature_algorithm"]["algorithm"].dotted
    value = signer["signature"].native
    if oid in GOST_256_OIDS or oid in GOST_512_OIDS:
        key = gost.public_key_from_certificate(certificate.dump())
        if key.digest_name != digest_name or (key.bits == 256) != (oid in GOST_256_OIDS):
            raise UnsupportedAlgorithmError("The GOST signature's digest does not match the key size.")
        gost.verify_gost(key, signed, value, gost_verifier)
        return "gost2012_256" if key.bits == 256 else "gost2012_512"
    hash_type = _CRYPTO_HASHES.get(digest_name)
    if hash_type is None:
        raise UnsupportedAlgorithmError(f"The digest {digest_name} does not go with signature {oid}.")
    try:
        kind = signer["signature_algorithm"].signature_algo
        public_key = cx509.load_der_x509_certificate(certificate.dump()).public_key()
    except (ValueError, CryptoUnsupported) as exc:
        raise UnsupportedAlgorithmError(f"The signature algorithm {oid} is not supported.") from exc
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            _check_rsa_size(public_key)
            public_key.verify(value, signed, padding.PKCS1v15(), hash_type())
            return "rsa_pkcs1v15"
        if kind == "rsassa_pss" and isinstance(public_key, rsa.RSAPublicKey):
            _check_rsa_size(public_key)
            public_key.verify(value, signed, _pss(signer, digest_name), hash_type())
            return "rsa_pss"
        if kind == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, signed, ec.ECDSA(hash_type()))
            return "ecdsa"
    except InvalidSignature as exc:
        raise WrongSignatureError() from exc
    raise UnsupportedAlgorithmError(f"The signature algorithm {oid} does not match the signer's key.")


def _check_rsa_size(public_key: rsa.RSAPublicKey) -> None:
    if public_key.key_size < MIN_RSA_BITS:
        raise UnsupportedAlgorithmError(f"RSA keys shorter than {MIN_RSA_BITS} bits are not accepted.")


def _pss(signer: cms.SignerInfo, digest_name: DigestName) -> padding.PSS:
    """RFC 4055 §3.1 parameters; the PSS hash and MGF1 hash must be the SignerInfo digest."""
    parameters = signer["signature_algorithm"]["parameters"]
    pss_hash = parameters["hash_algorithm"]["algorithm"].native
    mgf = parameters["mask_gen_algorithm"]
    mgf_hash = mgf["parameters"]["algorithm"].native
    if mgf["algorithm"].native != "mgf1" or pss_hash != digest_name or mgf_hash != digest_name:
        raise UnsupportedAlgorithmError("The RSA-PSS parameters name another digest than the signer's.")
    if parameters["trailer_field"].native not in ("trailer_field_bc", 1):
        raise UnsupportedAlgorithmError("The RSA-PSS trailer field is not supported.")
    return padding.PSS(
        mgf=padding.MGF1(_CRYPTO_HASHES[digest_name]()), salt_length=parameters["salt_length"].native
    )
