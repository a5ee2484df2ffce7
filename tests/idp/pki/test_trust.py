"""Path validation verdicts, each from real certificates of the demo PKI, judged at an injected
moment: ok (КЭП / УНЭП), expired, not yet valid, revoked through a CRL, unknown issuer, bad key
usage, chain loop, no CRL (fail closed); GOST chains through openssl's GOST engine."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from idp.pki import demo, trust
from idp.pki.certificates import load_certificate
from idp.pki.errors import CrlIssuerUnknownError, CrlSignatureError, NotACaError, TrustedCaExistsError
from tests.idp.pki.conftest import DAY, SUBJECT, T0, Pki

POLICY = trust.CrlPolicy(max_age=dt.timedelta(days=1), grace=dt.timedelta(0))


def _trust(session: Session, ca: demo.DemoCa, *, crl: bool = True) -> None:
    trust.add_trusted_ca(session, ca.cert_pem.read_bytes(), accredited=ca.accredited, actor="system")
    if crl:
        trust.upload_crl(session, ca.crl_path.read_bytes(), now=T0, actor="system")


def _verdict(session: Session, data: bytes, at: dt.datetime = T0, **kw: object) -> trust.Verdict:
    return trust.validate_certificate(
        session, data, at=at, clock=lambda: at, fetcher=None, policy=POLICY, **kw
    )  # type: ignore[arg-type]


@pytest.fixture
def store(session: Session, pki: Pki) -> Session:
    _trust(session, pki.accredited)
    _trust(session, pki.unaccredited)
    return session


def test_valid_certificate_of_an_accredited_ca_is_qualified(store: Session, pki: Pki) -> None:
    verdict = _verdict(store, pki.pem("good"))
    assert (verdict.reason, verdict.kind, verdict.ok) == ("ok", "qes", True)


def test_valid_ecdsa_certificate_of_a_non_accredited_ca_is_unqualified(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("good_ecdsa")).kind == "ues"


def test_expired(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("expired")).reason == "expired"


def test_a_valid_certificate_used_after_its_end_is_expired(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("good"), at=T0 + 101 * DAY).reason == "expired"


def test_not_yet_valid(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("future")).reason == "not_yet_valid"


def test_revoked_through_the_uploaded_crl(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("revoked")).reason == "revoked"


def test_unknown_issuer(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("stranger")).reason == "untrusted_issuer"


def test_key_usage_without_digital_signature(store: Session, pki: Pki) -> None:
    assert _verdict(store, pki.pem("encipher_only")).reason == "bad_key_usage"


def test_removed_ca_is_no_longer_trusted(store: Session, pki: Pki) -> None:
    ca = next(c for c in trust.list_trusted_cas(store) if c.accredited)
    trust.remove_trusted_ca(store, ca.id, actor="system")
    assert _verdict(store, pki.pem("good")).reason == "untrusted_issuer"


def test_chain_loop(store: Session, pki: Pki, tmp_path: object) -> None:
    window = {"not_before": T0 - DAY, "not_after": T0 + 10 * DAY}
    other = demo.create_ca(pki.root / "loop", "Loop CA", accredited=False, **window)
    a_by_b = demo.cross_sign(other, pki.stranger, **window)
    b_by_a = demo.cross_sign(pki.stranger, other, **window)
    verdict = _verdict(store, pki.pem("stranger"), intermediates=[a_by_b.read_bytes(), b_by_a.read_bytes()])
    assert verdict.reason == "chain_loop"


def test_no_crl_fails_closed(session: Session, pki: Pki) -> None:
    _trust(session, pki.stranger, crl=False)
    assert _verdict(session, pki.pem("stranger")).reason == "crl_unavailable"


def test_uploaded_crl_past_its_next_update_fails_closed(store: Session, pki: Pki) -> None:
    # the CRL says nextUpdate = T0 + 7 days
    assert _verdict(store, pki.pem("good"), at=T0 + 8 * DAY).reason == "crl_unavailable"


def test_stale_uploaded_crl_is_used_inside_the_grace_period(store: Session, pki: Pki) -> None:
    graced = trust.CrlPolicy(max_age=dt.timedelta(days=1), grace=dt.timedelta(days=2))
    verdict = trust.validate_certificate(
        store, pki.pem("good"), at=T0 + 8 * DAY, clock=lambda: T0, fetcher=None, policy=graced
    )
    assert (verdict.reason, verdict.stale_crl) == ("ok", True)


def test_ca_store_refusals(store: Session, pki: Pki) -> None:
    with pytest.raises(TrustedCaExistsError):
        _trust(store, pki.accredited, crl=False)
    with pytest.raises(NotACaError):
        trust.add_trusted_ca(store, pki.pem("good"), accredited=True, actor="system")
    with pytest.raises(CrlIssuerUnknownError):
        trust.upload_crl(store, pki.stranger.crl_path.read_bytes(), now=T0, actor="system")


def test_crl_signed_by_another_key_is_refused(store: Session, pki: Pki) -> None:
    """A CA of the same name but another key publishes a CRL: it is not the trusted CA's."""
    window = {"not_before": T0 - DAY, "not_after": T0 + 10 * DAY}
    impostor = demo.create_ca(pki.root / "impostor", "Test accredited CA", accredited=True, **window)
    with pytest.raises(CrlSignatureError):
        trust.upload_crl(store, impostor.publish_crl(T0, T0 + DAY), now=T0, actor="system")


# -- GOST R 34.10-2012 ----------------------------------------------------------------------------
@pytest.fixture
def gost_store(session: Session, pki: Pki) -> Session:
    if pki.gost is None:
        pytest.skip("libengine-gost-openssl is not installed")
    _trust(session, pki.gost)
    return session


def test_gost_chain_is_validated(gost_store: Session, pki: Pki) -> None:
    verdict = _verdict(gost_store, pki.pem("gost"))
    assert (verdict.reason, verdict.kind) == ("ok", "qes")


def test_gost_certificate_revoked_through_a_gost_crl(gost_store: Session, pki: Pki) -> None:
    assert _verdict(gost_store, pki.pem("gost_revoked")).reason == "revoked"


def test_gost_certificate_with_a_tampered_signature_is_refused(gost_store: Session, pki: Pki) -> None:
    der = bytearray(load_certificate(pki.pem("gost")).der)
    der[-5] ^= 0x01  # inside the signature value
    assert _verdict(gost_store, bytes(der)).reason == "chain_invalid"


def test_gost_certificate_issued_by_another_gost_key_is_refused(gost_store: Session, pki: Pki) -> None:
    window = {"not_before": T0 - DAY, "not_after": T0 + 10 * DAY}
    impostor = demo.create_ca(
        pki.root / "gost-impostor", "Test GOST CA", accredited=True, algorithm="gost", **window
    )
    forged = impostor.issue("forged", SUBJECT, **window)
    assert _verdict(gost_store, forged.cert_pem.read_bytes()).reason in {"chain_invalid", "untrusted_issuer"}
