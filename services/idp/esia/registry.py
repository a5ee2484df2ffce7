"""Who may use the ESIA face: registering a client (its mnemonic, URIs, scopes, algorithm and the
ESIA-only settings) and the certificates it signs its ``client_secret`` with (ESIA.md §3.2, §14.2).

A registration is a :class:`~idp.clients.models.Client` row whose ``token_endpoint_auth_method``
is :data:`~idp.clients.models.ESIA_SIGNED_SECRET` (so the OIDC face refuses it) plus one
:class:`EsiaClient` row. A certificate is stored with the three hashes clients and tools name it
by: SHA-1 (the «thumbPrint» of CryptoPro and ESIA's technology portal), SHA-256, and Streebog-256
of the DER, which is what a v2/v3 client sends as ``client_certificate_hash`` (ESIA.md §3.1).

These functions hold the rules only; :mod:`idp.esia.admin` adds the security log and the client
cache, and is what the admin API, the CLI and the seed call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509 as crypto_x509
from sqlalchemy.orm import Session

from idp.clients import service as clients_service
from idp.clients.errors import ClientExistsError
from idp.clients.models import ESIA_SIGNED_SECRET, Client
from idp.clients.secrets import SecretHasher
from idp.esia import repository
from idp.esia.errors import (
    CertificateAlgorithmError,
    CertificateExpiredError,
    EsiaCertificateExistsError,
    EsiaCertificateNotFoundError,
    EsiaClientNotFoundError,
    InvalidEsiaClientError,
)
from idp.esia.models import DEFAULT_ISSUER, EsiaClient, EsiaClientCertificate
from idp.pki import gost
from idp.pki.algorithms import SignatureError
from idp.pki.certificates import describe, load_certificate, parse_der, without_personal_numbers
from idp.pki.errors import CertificateFormatError
from shared.db import utcnow

#: ESIA.md §14.2: the token signing algorithms an ESIA client may ask for
SIGNING_ALGS = ("RS256", "GOST3410_2012_256")
MODES = ("strict", "lenient")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
#: the window is not documented by ESIA (ESIA.md §15); a day is far beyond any sane clock skew
MAX_TIMESTAMP_WINDOW = 86400
#: public key algorithm OID → what the face verifies (ESIA.md §1: RSA and GOST; ECDSA for v1 CMS)
KEY_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "rsa",
    "1.2.840.10045.2.1": "ecdsa",
    "1.2.643.7.1.1.1.1": "gost256",
    "1.2.643.7.1.1.1.2": "gost512",
}
#: RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")
_MNEMONIC = re.compile(r"^[A-Za-z0-9._-]{3,128}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class EsiaClientSpec:
    """Everything a registration says; ``client_id`` is the system's mnemonic («мнемоника»)."""

    client_id: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=lambda: ["openid"])
    signing_alg: str = "RS256"
    grant_types: list[str] = field(default_factory=lambda: list(GRANT_TYPES))
    issuer: str = DEFAULT_ISSUER
    timestamp_window: int = 300
    mode: str = "strict"
    require_confirmed: bool = False
    #: OIDC Back-Channel Logout 1.0 §2.2: where the idp POSTs a logout token when a person's SSO
    #: session that logged in to this client ends (None: the client is not told)
    backchannel_logout_uri: str | None = None


#: the fields a change (PATCH) may name: all but the mnemonic
CHANGEABLE = frozenset(f.name for f in dataclasses.fields(EsiaClientSpec)) - {"client_id"}


@dataclass(frozen=True)
class Registration:
    client: Client
    settings: EsiaClient
    certificates: Sequence[EsiaClientCertificate]

    @property
    def spec(self) -> EsiaClientSpec:
        return EsiaClientSpec(
            client_id=self.client.client_id,
            name=self.client.name,
            redirect_uris=list(self.client.redirect_uris),
            scopes=list(self.client.scopes),
            signing_alg=self.client.signing_alg,
            grant_types=list(self.client.grant_types),
            issuer=self.settings.issuer,
            timestamp_window=self.settings.timestamp_window,
            mode=self.settings.mode,
            require_confirmed=self.settings.require_confirmed,
            backchannel_logout_uri=self.client.backchannel_logout_uri,
        )


@dataclass(frozen=True)
class CertificateView:
    """A registered certificate as the operator and the client's developers read it."""

    sha1: str
    sha256: str
    #: what a v2/v3 client sends as ``client_certificate_hash``
    gost_hash: str
    algorithm: str
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    created_at: dt.datetime


# --- the rules of a registration ----------------------------------------------------------------
def _absolute_url(value: str, what: str) -> None:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidEsiaClientError(f"The {what} {value!r} is not an absolute http(s) URL.")
    if parts.fragment or value.endswith("#"):
        raise InvalidEsiaClientError(f"The {what} {value!r} has a fragment (RFC 6749 §3.1.2 forbids one).")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        raise InvalidEsiaClientError(f"The {what} contains spaces or control characters.")


def check_spec(spec: EsiaClientSpec) -> None:
    """Refuse a registration the ESIA face could not serve, with one sentence saying why."""
    if not _MNEMONIC.match(spec.client_id):
        raise InvalidEsiaClientError(
            "The mnemonic must be 3-128 characters: Latin letters, digits, '.', '_' or '-'."
        )
    if not spec.name.strip() or len(spec.name) > 200:
        raise InvalidEsiaClientError("The name must be 1-200 characters.")
    if spec.signing_alg not in SIGNING_ALGS:
        raise InvalidEsiaClientError(f"The signing algorithm must be one of {', '.join(SIGNING_ALGS)}.")
    if spec.mode not in MODES:
        raise InvalidEsiaClientError("The mode must be strict or lenient.")
    if not 1 <= spec.timestamp_window <= MAX_TIMESTAMP_WINDOW:
        raise InvalidEsiaClientError(
            f"The timestamp window must be 1-{MAX_TIMESTAMP_WINDOW} seconds (ESIA-007015 outside it)."
        )
    if not spec.grant_types or any(g not in GRANT_TYPES for g in spec.grant_types):
        raise InvalidEsiaClientError(f"The grant types must be some of {', '.join(GRANT_TYPES)}.")
    if "authorization_code" in spec.grant_types and not spec.redirect_uris:
        raise InvalidEsiaClientError("The authorization_code grant needs at least one redirect URI.")
    for uri in spec.redirect_uris:
        _absolute_url(uri, "redirect URI")
    if len(spec.redirect_uris) > 50 or len(spec.scopes) > 100:
        raise InvalidEsiaClientError("At most 50 redirect URIs and 100 scopes.")
    for scope in spec.scopes:
        if not _SCOPE.match(scope):
            raise InvalidEsiaClientError(f"{scope!r} is not a scope name (RFC 6749 §3.3).")
    _absolute_url(spec.issuer, "issuer")
    if spec.backchannel_logout_uri is not None:
        _absolute_url(spec.backchannel_logout_uri, "back-channel logout URI")
        if len(spec.backchannel_logout_uri) > 500:
            raise InvalidEsiaClientError("The back-channel logout URI must be at most 500 characters.")
    if len(spec.issuer) > 200:
        raise InvalidEsiaClientError("The issuer must be at most 200 characters.")


def _client_spec(spec: EsiaClientSpec) -> clients_service.ClientSpec:
    return clients_service.ClientSpec(
        client_id=spec.client_id,
        name=spec.name,
        client_type="confidential",
        token_endpoint_auth_method=ESIA_SIGNED_SECRET,
        grant_types=list(dict.fromkeys(spec.grant_types)),
        scopes=list(dict.fromkeys(spec.scopes)),
        redirect_uris=list(dict.fromkeys(spec.redirect_uris)),
        signing_alg=spec.signing_alg,
        backchannel_logout_uri=spec.backchannel_logout_uri,
    )


def _apply_settings(row: EsiaClient, spec: EsiaClientSpec) -> None:
    row.issuer = spec.issuer
    row.timestamp_window = spec.timestamp_window
    row.mode = spec.mode
    row.require_confirmed = spec.require_confirmed


# --- clients ------------------------------------------------------------------------------------
def registration(session: Session, client_id: str) -> Registration:
    settings = repository.esia_client(session, client_id)
    client = clients_service.find_client(session, client_id) if settings is not None else None
    if settings is None or client is None:
        raise EsiaClientNotFoundError(f"No ESIA client {client_id!r}.")
    return Registration(client, settings, repository.certificates_of(session, client_id))


def registrations(session: Session) -> list[Registration]:
    return [registration(session, row.client_id) for row in repository.esia_clients(session)]


def register_client(session: Session, hasher: SecretHasher, spec: EsiaClientSpec) -> Registration:
    """A new ESIA-face client. An OIDC client with the same id is a conflict, never taken over."""
    check_spec(spec)
    if clients_service.find_client(session, spec.client_id) is not None:
        raise ClientExistsError(f"A client {spec.client_id!r} already exists.")
    # the hasher is never used: an ESIA client has no shared secret (its secret is a signature)
    clients_service.register_client(session, hasher, _client_spec(spec))
    settings = EsiaClient(client_id=spec.client_id)
    _apply_settings(settings, spec)
    repository.add(session, settings)
    return registration(session, spec.client_id)


def update_client(
    session: Session, client_id: str, changes: Mapping[str, Any]
) -> tuple[Registration, list[str]]:
    """Change some fields of a registration; returns it with the names of the fields that changed."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise InvalidEsiaClientError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    current = registration(session, client_id)
    before = dataclasses.asdict(current.spec)
    spec = dataclasses.replace(current.spec, **dict(changes))
    check_spec(spec)
    clients_service.update_client(session, client_id, _client_spec(spec))
    _apply_settings(current.settings, spec)
    session.flush()
    after = registration(session, client_id)
    changed = sorted(k for k, v in dataclasses.asdict(after.spec).items() if before[k] != v)
    return after, changed


def remove_client(session: Session, client_id: str) -> None:
    """The registration, its certificates and its ``clients`` row (diagnoses expire on their own)."""
    current = registration(session, client_id)
    for row in current.certificates:
        repository.remove(session, row)
    repository.remove(session, current.settings)
    clients_service.delete_client(session, client_id)


# --- certificates -------------------------------------------------------------------------------
def _algorithm(der: bytes, key_oid: str) -> str:
    algorithm = KEY_ALGORITHMS.get(key_oid)
    if algorithm is None:
        raise CertificateAlgorithmError(
            f"The certificate's key algorithm ({key_oid}) is not supported: use GOST R 34.10-2012 "
            "(256 or 512 bits), RSA or ECDSA."
        )
    try:
        if algorithm.startswith("gost"):
            gost.public_key_from_certificate(der)  # a curve we can verify with
        else:
            crypto_x509.load_der_x509_certificate(der).public_key()
    except SignatureError as exc:
        raise CertificateAlgorithmError(
            f"The certificate's public key cannot be used: {exc.detail}"
        ) from None
    except (ValueError, TypeError) as exc:
        raise CertificateFormatError(f"The certificate's public key cannot be read: {exc}.") from None
    return algorithm


def certificates(session: Session, client_id: str) -> Sequence[EsiaClientCertificate]:
    return registration(session, client_id).certificates


def register_certificate(session: Session, client_id: str, data: bytes) -> EsiaClientCertificate:
    """Register a certificate (DER, PEM or base64) for ``client_id``. Refused with a typed error:
    not a certificate, a private key or .pfx (never stored), over 64 KiB, expired, a key algorithm
    the face cannot verify, already registered for this client."""
    registration(session, client_id)
    info = load_certificate(data)
    algorithm = _algorithm(info.der, info.public_key_algorithm)
    now = utcnow()
    if info.not_after <= now:
        raise CertificateExpiredError(
            f"The certificate expired at {info.not_after:%Y-%m-%d %H:%M} UTC; register a valid one."
        )
    if repository.certificate_of(session, client_id, info.thumbprint) is not None:
        raise EsiaCertificateExistsError(f"This certificate is already registered for {client_id!r}.")
    row = EsiaClientCertificate(
        client_id=client_id,
        der=info.der,
        sha1=hashlib.sha1(info.der, usedforsecurity=False).hexdigest(),
        sha256=info.thumbprint,
        gost_hash=gost.certificate_hash(info.der),
        algorithm=algorithm,
        subject=without_personal_numbers(info.subject)[:1000],
        not_after=info.not_after,
        created_at=now,
    )
    repository.add(session, row)
    return row


def remove_certificate(session: Session, client_id: str, sha256: str) -> EsiaClientCertificate:
    """Unregister one certificate by its SHA-256 (hex, any case); returns the removed row."""
    registration(session, client_id)
    wanted = sha256.strip().lower().replace(":", "")
    row = repository.certificate_of(session, client_id, wanted) if _HEX64.match(wanted) else None
    if row is None:
        raise EsiaCertificateNotFoundError(
            f"No certificate with SHA-256 {sha256!r} is registered for {client_id!r}."
        )
    repository.remove(session, row)
    return row


def describe_certificate(row: EsiaClientCertificate) -> CertificateView:
    info = describe(parse_der(row.der))
    return CertificateView(
        sha1=row.sha1,
        sha256=row.sha256,
        gost_hash=row.gost_hash,
        algorithm=row.algorithm,
        subject=row.subject,
        issuer=without_personal_numbers(info.issuer),
        serial=info.serial,
        not_before=info.not_before,
        not_after=row.not_after,
        created_at=row.created_at,
    )
