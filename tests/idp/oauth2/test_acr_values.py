"""OIDC Core §3.1.2.1 ``acr_values`` and §5.5.1.1 the essential ``acr`` claim (oauth2/acr.py): a
session below the requested level steps up; what cannot be reached is voluntary → the acr reached,
essential → ``unmet_authentication_requirements``."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp

from idp.second_factor import totp
from shared.db import utcnow
from tests.idp.conftest import CITIZEN, PASSWORD, Provider, _csrf, callback_params, decode

MFA = "urn:idp:acr:mfa"
PWD = "urn:idp:acr:pwd"


def essential(*values: str) -> str:
    return json.dumps({"id_token": {"acr": {"essential": True, "values": list(values)}}})


async def id_token_of(provider: Provider, response: httpx.Response) -> dict[str, object]:
    query = callback_params(response)
    assert "code" in query, query
    body = (await provider.exchange(query["code"])).json()
    return decode(body["id_token"], await provider.jwks())


def enroll_totp(provider: Provider) -> list[str]:
    """The citizen gets an authenticator app; returns the recovery codes (the logins below use
    them: two app codes within one 30-second step would be a replay)."""
    app = provider.app
    with app.state.session_factory() as session:
        from idp.accounts.service import account_by_sub

        account = account_by_sub(session, provider.account_sub)
        assert account is not None
        started = totp.begin_totp_enrollment(
            session, account.id, app.state.field_cipher, "idp", "anna", utcnow()
        )
        recovery = totp.confirm_totp_enrollment(
            session, account.id, pyotp.TOTP(started.secret).now(), app.state.field_cipher, utcnow()
        )
        session.commit()
    return recovery


async def password_then_code(
    provider: Provider, start: httpx.Response, code: str | None, trust: bool = False
) -> httpx.Response:
    """From a redirect to /login: the password, then (when asked) the code; back to the RP."""
    location = start.headers["location"]
    assert location.startswith("/login?"), location
    page = await provider.http.get(location)
    handle = parse_qs(urlsplit(location).query)["i"][0]
    response = await provider.http.post(
        "/login",
        data={
            "login": CITIZEN.email or "",
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
            "interaction": handle,
        },
    )
    location = response.headers["location"]
    provider.extras["asked_for_code"] = location.startswith("/login/code")
    if provider.extras["asked_for_code"]:
        assert code is not None, "a code was asked for"
        page = await provider.http.get(location)
        match = re.search(r'name="p" value="([^"]+)"', page.text)
        assert match
        form = {"p": match.group(1), "code": code, "csrf_token": _csrf(page.text)}
        response = await provider.http.post(
            "/login/code", data={**form, **({"trust": "yes"} if trust else {})}
        )
        assert response.status_code in (302, 303), response.text
    for _ in range(5):  # /authorize/resume (and consent, the first time) → back to the RP
        location = response.headers["location"]
        if not location.startswith("/"):
            return response
        response = await provider.http.get(location)
        if location.startswith("/consent"):
            handle = parse_qs(urlsplit(location).query)["i"][0]
            form = {"decision": "allow", "csrf_token": _csrf(response.text), "interaction": handle}
            response = await provider.http.post("/consent", data=form)
    raise AssertionError("too many hops")


async def test_acr_values_unknown_is_voluntary_and_the_token_says_what_was_reached(
    provider: Provider,
) -> None:
    claims = decode(
        (await provider.tokens(acr_values="urn:elsewhere:gold"))["id_token"], await provider.jwks()
    )
    assert claims["acr"] == PWD


async def test_acr_values_pwd_is_satisfied_by_the_password_session(provider: Provider) -> None:
    await provider.tokens()
    response = await provider.http.get("/authorize", params=provider.auth_params(acr_values=f"{PWD} {MFA}"))
    assert (await id_token_of(provider, response))["acr"] == PWD  # no new login


async def test_acr_values_mfa_with_prompt_none_is_login_required(provider: Provider) -> None:
    await provider.tokens()
    params = provider.auth_params(acr_values=MFA, prompt="none")
    query = callback_params(await provider.http.get("/authorize", params=params))
    assert query["error"] == "login_required"


async def test_acr_values_mfa_steps_up_a_password_session_with_a_code(provider: Provider) -> None:
    await provider.tokens()  # a password session (no second factor yet)
    recovery = enroll_totp(provider)
    start = await provider.http.get("/authorize", params=provider.auth_params(acr_values=MFA))
    back = await password_then_code(provider, start, recovery[0])
    assert provider.extras["asked_for_code"]
    claims = await id_token_of(provider, back)
    assert claims["acr"] == MFA and "mfa" in claims["amr"]  # type: ignore[operator]


async def test_acr_values_mfa_asks_for_the_code_even_on_a_trusted_device(provider: Provider) -> None:
    recovery = enroll_totp(provider)
    first = await provider.http.get("/authorize", params=provider.auth_params())
    await password_then_code(provider, first, recovery[1], trust=True)
    # a trusted device: a plain login is a password login without a code
    again = await provider.http.get("/authorize", params=provider.auth_params(prompt="login"))
    plain = await password_then_code(provider, again, None)
    assert not provider.extras["asked_for_code"]
    assert (await id_token_of(provider, plain))["acr"] == PWD
    # the relying party asks for mfa: the code is asked for again
    step_up = await provider.http.get("/authorize", params=provider.auth_params(acr_values=MFA))
    back = await password_then_code(provider, step_up, recovery[0])
    assert provider.extras["asked_for_code"]
    assert (await id_token_of(provider, back))["acr"] == MFA


async def test_acr_values_mfa_unreachable_gives_the_acr_reached(provider: Provider) -> None:
    """No second factor set up: after the login asked for, the voluntary request gets pwd."""
    await provider.tokens()
    start = await provider.http.get("/authorize", params=provider.auth_params(acr_values=MFA))
    back = await password_then_code(provider, start, None)
    assert (await id_token_of(provider, back))["acr"] == PWD


async def test_essential_acr_unknown_is_unmet_authentication_requirements(provider: Provider) -> None:
    params = provider.auth_params(claims=essential("urn:elsewhere:gold"))
    query = callback_params(await provider.http.get("/authorize", params=params))
    assert query["error"] == "unmet_authentication_requirements"
    assert query["error_description"] == "None of the essential acr values is supported."


async def test_essential_acr_mfa_unreachable_is_unmet_after_the_login(provider: Provider) -> None:
    await provider.tokens()
    start = await provider.http.get("/authorize", params=provider.auth_params(claims=essential(MFA)))
    back = await password_then_code(provider, start, None)
    assert callback_params(back)["error"] == "unmet_authentication_requirements"


async def test_essential_acr_value_pwd_is_met_by_a_password_session(provider: Provider) -> None:
    claims = json.dumps({"id_token": {"acr": {"essential": True, "value": PWD}}})
    id_token = decode((await provider.tokens(claims=claims))["id_token"], await provider.jwks())
    assert id_token["acr"] == PWD


async def test_essential_acr_pwd_after_an_mfa_login_carries_the_requested_value(provider: Provider) -> None:
    """§5.5.1.1: "MUST return an acr Claim Value that matches one of the requested values"."""
    recovery = enroll_totp(provider)
    start = await provider.http.get("/authorize", params=provider.auth_params(claims=essential(PWD)))
    back = await password_then_code(provider, start, recovery[0])
    assert (await id_token_of(provider, back))["acr"] == PWD
    mfa = await provider.http.get("/authorize", params=provider.auth_params())
    assert (await id_token_of(provider, mfa))["acr"] == MFA
