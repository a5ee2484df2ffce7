"""Login pages and sessions: headers, CSRF, cookies, wrong credentials, idle timeout, consent memory."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from idp.sessions.models import UserSession
from tests.idp.conftest import Provider, callback_params


async def _login_page(provider: Provider) -> tuple[str, str, str]:
    response = await provider.http.get("/authorize", params=provider.auth_params())
    location = response.headers["location"]
    page = await provider.http.get(location)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return location.split("i=")[1], token.group(1), page.text


async def test_login_page_headers_and_autocomplete(provider: Provider) -> None:
    response = await provider.http.get("/authorize", params=provider.auth_params())
    page = await provider.http.get(response.headers["location"])
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert 'autocomplete="username"' in page.text and 'autocomplete="current-password"' in page.text
    assert "<script" not in page.text  # works without JavaScript
    assert 'for="login"' in page.text and 'for="password"' in page.text
    csrf_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in csrf_cookie and "SameSite=lax" in csrf_cookie


async def test_wrong_password_and_unknown_login_get_the_same_message(provider: Provider) -> None:
    handle, token, _ = await _login_page(provider)
    texts = []
    for login, password in (("anna@example.test", "wrong"), ("nobody@example.test", "Correct-Horse-9")):
        response = await provider.http.post(
            "/login", data={"login": login, "password": password, "csrf_token": token, "interaction": handle}
        )
        assert response.status_code == 401
        texts.append(re.sub(r'value="[^"]*"', "", response.text))
        assert "Неверный логин или пароль" in response.text
    assert texts[0].count("Неверный логин или пароль") == texts[1].count("Неверный логин или пароль") == 1


async def test_login_without_csrf_token_is_refused(provider: Provider) -> None:
    handle, _, _ = await _login_page(provider)
    response = await provider.http.post(
        "/login",
        data={
            "login": "anna@example.test",
            "password": "Correct-Horse-9",
            "csrf_token": "forged",
            "interaction": handle,
        },
    )
    assert response.status_code == 400
    assert "idp_session" not in response.headers.get("set-cookie", "")


async def test_successful_login_sets_a_session_cookie_and_answers_303(provider: Provider) -> None:
    handle, token, _ = await _login_page(provider)
    response = await provider.http.post(
        "/login",
        data={
            "login": "anna@example.test",
            "password": "Correct-Horse-9",
            "csrf_token": token,
            "interaction": handle,
        },
    )
    assert response.status_code == 303  # RFC 9700 §4.12
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("idp_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http issuer in tests; https issuers get Secure
    with provider.app.state.session_factory() as session:
        stored = session.scalars(select(UserSession.cookie_hash)).one()
    assert cookie.split(";")[0].split("=", 1)[1] != stored  # only the hash is stored


async def test_idle_session_expires_with_a_message(provider: Provider) -> None:
    await provider.tokens()
    with provider.app.state.session_factory() as session:
        session.execute(
            update(UserSession).values(last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
        )
        session.commit()
    response = await provider.http.get("/authorize", params=provider.auth_params(prompt="none"))
    assert callback_params(response)["error"] == "login_required"
    page = await provider.http.get("/login")
    assert "Сессия истекла" in page.text


async def test_absolute_timeout_ends_an_active_session(provider: Provider) -> None:
    await provider.tokens()
    with provider.app.state.session_factory() as session:
        session.execute(
            update(UserSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()
    response = await provider.http.get("/authorize", params=provider.auth_params(prompt="none"))
    assert callback_params(response)["error"] == "login_required"


async def test_consent_is_remembered_per_client_and_scope_set(provider: Provider) -> None:
    await provider.tokens(scope="openid profile")
    same = await provider.http.get("/authorize", params=provider.auth_params(scope="openid profile"))
    assert "code" in callback_params(same)
    wider = await provider.http.get("/authorize", params=provider.auth_params(scope="openid profile phone"))
    assert wider.headers["location"].startswith("/consent?")
    forced = await provider.http.get(
        "/authorize", params=provider.auth_params(scope="openid", prompt="consent")
    )
    assert forced.headers["location"].startswith("/consent?")


async def test_consent_page_names_the_client_and_scopes_in_plain_words(provider: Provider) -> None:
    await provider.tokens(scope="openid")
    response = await provider.http.get("/authorize", params=provider.auth_params(scope="openid email snils"))
    page = await provider.http.get(response.headers["location"])
    assert "Поликлиника онлайн" in page.text
    assert "Адрес электронной почты" in page.text and "СНИЛС" in page.text
    assert page.headers["x-frame-options"] == "DENY"


async def test_language_switch_on_the_page(provider: Provider) -> None:
    response = await provider.http.get("/authorize", params=provider.auth_params())
    page = await provider.http.get(response.headers["location"] + "&lang=en")
    assert "Sign in" in page.text
    assert "lang=ru" in page.text  # the switch back


async def test_html_in_fields_is_escaped(provider: Provider) -> None:
    handle, token, _ = await _login_page(provider)
    response = await provider.http.post(
        "/login",
        data={
            "login": '"><script>alert(1)</script>',
            "password": "x",
            "csrf_token": token,
            "interaction": handle,
        },
    )
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


async def test_expired_interaction_gets_a_clear_page(provider: Provider) -> None:
    page = await provider.http.get("/login?i=does-not-exist")
    assert page.status_code == 400 and "Запрос на вход устарел" in page.text
    resume = await provider.http.get("/authorize/resume?i=does-not-exist")
    assert resume.status_code == 400 and "location" not in resume.headers


async def test_an_error_response_releases_the_request_session(provider: Provider) -> None:
    """A handler that fails after reading the database must roll back and return its connection
    before the response (on SQLite a session left open would keep holding the write lock)."""
    from idp.clients.service import ClientSpec

    admin = provider.register(ClientSpec(client_id="admin-x", name="Admin", scopes=["admin"]))
    token = (
        await provider.http.post(
            "/token", data={"grant_type": "client_credentials", "scope": "admin"}, auth=admin.basic()
        )
    ).json()["access_token"]
    body = {"client_id": "rp-web", "name": "dup", "grant_types": ["client_credentials"], "scopes": []}
    response = await provider.http.post(
        "/admin/clients", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 409  # raised after the lookup, inside the request's transaction
    assert provider.app.state.engine.pool.checkedout() == 0


async def test_login_degrades_when_the_notifier_is_unreachable(provider: Provider) -> None:
    """Issue 4 §8: no notifier (nothing listens on its port here): the code page explains, no 500."""
    from idp.accounts.service import NewAccount, create_account

    with provider.app.state.session_factory() as session:
        create_account(
            session,
            provider.app.state.field_cipher,
            NewAccount(
                last_name="Орлова",
                first_name="Вера",
                email="vera@example.test",
                phone="+79165550011",
                password="Correct-Horse-9",
                phone_verified=True,
            ),
        )
        session.commit()
    page = await provider.http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = await provider.http.post(
        "/login",
        data={"login": "vera@example.test", "password": "Correct-Horse-9", "csrf_token": token.group(1)},
    )
    assert response.status_code == 303 and "problem=notifier" in response.headers["location"]
    code_page = await provider.http.get(response.headers["location"])
    assert code_page.status_code == 200
    assert "Код не отправлен: служба доставки сообщений не ответила." in code_page.text
    assert "Код отправлен" not in code_page.text  # issue 9: never both


def test_the_login_rate_limit_is_shared_through_redis() -> None:
    """IDP_REDIS_URL: two replicas count against one window (the Redis on 127.0.0.1:6379)."""
    import uuid

    from idp.login.throttle import LoginThrottle

    ip = f"10.0.0.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    one = LoginThrottle("3/minute", "redis://127.0.0.1:6379/0")
    two = LoginThrottle("3/minute", "redis://127.0.0.1:6379/0")
    assert [one.allow(ip, "login"), two.allow(ip, "login"), one.allow(ip, "login")] == [True, True, True]
    assert two.allow(ip, "login") is False and one.allow(ip, "login") is False
    assert 1 <= one.retry_after(ip, "login") <= 60
    alone = LoginThrottle("3/minute")  # memory: a third instance counts alone
    assert alone.allow(ip, "login") is True
