"""Fixtures of the ESIA registration tests: an idp with an admin client, certificates of every kind
the registry accepts or refuses (made by ``cryptography`` and ``openssl``, outside the code under
test), and ESIA client bodies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from idp.clients.service import ClientSpec
from tests.idp.admin.conftest import admin_token
from tests.idp.conftest import Provider, Rp

EGISZ_BODY: dict[str, Any] = {
    "client_id": "EGISZ",
    "name": "ЕГИСЗ",
    "redirect_uris": ["https://egisz.example.test/esia/callback"],
    "scopes": ["openid", "fullname", "birthdate", "snils"],
    "signing_alg": "RS256",
    "mode": "strict",
}


@dataclass
class EsiaAdmin:
    provider: Provider
    client: Rp
    headers: dict[str, str]


@pytest.fixture
async def esia_admin(provider: Provider) -> EsiaAdmin:
    rp = provider.register(
        ClientSpec(client_id="ops-console", name="Ops", scopes=["admin"], grant_types=["client_credentials"])
    )
    return EsiaAdmin(provider, rp, await admin_token(provider, rp))


def _certificate(
    key: Any, *, days_from: int = -1, days_to: int = 30, cn: str = "ИС Тест", algorithm: Any = None
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days_from))
        .not_valid_after(now + dt.timedelta(days=days_to))
        .sign(key, algorithm)
    )


@dataclass(frozen=True)
class Files:
    """Bytes an operator might upload."""

    rsa_pem: bytes
    rsa_der: bytes
    rsa_key_pem: bytes
    rsa_pfx: bytes
    expired_pem: bytes
    ed25519_pem: bytes


@pytest.fixture(scope="session")
def files() -> Files:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(key, algorithm=hashes.SHA256())
    expired = _certificate(key, days_from=-60, days_to=-1, algorithm=hashes.SHA256())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_cert = _certificate(ed_key)
    pem = serialization.Encoding.PEM
    return Files(
        rsa_pem=cert.public_bytes(pem),
        rsa_der=cert.public_bytes(serialization.Encoding.DER),
        rsa_key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        rsa_pfx=pkcs12.serialize_key_and_certificates(
            b"is", key, cert, None, serialization.BestAvailableEncryption(b"1234")
        ),
        expired_pem=expired.public_bytes(pem),
        ed25519_pem=ed_cert.public_bytes(pem),
    )
