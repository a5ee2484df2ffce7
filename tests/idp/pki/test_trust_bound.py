"""Certificates bound to accounts: the SNILS check, status at read time, unbinding, and the
selection for the thirty-day expiry notice; each change in the security log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from idp.accounts.protection import FieldCipher
from idp.accounts.service import NewAccount, create_account
from idp.audit import service as audit
from idp.pki import bound, trust
from idp.pki.errors import (
    BoundCertificateNotFoundError,
    CertificateAlreadyBoundError,
    CertificateNotTrustedError,
    SnilsMismatchError,
)
from tests.idp.pki.conftest import DAY, T0, Pki

CIPHER = FieldCipher("test-personal-data-key-0123456789abcdef")
POLICY = trust.CrlPolicy()


def _account(session: Session, snils: str | None, email: str) -> int:
    account = create_account(
        session,
        CIPHER,
        NewAccount(
            last_name="Иванов", first_name="Иван", email=email, snils=snils, password="Correct-Horse-9"
        ),
    )
    session.flush()
    return account.id


@pytest.fixture
def world(session: Session, pki: Pki) -> tuple[Session, int]:
    for ca in (pki.accredited, pki.unaccredited):
        trust.add_trusted_ca(session, ca.cert_pem.read_bytes(), accredited=ca.accredited, actor="system")
        trust.upload_crl(session, ca.crl_path.read_bytes(), now=T0, actor="system")
    return session, _account(session, "112-233-445 95", "ivanov@example.test")


def _bind(session: Session, account_id: int, data: bytes, at: dt.datetime = T0) -> object:
    return bound.bind_certificate(
        session,
        CIPHER,
        account_id,
        data,
        clock=lambda: at,
        fetcher=None,
        policy=POLICY,
        actor=f"account:{account_id}",
    )


def test_bind_list_unbind(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    row = _bind(session, account_id, pki.pem("good"))
    (view,) = bound.list_certificates(session, account_id, now=T0)
    assert (view.kind, view.status, view.status_ru) == ("qes", "active", "действует")
    assert "Иванов" in view.subject
    bound.unbind_certificate(session, account_id, row.id, actor=f"account:{account_id}")  # type: ignore[attr-defined]
    assert bound.list_certificates(session, account_id, now=T0) == []
    kinds = [e.event_type for e in audit.events_for_account(session, account_id)]
    assert "certificate_bound" in kinds and "certificate_unbound" in kinds


def test_certificate_naming_another_snils_is_refused(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    with pytest.raises(SnilsMismatchError):
        _bind(session, account_id, pki.pem("other_snils"))


def test_certificate_with_snils_is_refused_for_an_account_without_one(
    world: tuple[Session, int], pki: Pki
) -> None:
    session, _ = world
    other = _account(session, None, "nosnils@example.test")
    with pytest.raises(SnilsMismatchError):
        _bind(session, other, pki.pem("good"))


def test_certificate_without_snils_binds_as_unqualified(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    _bind(session, account_id, pki.pem("no_snils"))
    assert bound.list_certificates(session, account_id, now=T0)[0].kind == "ues"


def test_untrusted_or_expired_certificate_is_refused_with_its_reason(
    world: tuple[Session, int], pki: Pki
) -> None:
    session, account_id = world
    for name, reason in (("expired", "expired"), ("stranger", "untrusted_issuer"), ("revoked", "revoked")):
        with pytest.raises(CertificateNotTrustedError) as caught:
            _bind(session, account_id, pki.pem(name))
        assert caught.value.reason == reason


def test_the_same_certificate_binds_once(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    _bind(session, account_id, pki.pem("good"))
    with pytest.raises(CertificateAlreadyBoundError):
        _bind(session, account_id, pki.pem("good"))


def test_another_accounts_certificate_cannot_be_unbound(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    row = _bind(session, account_id, pki.pem("good"))
    other = _account(session, "123-456-789 64", "petrova@example.test")
    with pytest.raises(BoundCertificateNotFoundError):
        bound.unbind_certificate(session, other, row.id, actor="x")  # type: ignore[attr-defined]


def test_status_is_computed_at_read_time(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    _bind(session, account_id, pki.pem("expiring"))  # ends T0 + 10 days
    assert bound.list_certificates(session, account_id, now=T0)[0].status_ru == "истекает через 10 дней"
    assert (
        bound.list_certificates(session, account_id, now=T0 + 9 * DAY)[0].status_ru == "истекает через 1 день"
    )
    assert bound.list_certificates(session, account_id, now=T0 + 11 * DAY)[0].status == "expired"


def test_revoked_after_binding_shows_revoked(world: tuple[Session, int], pki: Pki, tmp_path: object) -> None:
    session, account_id = world
    window = {"not_before": T0 - DAY, "not_after": T0 + 100 * DAY}
    from tests.idp.pki.conftest import SUBJECT

    issued = pki.accredited.issue("later-revoked", SUBJECT, **window)
    _bind(session, account_id, issued.cert_pem.read_bytes())
    pki.accredited.revoke(issued.serial, T0)
    trust.upload_crl(session, pki.accredited.publish_crl(T0, T0 + 7 * DAY), now=T0, actor="system")
    assert bound.list_certificates(session, account_id, now=T0)[0].status_ru == "отозван"


def test_expiring_certificates_are_taken_once(world: tuple[Session, int], pki: Pki) -> None:
    session, account_id = world
    _bind(session, account_id, pki.pem("expiring"))
    _bind(session, account_id, pki.pem("no_snils"))  # ends T0 + 100 days: not yet
    taken = bound.take_expiring(session, now=T0)
    assert [r.account_id for r in taken] == [account_id]
    assert bound.take_expiring(session, now=T0 + DAY) == []


@pytest.mark.parametrize(
    ("days", "label"),
    [(1, "1 день"), (2, "2 дня"), (5, "5 дней"), (11, "11 дней"), (21, "21 день"), (22, "22 дня")],
)
def test_russian_day_counts(days: int, label: str) -> None:
    assert (
        bound.certificate_status(T0 + dt.timedelta(days=days, hours=1), False, T0)[2]
        == f"истекает через {label}"
    )
