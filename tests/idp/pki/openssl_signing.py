"""Signers for the signature tests, built outside the code under test.

RSA and ECDSA keys and certificates come from ``cryptography``; GOST keys and certificates, and every
signature, from the ``openssl`` command line (with Debian's GOST engine for GOST). Each signer is
made once per test process (``functools.cache``) in a temporary folder removed at exit.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from idp.pki.gost import openssl_gost_available

needs_gost = pytest.mark.skipif(
    not openssl_gost_available(),
    reason="the OpenSSL GOST engine is not installed: apt-get install libengine-gost-openssl "
    "(.ci/install-gost does it)",
)


@dataclass(frozen=True)
class Signer:
    name: str
    key: Path  # PEM private key
    certificate: Path  # PEM certificate
    certificate_der: bytes
    gost: bool = False


@functools.cache
def _folder() -> Path:
    holder = tempfile.TemporaryDirectory(prefix="pki-tests-")
    _HOLDERS.append(holder)
    return Path(holder.name)


_HOLDERS: list[tempfile.TemporaryDirectory[str]] = []


def _paths(name: str) -> tuple[Path, Path]:
    """Fresh key and certificate paths: ``functools.cache`` keys ``gost_signer()`` and
    ``gost_signer(256, "A")`` apart, so two signers of one name must never share files."""
    stem = f"{name}-{secrets.token_hex(4)}"
    return _folder() / f"{stem}.key.pem", _folder() / f"{stem}.crt.pem"


def openssl(*args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def _self_signed(name: str, private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> Signer:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    key_path, cert_path = _paths(name)
    key_path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Signer(name, key_path, cert_path, certificate.public_bytes(serialization.Encoding.DER))


@functools.cache
def rsa_signer(name: str = "rsa", bits: int = 2048) -> Signer:
    return _self_signed(name, rsa.generate_private_key(public_exponent=65537, key_size=bits))


@functools.cache
def ec_signer(name: str = "ecdsa") -> Signer:
    return _self_signed(name, ec.generate_private_key(ec.SECP256R1()))


@functools.cache
def gost_signer(bits: int = 256, paramset: str = "A") -> Signer:
    """A self-signed GOST R 34.10-2012 certificate made by ``openssl -engine gost``."""
    name = f"gost{bits}-{paramset}"
    key, cert = _paths(name)
    openssl("genpkey", "-engine", "gost", "-algorithm", f"gost2012_{bits}",
            "-pkeyopt", f"paramset:{paramset}", "-out", str(key))  # fmt: skip
    openssl("req", "-engine", "gost", "-new", "-x509", "-key", str(key), f"-md_gost12_{bits}",
            "-subj", f"/CN={name}", "-days", "30", "-out", str(cert))  # fmt: skip
    der = openssl("x509", "-in", str(cert), "-outform", "DER")
    return Signer(name, key, cert, der, gost=True)


def cms_sign(
    signer: Signer,
    content: bytes,
    *,
    attached: bool = False,
    outform: str = "DER",
    noattr: bool = False,
    command: str = "cms",
    extra: tuple[str, ...] = (),
) -> bytes:
    """``openssl cms|smime -sign -binary`` over ``content`` (what ESIA clients and CryptoPro do)."""
    args = [command, "-sign", "-binary", "-signer", str(signer.certificate), "-inkey", str(signer.key),
            "-outform", outform]  # fmt: skip
    if signer.gost:
        bits = "512" if "512" in signer.name else "256"
        args += ["-engine", "gost", "-md", f"md_gost12_{bits}"]
    else:
        args += ["-md", "sha256"]
    if attached:
        args.append("-nodetach")
    if noattr:
        args.append("-noattr")
    return openssl(*args, *extra, stdin=content)


def gost_raw_sign(signer: Signer, message: bytes) -> bytes:
    """``openssl dgst -md_gost12_256 -sign``: the raw 64-byte v2/v3 client_secret."""
    bits = "512" if "512" in signer.name else "256"
    return openssl("dgst", "-engine", "gost", f"-md_gost12_{bits}", "-sign", str(signer.key), stdin=message)
