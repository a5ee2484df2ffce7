"""``GET /esia/diagnoses/{handle}``: the diagnosis page for a client's developers, in dev mode only,
with the shared design in Russian (default) and English; what the client sent is escaped."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable

import pytest

from idp.esia import admin, diagnostics
from idp.esia.errors import EsiaError
from tests.conftest import idp_settings, running
from tests.idp.conftest import Provider

EXPECTED = "EGISZopenid2026.12.02 10:00:00 +0000f8b9c7b0https://egisz.example.test/esia/callback"


def _record(provider: Provider, **diagnosis: object) -> str:
    with provider.app.state.session_factory() as session:
        error = EsiaError("ESIA-007053", diagnosis=diagnosis)
        handle = diagnostics.record(session, "EGISZ", "v2/ac", error).handle
        session.commit()
    return handle


def _lang(html: str) -> str:
    match = re.search(r'<html lang="(\w+)"', html)
    assert match
    return match.group(1)


async def test_the_page_explains_the_refusal_in_russian_then_english(provider: Provider) -> None:
    handle = _record(
        provider,
        expected=EXPECTED,
        found="openid2026.12.02 10:00:00 +0000EGISZf8b9c7b0",
        algorithm="gost256",
        certificates_registered=["a1" * 32],
        advice="Sign client_id + scope + timestamp + state + redirect_uri (v2/ac).",
    )
    page = await provider.http.get(f"/esia/diagnoses/{handle}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and _lang(page.text) == "ru"
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    html = page.text
    assert "Почему запрос отклонён" in html and "ESIA-007053: OAuthErrorEnum.clientSecretWrong" in html
    assert "Ожидалась строка для подписи" in html and EXPECTED in html and "gost256" in html
    assert "Что изменить" in html and "redirect_uri (v2/ac)" in html and "a1" * 32 in html
    assert "/static/design/design.css" in html  # the shared design
    english = await provider.http.get(f"/esia/diagnoses/{handle}?lang=en")
    assert _lang(english.text) == "en" and "Why the request was refused" in english.text
    assert "The string expected to be signed" in english.text and "What to change" in english.text
    assert "Почему" not in english.text


async def test_what_the_client_sent_is_escaped(provider: Provider) -> None:
    handle = _record(provider, found='<script>alert("x")</script>', unknown_key="<b>bold</b>")
    html = (await provider.http.get(f"/esia/diagnoses/{handle}")).text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>bold</b>" not in html and "unknown_key" in html


@pytest.mark.parametrize(
    "handle",
    ["0123456789ab", "0123456789AB", "0123456789a", "0123456789abc", "..%2F..%2Fadmin", "%00%00"],
)
async def test_an_unknown_or_malformed_handle_is_404(provider: Provider, handle: str) -> None:
    _record(provider, expected=EXPECTED)
    response = await provider.http.get(f"/esia/diagnoses/{handle}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert EXPECTED not in response.text


async def test_outside_dev_mode_the_page_does_not_exist(make_db: Callable[..., str]) -> None:
    from idp.main import create_app

    strong = {
        name: secrets.token_urlsafe(48)
        for name in (
            "key_encryption_key",
            "client_secret_pepper",
            "personal_data_key",
            "cookie_key",
            "code_hash_key",
        )
    }
    app = create_app(
        idp_settings(make_db("idp"), dev_mode=False, issuer="https://idp.example.test", **strong)
    )
    async with running(app) as http:
        with app.state.session_factory() as session:
            handle = diagnostics.record(session, "EGISZ", "te", EsiaError("ESIA-007053")).handle
            session.commit()
        response = await http.get(f"/esia/diagnoses/{handle}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"  # as an unknown address
        assert (await http.get("/esia/no-such-page")).json()["code"] == "not_found"
        assert "clientSecretWrong" not in response.text


async def test_the_time_is_local_with_its_zone_not_utc(provider: Provider) -> None:
    """Issue 10 item 3: ДД.ММ.ГГГГ and the local zone (the timezone setting, Europe/Moscow), never UTC."""
    handle = _record(provider, expected=EXPECTED)
    with provider.app.state.session_factory() as session:
        row = admin.diagnosis(session, handle)
        row.created_at = dt.datetime(2026, 12, 2, 7, 30, tzinfo=dt.UTC)
        session.commit()
    html = (await provider.http.get(f"/esia/diagnoses/{handle}")).text
    assert "02.12.2026 10:30 MSK" in html
    assert "UTC" not in html.replace(EXPECTED, "")
