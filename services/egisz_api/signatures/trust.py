"""Is a signer's certificate trusted now? Path validation with pyhanko-certvalidator against the
configured CA certificates (the idp's demo PKI publishes them: docs/pki.md «Demo PKI»), revocation
required for every certificate of the path (RFC 5280 §6.3), CRLs from a :class:`CrlSource`.

egisz_api never imports the idp: the CA certificates come from files named in the settings
(``EGISZ_SIGNATURE_QUALIFIED_CAS`` / ``EGISZ_SIGNATURE_UNQUALIFIED_CAS``), and the CRLs from the
certificates' CRL distribution points over HTTP (the idp serves the demo CAs' at ``/pki/crl/…``).
A chain to a qualified (accredited) CA is a КЭП (``qes``), to another trusted CA a УНЭП (``sig``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as pv_errors

from egisz_api.signatures.errors import (
    CertificateExpiredError,
    CertificateRevokedError,
    CertificateUntrustedError,
    ProvenanceRefusedError,
)
from egisz_api.signatures.schemas import Kind

MAX_CRL_BYTES = 10 * 1024 * 1024
MAX_CHAIN = 8
T = TypeVar("T")


class CrlSource(Protocol):
    """The CRLs (DER) covering these certificates, as fresh as the source can make them."""

    def crls(self, certificates: Sequence[x509.Certificate], now: dt.datetime) -> list[bytes]: ...


def load_certificates(data: bytes) -> list[bytes]:
    """DER certificates from a PEM bundle or one DER certificate."""
    if pem.detect(data):
        return [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


@dataclass
class TrustStore:
    qualified: list[bytes] = field(default_factory=list)
    unqualified: list[bytes] = field(default_factory=list)

    @classmethod
    def from_files(cls, qualified: Sequence[Path], unqualified: Sequence[Path]) -> TrustStore:
        return cls(
            [der for path in qualified for der in load_certificates(path.read_bytes())],
            [der for path in unqualified for der in load_certificates(path.read_bytes())],
        )


class HttpCrlSource:
    """Fetches each certificate's CRL distribution points (http/https), keeping a CRL until its
    ``nextUpdate``; a point that fails gives no CRL (validation then fails closed)."""

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 5.0) -> None:
        self._client = client
        self._timeout = timeout
        self._cache: dict[str, tuple[dt.datetime, bytes]] = {}
        self._lock = threading.Lock()

    def crls(self, certificates: Sequence[x509.Certificate], now: dt.datetime) -> list[bytes]:
        found = []
        for url in dict.fromkeys(u for c in certificates for u in _distribution_points(c)):
            der = self._fetch(url, now)
            if der is not None:
                found.append(der)
        return found

    def _fetch(self, url: str, now: dt.datetime) -> bytes | None:
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and cached[0] > now:
            return cached[1]
        if self._client is None:  # made on first use: most contexts never fetch a CRL
            self._client = httpx.Client(timeout=self._timeout, follow_redirects=False)
        try:
            response = self._client.get(url)
            if response.status_code != 200 or len(response.content) > MAX_CRL_BYTES:
                return None
            crl = x509.load_der_x509_crl(response.content)
        except (httpx.HTTPError, ValueError):
            return None
        until = crl.next_update_utc or now
        with self._lock:
            self._cache[url] = (until, response.content)
        return response.content

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _distribution_points(certificate: x509.Certificate) -> list[str]:
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in points:
        for name in point.full_name or []:
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return urls


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """pyhanko's coroutine from synchronous code (a worker thread has no event loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def validate(
    store: TrustStore,
    crl_source: CrlSource,
    signer: bytes,
    others: Sequence[bytes],
    *,
    clock: Callable[[], dt.datetime],
) -> Kind:
    """``qes`` or ``sig`` for a certificate trusted now; a typed refusal naming why otherwise."""
    roots = [*store.qualified, *store.unqualified]
    if not roots:
        raise CertificateUntrustedError("No signature trust anchors are configured on this server.")
    now = clock()
    try:
        leaf = asn1_x509.Certificate.load(signer)
        intermediates = [asn1_x509.Certificate.load(der) for der in others[:MAX_CHAIN] if der != signer]
        parsed = [x509.load_der_x509_certificate(der) for der in [signer, *others[:MAX_CHAIN]]]
    except ValueError as exc:
        raise ProvenanceRefusedError("The signer's certificate cannot be read.") from exc
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(der) for der in roots],
        other_certs=intermediates,
        moment=now,
        allow_fetching=False,
        crls=crl_source.crls(parsed, now),
        revocation_mode="require",
    )
    validator = CertificateValidator(leaf, intermediate_certs=intermediates, validation_context=context)
    try:
        path = _run(validator.async_validate_usage({"digital_signature"}))
    except pv_errors.RevokedError as exc:
        raise CertificateRevokedError("The signer's certificate (or one on its chain) is revoked.") from exc
    except (pv_errors.ExpiredError, pv_errors.NotYetValidError) as exc:
        raise CertificateExpiredError(
            "The signer's certificate (or one on its chain) is not valid now."
        ) from exc
    except pv_errors.InsufficientRevinfoError as exc:
        raise CertificateUntrustedError(
            "The revocation status of the signer's certificate cannot be checked: no usable CRL."
        ) from exc
    except pv_errors.PathBuildingError as exc:
        raise CertificateUntrustedError("The signer's certificate does not chain to a trusted CA.") from exc
    except (pv_errors.ValidationError, pv_errors.PathError) as exc:
        raise CertificateUntrustedError(f"The signer's certificate chain is invalid: {exc}") from exc
    anchor = path.trust_anchor.authority
    anchor_der = anchor.certificate.dump() if hasattr(anchor, "certificate") else None
    return "qes" if anchor_der is not None and anchor_der in store.qualified else "sig"
