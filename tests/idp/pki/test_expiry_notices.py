"""The thirty-day expiry notice (issue 11, item 2) through a real notifier on a loopback port: a
certificate ending in 20 days gets one notice, once; one ending in 40 days none; a notifier that
does not answer leaves the certificate to the next pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.accounts.protection import FieldCipher
from idp.accounts.service import NewAccount, create_account
from idp.notifications.client import NotifierClient
from idp.notifications.delivery import Notices
from idp.pki import bound, expiry, trust
from idp.pki.models import BoundCertificate
from shared.db import make_engine, make_sessionmaker
from tests.conftest import LiveIdp, Templates, create_database, drop_database
from tests.idp.pki.conftest import DAY, SUBJECT, T0, Pki
from tests.live import serve_in_thread

CIPHER = FieldCipher("test-personal-data-key-0123456789abcdef")


@pytest.fixture(scope="module")
def notifier(
    tmp_path_factory: pytest.TempPathFactory, live_idp: LiveIdp, db_templates: Templates
) -> Iterator[tuple[str, str]]:
    """A real notifier (dev mode) on a loopback port: its URL and its database URL."""
    from notifier.main import create_app
    from notifier.settings import NotifierSettings

    url = create_database(
        tmp_path_factory.mktemp("notifier_expiry"), "notifier", template=db_templates.url("notifier")
    )
    settings = NotifierSettings(
        database_url=url,
        dev_mode=True,
        idp_issuer=live_idp.base_url,
        idp_jwks_url=f"{live_idp.base_url}/.well-known/jwks.json",
        dispatcher_poll_seconds=0.05,
    )
    with serve_in_thread(create_app(settings)) as base:
        yield base, url
    drop_database(url)


def sent_notices(notifier_db: str, key_prefix: str) -> list[tuple[str, str | None]]:
    from notifier.messages.models import Message

    with make_sessionmaker(make_engine(notifier_db))() as session:
        rows = session.execute(
            select(Message.template, Message.idempotency_key).where(
                Message.idempotency_key.like(f"{key_prefix}%")
            )
        ).all()
        return [(r[0], r[1]) for r in rows]


@pytest.fixture
def world(make_db: Callable[..., str], pki: Pki) -> Iterator[tuple[object, int]]:
    factory = make_sessionmaker(make_engine(make_db("idp")))
    with factory() as session:
        for ca in (pki.accredited, pki.unaccredited):
            trust.add_trusted_ca(session, ca.cert_pem.read_bytes(), accredited=ca.accredited, actor="system")
            trust.upload_crl(session, ca.crl_path.read_bytes(), now=T0, actor="system")
        account = create_account(
            session,
            CIPHER,
            NewAccount(
                last_name="Иванов",
                first_name="Иван",
                email="ivanov.expiry@example.test",
                snils="112-233-445 95",
                password="Correct-Horse-9",
            ),
        )
        account.email_verified = True
        session.commit()
        yield factory, account.id


def _bind(session: Session, account_id: int, data: bytes) -> int:
    row = bound.bind_certificate(
        session,
        CIPHER,
        account_id,
        data,
        clock=lambda: T0,
        fetcher=None,
        policy=trust.CrlPolicy(),
        actor="system",
    )
    session.commit()
    return row.id


def _thumb(session: Session, bound_id: int) -> str:
    row = session.get(BoundCertificate, bound_id)
    assert row is not None
    return row.thumbprint


def _notices(url: str, live_idp: LiveIdp, executor: ThreadPoolExecutor) -> tuple[Notices, NotifierClient]:
    client = NotifierClient(url, lambda: live_idp.token("notifier-caller"), timeout=5, retries=0)
    return Notices(client, executor, "Europe/Moscow"), client


def test_a_certificate_expiring_in_20_days_gets_one_notice_and_one_in_40_days_none(
    world: tuple[object, int], pki: Pki, notifier: tuple[str, str], live_idp: LiveIdp
) -> None:
    factory, account_id = world
    soon = pki.accredited.issue("expiry-20", SUBJECT, not_before=T0 - DAY, not_after=T0 + 20 * DAY)
    later = pki.accredited.issue("expiry-40", SUBJECT, not_before=T0 - DAY, not_after=T0 + 40 * DAY)
    with factory() as session:  # type: ignore[operator]
        soon_id = _thumb(session, _bind(session, account_id, soon.cert_pem.read_bytes()))
        later_id = _thumb(session, _bind(session, account_id, later.cert_pem.read_bytes()))
    url, notifier_db = notifier
    with ThreadPoolExecutor(1) as pool:
        notices, client = _notices(url, live_idp, pool)
        with client:
            assert expiry.notify_expiring(factory, notices, lambda: T0) == 1  # type: ignore[arg-type]
            assert expiry.notify_expiring(factory, notices, lambda: T0 + DAY) == 0  # type: ignore[arg-type]
    assert sent_notices(notifier_db, f"certificate-expiring:{soon_id}:") == [
        ("certificate_expiring", f"certificate-expiring:{soon_id}:{(T0 + 20 * DAY).isoformat()}:email")
    ]
    assert sent_notices(notifier_db, f"certificate-expiring:{later_id}:") == []


def test_a_notifier_that_does_not_answer_leaves_the_notice_for_the_next_pass(
    world: tuple[object, int], pki: Pki, notifier: tuple[str, str], live_idp: LiveIdp
) -> None:
    factory, account_id = world
    soon = pki.accredited.issue("expiry-retry", SUBJECT, not_before=T0 - DAY, not_after=T0 + 15 * DAY)
    with factory() as session:  # type: ignore[operator]
        soon_id = _thumb(session, _bind(session, account_id, soon.cert_pem.read_bytes()))
    url, notifier_db = notifier
    with ThreadPoolExecutor(1) as pool:
        down, down_client = _notices("http://127.0.0.1:9", live_idp, pool)  # nothing listens on port 9
        with down_client:
            assert expiry.notify_expiring(factory, down, lambda: T0) == 0  # type: ignore[arg-type]
        up, client = _notices(url, live_idp, pool)
        with client:
            assert expiry.notify_expiring(factory, up, lambda: T0 + DAY) == 1  # type: ignore[arg-type]
    assert len(sent_notices(notifier_db, f"certificate-expiring:{soon_id}:")) == 1
