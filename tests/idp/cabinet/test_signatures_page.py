"""«Электронные подписи» (issue 11, item 2) as a person uses it over HTTP: bind a certificate from a
file or pasted PEM (RSA, GOST), each refusal with its own message beside the field and in the
error summary, the list with kind, validity and status, unbinding after a confirmation page; and
the attacks: no CSRF token, another account's certificate, a private key, garbage."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from idp.accounts.service import NewAccount, create_account
from idp.audit.models import SecurityEvent
from idp.main import create_app
from idp.pki import bound, demo, trust
from idp.pki.models import BoundCertificate
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, PASSWORD, _csrf

#: the wall clock at import, whole seconds: the PKI is made around it, the app's clock starts at it
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
SNILS = "11223344595"  # CITIZEN's
OTHER_SNILS = "12345678964"
OWNER = demo.Subject(common_name="Петрова Анна", surname="Петрова", given_name="Анна", snils=SNILS)


class MovableClock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Pki:
    accredited: demo.DemoCa
    unaccredited: demo.DemoCa
    gost: demo.DemoCa | None
    certs: dict[str, demo.Issued]

    def pem(self, name: str) -> bytes:
        return self.certs[name].cert_pem.read_bytes()

    def der(self, name: str) -> bytes:
        return self.certs[name].der


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("sigpki")
    window = {"not_before": NOW - 30 * DAY, "not_after": NOW + 3650 * DAY}
    acc = demo.create_ca(root / "acc", "Тест УЦ (аккредитованный)", accredited=True, **window)
    unacc = demo.create_ca(root / "unacc", "Тест УЦ УНЭП", accredited=False, algorithm="ecdsa", **window)
    gost = (
        demo.create_ca(root / "gost", "Тест УЦ ГОСТ", accredited=True, algorithm="gost", **window)
        if demo.gost_available()
        else None
    )
    valid = {"not_before": NOW - DAY, "not_after": NOW + 365 * DAY}
    certs = {
        "rsa": acc.issue("rsa", OWNER, **valid),
        "ecdsa": unacc.issue("ecdsa", OWNER, algorithm="ecdsa", **valid),
        "soon": acc.issue(
            "soon", OWNER, not_before=NOW - DAY, not_after=NOW + 20 * DAY + dt.timedelta(hours=1)
        ),
        "other_snils": acc.issue(
            "other_snils", demo.Subject(common_name="Иванов Иван", snils=OTHER_SNILS), **valid
        ),
        "other_owner": acc.issue(
            "other_owner", demo.Subject(common_name="Иванов Иван", snils=OTHER_SNILS), **valid
        ),
        "expired": acc.issue("expired", OWNER, not_before=NOW - 100 * DAY, not_after=NOW - DAY),
    }
    if gost is not None:
        certs["gost"] = gost.issue("gost", OWNER, **valid)
    for ca in (acc, unacc, *([gost] if gost else [])):
        ca.publish_crl(NOW - DAY, NOW + 7 * DAY)
    return Pki(acc, unacc, gost, certs)


@dataclass
class Cabinet:
    http: httpx.AsyncClient
    app: object
    clock: MovableClock
    pki: Pki

    async def page(self, path: str = "/account/signatures") -> str:
        response = await self.http.get(path)
        assert response.status_code == 200, response.text
        return response.text

    async def upload(
        self, content: bytes, name: str = "cert.cer", *, csrf: str | None = None
    ) -> httpx.Response:
        token = csrf if csrf is not None else _csrf(await self.page())
        return await self.http.post(
            "/account/signatures",
            data={"csrf_token": token},
            files={"certificate_file": (name, content, "application/octet-stream")},
        )

    async def paste(self, text: str) -> httpx.Response:
        token = _csrf(await self.page())
        return await self.http.post(
            "/account/signatures",
            data={"csrf_token": token, "certificate_pem": text},
            files={"certificate_file": ("", b"", "application/octet-stream")},  # the empty chooser
        )

    def bound_ids(self) -> list[int]:
        with self.app.state.session_factory() as session:  # type: ignore[attr-defined]
            return list(session.scalars(select(BoundCertificate.id).order_by(BoundCertificate.id)))


@pytest.fixture
async def cabinet(make_db: Callable[..., str], pki: Pki) -> AsyncIterator[Cabinet]:
    clock = MovableClock()
    app = create_app(idp_settings(make_db("idp"), issuer="http://testserver"), clock=clock)
    async with running(app) as http:
        with app.state.session_factory() as session:
            create_account(session, app.state.field_cipher, CITIZEN)
            for ca in (pki.accredited, pki.unaccredited, *([pki.gost] if pki.gost else [])):
                trust.add_trusted_ca(
                    session, ca.cert_pem.read_bytes(), accredited=ca.accredited, actor="system"
                )
                trust.upload_crl(session, ca.crl_path.read_bytes(), now=NOW, actor="system")
            session.commit()
        page = await http.get("/login")
        done = await http.post(
            "/login", data={"login": CITIZEN.email, "password": PASSWORD, "csrf_token": _csrf(page.text)}
        )
        assert done.status_code == 303, done.text
        yield Cabinet(http, app, clock, pki)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error on {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def summary(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block, "no error summary"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', block.group(0))


def card(html: str, bound_id: int) -> str:
    match = re.search(rf'<li class="card" id="certificate-{bound_id}">(.*?)</li>', html, re.S)
    assert match, html
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# --- binding ---------------------------------------------------------------------------------------


async def test_an_rsa_certificate_file_binds_as_qualified_and_is_listed(cabinet: Cabinet) -> None:
    sent = await cabinet.upload(cabinet.pki.der("rsa"), "cert.der")
    assert (
        sent.status_code == 303 and sent.headers["location"] == "/account/signatures?done=certificate_bound"
    )
    page = await cabinet.page(sent.headers["location"])
    assert "Сертификат привязан." in page
    (bound_id,) = cabinet.bound_ids()
    text = card(page, bound_id)
    assert "Петрова Анна" in text and "Тест УЦ (аккредитованный)" in text
    assert SNILS not in page  # the subject is shown and kept without personal numbers
    assert "КЭП — квалифицированная" in text and "действует" in text
    assert f"с {(NOW - DAY).astimezone(dt.timezone(dt.timedelta(hours=3))):%d.%m.%Y}" in text
    with cabinet.app.state.session_factory() as session:  # type: ignore[attr-defined]
        row = session.get(BoundCertificate, bound_id)
        assert row is not None and row.thumbprint in text
        events = session.scalars(
            select(SecurityEvent.event_type).where(SecurityEvent.account_id == row.account_id)
        )
        assert "certificate_bound" in list(events)
    assert 'class="tag tag--success"' in page


async def test_a_pasted_pem_of_an_unqualified_ecdsa_certificate_binds(cabinet: Cabinet) -> None:
    sent = await cabinet.paste(cabinet.pki.pem("ecdsa").decode())
    assert sent.status_code == 303, sent.text
    page = await cabinet.page()
    assert "УНЭП — неквалифицированная" in card(page, cabinet.bound_ids()[0])


async def test_a_gost_certificate_binds(cabinet: Cabinet) -> None:
    if cabinet.pki.gost is None:
        pytest.skip("openssl GOST engine not installed (.ci/install-gost)")
    sent = await cabinet.upload(cabinet.pki.pem("gost"), "gost.pem")
    assert sent.status_code == 303, sent.text
    text = card(await cabinet.page(), cabinet.bound_ids()[0])
    assert "Тест УЦ ГОСТ" in text and "КЭП" in text and "действует" in text


# --- refusals, each with its own message beside the field and in the summary ------------------------


async def _refused(response: httpx.Response, status: int, field: str, words: str) -> str:
    assert response.status_code == status, response.text[:500]
    html = response.text
    assert words in field_error(html, field)
    assert any(anchor == field and words in text for anchor, text in summary(html))
    return html


async def test_a_certificate_naming_another_snils_is_refused(cabinet: Cabinet) -> None:
    response = await cabinet.upload(cabinet.pki.pem("other_snils"))
    await _refused(response, 422, "certificate_file", "СНИЛС в сертификате не совпадает")
    assert cabinet.bound_ids() == []


async def test_a_pem_with_a_private_key_is_refused_and_not_echoed(cabinet: Cabinet) -> None:
    issued = cabinet.pki.certs["rsa"]
    with_key = issued.key_pem.read_text() + issued.cert_pem.read_text()
    response = await cabinet.paste(with_key)
    html = await _refused(response, 422, "certificate_pem", "В файле есть закрытый ключ")
    assert "PRIVATE KEY" not in html
    assert cabinet.bound_ids() == []
    as_file = await cabinet.upload(with_key.encode(), "bundle.pem")
    await _refused(as_file, 422, "certificate_file", "никому нельзя передавать")


async def test_garbage_and_oversize_files_are_refused(cabinet: Cabinet) -> None:
    garbage = await cabinet.upload(b"\x00\x01 this is not a certificate \xff", "photo.jpg")
    await _refused(garbage, 422, "certificate_file", "Это не сертификат")
    truncated = await cabinet.upload(cabinet.pki.der("rsa")[:200], "cut.der")
    await _refused(truncated, 422, "certificate_file", "Это не сертификат")
    big = await cabinet.upload(b"A" * (100 * 1024), "big.cer")
    await _refused(big, 413, "certificate_file", "Файл больше 64 КБ")
    nothing = await cabinet.paste("   ")
    await _refused(nothing, 422, "certificate_pem", "Выберите файл сертификата или вставьте его текст")
    assert cabinet.bound_ids() == []


async def test_a_certificate_binds_once(cabinet: Cabinet) -> None:
    assert (await cabinet.upload(cabinet.pki.pem("rsa"))).status_code == 303
    again = await cabinet.upload(cabinet.pki.der("rsa"), "same.der")
    await _refused(again, 409, "certificate_file", "уже привязан")
    assert len(cabinet.bound_ids()) == 1


async def test_an_expired_certificate_is_refused_with_what_to_do(cabinet: Cabinet) -> None:
    response = await cabinet.upload(cabinet.pki.pem("expired"))
    await _refused(response, 422, "certificate_file", "Срок действия сертификата истёк. Получите новый")


# --- status as time passes ---------------------------------------------------------------------------


async def test_the_status_follows_the_clock_expiring_then_expired(cabinet: Cabinet) -> None:
    assert (await cabinet.upload(cabinet.pki.pem("soon"))).status_code == 303
    (bound_id,) = cabinet.bound_ids()
    page = await cabinet.page()
    assert "истекает через 20 дней" in card(page, bound_id) and 'class="tag tag--warning"' in page
    cabinet.clock.now = NOW + 19 * DAY
    assert "истекает через 1 день" in card(await cabinet.page(), bound_id)
    cabinet.clock.now = NOW + 40 * DAY
    page = await cabinet.page()
    assert "истёк" in card(page, bound_id) and 'class="tag tag--error"' in page


# --- unbinding ---------------------------------------------------------------------------------------


async def test_unbinding_asks_first_then_needs_the_csrf_token(cabinet: Cabinet) -> None:
    assert (await cabinet.upload(cabinet.pki.pem("rsa"))).status_code == 303
    (bound_id,) = cabinet.bound_ids()
    confirm = await cabinet.http.get(f"/account/signatures/{bound_id}/unbind")
    assert confirm.status_code == 200
    assert "Отвязать сертификат «Петрова Анна»?" in confirm.text
    assert ">Отвязать</button>" in confirm.text and ">Отмена</a>" in confirm.text
    assert cabinet.bound_ids() == [bound_id]  # looking at the question changes nothing

    forged = await cabinet.http.post(f"/account/signatures/{bound_id}/unbind", data={})
    assert forged.status_code == 400
    wrong = await cabinet.http.post(f"/account/signatures/{bound_id}/unbind", data={"csrf_token": "x" * 40})
    assert wrong.status_code == 400
    assert cabinet.bound_ids() == [bound_id]

    done = await cabinet.http.post(
        f"/account/signatures/{bound_id}/unbind", data={"csrf_token": _csrf(confirm.text)}
    )
    assert (
        done.status_code == 303 and done.headers["location"] == "/account/signatures?done=certificate_unbound"
    )
    assert cabinet.bound_ids() == []
    assert "Сертификат отвязан." in await cabinet.page(done.headers["location"])


async def test_binding_without_the_csrf_token_is_refused(cabinet: Cabinet) -> None:
    response = await cabinet.upload(cabinet.pki.pem("rsa"), csrf="")
    assert response.status_code == 400
    assert cabinet.bound_ids() == []


def _bind_to_another_account(cabinet: Cabinet) -> int:
    app: Any = cabinet.app
    with app.state.session_factory() as session:
        other = create_account(
            session,
            app.state.field_cipher,
            NewAccount(
                last_name="Иванов",
                first_name="Иван",
                email="ivanov@example.test",
                snils="123-456-789 64",
                password=PASSWORD,
            ),
        )
        session.flush()
        row = bound.bind_certificate(
            session,
            app.state.field_cipher,
            other.id,
            cabinet.pki.pem("other_owner"),
            clock=lambda: NOW,
            fetcher=None,
            policy=trust.CrlPolicy(),
            actor="system",
        )
        session.commit()
        return row.id


async def test_another_accounts_certificate_cannot_be_seen_or_unbound(cabinet: Cabinet) -> None:
    theirs = await asyncio.to_thread(_bind_to_another_account, cabinet)  # path validation runs its own loop
    assert "Иванов Иван" not in await cabinet.page()
    peek = await cabinet.http.get(f"/account/signatures/{theirs}/unbind")
    assert peek.status_code == 404 and "Иванов" not in peek.text
    token = _csrf(await cabinet.page())
    attack = await cabinet.http.post(f"/account/signatures/{theirs}/unbind", data={"csrf_token": token})
    assert attack.status_code == 404
    assert cabinet.bound_ids() == [theirs]
    for bad in ("0", "-1", "abc", "99999999999999999999999"):
        assert (await cabinet.http.get(f"/account/signatures/{bad}/unbind")).status_code in (404, 422)


async def test_the_page_needs_a_login(make_db: Callable[..., str]) -> None:
    app = create_app(idp_settings(make_db("idp"), issuer="http://testserver"))
    async with running(app) as http:
        response = await http.get("/account/signatures")
        assert response.status_code in (302, 303)
        assert response.headers["location"].startswith("/login?next=")
        posted = await http.post("/account/signatures/1/unbind", data={})
        assert posted.status_code in (302, 303)


# --- English -----------------------------------------------------------------------------------------


async def test_the_page_speaks_english(cabinet: Cabinet) -> None:
    assert (await cabinet.upload(cabinet.pki.pem("soon"))).status_code == 303
    page = (await cabinet.http.get("/account/signatures?lang=en")).text
    assert "Electronic signatures" in page and "Bound certificates" in page and "Bind a certificate" in page
    assert "Qualified (QES)" in page and "expires in 20 days" in page
    for russian in (
        "Владелец",
        "Издатель",
        "Срок действия",
        "истекает",
        "Привязать",
        "Отвязать",
        "Отпечаток",
    ):
        assert russian not in page, russian
    english = await cabinet.http.post(
        "/account/signatures",
        data={"csrf_token": _csrf(page)},
        files={"certificate_file": ("x.cer", cabinet.pki.pem("other_snils"), "application/octet-stream")},
    )
    assert "The SNILS in the certificate differs" in field_error(english.text, "certificate_file")


async def test_each_file_chooser_names_the_files_it_takes(cabinet: Cabinet) -> None:
    """The cabinet takes a certificate, the signature login a signature: one text key served both
    (the login's won), so the cabinet hinted at .sig and .p7s files and lost its .pfx warning."""
    hint = re.search(r'<p class="field__hint" id="certificate_file-hint">(.*?)</p>', await cabinet.page())
    assert hint and ".cer, .crt, .pem или .der" in hint.group(1) and ".pfx" in hint.group(1)
    assert ".p7s" not in hint.group(1)
    login = (await cabinet.http.get("/login/signature")).text
    signature_hint = re.search(r'<p class="field__hint" id="[^"]+-hint">(Файл \.sig[^<]*)</p>', login)
    assert signature_hint and ".p7s" in signature_hint.group(1)
