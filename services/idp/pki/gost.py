"""GOST R 34.10-2012 signature verification (256 and 512 bits) and the Streebog certificate hash.

Two verifiers give the same answers (the tests cross-check them on signatures made by OpenSSL's GOST
engine): :class:`OpenSSLGostVerifier` runs the system ``openssl`` with Debian's
``libengine-gost-openssl`` (about 7 ms a verification, most of it starting the process) and
:class:`PureGostVerifier` uses PyPI ``gostcrypto`` (pure Python: about 90 ms for 256 bits and 360 ms
for 512). :func:`default_verifier` takes the engine when it is installed (``.ci/install-gost``, the
Dockerfile) and falls back to ``gostcrypto``; docs/dependencies.md has the measurements.

Byte orders (``../shared/ESIA.md`` §11, verified again by the tests): a GOST SubjectPublicKeyInfo's
BIT STRING holds an OCTET STRING of ``X‖Y``, each little-endian; a signature as OpenSSL writes it
(``openssl dgst -sign``, and the CMS SignerInfo signature) is two big-endian halves that
``gostcrypto`` wants swapped; ``gostcrypto`` also wants the key big-endian and the digest reversed.
The ``gostcrypto`` primitive and the ASN.1 shapes are :mod:`shared.gost`'s (egisz_api signs with
them too).
"""

from __future__ import annotations

import base64
import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from asn1crypto import core, x509

from idp.pki.algorithms import (
    CertificateUnreadableError,
    SignatureError,
    UnsupportedAlgorithmError,
    WrongSignatureError,
    digest,
)
from shared import gost

#: curve OID → gostcrypto's name, and key algorithm OID → bits (shared with egisz_api: shared.gost)
CURVES = gost.CURVES
KEY_ALGORITHMS = gost.KEY_ALGORITHMS
OPENSSL_TIMEOUT_SECONDS = 10
_GostKeyParameters = gost.GostKeyParameters
_GostSubjectPublicKeyInfo = gost.GostSubjectPublicKeyInfo


@dataclass(frozen=True)
class GostPublicKey:
    """A GOST R 34.10-2012 public key: ``x``/``y`` big-endian, as ``openssl x509 -text`` prints."""

    bits: int
    curve_oid: str
    x: bytes
    y: bytes
    spki_der: bytes

    @property
    def digest_name(self) -> str:
        return "streebog256" if self.bits == 256 else "streebog512"


def is_gost_key(spki_der: bytes) -> bool:
    try:
        return _GostSubjectPublicKeyInfo.load(spki_der)["algorithm"]["algorithm"].dotted in KEY_ALGORITHMS
    except (ValueError, TypeError):
        return False


def public_key_from_spki(spki_der: bytes) -> GostPublicKey:
    """The GOST key in a DER SubjectPublicKeyInfo; :class:`UnsupportedAlgorithmError` if it is not one
    (or names a curve we do not know), :class:`CertificateUnreadableError` if the key is malformed."""
    try:
        spki = _GostSubjectPublicKeyInfo.load(spki_der)
        algorithm = spki["algorithm"]["algorithm"].dotted
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateUnreadableError("The certificate's public key cannot be read.") from exc
    bits = KEY_ALGORITHMS.get(algorithm)
    if bits is None:
        raise UnsupportedAlgorithmError(f"The public key algorithm {algorithm} is not GOST R 34.10-2012.")
    try:
        parameters = spki["algorithm"]["parameters"]
        curve = None
        if parameters.native is not None:
            curve = _GostKeyParameters.load(parameters.dump())["public_key_param_set"].dotted
        point = core.OctetString.load(spki["public_key"].native).native
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateUnreadableError("The certificate's GOST public key cannot be read.") from exc
    if curve not in CURVES:
        raise UnsupportedAlgorithmError(f"The GOST curve {curve} is not supported.")
    size = bits // 8
    if len(point) != 2 * size:
        raise CertificateUnreadableError("The certificate's GOST public key has the wrong length.")
    return GostPublicKey(bits, curve, point[:size][::-1], point[size:][::-1], spki_der)


def public_key_from_certificate(certificate_der: bytes) -> GostPublicKey:
    try:
        spki = x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]
        spki_der = spki.dump()
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateUnreadableError() from exc
    return public_key_from_spki(spki_der)


def certificate_hash(certificate_der: bytes) -> str:
    """ESIA's ``client_certificate_hash`` (ESIA.md §3.1): Streebog-256 of the DER certificate, 64
    lower-case hex digits (as ``openssl dgst -md_gost12_256`` prints; CryptoPro prints upper case,
    so compare with :func:`same_certificate_hash`)."""
    return digest("streebog256", certificate_der).hex()


def same_certificate_hash(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


class GostVerifier(Protocol):
    name: str

    def verify(self, key: GostPublicKey, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (OpenSSL byte order) signs ``message`` (hashed here with
        the key's Streebog) under ``key``."""
        ...


class PureGostVerifier:
    """``gostcrypto`` with the ESIA.md §11 byte-order mapping."""

    name = "gostcrypto"

    def verify(self, key: GostPublicKey, message: bytes, signature: bytes) -> bool:
        return gost.verify(CURVES[key.curve_oid], key.x, key.y, message, signature, bits=key.bits)


class GostVerifierFailedError(SignatureError):
    code = "verifier_failed"
    message = "The GOST signature could not be checked; try again later."


class OpenSSLGostVerifier:
    """The system ``openssl dgst -verify`` with the GOST engine, one process per verification."""

    name = "openssl-gost-engine"

    def __init__(self, openssl: str = "openssl") -> None:
        self.openssl = openssl

    def verify(self, key: GostPublicKey, message: bytes, signature: bytes) -> bool:
        if len(signature) != key.bits // 4:
            return False
        pem = (
            b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(key.spki_der) + b"-----END PUBLIC KEY-----\n"
        )
        with tempfile.TemporaryDirectory(prefix="idp-gost-") as folder:
            paths = {name: Path(folder) / name for name in ("key.pem", "signature", "message")}
            paths["key.pem"].write_bytes(pem)
            paths["signature"].write_bytes(signature)
            paths["message"].write_bytes(message)
            try:
                done = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
                    [
                        self.openssl,
                        "dgst",
                        "-engine",
                        "gost",
                        f"-md_gost12_{key.bits}",
                        "-verify",
                        str(paths["key.pem"]),
                        "-signature",
                        str(paths["signature"]),
                        str(paths["message"]),
                    ],
                    capture_output=True,
                    timeout=OPENSSL_TIMEOUT_SECONDS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise GostVerifierFailedError() from exc
        if b"Verified OK" in done.stdout:
            return True
        if b"Verification failure" in done.stdout:
            return False
        # neither answer: the engine is missing or refused the key; never a silent "wrong"
        raise GostVerifierFailedError()


@functools.cache
def openssl_gost_available(openssl: str = "openssl") -> bool:
    """Whether ``openssl`` is on the PATH and loads the ``gost`` engine."""
    if shutil.which(openssl) is None:
        return False
    try:
        done = subprocess.run(  # noqa: S603
            [openssl, "engine", "-t", "gost"],
            capture_output=True,
            timeout=OPENSSL_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"[ available ]" in done.stdout


def default_verifier() -> GostVerifier:
    return OpenSSLGostVerifier() if openssl_gost_available() else PureGostVerifier()


def verify_gost(
    key: GostPublicKey, message: bytes, signature: bytes, verifier: GostVerifier | None = None
) -> None:
    """Raises :class:`WrongSignatureError` unless ``signature`` signs ``message`` under ``key``."""
    if not (verifier or default_verifier()).verify(key, message, signature):
        raise WrongSignatureError()
