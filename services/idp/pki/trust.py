"""The trust store and certificate path validation.

A certificate is accepted only when, at the moment of use, ``pyhanko-certvalidator`` builds a path
from it to a trusted CA (RFC 5280 §6: signatures, validity dates, basic constraints), no certificate
on the path is revoked (a CRL, or OCSP where the certificate names a responder) and its key usage
allows ``digitalSignature``. The checks, in order:

1. the certificate parses (:mod:`idp.pki.certificates`);
2. the chain given with it has no loop (``chain_loop``);
3. revocation data for every certificate of the chain is gathered: uploaded CRLs, and CRLs fetched
   from each distribution point (:func:`_usable_crls`), cached, fresh while ``now <= nextUpdate``
   and younger than ``IDP_PKI_CRL_MAX_AGE_SECONDS``; for a validation "now", the answer of the OCSP
   responder a certificate names (:mod:`idp.pki.ocsp`, cached for at most
   ``IDP_PKI_OCSP_MAX_AGE_SECONDS``); when a fetch fails the last CRL or answer is used only within
   ``IDP_PKI_CRL_GRACE_SECONDS`` (default 0: fail closed, ``crl_unavailable``);
4. path validation and the key usage check by the library, whose errors become a stable reason.
   The library gets the gathered CRLs and OCSP answers and the moment from the injected clock; it
   fetches nothing itself (so the cache, the grace period and the clock apply to both).

GOST R 34.10-2012 signatures on the path are checked by openssl's GOST engine
(:mod:`idp.pki.chain_signatures`); the rest of the validation is the library's for every algorithm.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from asn1crypto import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as pv_errors
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from sqlalchemy.orm import Session

from idp.audit import service as audit
from idp.audit.service import AdminCaller
from idp.pki import ocsp, repository
from idp.pki.certificates import CertificateInfo, crl_times, describe, load_certificate, load_crl, parse_der
from idp.pki.chain_signatures import GostAwareSignatureValidator
from idp.pki.errors import (
    CrlFormatError,
    CrlIssuerUnknownError,
    CrlSignatureError,
    NotACaError,
    TrustedCaExistsError,
    TrustedCaNotFoundError,
)
from idp.pki.models import CachedCrl, TrustedCa

Reason = Literal[
    "ok",
    "expired",
    "not_yet_valid",
    "revoked",
    "untrusted_issuer",
    "bad_key_usage",
    "chain_loop",
    "chain_invalid",
    "crl_unavailable",
]
UPLOAD = "upload"
MAX_CHAIN = 8


class CrlFetchError(Exception):
    """A distribution point did not give a CRL (network error, status, size, content)."""


class CrlFetcher(Protocol):
    def fetch(self, url: str) -> bytes: ...


@dataclass(frozen=True)
class CrlPolicy:
    """Freshness of revocation data (IDP_PKI_CRL_* and IDP_PKI_OCSP_MAX_AGE_SECONDS): a fetched CRL
    is fetched again after ``max_age``, an OCSP answer asked again after ``ocsp_max_age``; ``grace``
    is how long past that the last one is still used when its source does not answer."""

    max_age: dt.timedelta = dt.timedelta(days=1)
    grace: dt.timedelta = dt.timedelta(0)
    ocsp_max_age: dt.timedelta = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Verdict:
    """The outcome of validating one certificate. ``kind`` is ``qes`` (КЭП: the path ends at an
    accredited CA) or ``ues`` (УНЭП) when accepted."""

    reason: Reason
    detail: str
    certificate: CertificateInfo
    kind: Literal["qes", "ues"] | None = None
    trusted_ca_id: int | None = None
    #: accepted with a CRL past its freshness bound, inside the operator's grace period
    stale_crl: bool = False
    #: accepted with an OCSP answer past its freshness bound, inside the grace period
    stale_ocsp: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def name_key(name: x509.Name) -> str:
    """How issuers are matched: SHA-256 of the name's DER (RFC 5280 §7.1 compares names; the
    encodings our CAs use are stable)."""
    return hashlib.sha256(name.dump()).hexdigest()


# -- the trust store -------------------------------------------------------------------------------
def list_trusted_cas(session: Session) -> Sequence[TrustedCa]:
    return repository.trusted_cas(session)


def add_trusted_ca(session: Session, data: bytes, *, accredited: bool, actor: AdminCaller | str) -> TrustedCa:
    """Trust a CA certificate (PEM, DER or base64). It must be a CA (basicConstraints cA)."""
    info = load_certificate(data)
    if not info.is_ca:
        raise NotACaError("The certificate is not a CA certificate (basicConstraints has no cA=TRUE).")
    if repository.trusted_ca_by_thumbprint(session, info.thumbprint) is not None:
        raise TrustedCaExistsError("This CA certificate is already trusted.")
    cert = parse_der(info.der)
    row = TrustedCa(
        thumbprint=info.thumbprint,
        der=info.der,
        subject_key=name_key(cert.subject),
        subject=info.subject[:1000],
        accredited=accredited,
        not_after=info.not_after,
    )
    repository.add(session, row)
    _audit(
        session,
        actor,
        "trusted_ca_added",
        {"trusted_ca_id": row.id, "thumbprint": info.thumbprint, "accredited": accredited},
    )
    return row


def remove_trusted_ca(session: Session, ca_id: int, *, actor: AdminCaller | str) -> None:
    row = repository.trusted_ca(session, ca_id)
    if row is None:
        raise TrustedCaNotFoundError(f"No trusted CA {ca_id}.")
    thumbprint = row.thumbprint
    repository.remove(session, row)
    _audit(session, actor, "trusted_ca_removed", {"trusted_ca_id": ca_id, "thumbprint": thumbprint})


def upload_crl(session: Session, data: bytes, *, now: dt.datetime, actor: AdminCaller | str) -> CachedCrl:
    """Store an uploaded CRL for its issuer, which must be a trusted CA whose key signed it."""
    crl = load_crl(data)
    issuer = crl["tbs_cert_list"]["issuer"]
    issuer_key = name_key(issuer)
    cas = repository.trusted_cas_by_subject(session, issuer_key)
    if not cas:
        raise CrlIssuerUnknownError("The CRL's issuer is not a trusted CA; trust the CA first.")
    check_crl_signature(crl, cas)
    this_update, next_update = crl_times(crl)
    row = _store_crl(session, issuer_key, UPLOAD, crl.dump(), this_update, next_update, now)
    _audit(
        session, actor, "crl_uploaded", {"crl_id": row.id, "issuer_thumbprints": [c.thumbprint for c in cas]}
    )
    return row


def check_crl_signature(crl: object, cas: Sequence[TrustedCa]) -> None:
    from asn1crypto import crl as asn1_crl
    from cryptography.exceptions import InvalidSignature

    assert isinstance(crl, asn1_crl.CertificateList)
    validator = GostAwareSignatureValidator()
    for ca in cas:
        cert = parse_der(ca.der)
        try:
            validator.validate_signature(
                crl["signature"].native,
                crl["tbs_cert_list"].dump(),
                cert["tbs_certificate"]["subject_public_key_info"],
                crl["signature_algorithm"],
            )
            return
        except (InvalidSignature, ValueError, TypeError, KeyError):
            continue
    raise CrlSignatureError("The CRL's signature does not verify with its issuer's key.")


def _store_crl(
    session: Session,
    issuer_key: str,
    source: str,
    der: bytes,
    this_update: dt.datetime,
    next_update: dt.datetime | None,
    now: dt.datetime,
) -> CachedCrl:
    row = repository.crl(session, issuer_key, source)
    if row is None:
        row = CachedCrl(
            issuer_key=issuer_key,
            source=source[:1000],
            der=der,
            this_update=this_update,
            next_update=next_update,
            fetched_at=now,
        )
        repository.add(session, row)
    elif this_update >= row.this_update:  # never replace a CRL with an older one
        row.der, row.this_update, row.next_update, row.fetched_at = der, this_update, next_update, now
        session.flush()
    return row


def _audit(session: Session, actor: AdminCaller | str, action: str, details: dict[str, object]) -> None:
    if isinstance(actor, AdminCaller):
        audit.record_admin_action(session, actor, action, details=details)
    else:
        audit.record_event(
            session,
            event_type="admin_action",
            result="success",
            actor=actor,
            details={"action": action, **details},
        )


# -- revocation data -------------------------------------------------------------------------------
def _fresh_until(row: CachedCrl, policy: CrlPolicy) -> dt.datetime:
    bound = (
        row.fetched_at + policy.max_age if row.source != UPLOAD else row.this_update + dt.timedelta(days=3650)
    )
    return min(bound, row.next_update) if row.next_update else bound


def _usable_crls(
    session: Session,
    chain: Sequence[x509.Certificate],
    now: dt.datetime,
    fetcher: CrlFetcher | None,
    policy: CrlPolicy,
) -> tuple[list[bytes], bool, list[str]]:
    """CRLs for the issuers of ``chain``: (DER list, whether a stale one was used, notes)."""
    found: list[bytes] = []
    stale = False
    notes: list[str] = []
    for cert in chain:
        issuer_key = name_key(cert.issuer)
        rows = {row.source: row for row in repository.crls_of(session, issuer_key)}
        urls = [url for url in describe(cert).crl_urls if url.startswith(("http://", "https://"))]
        for url in urls:
            row = rows.get(url)
            if row is not None and now <= _fresh_until(row, policy):
                continue
            if fetcher is None:
                continue
            try:
                crl = load_crl(fetcher.fetch(url))
            except (CrlFetchError, CrlFormatError) as exc:
                notes.append(f"CRL {url}: {exc}")
                continue
            if name_key(crl["tbs_cert_list"]["issuer"]) != issuer_key:
                notes.append(f"CRL {url}: issued by another CA")
                continue
            this_update, next_update = crl_times(crl)
            rows[url] = _store_crl(session, issuer_key, url, crl.dump(), this_update, next_update, now)
        for row in rows.values():
            until = _fresh_until(row, policy)
            if now <= until:
                found.append(row.der)
            elif now <= until + policy.grace:
                found.append(row.der)
                stale = True
    return found, stale, notes


def _usable_ocsp(
    session: Session,
    chain: Sequence[x509.Certificate],
    issuers: Sequence[x509.Certificate],
    now: dt.datetime,
    fetcher: CrlFetcher | None,
    policy: CrlPolicy,
) -> list[ocsp.Found]:
    """An OCSP answer for each certificate of ``chain`` that names an http(s) responder and whose
    issuer is known (given with it or trusted): cached, asked, or none (see :mod:`idp.pki.ocsp`)."""
    asker = fetcher if isinstance(fetcher, ocsp.OcspFetcher) else None
    by_subject = {name_key(cert.subject): cert for cert in issuers}
    found: list[ocsp.Found] = []
    for cert in chain:
        urls = tuple(url for url in describe(cert).ocsp_urls if url.startswith(("http://", "https://")))
        issuer = by_subject.get(name_key(cert.issuer))
        if not urls or issuer is None:
            continue
        subject = ocsp.Subject(cert.dump(), issuer.dump(), name_key(cert.issuer), cert.serial_number, urls)
        found.append(
            ocsp.current_answer(
                session, subject, now=now, fetcher=asker, max_age=policy.ocsp_max_age, grace=policy.grace
            )
        )
    return found


def _keep_answers(session: Session, answers: Sequence[ocsp.Found], now: dt.datetime) -> None:
    """Cache the OCSP answers just received once the library reached a verdict with them (accepted,
    or revoked): an answer it could not believe is not kept (see :func:`idp.pki.ocsp.keep`)."""
    for found in answers:
        ocsp.keep(session, found, now=now)


# -- path validation -------------------------------------------------------------------------------
def _loop_in(leaf: x509.Certificate, others: Sequence[x509.Certificate], trusted: set[str]) -> bool:
    """Walk issuer links through the certificates given with the leaf: a name seen twice before a
    trusted CA is reached is a loop (two CAs certifying each other)."""
    by_subject = {name_key(c.subject): c for c in others}
    seen = {name_key(leaf.subject)}
    current = leaf
    for _ in range(MAX_CHAIN + 1):
        issuer = name_key(current.issuer)
        if issuer in trusted:
            return False
        if issuer in seen:
            return True
        seen.add(issuer)
        nxt = by_subject.get(issuer)
        if nxt is None:
            return False
        current = nxt
    return True


def _reason_for(exc: Exception) -> tuple[Reason, str]:
    if isinstance(exc, pv_errors.RevokedError):
        return "revoked", "The certificate (or one on its chain) has been revoked."
    if isinstance(exc, pv_errors.ExpiredError):
        return "expired", "The certificate (or one on its chain) has expired."
    if isinstance(exc, pv_errors.NotYetValidError):
        return "not_yet_valid", "The certificate (or one on its chain) is not valid yet."
    if isinstance(exc, pv_errors.InsufficientRevinfoError):
        return "crl_unavailable", "The revocation status cannot be checked: no fresh CRL or OCSP answer."
    if isinstance(exc, pv_errors.PathBuildingError):
        return "untrusted_issuer", "The certificate does not chain to a trusted CA."
    if isinstance(exc, pv_errors.InvalidCertificateError) and not isinstance(
        exc, pv_errors.PathValidationError
    ):
        return "bad_key_usage", "The certificate's key usage does not allow digital signatures."
    return "chain_invalid", "The certificate chain is invalid (a signature or constraint check failed)."


T = TypeVar("T")


def _run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run pyhanko's coroutine from this synchronous code: in this thread when no event loop runs
    here (the threadpool, the CLI), else in a short-lived thread of its own (a caller inside an
    event loop, such as a browser test driving Playwright's, must not get a RuntimeError)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def validate_certificate(
    session: Session,
    certificate: bytes | CertificateInfo,
    *,
    intermediates: Sequence[bytes] = (),
    at: dt.datetime | None = None,
    clock: Callable[[], dt.datetime],
    fetcher: CrlFetcher | None,
    policy: CrlPolicy,
) -> Verdict:
    """Validate a certificate for a signature made ``at`` (default: now). Never raises for a bad
    certificate: the verdict says why (a certificate that does not even parse raises
    ``CertificateFormatError`` from :func:`load_certificate`). ``fetcher`` fetches CRLs, and asks
    OCSP responders when it can (:class:`idp.pki.ocsp.OcspFetcher`, as
    :class:`idp.pki.crl_fetch.HttpRevocationFetcher` does). Does blocking I/O (the database, HTTP,
    the library's event loop): call it from a worker thread, not from async code."""
    info = certificate if isinstance(certificate, CertificateInfo) else load_certificate(certificate)
    moment = at or clock()
    leaf = parse_der(info.der)
    others = [parse_der(load_certificate(der).der) for der in intermediates[:MAX_CHAIN]]
    cas = list(repository.trusted_cas(session))
    roots = {row.id: parse_der(row.der) for row in cas}
    trusted_keys = {row.subject_key for row in cas}
    if _loop_in(leaf, others, trusted_keys):
        return Verdict("chain_loop", "The certificate chain loops (CAs certifying each other).", info)
    crls, stale, notes = _usable_crls(session, [leaf, *others], moment, fetcher, policy)
    # responders are asked only for a validation "now" (an answer is about the present); for
    # another moment the answers already held are used, as the CRLs are
    asker = fetcher if at is None else None
    answers = _usable_ocsp(session, [leaf, *others], [*others, *roots.values()], moment, asker, policy)
    notes += [note for found in answers for note in found.notes]
    ocsps = [found.der for found in answers if found.der is not None]
    oldest = min(
        [crl_times(load_crl(der))[0] for der in crls]
        + [found.this_update for found in answers if found.this_update is not None],
        default=moment,
    )
    revinfo = CertRevTrustPolicy(
        RevocationCheckingPolicy(
            ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
            intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        ),
        # freshness was judged above (nextUpdate, max age, grace): the library checks the rest
        freshness=max(moment - oldest, dt.timedelta(0)) + dt.timedelta(minutes=1),
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
    )
    context = ValidationContext(
        trust_roots=list(roots.values()),
        other_certs=others,
        moment=moment,
        allow_fetching=False,
        crls=crls,
        ocsps=ocsps,
        revinfo_policy=revinfo,
        signature_validator=GostAwareSignatureValidator(),
    )
    validator = CertificateValidator(leaf, intermediate_certs=others, validation_context=context)
    try:
        path = _run_coroutine(validator.async_validate_usage({"digital_signature"}))
    except (pv_errors.ValidationError, pv_errors.PathError) as exc:
        reason, detail = _reason_for(exc)
        if reason == "revoked":
            _keep_answers(session, answers, moment)
        if reason == "crl_unavailable" and any(note.startswith("OCSP ") for note in notes):
            detail = (
                "The revocation status cannot be checked: the OCSP responder the certificate names "
                "gave no usable answer, and no fresh CRL covers it."
            )
        return Verdict(reason, detail, info, notes=tuple(notes))
    anchor = (
        path.trust_anchor.authority.certificate
        if hasattr(path.trust_anchor.authority, "certificate")
        else None
    )
    ca_id = next(
        (cid for cid, cert in roots.items() if anchor is not None and cert.dump() == anchor.dump()), None
    )
    accredited = next((row.accredited for row in cas if row.id == ca_id), False)
    _keep_answers(session, answers, moment)
    return Verdict(
        "ok",
        "The certificate is valid.",
        info,
        kind="qes" if accredited else "ues",
        trusted_ca_id=ca_id,
        stale_crl=stale,
        stale_ocsp=any(found.stale for found in answers),
        notes=tuple(notes),
    )


def revoked_in_cached_crls(session: Session, der: bytes) -> bool:
    """Whether a CRL already held for the certificate's issuer lists it (no fetching: for listing
    bound certificates, not for accepting one)."""
    cert = parse_der(der)
    serial = cert.serial_number
    for row in repository.crls_of(session, name_key(cert.issuer)):
        revoked = load_crl(row.der)["tbs_cert_list"]["revoked_certificates"]
        if any(entry["user_certificate"].native == serial for entry in revoked):
            return True
    return False
