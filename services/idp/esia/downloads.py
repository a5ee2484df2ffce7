"""The ESIA face's signing certificate and public key as files (ESIA.md §2, §5.3): ESIA clients pin
ESIA's key from a file instead of reading a JWKS (esia-connector's PyJWT 1.x wants a PEM *public
key*; others a certificate; AISGorod reads ``/public/esia.zip``).

For RS256 the certificate is self-signed over the current RS256 signing key (``CN=ESIA``, as ESIA's
own RSA certificates are, ESIA.md §5.3), made once per key id and kept in memory: after a key
rotation the files follow the new key (clients re-pin it, as they do when ESIA changes its key).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import threading
import zipfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from idp.esia.signing import GOST_ALG, spki_der
from idp.keys.errors import NoSigningKeyError
from idp.keys.service import KeyStore

RS256 = "RS256"
#: the organisation named in the certificate
ORGANISATION = "IdP ESIA face"
VALIDITY = dt.timedelta(days=5 * 365)


@dataclass(frozen=True)
class EsiaFiles:
    kid: str
    certificate_pem: bytes
    certificate_der: bytes
    public_key_pem: bytes

    def zip(self, gost_public_key_pem: bytes | None = None) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("esia.cer", self.certificate_pem)
            archive.writestr("esia.der", self.certificate_der)
            archive.writestr("esia.public.pem", self.public_key_pem)
            if gost_public_key_pem is not None:
                archive.writestr("esia-gost.public.pem", gost_public_key_pem)
        return buffer.getvalue()


class EsiaDownloads:
    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys
        self._lock = threading.Lock()
        self._made: dict[str, EsiaFiles] = {}

    def gost_public_key_pem(self) -> bytes | None:
        """The current GOST token key as a PEM ``PUBLIC KEY`` (GOST SubjectPublicKeyInfo, as
        ``openssl pkey -pubout`` writes it), or None when the store has no GOST key."""
        try:
            active = self._keys.signing_key(GOST_ALG)
        except NoSigningKeyError:
            return None
        der = spki_der(active.private.public_key)  # type: ignore[arg-type]
        return b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"

    def files(self) -> EsiaFiles:
        """The files of the current RS256 signing key."""
        active = self._keys.signing_key(RS256)
        with self._lock:
            made = self._made.get(active.kid)
            if made is None:
                private = active.private.private_key
                assert isinstance(private, rsa.RSAPrivateKey)
                made = self._made[active.kid] = _self_signed(active.kid, private)
            return made


def _self_signed(kid: str, private: rsa.RSAPrivateKey) -> EsiaFiles:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ESIA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # a serial from the key id: the same key always gives the same certificate identity
    serial = int.from_bytes(hashlib.sha256(kid.encode()).digest()[:16], "big") >> 1
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False)
        .sign(private, hashes.SHA256())
    )
    return EsiaFiles(
        kid=kid,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        public_key_pem=private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
