"""Bank ID brokered login (issue 15 item 3) against a real third-party OpenID provider
(panva's oidc-provider, tests/bank_provider/) over real HTTP: link by a verified SNILS, a phone
match confirmed by the account's password, prefilled registration, an unverified SNILS, state
and code mix-ups, a bank that says no, is down or is slow. docs/bank-id.md."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from idp.accounts.service import NewAccount, create_account
from idp.audit.models import SecurityEvent
from idp.brokering.models import BankLink
from idp.dependencies import SESSION_COOKIE
from idp.sessions.models import UserSession
from tests.conftest import running
from tests.idp.brokering.conftest import Bank, BankBrowser, csrf_of
from tests.idp.conftest import CITIZEN, PASSWORD


def _add(app: FastAPI, account: NewAccount) -> int:
    with app.state.session_factory() as session:
        created = create_account(session, app.state.field_cipher, account)
        session.commit()
        return created.id


def _events(app: FastAPI, event_type: str) -> list[SecurityEvent]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(SecurityEvent).where(SecurityEvent.event_type == event_type)))


def _links(app: FastAPI) -> list[BankLink]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(BankLink)))


def _account(app: FastAPI, account_id: int) -> Any:
    from idp.accounts.models import Account

    with app.state.session_factory() as session:
        account = session.get(Account, account_id)
        session.expunge_all()
        return account


def _session_of(app: FastAPI, account_id: int) -> UserSession:
    with app.state.session_factory() as session:
        found = session.scalars(select(UserSession).where(UserSession.account_id == account_id)).first()
        assert found is not None
        session.expunge_all()
        return found


async def test_a_verified_snils_links_the_account_and_signs_in(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, _ = bank_idp
    account_id = _add(app, CITIZEN)
    response = await browser.login("citizen")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account"
    assert SESSION_COOKIE in response.cookies
    [link] = _links(app)
    assert (link.account_id, link.bank, link.subject, link.linked_by) == (
        account_id,
        "testbank",
        "citizen",
        "snils",
    )
    session = _session_of(app, account_id)
    assert (session.acr, session.amr) == ("urn:idp:acr:pwd", ["fed"])
    # the bank checked the SNILS and the phone: the registry check passed, the phone is confirmed
    account = _account(app, account_id)
    assert (account.registry_status, account.phone_verified, account.level) == ("passed", True, "standard")
    [changed] = _events(app, "level_changed")
    assert changed.details["by"] == "bank:testbank"
    assert changed.details["bank_name"] == "Тест-Банк"
    assert changed.details["to"] == "standard"
    [linked] = _events(app, "bank_linked")
    assert linked.details == {"bank": "testbank", "bank_name": "Тест-Банк", "linked_by": "snils"}
    [login] = _events(app, "login_succeeded")
    assert login.details["method"] == "bank" and login.details["amr"] == ["fed"]


async def _other_browser(app: FastAPI) -> httpx.AsyncClient:
    """A second browser on the same running idp (its own cookies)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_linked_person_goes_straight_in_next_time(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, _ = bank_idp
    account_id = _add(app, CITIZEN)
    assert (await browser.login("citizen")).status_code == 303
    async with await _other_browser(app) as http:
        later = BankBrowser(http)
        try:
            response = await later.login("citizen")
        finally:
            await later.aclose()
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert SESSION_COOKIE in response.cookies
    [link] = _links(app)  # still the one link
    assert link.account_id == account_id and link.last_used_at is not None
    assert len(_events(app, "bank_linked")) == 1
    assert len(_events(app, "login_succeeded")) == 2


async def test_the_login_continues_the_parked_authorization_request(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, _ = bank_idp
    _add(app, CITIZEN)
    response = await browser.back(await browser.to_bank("citizen", next="/account/security"))
    assert response.status_code == 303 and response.headers["location"] == "/account/security"


async def test_a_bank_verified_phone_links_only_after_the_account_password(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, http = bank_idp
    owner = NewAccount(
        last_name="Кузнецов", first_name="Павел", password=PASSWORD, phone="+79165550001", phone_verified=True
    )
    account_id = _add(app, owner)
    response = await browser.login("phone-only")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login/bank/phone?s=")
    assert SESSION_COOKIE not in response.cookies
    page = await http.get(location)
    assert page.status_code == 200 and "+79165550001" in page.text
    state = parse_qs(urlsplit(location).query)["s"][0]
    wrong = await http.post(
        "/login/bank/phone",
        data={"state": state, "password": "Wrong-Horse-1", "csrf_token": csrf_of(page.text)},
    )
    assert wrong.status_code == 401 and "Неверный пароль" in wrong.text
    assert _links(app) == []  # nothing linked on a wrong password
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["wrong_credentials"]
    right = await http.post(
        "/login/bank/phone", data={"state": state, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert right.status_code == 303 and right.headers["location"] == "/account"
    assert SESSION_COOKIE in right.cookies
    [link] = _links(app)
    assert (link.account_id, link.linked_by) == (account_id, "phone")
    # the form is spent: posting it again is refused
    again = await http.post(
        "/login/bank/phone", data={"state": state, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert again.status_code == 400


async def test_the_phone_form_is_not_another_browsers(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, _ = bank_idp
    _add(
        app,
        NewAccount(
            last_name="К", first_name="П", password=PASSWORD, phone="+79165550001", phone_verified=True
        ),
    )
    location = (await browser.login("phone-only")).headers["location"]
    async with await _other_browser(app) as thief:
        assert (await thief.get(location)).status_code == 400
        own_token = csrf_of((await thief.get("/login")).text)  # a valid token of the thief's own
        state = parse_qs(urlsplit(location).query)["s"][0]
        posted = await thief.post(
            "/login/bank/phone", data={"state": state, "password": PASSWORD, "csrf_token": own_token}
        )
    assert posted.status_code == 400
    assert _links(app) == []


REGISTRATION = {
    "email": "olga@example.test",
    "passport_series": "4514",
    "passport_number": "555666",
    "passport_issue_date-day": "10",
    "passport_issue_date-month": "04",
    "passport_issue_date-year": "2012",
    "passport_issuer": "ОУФМС России по г. Москве",
    "passport_division_code": "770-001",
    "password": "Sunny-Meadow-Road-42",
}


async def test_nobody_matching_gets_a_registration_prefilled_from_the_bank(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, http = bank_idp
    response = await browser.login("newcomer")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login/bank/register?s=")
    page = await http.get(location)
    assert page.status_code == 200
    for prefilled in ('value="Новикова"', 'value="Ольга"', 'value="Петровна"', 'value="1992"'):
        assert prefilled in page.text
    # what the bank confirmed is shown, not a field the person could change
    assert "123-456-789 64" in page.text and 'name="snils"' not in page.text
    assert 'name="phone"' not in page.text
    state = parse_qs(urlsplit(location).query)["s"][0]
    form = {
        "state": state,
        "csrf_token": csrf_of(page.text),
        "last_name": "Новикова",
        "first_name": "Ольга",
        "middle_name": "Петровна",
        "birth_date-day": "08",
        "birth_date-month": "03",
        "birth_date-year": "1992",
        # a SNILS typed into the form anyway is not taken: the bank's is
        "snils": "112-233-445 95",
        **REGISTRATION,
    }
    done = await http.post("/login/bank/register", data=form)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/account" and SESSION_COOKIE in done.cookies
    [link] = _links(app)
    assert (link.subject, link.linked_by) == ("newcomer", "registration")
    account = _account(app, link.account_id)
    assert (account.phone, account.phone_verified) == ("+79165550002", True)
    assert account.level == "standard"
    with app.state.session_factory() as session:
        from idp.accounts.service import find_by_snils

        owner = find_by_snils(session, app.state.field_cipher, "12345678964")
        assert owner is not None and owner.id == link.account_id
    [registered] = _events(app, "registered")
    assert registered.details["bank"] == "testbank"


async def test_a_registration_form_with_errors_keeps_the_login_waiting(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, http = bank_idp
    location = (await browser.login("newcomer")).headers["location"]
    page = await http.get(location)
    state = parse_qs(urlsplit(location).query)["s"][0]
    refused = await http.post(
        "/login/bank/register",
        data={"state": state, "csrf_token": csrf_of(page.text), "last_name": "Новикова"},
    )
    assert refused.status_code == 422
    assert 'value="Новикова"' in refused.text
    assert _links(app) == [] and _events(app, "registered") == []
    assert (await http.get(location)).status_code == 200  # still waiting for the form


async def test_an_unverified_snils_never_links_and_is_logged(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, http = bank_idp
    _add(app, CITIZEN)  # has the SNILS the bank did not check
    response = await browser.login("unverified")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login/bank/register?s=")
    assert SESSION_COOKIE not in response.cookies
    assert _links(app) == []
    [event] = _events(app, "bank_identity_unverified")
    assert event.details == {"bank": "testbank", "reason": "snils_unverified"}
    page = await http.get(location)
    assert "Банк не подтвердил ваш СНИЛС" in page.text
    # the unverified SNILS is only a suggestion in an editable field
    assert 'name="snils"' in page.text


async def test_a_made_up_state_is_refused(bank_idp: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = bank_idp
    response = await http.get("/login/bank/callback", params={"state": "made-up", "code": "x"})
    assert response.status_code == 400
    assert "Ответ банка не относится к этому входу" in response.text
    [event] = _events(app, "login_failed")
    assert event.details == {"method": "bank", "bank": None, "reason": "state_mismatch"}


async def test_a_replayed_callback_is_refused(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, _ = bank_idp
    _add(app, CITIZEN)
    callback = await browser.to_bank("citizen")
    assert (await browser.back(callback)).status_code == 303
    replay = await browser.back(callback)
    assert replay.status_code == 400
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["state_mismatch"]


async def test_a_callback_opened_in_another_browser_is_refused(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    """Login CSRF: an attacker's own bank answer sent to a victim must not sign the victim in."""
    app, _ = bank_idp
    _add(app, CITIZEN)
    callback = await browser.to_bank("citizen")
    async with await _other_browser(app) as victim:
        parts = urlsplit(callback)
        response = await victim.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 400 and SESSION_COOKIE not in response.cookies
    assert _links(app) == []


async def test_a_code_from_another_login_is_refused_by_pkce(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    """Code injection: login A's code delivered with login B's state. B's PKCE verifier does not
    match A's challenge, so the bank refuses the exchange (and B's nonce would not match either)."""
    app, _ = bank_idp
    _add(app, CITIZEN)
    first = parse_qs(urlsplit(await browser.to_bank("citizen")).query)
    second = parse_qs(urlsplit(await browser.to_bank("citizen")).query)
    response = await browser.idp.get(
        "/login/bank/callback", params={"state": second["state"][0], "code": first["code"][0]}
    )
    assert response.status_code == 502
    assert _links(app) == []
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["bank_error"]


async def test_an_answer_naming_another_issuer_is_refused(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    """RFC 9207: the mix-up attack — an answer that says it comes from another issuer."""
    app, _ = bank_idp
    _add(app, CITIZEN)
    query = parse_qs(urlsplit(await browser.to_bank("citizen")).query)
    response = await browser.idp.get(
        "/login/bank/callback",
        params={"state": query["state"][0], "code": query["code"][0], "iss": "https://evil.example.test"},
    )
    assert response.status_code == 400
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["issuer_mismatch"]
    assert _links(app) == []


async def test_the_banks_error_is_a_clear_page(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    app, _ = bank_idp
    query = parse_qs(urlsplit(await browser.to_bank("citizen")).query)
    response = await browser.idp.get(
        "/login/bank/callback", params={"state": query["state"][0], "error": "access_denied"}
    )
    assert response.status_code == 400 and "Вход в банке отменён" in response.text
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["bank_denied"]


async def test_a_bank_that_is_down_is_a_clear_page(make_idp: Callable[..., FastAPI], bank: Bank) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens once closed
    app = make_idp([bank.provider(issuer=closed)])
    async with running(app) as http:
        response = await http.get("/login/bank/start", params={"bank": "testbank"})
    assert response.status_code == 503
    assert "Банк сейчас не отвечает" in response.text
    [event] = _events(app, "login_failed")
    assert event.details == {"method": "bank", "bank": "testbank", "reason": "bank_unavailable"}


async def test_a_bank_that_does_not_answer_in_time_is_a_clear_page(
    make_idp: Callable[..., FastAPI], bank: Bank
) -> None:
    """A bank that accepts the connection and never answers: the timeout setting ends the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections queue in the backlog, nobody reads them
        issuer = f"http://127.0.0.1:{silent.getsockname()[1]}"
        app = make_idp([bank.provider(issuer=issuer)], bank_timeout=0.3)
        async with running(app) as http:
            response = await http.get("/login/bank/start", params={"bank": "testbank"})
    assert response.status_code == 503
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["bank_unavailable"]


async def test_an_unknown_bank_is_refused(bank_idp: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = bank_idp
    response = await http.get("/login/bank/start", params={"bank": "nobank"})
    assert response.status_code == 404 and "Такого банка нет" in response.text


async def test_the_login_page_offers_the_bank_in_both_languages(
    bank_idp: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, http = bank_idp
    assert "Войти через банк" in (await http.get("/login")).text
    choice = await http.get("/login/bank", params={"lang": "en"})
    assert choice.status_code == 200
    assert "Sign in with Test Bank" in choice.text and "/login/bank/start?bank=testbank" in choice.text


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


async def test_a_bank_login_slower_than_its_lifetime_is_refused(
    bank: Bank, make_db: Callable[..., str]
) -> None:
    from idp.main import create_app
    from tests.conftest import idp_settings

    clock = MovableClock()
    settings = idp_settings(
        make_db("idp"), issuer="http://testserver", bank_providers=[bank.provider()], bank_login_ttl=60
    )
    app = create_app(settings, clock)
    async with running(app) as http:
        _add(app, CITIZEN)
        browser = BankBrowser(http)
        try:
            callback = await browser.to_bank("citizen")
            clock.now += dt.timedelta(seconds=61)
            response = await browser.back(callback)
        finally:
            await browser.aclose()
    assert response.status_code == 400 and SESSION_COOKIE not in response.cookies
    assert [e.details["reason"] for e in _events(app, "login_failed")] == ["state_mismatch"]
    assert _links(app) == []


async def test_starting_bank_logins_is_rate_limited(bank: Bank, make_idp: Callable[..., FastAPI]) -> None:
    app = make_idp([bank.provider()], login_rate_limit="2/minute")
    async with running(app) as http:
        answers = [
            (await http.get("/login/bank/start", params={"bank": "testbank"})).status_code for _ in range(3)
        ]
    assert answers == [303, 303, 429]


async def test_a_relying_partys_login_through_the_bank_gets_fed_in_its_id_token(
    bank_idp: tuple[FastAPI, httpx.AsyncClient], browser: BankBrowser
) -> None:
    """The whole chain: a relying party's /authorize, «Войти через банк», the bank, the consent,
    the code at /token: the ID token says what was proven (amr ``fed``, acr pwd)."""
    from idp.clients.service import ClientSpec, register_client
    from tests.idp.conftest import decode, pkce

    app, http = bank_idp
    _add(app, CITIZEN)
    redirect = "https://rp.example.test/cb"
    with app.state.session_factory() as session:
        _, secret = register_client(
            session,
            app.state.secret_hasher,
            ClientSpec(
                client_id="rp-bank",
                name="Поликлиника",
                grant_types=["authorization_code"],
                scopes=["openid", "profile"],
                redirect_uris=[redirect],
            ),
        )
        session.commit()
    verifier, challenge = pkce()
    authorize = await http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": "rp-bank",
            "redirect_uri": redirect,
            "scope": "openid profile",
            "state": "rp-state",
            "nonce": "rp-nonce",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    login_location = authorize.headers["location"]
    handle = parse_qs(urlsplit(login_location).query)["i"][0]
    back = await browser.back(await browser.to_bank("citizen", i=handle))
    assert back.status_code == 303, back.text
    consent_location = (await http.get(back.headers["location"])).headers["location"]
    consent = await http.get(consent_location)
    decided = await http.post(
        "/consent", data={"decision": "allow", "csrf_token": csrf_of(consent.text), "interaction": handle}
    )
    location = decided.headers["location"]
    if location.startswith("/"):  # back through the resume route to the relying party
        location = (await http.get(location)).headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(redirect) and query["state"] == ["rp-state"]
    tokens = await http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        auth=("rp-bank", secret or ""),
    )
    assert tokens.status_code == 200, tokens.text
    jwks = (await http.get("/.well-known/jwks.json")).json()
    claims = decode(tokens.json()["id_token"], jwks, audience="rp-bank")
    assert (claims["amr"], claims["acr"], claims["nonce"]) == (["fed"], "urn:idp:acr:pwd", "rp-nonce")


async def test_private_key_jwt_at_the_bank_links_and_a_wrong_key_is_refused(
    bank: Bank, make_idp: Callable[..., FastAPI]
) -> None:
    """OIDC Core §9 private_key_jwt: the idp signs its token-endpoint assertion (RS256, kid) with
    the key the bank has registered; a key the bank does not know is refused there (invalid_client)
    and the login ends on a clear page with nothing linked."""
    from tests.idp.brokering.conftest import _rsa_pem

    app = make_idp([bank.jwt_provider()])
    async with running(app) as http:
        account_id = _add(app, CITIZEN)
        browser = BankBrowser(http)
        try:
            response = await browser.login("citizen")
        finally:
            await browser.aclose()
        assert response.status_code == 303, response.text
        [link] = _links(app)
        assert (link.account_id, link.linked_by) == (account_id, "snils")

    stranger_pem, _ = _rsa_pem()
    app = make_idp([bank.jwt_provider(private_key=stranger_pem)])
    async with running(app) as http:
        _add(app, CITIZEN)
        browser = BankBrowser(http)
        try:
            response = await browser.login("citizen")
        finally:
            await browser.aclose()
        assert response.status_code == 502 and SESSION_COOKIE not in response.cookies
        assert _links(app) == []
        assert [e.details["reason"] for e in _events(app, "login_failed")] == ["bank_error"]
