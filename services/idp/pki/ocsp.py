"""OCSP (RFC 6960) for path validation: the request the idp sends to a responder a certificate names
(its Authority Information Access), and what it reads from the answer before keeping it.

The idp only checks here that the answer is a successful response about *this* certificate and
reads its times; pyhanko-certvalidator then verifies the responder's signature and authority
(RFC 6960 §4.2.2.2: the CA itself, or a certificate the CA issued with id-kp-OCSPSigning) and applies
the status at the moment of validation (:func:`idp.pki.trust.validate_certificate`).

Answers are cached per certificate (``pki_ocsp_responses``) and judged like fetched CRLs: fresh while
``now <= nextUpdate`` and for at most ``max_age`` after they were obtained (an answer without
nextUpdate, RFC 6960 §4.2.2.1 "newer information is always available", only for ``max_age`` after
its thisUpdate); then the responder is asked again. When it does not answer, the last answer is used
only within the operator's grace period (``IDP_PKI_CRL_GRACE_SECONDS``, default 0: fail closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from sqlalchemy.orm import Session

from idp.pki import repository
from idp.pki.models import CachedOcspResponse

#: an OCSP answer is small; a responder sending more is refused (a few certificates at most)
MAX_OCSP_BYTES = 256 * 1024
#: how far ahead of the idp's clock a responder's thisUpdate may be (clock skew); an answer dated
#: further ahead is refused rather than kept (it would stay "fresh" in the cache too long)
CLOCK_SKEW = dt.timedelta(minutes=5)
Status = Literal["good", "revoked", "unknown"]


class OcspError(Exception):
    """A responder gave no usable answer (network error, HTTP status, size, content, another
    certificate's status); the message says which, without the response's bytes."""


@runtime_checkable
class OcspFetcher(Protocol):
    """POSTs a DER OCSPRequest to a responder and returns the DER body (RFC 6960 Appendix A.1)."""

    def ask_ocsp(self, url: str, request: bytes) -> bytes: ...


@dataclass(frozen=True)
class Subject:
    """A certificate of the chain whose status is asked, with its issuer's certificate."""

    der: bytes
    issuer_der: bytes
    issuer_key: str
    serial: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class OcspAnswer:
    der: bytes
    status: Status
    this_update: dt.datetime
    next_update: dt.datetime | None


@dataclass(frozen=True)
class Found:
    """The answer to use for one certificate (``None``: none usable), whether it is past its
    freshness bound (inside the grace period), and why responders failed. ``new`` is an answer just
    received and not kept yet: :func:`keep` stores it once path validation has believed it."""

    der: bytes | None
    this_update: dt.datetime | None
    stale: bool
    notes: tuple[str, ...]
    new: tuple[Subject, str, OcspAnswer] | None = None


def request_for(certificate_der: bytes, issuer_der: bytes) -> bytes:
    """A DER OCSPRequest for one certificate, without a nonce (RFC 5019 §2.1: the lightweight
    profile responders serve from cache; freshness is judged from thisUpdate/nextUpdate instead)."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    issuer = x509.load_der_x509_certificate(issuer_der)
    # RFC 5019 §2.1.1: CertID hashes are SHA-1 for interoperability; they identify, they do not sign
    builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303
    return builder.build().public_bytes(Encoding.DER)


def read_answer(response: bytes, request: bytes) -> OcspAnswer:
    """The status the response gives for the certificate ``request`` asked about. Raises
    :class:`OcspError` for an unsuccessful or malformed response, or one about other certificates."""
    try:
        parsed = ocsp.load_der_ocsp_response(response)
    except ValueError:
        raise OcspError("the answer is not an OCSP response") from None
    if parsed.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspError(f"the responder answered {parsed.response_status.name.lower()}")
    asked = ocsp.load_der_ocsp_request(request)
    for single in parsed.responses:
        if (
            single.serial_number == asked.serial_number
            and single.issuer_key_hash == asked.issuer_key_hash
            and single.issuer_name_hash == asked.issuer_name_hash
        ):
            return OcspAnswer(
                der=response,
                status=_STATUS[single.certificate_status],
                this_update=single.this_update_utc,
                next_update=single.next_update_utc,
            )
    raise OcspError("the answer is about another certificate")


_STATUS: dict[ocsp.OCSPCertStatus, Status] = {
    ocsp.OCSPCertStatus.GOOD: "good",
    ocsp.OCSPCertStatus.REVOKED: "revoked",
    ocsp.OCSPCertStatus.UNKNOWN: "unknown",
}


def _fresh_until(row: CachedOcspResponse, max_age: dt.timedelta) -> dt.datetime:
    bound = row.fetched_at + max_age
    if row.next_update is None:
        return min(bound, row.this_update + max_age)
    return min(bound, row.next_update)


def current_answer(
    session: Session,
    subject: Subject,
    *,
    now: dt.datetime,
    fetcher: OcspFetcher | None,
    max_age: dt.timedelta,
    grace: dt.timedelta,
) -> Found:
    """The cached answer while fresh; else a new one from the first responder that gives one; else
    the cached one within ``grace`` after its freshness bound; else none."""
    serial = format(subject.serial, "x")
    row = repository.ocsp_response(session, subject.issuer_key, serial)
    if row is not None and now <= _fresh_until(row, max_age):
        return Found(row.der, row.this_update, False, ())
    notes: list[str] = []
    if fetcher is not None:
        try:
            request = request_for(subject.der, subject.issuer_der)
        except ValueError:  # cryptography reads some certificates more strictly than asn1crypto
            notes.append("OCSP: no request can be built for this certificate")
        else:
            for url in subject.urls:
                try:
                    answer = _check_times(read_answer(fetcher.ask_ocsp(url, request), request), now, max_age)
                except OcspError as exc:
                    notes.append(f"OCSP {url}: {exc}")
                    continue
                return Found(answer.der, answer.this_update, False, tuple(notes), new=(subject, url, answer))
    if row is not None and now <= _fresh_until(row, max_age) + grace:
        return Found(row.der, row.this_update, True, tuple(notes))
    return Found(None, None, False, tuple(notes))


def _check_times(answer: OcspAnswer, now: dt.datetime, max_age: dt.timedelta) -> OcspAnswer:
    if answer.this_update > now + CLOCK_SKEW:
        raise OcspError("the answer is dated in the future (thisUpdate); check the clocks")
    if answer.next_update is not None and now > answer.next_update:
        raise OcspError("the answer is out of date (past its nextUpdate)")
    if answer.next_update is None and now - answer.this_update > max_age:
        raise OcspError("the answer is out of date (thisUpdate too old, no nextUpdate)")
    return answer


def keep(session: Session, found: Found, *, now: dt.datetime) -> None:
    """Cache the answer ``found`` brought, if new. Called only when path validation reached a
    verdict (accepted, or revoked), never when it found no usable revocation data: an answer whose
    signature or responder it could not verify must not replace a good one in the cache (the grace
    period would lose it) nor pin a refusal for ``max_age``."""
    if found.new is None:
        return
    subject, url, answer = found.new
    serial = format(subject.serial, "x")
    row = repository.ocsp_response(session, subject.issuer_key, serial)
    if row is None:
        row = CachedOcspResponse(
            issuer_key=subject.issuer_key,
            serial=serial,
            source=url[:1000],
            der=answer.der,
            status=answer.status,
            this_update=answer.this_update,
            next_update=answer.next_update,
            fetched_at=now,
        )
        repository.add(session, row)
    elif answer.this_update >= row.this_update:  # never replace an answer with an older one
        row.source, row.der, row.status = url[:1000], answer.der, answer.status
        row.this_update, row.next_update, row.fetched_at = answer.this_update, answer.next_update, now
        session.flush()
