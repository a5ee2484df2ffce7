"""EGISZ's signed ``client_secret`` as an ESIA relying party (ESIA.md §3.2-§3.3).

The certificate decides the protocol version, as at the real ESIA:

- a GOST R 34.10-2012 (256-bit) certificate: v2/v3 (``/aas/oauth2/v2/ac``, ``/aas/oauth2/v3/te``):
  the raw 64-byte signature, Streebog-256, OpenSSL gost-engine byte order, over ``client_id + scope +
  scope_org + timestamp + state + redirect_uri`` (``+ code`` at ``te``), with the certificate's
  Streebog-256 hash as ``client_certificate_hash``. Signed in pure Python with :mod:`shared.gost`
  (``gostcrypto``, the primitive the idp signs and verifies with) from the key file the demo PKI
  (OpenSSL's GOST engine) writes: a PKCS#8 ``PrivateKeyInfo`` whose private key is the scalar,
  little-endian;
- an RSA certificate: v1 (``/aas/oauth2/ac``, ``/aas/oauth2/te``): a detached CMS SignedData
  (SHA-256, the signer certificate inside) over ``scope + timestamp + client_id + state``, made with
  ``cryptography``'s PKCS#7 builder.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from asn1crypto import core, pem, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from shared import gost

GOST_256_KEY = "1.2.643.7.1.1.1.1"
#: the 256-bit parameter sets by OID, under gostcrypto's names (R 1323565.1.024-2019)
GOST_CURVES = {oid: name for oid, name in gost.CURVES.items() if "-256-" in name}


class ClientKeyError(ValueError):
    """The configured certificate or key cannot sign (unreadable, mismatched, unsupported)."""


def esia_timestamp(moment: dt.datetime) -> str:
    """ESIA.md §3.3: ``yyyy.MM.dd HH:mm:ss ±hhmm`` (UTC here)."""
    return moment.astimezone(dt.UTC).strftime("%Y.%m.%d %H:%M:%S +0000")


def streebog256(data: bytes) -> bytes:
    return gost.streebog("streebog256", data)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class GostSigner:
    certificate_der: bytes
    curve: str
    scalar: bytes  # big-endian, as gostcrypto takes it
    version: Literal["v2"] = "v2"

    @property
    def certificate_hash(self) -> str:
        return streebog256(self.certificate_der).hex()

    def sign(self, message: bytes) -> bytes:
        return gost.sign(self.curve, self.scalar, message)  # OpenSSL order (ESIA.md §11)


@dataclass(frozen=True)
class RsaCmsSigner:
    certificate: cx509.Certificate
    key: rsa.RSAPrivateKey
    version: Literal["v1"] = "v1"

    def sign(self, message: bytes) -> bytes:
        options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
        builder = pkcs7.PKCS7SignatureBuilder().set_data(message)
        return builder.add_signer(self.certificate, self.key, hashes.SHA256()).sign(
            serialization.Encoding.DER, options
        )


ClientSigner = GostSigner | RsaCmsSigner


def _der(data: bytes) -> bytes:
    if pem.detect(data):
        return pem.unarmor(data)[2]
    return data


def load_signer(certificate: Path, key: Path, password: bytes | None = None) -> ClientSigner:
    """The signer of this certificate and key (GOST 256 → v2/v3, RSA → v1)."""
    try:
        cert_der = _der(certificate.read_bytes())
        key_bytes = key.read_bytes()
        spki = gost.GostSubjectPublicKeyInfo.load(
            x509.Certificate.load(cert_der)["tbs_certificate"]["subject_public_key_info"].dump()
        )
        algorithm = spki["algorithm"]["algorithm"].dotted
    except (OSError, ValueError) as exc:
        raise ClientKeyError(f"the ESIA client certificate cannot be read: {exc}") from exc
    if algorithm == GOST_256_KEY:
        return _gost_signer(spki, cert_der, key_bytes)
    try:
        private = serialization.load_pem_private_key(key_bytes, password)
    except (ValueError, TypeError) as exc:
        raise ClientKeyError(f"the ESIA client key cannot be read: {exc}") from exc
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ClientKeyError("the ESIA client key is neither GOST R 34.10-2012 256-bit nor RSA")
    return RsaCmsSigner(cx509.load_der_x509_certificate(cert_der), private)


def _gost_signer(spki: gost.GostSubjectPublicKeyInfo, cert_der: bytes, key_bytes: bytes) -> GostSigner:
    try:
        info = gost.GostPrivateKeyInfo.load(_der(key_bytes))
        params = gost.GostKeyParameters.load(info["algorithm"]["parameters"].dump())
        curve = GOST_CURVES[params["public_key_param_set"].dotted]
        scalar = _gost_scalar(info["private_key"].native)
    except (ValueError, KeyError, TypeError) as exc:
        raise ClientKeyError(f"the GOST key cannot be read: {exc}") from exc
    signer = GostSigner(cert_der, curve, scalar)
    # the key must be the certificate's: its public point, little-endian X‖Y in the certificate
    x, y = gost.public_point(curve, scalar)
    point_le = core.OctetString.load(spki["public_key"].native).native
    if point_le != x[::-1] + y[::-1]:
        raise ClientKeyError("the GOST key does not belong to the certificate")
    return signer


def _gost_scalar(contents: bytes) -> bytes:
    """The private scalar, big-endian, from a GOST PKCS#8 ``privateKey``: the engine writes the raw
    little-endian bytes; older writers wrap them in an OCTET STRING or write an INTEGER."""
    if len(contents) == 32:
        return contents[::-1]
    inner = core.Asn1Value.load(contents)
    if isinstance(inner, core.Integer) or inner.tag == 2:
        return int(core.Integer.load(contents).native).to_bytes(32, "big")
    return bytes(core.OctetString.load(contents).native)[::-1]
