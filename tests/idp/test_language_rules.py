"""Which language a page speaks (issue 10 item 5), one test per rule: the relying party's
``ui_locales`` wins for the pages of its interaction — login, code and consent — and only there;
the ``idp_lang`` cookie is written only when the person chooses with the switch; then the
browser's ``Accept-Language`` by q-value; then Russian."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.web.texts import preferred_language as accept_language
from tests.idp.conftest import CITIZEN, PASSWORD, Provider, _csrf
from tests.idp.oauth2.test_acr_values import MFA, enroll_totp


def lang_of(html: str) -> str:
    match = re.search(r'<html lang="(\w+)"', html)
    assert match, html[:500]
    return match.group(1)


async def test_ui_locales_beats_the_cookie_on_login_code_and_consent_pages(provider: Provider) -> None:
    recovery = enroll_totp(provider)  # a code page follows the password
    http = provider.http
    http.cookies.set("idp_lang", "ru")
    start = await http.get("/authorize", params=provider.auth_params(ui_locales="en", acr_values=MFA))
    login_url = start.headers["location"]
    page = await http.get(login_url, headers={"Accept-Language": "ru"})
    assert lang_of(page.text) == "en"
    handle = parse_qs(urlsplit(login_url).query)["i"][0]
    posted = await http.post(
        "/login",
        data={
            "login": CITIZEN.email,
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
            "interaction": handle,
        },
    )
    code_url = posted.headers["location"]
    assert code_url.startswith("/login/code?")
    code_page = await http.get(code_url)
    assert lang_of(code_page.text) == "en"
    p = re.search(r'name="p" value="([^"]+)"', code_page.text)
    assert p
    wrong = await http.post(
        "/login/code", data={"p": p.group(1), "code": "000000", "csrf_token": _csrf(code_page.text)}
    )
    assert wrong.status_code == 400 and lang_of(wrong.text) == "en"  # the answer to a post too
    done = await http.post(
        "/login/code", data={"p": p.group(1), "code": recovery[0], "csrf_token": _csrf(code_page.text)}
    )
    location = done.headers["location"]
    for _ in range(5):  # /authorize/resume → /consent
        if location.startswith("/consent"):
            break
        location = (await http.get(location)).headers["location"]
    assert location.startswith("/consent?")
    assert lang_of((await http.get(location)).text) == "en"


async def test_ui_locales_holds_only_for_its_interaction(provider: Provider) -> None:
    http = provider.http
    http.cookies.set("idp_lang", "ru")
    start = await http.get("/authorize", params=provider.auth_params(ui_locales="en"))
    assert lang_of((await http.get(start.headers["location"])).text) == "en"
    assert lang_of((await http.get("/login")).text) == "ru"  # a page of no interaction: the cookie
    assert lang_of((await http.get("/register")).text) == "ru"


async def test_the_switch_on_a_page_beats_ui_locales_for_that_page(provider: Provider) -> None:
    start = await provider.http.get("/authorize", params=provider.auth_params(ui_locales="en"))
    chosen = await provider.http.get(start.headers["location"] + "&lang=ru")
    assert lang_of(chosen.text) == "ru"


async def test_the_cookie_is_written_only_when_the_person_chooses(provider: Provider) -> None:
    http = provider.http
    for path in ("/login", "/register", "/recover", "/"):
        response = await http.get(path, headers={"Accept-Language": "en"})
        assert "idp_lang" not in response.headers.get("set-cookie", ""), path
    start = await http.get("/authorize", params=provider.auth_params(ui_locales="en"))
    page = await http.get(start.headers["location"])
    assert "idp_lang" not in page.headers.get("set-cookie", "")  # ui_locales is not a choice
    chosen = await http.get("/login?lang=en")
    assert "idp_lang=en" in chosen.headers.get("set-cookie", "")
    # remembered: it beats the browser's languages on the next page
    assert lang_of((await http.get("/login", headers={"Accept-Language": "ru"})).text) == "en"


async def test_a_nonsense_lang_sets_no_cookie_and_changes_nothing(provider: Provider) -> None:
    response = await provider.http.get("/login?lang=xx", headers={"Accept-Language": "en"})
    assert lang_of(response.text) == "en"
    assert "idp_lang" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("ru;q=0.5, en;q=0.9", "en"),  # the q-values rank, not the order
        ("fr-FR, de;q=0.9, en;q=0.1", "en"),  # the best *supported* language
        ("en;q=0, ru;q=0.1", "ru"),  # q=0: not English
        ("en;q=0", None),
        ("en;q=abc, ru;q=0.2", "ru"),  # a malformed q is ignored
        ("en;q=2", None),  # out of range
        ("en;q=nan", None),
        ("*", None),
        ("de, fr", None),
        ("", None),
        (None, None),
        ("EN-gb", "en"),
        ("en;q=0.8, ru;q=0.8", "en"),  # a tie: the order given
        (",,,;;;q=,=", None),
        ("de," * 2000 + "en", None),  # past the first entries nothing more is read
    ],
)
def test_accept_language_is_ranked_by_q_value(header: str | None, expected: str | None) -> None:
    assert accept_language(header) == expected


async def test_accept_language_picks_the_page_language_when_nothing_else_does(provider: Provider) -> None:
    response = await provider.http.get("/login", headers={"Accept-Language": "ru;q=0.4, en-GB;q=0.8"})
    assert lang_of(response.text) == "en"


async def test_russian_without_any_hint(provider: Provider) -> None:
    response = await provider.http.get("/login", headers={"Accept-Language": "de-DE, fr;q=0.5"})
    assert lang_of(response.text) == "ru"
    bare = await provider.http.get("/login", headers={"Accept-Language": ""})
    assert lang_of(bare.text) == "ru"


async def test_no_page_of_the_signed_in_person_or_error_page_remembers_a_language_unasked(
    provider: Provider,
) -> None:
    """Every GET page of the cabinet, the policy and the error pages: the browser's language is
    followed (English here), and nothing is written until the person uses the switch."""
    http = provider.http
    page = await http.get("/login")
    signed = await http.post(
        "/login", data={"login": CITIZEN.email, "password": PASSWORD, "csrf_token": _csrf(page.text)}
    )
    assert signed.status_code == 303
    browser = {"Accept-Language": "en", "Accept": "text/html,*/*;q=0.8"}
    paths = [
        "/",
        "/account",
        "/account/key-data",
        "/account/contacts/phone",
        "/account/contacts/email",
        "/account/security",
        "/account/apps",
        "/account/signatures",
        "/account/events",
        "/login/signature",
        "/privacy",
        "/no-such-page",
        "/account/contacts/zzz",
    ]
    for path in paths:
        response = await http.get(path, headers=browser)
        assert response.status_code in (200, 404), path
        assert lang_of(response.text) == "en", path
        assert "idp_lang" not in response.headers.get("set-cookie", ""), path
    chosen = await http.get("/account/security?lang=ru", headers=browser)
    assert "idp_lang=ru" in chosen.headers.get("set-cookie", "")
    assert lang_of((await http.get("/account", headers=browser)).text) == "ru"
