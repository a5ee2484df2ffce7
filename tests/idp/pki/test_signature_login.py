"""Login by electronic signature through real HTTP on the app (issue 11 item 3): certificates from
the demo PKI, challenges signed by ``openssl cms -sign`` (``demo.sign_challenge``), every refusal
with its own message on the page and its own ``login_failed`` reason. Time is the app's injected
clock: certificates, CRLs and challenges are judged at ``T0`` whatever the wall clock says."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from idp.accounts.service import account_by_sub, create_account
from idp.audit.service import events_for_account
from idp.main import create_app
from idp.pki import bound
from idp.pki.gost import openssl_gost_available
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, ISSUER
from tests.idp.pki import signature_login as sl

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
TTL = 300


class MovableClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> sl.LoginPki:
    return sl.build_pki(tmp_path_factory.mktemp("login-pki"), T0)


@dataclass
class Site:
    app: FastAPI
    http: httpx.AsyncClient
    clock: MovableClock
    account_id: int
    sub: str

    def events(self, event_type: str) -> list[dict[str, object]]:
        with self.app.state.session_factory() as session:
            rows = events_for_account(session, self.account_id, limit=500)
            return [dict(row.details or {}) for row in rows if row.event_type == event_type]

    def bound_thumbprints(self) -> list[str]:
        with self.app.state.session_factory() as session:
            return [
                v.thumbprint for v in bound.list_certificates(session, self.account_id, now=self.clock.now)
            ]

    def account(self) -> object:
        with self.app.state.session_factory() as session:
            account = account_by_sub(session, self.sub)
            assert account is not None
            session.expunge(account)
            return account


@pytest.fixture
async def site(make_db: Callable[..., str], pki: sl.LoginPki) -> AsyncIterator[Site]:
    clock = MovableClock()
    app = create_app(idp_settings(make_db("idp"), issuer=ISSUER, pki_login_challenge_ttl=TTL), clock=clock)
    async with running(app) as http:
        with app.state.session_factory() as session:
            account = create_account(session, app.state.field_cipher, CITIZEN)
            account.email_verified = True  # a simplified account: a КЭП may take it to confirmed
            account.level = "simplified"
            session.commit()
            account_id, sub = account.id, account.sub
        sl.trust_pki(app, pki)
        yield Site(app, http, clock, account_id, sub)


def assert_signed_in(response: httpx.Response, to: str = "/account") -> None:
    assert response.status_code == 303, response.text[:3000]
    assert response.headers["location"] == to
    assert "idp_session" in response.headers.get("set-cookie", "")


def assert_refused(response: httpx.Response, reason_ru: str, status: int = 401) -> sl.SignaturePage:
    assert response.status_code == status, response.text[:3000]
    assert reason_ru in response.text
    assert "idp_session=" not in response.headers.get("set-cookie", "")
    return sl.read_page("/login/signature", response)  # a new challenge to sign


# -- success ---------------------------------------------------------------------------------------
async def test_a_bound_certificate_signs_in_with_acr_of_its_kind(site: Site, pki: sl.LoginPki) -> None:
    sl.bind(site.app, site.account_id, pki, "ues")
    assert_signed_in(await sl.sign_in(site.http, pki, "ues"))
    assert (await site.http.get("/account")).status_code == 200
    [success] = site.events("login_succeeded")
    assert success["acr"] == "urn:idp:acr:sig" and success["amr"] == ["swk"]
    assert success["method"] == "signature" and success["kind"] == "ues"


async def test_first_login_by_a_qualified_certificate_binds_it_and_confirms_the_account(
    site: Site, pki: sl.LoginPki
) -> None:
    assert site.bound_thumbprints() == []
    assert_signed_in(await sl.sign_in(site.http, pki, "qes"))
    [success] = site.events("login_succeeded")
    assert success["acr"] == "urn:idp:acr:qes" and success["amr"] == ["hwk"]
    assert len(site.bound_thumbprints()) == 1
    account = site.account()
    assert account.identity_confirmed_by == "qualified_signature"  # type: ignore[attr-defined]
    assert account.registry_status == "passed"  # type: ignore[attr-defined]
    assert account.level == "confirmed"  # type: ignore[attr-defined]
    assert site.events("level_changed") == [
        {"from": "simplified", "to": "confirmed", "by": "qualified_signature"}
    ]
    # the next login finds it bound: no second binding, no second confirmation
    site.http.cookies.clear()
    assert_signed_in(await sl.sign_in(site.http, pki, "qes"))
    assert len(site.bound_thumbprints()) == 1 and len(site.events("level_changed")) == 1


async def test_attached_signature_pasted_as_base64_and_pem(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    der = pki.sign("qes", page.challenge, attached=True)
    assert_signed_in(await sl.submit(site.http, page, None, pasted=base64.b64encode(der).decode()))
    site.http.cookies.clear()
    page = await sl.open_page(site.http)
    pem = (
        b"-----BEGIN PKCS7-----\n"
        + base64.encodebytes(pki.sign("qes", page.challenge))
        + b"-----END PKCS7-----\n"
    )
    assert_signed_in(await sl.submit(site.http, page, pem, filename="sig.pem"))


async def test_next_and_the_password_link_are_kept(site: Site, pki: sl.LoginPki) -> None:
    login = await site.http.get("/login?next=/account/security")
    assert 'href="/login/signature?next=/account/security"' in login.text
    page = await sl.open_page(site.http, "/login/signature?next=/account/security")
    assert 'href="/login?next=%2Faccount%2Fsecurity"' in page.html
    response = await sl.submit(site.http, page, pki.sign("qes", page.challenge))
    assert_signed_in(response, "/account/security")


async def test_the_challenge_downloads_as_its_exact_bytes_for_this_browser_only(
    site: Site, pki: sl.LoginPki
) -> None:
    page = await sl.open_page(site.http)
    download = await site.http.get(f"/login/signature/challenge.txt?c={page.challenge_id}")
    assert download.content == page.challenge.encode("ascii")
    async with httpx.AsyncClient(transport=site.http._transport, base_url=str(site.http.base_url)) as other:
        assert (await other.get(f"/login/signature/challenge.txt?c={page.challenge_id}")).status_code == 404


@pytest.mark.skipif(not openssl_gost_available(), reason="the OpenSSL GOST engine is not installed")
async def test_gost_signature_login(site: Site, pki: sl.LoginPki) -> None:
    assert_signed_in(await sl.sign_in(site.http, pki, "gost"))
    [success] = site.events("login_succeeded")
    assert success["acr"] == "urn:idp:acr:qes"


# -- the certificate --------------------------------------------------------------------------------
async def test_expired_certificate(site: Site, pki: sl.LoginPki) -> None:
    page = assert_refused(await sl.sign_in(site.http, pki, "expired"), "Срок действия сертификата истёк")
    assert "Получите новый сертификат" in page.html


async def test_not_yet_valid_certificate_then_valid_when_the_clock_moves(
    site: Site, pki: sl.LoginPki
) -> None:
    assert_refused(await sl.sign_in(site.http, pki, "future"), "Сертификат ещё не начал действовать")
    site.clock.now = T0 + 2 * sl.DAY  # the injected clock, not the wall clock, decides
    assert_signed_in(await sl.sign_in(site.http, pki, "future"))


async def test_revoked_certificate(site: Site, pki: sl.LoginPki) -> None:
    assert_refused(await sl.sign_in(site.http, pki, "revoked"), "Сертификат отозван")


async def test_untrusted_issuer(site: Site, pki: sl.LoginPki) -> None:
    assert_refused(
        await sl.sign_in(site.http, pki, "stranger"),
        "Сертификат выдан удостоверяющим центром, которому мы не доверяем",
    )


async def test_unqualified_certificate_naming_the_accounts_snils_is_not_taken_as_the_account(
    site: Site, pki: sl.LoginPki
) -> None:
    """Only a КЭП's SNILS identifies a person; a УНЭП must be bound in the cabinet first."""
    page = assert_refused(
        await sl.sign_in(site.http, pki, "ues"), "Этот сертификат не привязан ни к одной учётной записи"
    )
    assert "Электронные подписи" in page.html
    assert site.bound_thumbprints() == []


async def test_qualified_certificate_of_someone_without_an_account(site: Site, pki: sl.LoginPki) -> None:
    assert_refused(await sl.sign_in(site.http, pki, "qes_other"), "не привязан ни к одной учётной записи")
    assert_refused(await sl.sign_in(site.http, pki, "qes_no_snils"), "не привязан ни к одной учётной записи")


# -- the signature and the challenge -----------------------------------------------------------------
async def test_tampered_signature(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    der = bytearray(pki.sign("qes", page.challenge))
    der[-10] ^= 0x01  # inside the signature value, the last field of the SignerInfo
    assert_refused(await sl.submit(site.http, page, bytes(der)), "Подпись не подходит")


async def test_signature_over_another_challenge(site: Site, pki: sl.LoginPki) -> None:
    first = await sl.open_page(site.http)
    second = await sl.open_page(site.http)
    response = await sl.submit(site.http, second, pki.sign("qes", first.challenge))
    assert_refused(response, "Подпись не подходит")
    # the first challenge is still good for its own signature
    assert_signed_in(await sl.submit(site.http, first, pki.sign("qes", first.challenge)))


async def test_challenge_replay(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    signature = pki.sign("qes", page.challenge)
    assert_signed_in(await sl.submit(site.http, page, signature))
    replay = await sl.submit(site.http, page, signature)
    assert_refused(replay, "Этот текст уже использован")


async def test_challenge_from_another_browser_is_refused(site: Site, pki: sl.LoginPki) -> None:
    """The challenge is bound to the browser's CSRF cookie: a signature captured with its page and
    replayed from elsewhere (with that browser's own CSRF pair) does not sign in."""
    victim = await sl.open_page(site.http)
    signature = pki.sign("qes", victim.challenge)
    async with httpx.AsyncClient(transport=site.http._transport, base_url=str(site.http.base_url)) as other:
        own = await sl.open_page(other)
        response = await sl.submit(other, own, signature, challenge_id=victim.challenge_id)
        assert_refused(response, "Этот текст уже использован или открыт в другом браузере")


async def test_challenge_expiry(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    signature = pki.sign("qes", page.challenge)
    site.clock.now = T0 + dt.timedelta(seconds=TTL)
    assert_refused(await sl.submit(site.http, page, signature), "Время на подпись текста истекло")


async def test_garbage_file(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    response = await sl.submit(site.http, page, b"\x30\x82\x01\x00garbage" + bytes(200))
    refused = assert_refused(response, "Файл не читается как электронная подпись", status=400)
    assert 'aria-invalid="true"' in refused.html
    page = await sl.open_page(site.http)
    response = await sl.submit(site.http, page, Path(pki.certs["qes"].cert_pem).read_bytes())
    assert_refused(response, "Файл не читается как электронная подпись", status=400)


async def test_private_key_is_refused_and_the_person_warned(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    key = Path(pki.certs["qes"].key_pem).read_bytes()
    assert_refused(await sl.submit(site.http, page, key), "Вы отправили закрытый ключ", status=400)


async def test_oversize_file(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    response = await sl.submit(site.http, page, b"A" * 200_000)
    assert_refused(response, "Файл слишком большой", status=400)
    # the challenge was not spent by a file refused before it was read
    assert_signed_in(await sl.submit(site.http, page, pki.sign("qes", page.challenge)))


async def test_nothing_submitted(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    response = await sl.submit(site.http, page, None)
    assert_refused(response, "Выберите файл подписи или вставьте подпись текстом", status=400)


async def test_csrf_is_required(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http)
    response = await sl.submit(site.http, page, pki.sign("qes", page.challenge), csrf_token="forged")
    assert response.status_code == 400 and "idp_session=" not in response.headers.get("set-cookie", "")


async def test_english_page_and_refusal(site: Site, pki: sl.LoginPki) -> None:
    page = await sl.open_page(site.http, "/login/signature?lang=en")
    assert "Sign in with an electronic signature" in page.html
    response = await sl.submit(site.http, page, pki.sign("expired", page.challenge))
    assert response.status_code == 401 and "The certificate has expired" in response.text


async def test_refusals_are_logged_with_their_reason(site: Site, pki: sl.LoginPki) -> None:
    sl.bind(site.app, site.account_id, pki, "qes")
    site.clock.now = T0 + 200 * sl.DAY  # the bound certificate has expired by now
    assert_refused(await sl.sign_in(site.http, pki, "qes"), "Срок действия сертификата истёк")
    with site.app.state.session_factory() as session:
        from idp.audit.service import export_jsonl

        lines = [line for line in export_jsonl(session) if '"login_failed"' in line]
    assert any('"reason": "expired"' in line and '"method": "signature"' in line for line in lines), lines


async def test_a_qualified_certificate_bound_in_the_cabinet_first_still_confirms_the_account(
    site: Site, pki: sl.LoginPki
) -> None:
    """The cabinet's status «Подтвердите личность» sends the person to sign in with a КЭП: that
    holds when they bound it in «Электронные подписи» before its first login too."""
    sl.bind(site.app, site.account_id, pki, "qes")
    assert_signed_in(await sl.sign_in(site.http, pki, "qes"))
    account = site.account()
    assert account.identity_confirmed_by == "qualified_signature"  # type: ignore[attr-defined]
    assert account.level == "confirmed"  # type: ignore[attr-defined]
    assert site.events("level_changed") == [
        {"from": "simplified", "to": "confirmed", "by": "qualified_signature"}
    ]
    site.http.cookies.clear()
    assert_signed_in(await sl.sign_in(site.http, pki, "qes"))
    assert len(site.events("level_changed")) == 1  # confirmed once


async def test_a_bound_unqualified_certificate_confirms_nothing(site: Site, pki: sl.LoginPki) -> None:
    sl.bind(site.app, site.account_id, pki, "ues")
    assert_signed_in(await sl.sign_in(site.http, pki, "ues"))
    assert site.account().identity_confirmed_at is None  # type: ignore[attr-defined]
    assert site.events("level_changed") == []
