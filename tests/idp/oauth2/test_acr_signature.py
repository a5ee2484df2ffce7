"""Step-up to a signature (issue 11 item 5): a relying party asking for ``urn:idp:acr:sig`` or
``urn:idp:acr:qes`` sends the person to ``/login/signature`` even inside a password session; the
new tokens carry the higher ``acr``/``amr``; a level the signature cannot reach fails an essential
request with ``unmet_authentication_requirements`` and gives a voluntary one the level reached.
Real HTTP on the app, certificates from the demo PKI, signatures by ``openssl cms -sign``."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import httpx
import pytest

from idp.accounts.service import account_by_sub
from tests.idp.conftest import Provider, callback_params, decode
from tests.idp.oauth2.test_acr_values import essential, id_token_of
from tests.idp.pki import signature_login as sl

SIG = "urn:idp:acr:sig"
QES = "urn:idp:acr:qes"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> sl.LoginPki:
    # the provider runs on the wall clock: the PKI is valid around the real now
    return sl.build_pki(tmp_path_factory.mktemp("stepup-pki"), dt.datetime.now(dt.UTC), with_gost=False)


def account_id(provider: Provider) -> int:
    with provider.app.state.session_factory() as session:
        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        return account.id


async def signature_step(
    provider: Provider, start: httpx.Response, pki: sl.LoginPki, name: str
) -> httpx.Response:
    """From the /authorize redirect to /login/signature: sign, then follow back to the RP."""
    location = start.headers["location"]
    assert urlsplit(location).path == "/login/signature", location
    response = await sl.sign_in(provider.http, pki, name, location)
    assert response.status_code == 303, response.text[:3000]
    for _ in range(5):
        location = response.headers["location"]
        if not location.startswith("/"):
            return response
        response = await provider.http.get(location)
        assert response.status_code in (302, 303), response.text[:3000]
    raise AssertionError("too many hops")


async def prepare(provider: Provider, pki: sl.LoginPki) -> None:
    """A password session with consent given, the УНЭП bound, the CAs trusted."""
    sl.trust_pki(provider.app, pki)
    sl.bind(provider.app, account_id(provider), pki, "ues")
    first = await id_token_of(provider, await provider.login(provider.auth_params()))
    assert first["acr"] == "urn:idp:acr:pwd"


async def test_acr_values_sig_steps_a_password_session_up_to_a_signature(
    provider: Provider, pki: sl.LoginPki
) -> None:
    await prepare(provider, pki)
    start = await provider.http.get("/authorize", params=provider.auth_params(acr_values=SIG))
    page = await provider.http.get(start.headers["location"])
    assert "просит подтвердить вход электронной подписью" in page.text
    back = await signature_step(provider, start, pki, "ues")
    claims = await id_token_of(provider, back)
    assert claims["acr"] == SIG and claims["amr"] == ["swk"]
    assert claims["sub"] == provider.account_sub
    # the session is at sig now: a second request for it needs no new signature
    again = await provider.http.get("/authorize", params=provider.auth_params(acr_values=SIG))
    assert "code" in callback_params(again)


async def test_essential_qes_with_an_unqualified_signature_is_unmet(
    provider: Provider, pki: sl.LoginPki
) -> None:
    await prepare(provider, pki)
    start = await provider.http.get("/authorize", params=provider.auth_params(claims=essential(QES)))
    page = await provider.http.get(start.headers["location"])
    assert "квалифицированной электронной подписью" in page.text
    back = await signature_step(provider, start, pki, "ues")
    assert callback_params(back)["error"] == "unmet_authentication_requirements"


async def test_voluntary_qes_with_an_unqualified_signature_gets_the_acr_reached(
    provider: Provider, pki: sl.LoginPki
) -> None:
    await prepare(provider, pki)
    start = await provider.http.get("/authorize", params=provider.auth_params(acr_values=QES))
    back = await signature_step(provider, start, pki, "ues")
    assert (await id_token_of(provider, back))["acr"] == SIG


async def test_essential_qes_with_a_qualified_signature(provider: Provider, pki: sl.LoginPki) -> None:
    await prepare(provider, pki)
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": [SIG, QES]}}})
    start = await provider.http.get("/authorize", params=provider.auth_params(claims=claims, prompt="login"))
    back = await signature_step(provider, start, pki, "qes")  # first use: bound by the КЭП's SNILS
    token = await id_token_of(provider, back)
    assert token["acr"] == QES and token["amr"] == ["hwk"]


async def test_signature_of_another_person_does_not_step_up_this_one(
    provider: Provider, pki: sl.LoginPki
) -> None:
    """Someone else's certificate (bound to nobody here) cannot be used to lift the session."""
    await prepare(provider, pki)
    start = await provider.http.get("/authorize", params=provider.auth_params(claims=essential(SIG)))
    response = await sl.sign_in(provider.http, pki, "ues_other", start.headers["location"])
    assert response.status_code == 401
    assert "не привязан ни к одной учётной записи" in response.text


async def test_the_login_page_of_a_signature_request_links_to_the_signature_page(
    provider: Provider, pki: sl.LoginPki
) -> None:
    start = await provider.http.get("/authorize", params=provider.auth_params(acr_values=SIG))
    location = start.headers["location"]
    handle = location.split("i=")[1]
    signature_page = await provider.http.get(location)
    assert f'href="/login?i={handle}"' in signature_page.text  # the password way stays open
    login_page = await provider.http.get(f"/login?i={handle}")
    assert f'href="/login/signature?i={handle}"' in login_page.text


async def test_the_access_token_after_a_signature_carries_the_acr_egisz_requires(
    provider: Provider, pki: sl.LoginPki
) -> None:
    """egisz_api's medical writes need ``acr`` ≥ ``urn:idp:acr:sig`` in the *access* token (RFC 9068
    §2.2.1; docs/fhir.md «Signed writes»), not only in the ID token."""
    await prepare(provider, pki)
    start = await provider.http.get("/authorize", params=provider.auth_params(acr_values=SIG))
    back = await signature_step(provider, start, pki, "ues")
    body = (await provider.exchange(callback_params(back)["code"])).json()
    access = decode(body["access_token"], await provider.jwks())
    assert access["acr"] == SIG and access["amr"] == ["swk"] and isinstance(access["auth_time"], int)
