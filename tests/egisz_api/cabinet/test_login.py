"""The login's own checks, before any call to the idp (the whole login over real HTTP is in
tests/integration/test_cabinet_login.py): the ``ac`` URL, the state and the browser binding, and
the callback refusing forged, replayed, foreign-browser and expired states with a page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from fastapi import FastAPI

from egisz_api.cabinet.login import safe_return_to
from tests.egisz_api.cabinet.conftest import MovableClock


def _rsa_certificate(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ЕГИСЗ (EGISZ)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "EGISZ-rsa.pem", folder / "EGISZ-rsa.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def rsa_client(cabinet_app: FastAPI, tmp_path: Path) -> FastAPI:
    cert, key = _rsa_certificate(tmp_path)
    cabinet_app.state.settings.esia_certificate = cert
    cabinet_app.state.settings.esia_key = key
    cabinet_app.state.settings.esia_demo_dir = tmp_path / "none"
    return cabinet_app


async def test_login_start_sends_the_browser_to_the_esia_face_with_a_signed_request(
    client: httpx.AsyncClient, rsa_client: FastAPI
) -> None:
    response = await client.get("/cabinet/login", params={"return_to": "/cabinet/records"})
    assert response.status_code == 303
    url = urlsplit(response.headers["location"])
    assert (url.scheme, url.netloc, url.path) == ("http", "idp.invalid", "/aas/oauth2/ac")  # RSA: v1
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == "EGISZ" and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver/esia/callback"
    assert query["scope"] == "openid fullname snils id_doc usr_org"
    assert len(query["state"]) == 36 and query["state"].count("-") == 4  # UUID (ESIA.md §3.1)
    assert query["timestamp"].endswith(" +0000")
    assert len(query["client_secret"]) > 1000  # a CMS SignedData with the certificate inside
    cookie = response.headers["set-cookie"]
    assert "egisz_login=" in cookie and "HttpOnly" in cookie and "Path=/esia/callback" in cookie
    assert "samesite=lax" in cookie.lower()


async def test_a_missing_client_key_is_a_page_not_a_500(
    client: httpx.AsyncClient, cabinet_app: FastAPI
) -> None:
    cabinet_app.state.settings.esia_certificate = Path("/nonexistent/EGISZ.pem")
    page = await client.get("/cabinet/login")
    assert page.status_code == 503 and "не отвечает" in page.text


async def _started(client: httpx.AsyncClient) -> str:
    response = await client.get("/cabinet/login")
    return parse_qs(urlsplit(response.headers["location"]).query)["state"][0]


async def test_a_forged_state_is_refused_with_a_page(client: httpx.AsyncClient, rsa_client: FastAPI) -> None:
    await _started(client)
    page = await client.get(
        "/esia/callback", params={"state": "00000000-0000-4000-8000-000000000000", "code": "x"}
    )
    assert page.status_code == 400 and "Не удалось войти" in page.text and "Войти снова" in page.text
    assert "egisz_cabinet" not in page.headers.get("set-cookie", "")


async def test_a_state_started_in_another_browser_is_refused(
    client: httpx.AsyncClient, rsa_client: FastAPI
) -> None:
    state = await _started(client)
    client.cookies.clear()  # the victim's browser: the attacker's state, not its binding cookie
    page = await client.get("/esia/callback", params={"state": state, "code": "x"})
    assert page.status_code == 400


async def test_a_state_is_used_once_even_when_its_login_failed(
    client: httpx.AsyncClient, rsa_client: FastAPI
) -> None:
    state = await _started(client)
    binding = client.cookies.get("egisz_login")
    client.cookies.clear()
    assert (await client.get("/esia/callback", params={"state": state, "code": "x"})).status_code == 400
    client.cookies.set("egisz_login", binding or "", path="/esia/callback")
    again = await client.get("/esia/callback", params={"state": state, "code": "x"})
    assert again.status_code == 400  # consumed by the first attempt, not usable by the right browser


async def test_an_expired_login_is_refused(
    client: httpx.AsyncClient, rsa_client: FastAPI, clock: MovableClock
) -> None:
    state = await _started(client)
    clock.advance(minutes=16)
    assert (await client.get("/esia/callback", params={"state": state, "code": "x"})).status_code == 400


async def test_a_refusal_at_the_idp_says_the_login_was_cancelled(
    client: httpx.AsyncClient, rsa_client: FastAPI
) -> None:
    state = await _started(client)
    page = await client.get(
        "/esia/callback",
        params={
            "state": state,
            "error": "access_denied",
            "error_description": "ESIA-007004: denied",
            "lang": "en",
        },
    )
    assert page.status_code == 400 and "cancelled" in page.text and "ESIA-007004" not in page.text


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/cabinet/records?x=1", "/cabinet/records?x=1"),
        ("/cabinet", "/cabinet"),
        ("https://evil.example/cabinet", "/cabinet"),
        ("//evil.example/cabinet", "/cabinet"),
        ("/cabinet//evil.example", "/cabinet"),
        ("/cabinetx", "/cabinet"),
        ("/cabinet/\\evil", "/cabinet"),
        ("/admin", "/cabinet"),
        (None, "/cabinet"),
    ],
)
def test_return_to_is_only_a_cabinet_path(given: str | None, kept: str) -> None:
    assert safe_return_to(given) == kept


def test_without_a_configured_certificate_the_seeds_demo_one_is_used_gost_first(tmp_path: Path) -> None:
    from egisz_api.cabinet.client_secret import ClientKeyError
    from egisz_api.cabinet.login_routes import client_files
    from tests.egisz_api.cabinet.conftest import cabinet_settings

    settings = cabinet_settings("sqlite://", esia_demo_dir=tmp_path)
    with pytest.raises(ClientKeyError):
        client_files(settings)
    (tmp_path / "EGISZ-rsa.pem").write_text("x")
    assert client_files(settings) == (tmp_path / "EGISZ-rsa.pem", tmp_path / "EGISZ-rsa.key")
    (tmp_path / "EGISZ-gost.pem").write_text("x")
    assert client_files(settings) == (tmp_path / "EGISZ-gost.pem", tmp_path / "EGISZ-gost.key")
