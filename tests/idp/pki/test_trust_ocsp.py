"""OCSP (RFC 6960) where the certificate names a responder, against a real responder
(``openssl ocsp``, tests/idp/pki/ocsp_responder.py): a good certificate is accepted and a revoked one
refused through OCSP alone (no CRL anywhere), an answer is cached and asked again after its maximum
age, a responder that is down fails closed unless the grace period allows the last answer, and
answers signed by a key the CA did not authorise are neither believed nor cached.

The responder stamps its answers with the wall clock, so the injected clock starts at the wall
clock's "now" (read once) and is then moved by the tests, never slept on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.pki import demo, trust
from idp.pki.crl_fetch import HttpRevocationFetcher
from idp.pki.models import CachedOcspResponse
from tests.idp.pki.conftest import DAY, SUBJECT
from tests.idp.pki.ocsp_responder import Responder, ocsp_responder, responder_url

MAX_AGE = dt.timedelta(minutes=5)


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class OcspPki:
    ca: demo.DemoCa
    responder_cert: demo.Issued
    url: str
    good: bytes
    revoked: bytes


def _issue(tmp: Path, clock: MovableClock, url: str) -> OcspPki:
    now = clock()
    ca = demo.create_ca(
        tmp / "ocsp-ca",
        "OCSP test CA",
        accredited=True,
        not_before=now - 30 * DAY,
        not_after=now + 3650 * DAY,
    )
    window = {"not_before": now - DAY, "not_after": now + 30 * DAY}
    responder_cert = ca.issue(
        "responder",
        demo.Subject(common_name="OCSP responder"),
        key_usage=("digital_signature",),
        ocsp_signing=True,
        **window,
    )
    good = ca.issue("good", SUBJECT, ocsp_url=url, **window)
    revoked = ca.issue("revoked", SUBJECT, ocsp_url=url, **window)
    ca.revoke(revoked.serial, now - dt.timedelta(hours=1))
    return OcspPki(ca, responder_cert, url, good.der, revoked.der)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def ocsp_pki(tmp_path: Path, clock: MovableClock) -> OcspPki:
    return _issue(tmp_path, clock, responder_url())


@pytest.fixture
def responder(ocsp_pki: OcspPki) -> Iterator[Responder]:
    with ocsp_responder(ocsp_pki.ca, ocsp_pki.responder_cert, ocsp_pki.url) as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[HttpRevocationFetcher]:
    f = HttpRevocationFetcher(timeout=5)
    yield f
    f.close()


@pytest.fixture
def store(session: Session, ocsp_pki: OcspPki) -> Session:
    """The CA trusted, and no CRL of it anywhere: revocation is known through OCSP alone."""
    trust.add_trusted_ca(session, ocsp_pki.ca.cert_pem.read_bytes(), accredited=True, actor="system")
    return session


def _check(
    session: Session,
    data: bytes,
    clock: MovableClock,
    fetcher: HttpRevocationFetcher | None,
    grace: dt.timedelta = dt.timedelta(0),
) -> trust.Verdict:
    policy = trust.CrlPolicy(ocsp_max_age=MAX_AGE, grace=grace)
    return trust.validate_certificate(session, data, clock=clock, fetcher=fetcher, policy=policy)


def test_good_certificate_is_accepted_through_the_responder_it_names(
    store: Session,
    ocsp_pki: OcspPki,
    responder: Responder,
    fetcher: HttpRevocationFetcher,
    clock: MovableClock,
) -> None:
    verdict = _check(store, ocsp_pki.good, clock, fetcher)
    assert (verdict.reason, verdict.kind, verdict.stale_ocsp) == ("ok", "qes", False)
    cached = store.scalars(select(CachedOcspResponse)).all()
    assert [(row.status, row.source) for row in cached] == [("good", ocsp_pki.url)]


def test_revoked_certificate_is_refused_through_ocsp_alone(
    store: Session,
    ocsp_pki: OcspPki,
    responder: Responder,
    fetcher: HttpRevocationFetcher,
    clock: MovableClock,
) -> None:
    verdict = _check(store, ocsp_pki.revoked, clock, fetcher)
    assert verdict.reason == "revoked"


def test_without_a_fetcher_nothing_is_asked_and_it_fails_closed(
    store: Session, ocsp_pki: OcspPki, responder: Responder, clock: MovableClock
) -> None:
    assert _check(store, ocsp_pki.good, clock, None).reason == "crl_unavailable"


def test_responder_down_fails_closed_with_the_specific_reason(
    store: Session, ocsp_pki: OcspPki, fetcher: HttpRevocationFetcher, clock: MovableClock
) -> None:
    verdict = _check(store, ocsp_pki.good, clock, fetcher)  # no responder was started
    assert verdict.reason == "crl_unavailable"
    assert "OCSP responder" in verdict.detail
    assert any(note.startswith(f"OCSP {ocsp_pki.url}: ConnectError") for note in verdict.notes)


def test_answer_is_cached_then_asked_again_after_its_maximum_age(
    store: Session,
    ocsp_pki: OcspPki,
    responder: Responder,
    fetcher: HttpRevocationFetcher,
    clock: MovableClock,
) -> None:
    assert _check(store, ocsp_pki.good, clock, fetcher).reason == "ok"
    responder.stop()
    clock.now += MAX_AGE - dt.timedelta(seconds=30)
    assert _check(store, ocsp_pki.good, clock, fetcher).reason == "ok"  # the cached answer
    clock.now += dt.timedelta(minutes=1)
    verdict = _check(store, ocsp_pki.good, clock, fetcher)
    assert verdict.reason == "crl_unavailable" and "OCSP responder" in verdict.detail


def test_grace_period_keeps_the_last_answer_while_the_responder_is_down(
    store: Session,
    ocsp_pki: OcspPki,
    responder: Responder,
    fetcher: HttpRevocationFetcher,
    clock: MovableClock,
) -> None:
    grace = dt.timedelta(hours=1)
    assert _check(store, ocsp_pki.good, clock, fetcher, grace).reason == "ok"
    assert _check(store, ocsp_pki.revoked, clock, fetcher, grace).reason == "revoked"
    responder.stop()
    clock.now += MAX_AGE + dt.timedelta(minutes=10)
    verdict = _check(store, ocsp_pki.good, clock, fetcher, grace)
    assert (verdict.reason, verdict.stale_ocsp) == ("ok", True)
    assert _check(store, ocsp_pki.revoked, clock, fetcher, grace).reason == "revoked"
    clock.now += grace
    assert _check(store, ocsp_pki.good, clock, fetcher, grace).reason == "crl_unavailable"


def test_answer_past_its_next_update_is_not_used(
    store: Session, ocsp_pki: OcspPki, fetcher: HttpRevocationFetcher, clock: MovableClock
) -> None:
    """RFC 6960 §4.2.2.1: with -nmin 1 the responder's answers are good for one minute; the cached
    one is not used past it, and a new answer already past it (the responder's clock behind the
    idp's) is refused."""
    with ocsp_responder(ocsp_pki.ca, ocsp_pki.responder_cert, ocsp_pki.url, "-nmin", "1"):
        assert _check(store, ocsp_pki.good, clock, fetcher).reason == "ok"
        [row] = store.scalars(select(CachedOcspResponse)).all()
        assert row.next_update is not None and row.next_update - row.this_update == dt.timedelta(minutes=1)
        clock.now = row.next_update + dt.timedelta(minutes=1)
        verdict = _check(store, ocsp_pki.good, clock, fetcher)
    assert verdict.reason == "crl_unavailable"
    assert any("past its nextUpdate" in note for note in verdict.notes)


def test_answer_dated_ahead_of_the_idps_clock_is_refused(
    store: Session,
    ocsp_pki: OcspPki,
    responder: Responder,
    fetcher: HttpRevocationFetcher,
    clock: MovableClock,
) -> None:
    """An answer whose thisUpdate is more than 5 minutes ahead of the idp's clock is not believed
    (nor cached, where it would look fresh for too long)."""
    clock.now -= dt.timedelta(minutes=10)
    verdict = _check(store, ocsp_pki.good, clock, fetcher)
    assert verdict.reason == "crl_unavailable"
    assert any("dated in the future" in note for note in verdict.notes)
    assert store.scalars(select(CachedOcspResponse)).all() == []


def test_certificate_the_responder_does_not_know_is_not_accepted(
    store: Session,
    ocsp_pki: OcspPki,
    responder: Responder,
    fetcher: HttpRevocationFetcher,
    clock: MovableClock,
) -> None:
    now = clock()
    later = ocsp_pki.ca.issue(
        "later", SUBJECT, ocsp_url=ocsp_pki.url, not_before=now - DAY, not_after=now + 30 * DAY
    )  # not in the index the responder loaded: it answers "unknown"
    verdict = _check(store, later.der, clock, fetcher)
    assert verdict.reason == "crl_unavailable" and verdict.notes == ()  # it answered
    assert store.scalars(select(CachedOcspResponse)).all() == []


def test_answer_signed_by_a_responder_of_another_ca_is_not_believed(
    store: Session, ocsp_pki: OcspPki, fetcher: HttpRevocationFetcher, clock: MovableClock, tmp_path: Path
) -> None:
    """An attacker's responder: it knows the certificates (same index) and says "good", but signs
    with a responder certificate another CA issued, so the CA never authorised it (RFC 6960 §4.2.2.2)."""
    now = clock()
    other = demo.create_ca(
        tmp_path / "other", "Other CA", accredited=False, not_before=now - DAY, not_after=now + 30 * DAY
    )
    impostor = other.issue(
        "impostor",
        demo.Subject(common_name="OCSP responder"),
        key_usage=("digital_signature",),
        ocsp_signing=True,
        not_before=now - DAY,
        not_after=now + 30 * DAY,
    )
    with ocsp_responder(ocsp_pki.ca, impostor, ocsp_pki.url):
        verdict = _check(store, ocsp_pki.good, clock, fetcher)
    assert verdict.reason == "crl_unavailable" and verdict.notes == ()  # it answered, "good"
    assert store.scalars(select(CachedOcspResponse)).all() == []  # and the answer is not kept


def test_answer_signed_by_a_certificate_without_ocsp_signing_is_not_believed(
    store: Session, ocsp_pki: OcspPki, fetcher: HttpRevocationFetcher, clock: MovableClock
) -> None:
    """The CA's own subscriber certificate (no id-kp-OCSPSigning) cannot speak for the CA."""
    now = clock()
    subscriber = ocsp_pki.ca.issue(
        "subscriber",
        demo.Subject(common_name="Not a responder"),
        not_before=now - DAY,
        not_after=now + 30 * DAY,
    )
    with ocsp_responder(ocsp_pki.ca, subscriber, ocsp_pki.url):
        verdict = _check(store, ocsp_pki.good, clock, fetcher)
    assert verdict.reason == "crl_unavailable" and verdict.notes == ()
    assert store.scalars(select(CachedOcspResponse)).all() == []
