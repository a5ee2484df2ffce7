"""Login by signature with certificates whose revocation is known only through the OCSP responder
they name (a real ``openssl ocsp``; the app holds no CRL of their CA): a good qualified certificate
signs in, a revoked one is refused with «Сертификат отозван», and with the responder down the login
fails closed with the revocation-check message. The app's own fetcher asks the responder.

The responder stamps answers with the wall clock, so the app's injected clock is the wall clock's
"now" read once when the test starts (fixed from then on)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from idp.accounts.service import create_account
from idp.main import create_app
from idp.pki import demo, trust
from tests.conftest import idp_settings, running
from tests.idp.conftest import CITIZEN, ISSUER
from tests.idp.pki import signature_login as sl
from tests.idp.pki.ocsp_responder import Responder, ocsp_responder, responder_url

DAY = dt.timedelta(days=1)


@dataclass
class OcspLogin:
    ca: demo.DemoCa
    responder_cert: demo.Issued
    url: str
    pfx: dict[str, Path]

    def sign(self, name: str, text: str) -> bytes:
        return demo.sign_challenge(self.pfx[name], sl.PIN, text.encode("ascii"))


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def ocsp_login(tmp_path: Path, now: dt.datetime) -> OcspLogin:
    url = responder_url()
    ca = demo.create_ca(
        tmp_path / "ca",
        "OCSP login CA",
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
    pfx = {}
    for name in ("good", "revoked"):
        issued = ca.issue(name, sl.SUBJECT, ocsp_url=url, **window)
        pfx[name] = demo.write_pfx(issued, ca, tmp_path / f"{name}.pfx", sl.PIN)
        if name == "revoked":
            ca.revoke(issued.serial, now - dt.timedelta(hours=1))
    return OcspLogin(ca, responder_cert, url, pfx)


@pytest.fixture
def responder(ocsp_login: OcspLogin) -> Iterator[Responder]:
    with ocsp_responder(ocsp_login.ca, ocsp_login.responder_cert, ocsp_login.url) as running_responder:
        yield running_responder


@pytest.fixture
async def http(
    make_db: Callable[..., str], ocsp_login: OcspLogin, now: dt.datetime
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(idp_settings(make_db("idp"), issuer=ISSUER), clock=lambda: now)
    async with running(app) as client:
        with app.state.session_factory() as session:
            account = create_account(session, app.state.field_cipher, CITIZEN)
            account.email_verified = True
            trust.add_trusted_ca(session, ocsp_login.ca.der, accredited=True, actor="test")  # no CRL
            session.commit()
        yield client


async def _sign_in(http: httpx.AsyncClient, ocsp_login: OcspLogin, name: str) -> httpx.Response:
    page = await sl.open_page(http)
    return await sl.submit(http, page, ocsp_login.sign(name, page.challenge))


async def test_good_certificate_signs_in_through_the_responder(
    http: httpx.AsyncClient, ocsp_login: OcspLogin, responder: Responder
) -> None:
    response = await _sign_in(http, ocsp_login, "good")
    assert response.status_code == 303, response.text[:3000]
    assert "idp_session" in response.headers.get("set-cookie", "")


async def test_revoked_certificate_is_refused_through_the_responder(
    http: httpx.AsyncClient, ocsp_login: OcspLogin, responder: Responder
) -> None:
    response = await _sign_in(http, ocsp_login, "revoked")
    assert response.status_code == 401 and "Сертификат отозван" in response.text
    assert "idp_session=" not in response.headers.get("set-cookie", "")


async def test_responder_down_fails_closed(http: httpx.AsyncClient, ocsp_login: OcspLogin) -> None:
    response = await _sign_in(http, ocsp_login, "good")  # no responder running
    assert response.status_code == 401
    assert "Не удалось проверить, не отозван ли сертификат" in response.text
    assert "idp_session=" not in response.headers.get("set-cookie", "")
