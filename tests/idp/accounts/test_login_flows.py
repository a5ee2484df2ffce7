"""Login with a second factor, lockout, trusted devices and recovery (R-LOG-2/6/7, R-SEC-3),
each tried the way an attacker would."""

from __future__ import annotations

import asyncio
import re

import httpx
from jose import jwt
from sqlalchemy import func, select

from idp.audit.models import SecurityEvent
from tests.idp.accounts.conftest import PASSWORD, World, csrf, handle_of, login, submit_code

PHONE = "+79167778899"
EMAIL = "maria@example.test"


def _events(world: World, event_type: str, reason: str | None = None) -> int:
    with world.idp_app.state.session_factory() as session:
        rows = session.scalars(select(SecurityEvent).where(SecurityEvent.event_type == event_type)).all()
    return sum(1 for r in rows if reason is None or r.details.get("reason") == reason)


async def test_new_device_asks_for_an_sms_code_then_trusts_the_device(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        assert first.status_code == 303 and first.headers["location"].startswith("/login/code?")
        page = await browser.get(first.headers["location"])
        assert 'autocomplete="one-time-code"' in page.text and "•••" in page.text  # the number is masked
        code = await world.sms_code(PHONE)
        done = await submit_code(browser, first.headers["location"], code, trust=True)
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert "idp_device=" in done.headers.get("set-cookie", "")
        # a new-login notice by SMS and e-mail
        await world.mail(EMAIL)
        # next time on this device: no code
        await browser.post("/logout")
        again = await login(browser, EMAIL, PASSWORD)
        assert again.headers["location"] == "/account"


async def test_code_rules_wrong_three_times_then_dead_and_reuse_refused(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        location = first.headers["location"]
        code = await world.sms_code(PHONE)
        wrong = "000000" if code != "000000" else "111111"
        one = await submit_code(browser, location, wrong)
        assert one.status_code == 400 and "Осталось попыток: 2" in one.text
        await submit_code(browser, location, wrong)
        third = await submit_code(browser, location, wrong)
        assert "Запросите новый код" in third.text or "попыток" in third.text
        fourth = await submit_code(browser, location, code)  # the right code, too late
        assert fourth.status_code == 400
        assert "idp_session" not in fourth.headers.get("set-cookie", "")


async def test_resend_has_a_cooldown_and_can_switch_to_email(world: World) -> None:
    world.idp_app.state.settings.code_resend_cooldown_seconds = 60
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        location = first.headers["location"]
        page = await browser.get(location)
        token = csrf(page.text)
        soon = await browser.post(
            "/login/code/resend", data={"p": handle_of(location), "channel": "sms", "csrf_token": token}
        )
        retry = await browser.get(soon.headers["location"])
        assert "Отправить код ещё раз можно через" in retry.text or "через" in retry.text
        # R-LOG-2: the person may switch channel; a channel switch follows the same cooldown
        switch = await browser.post(
            "/login/code/resend", data={"p": handle_of(location), "channel": "email", "csrf_token": token}
        )
        assert switch.status_code == 303


async def test_session_acr_and_amr_reach_the_tokens(world: World) -> None:
    """DESIGN.md: password + SMS code → acr mfa, amr pwd sms mfa (in ID and access tokens)."""
    from idp.clients.service import ClientSpec, register_client

    with world.idp_app.state.session_factory() as session:
        _, secret = register_client(
            session,
            world.idp_app.state.secret_hasher,
            ClientSpec(
                client_id="rp-mfa",
                name="RP",
                grant_types=["authorization_code"],
                scopes=["openid"],
                redirect_uris=["https://rp.test/cb"],
            ),
        )
        session.commit()
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        await submit_code(browser, first.headers["location"], await world.sms_code(PHONE))
        auth = await browser.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": "rp-mfa",
                "redirect_uri": "https://rp.test/cb",
                "scope": "openid",
            },
        )
        consent = await browser.get(auth.headers["location"])
        back = await browser.post(
            "/consent",
            data={
                "decision": "allow",
                "csrf_token": csrf(consent.text),
                "interaction": handle_of(auth.headers["location"], "i"),
            },
        )
        final = await browser.get(back.headers["location"])
        code = handle_of(final.headers["location"], "code")
        tokens = (
            await browser.post(
                "/token",
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": "https://rp.test/cb"},
                auth=("rp-mfa", secret or ""),
            )
        ).json()
    claims = jwt.get_unverified_claims(tokens["id_token"])
    assert claims["acr"] == "urn:idp:acr:mfa" and claims["amr"] == ["pwd", "sms", "mfa"]


async def test_five_wrong_passwords_lock_and_the_owner_is_told(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        for _ in range(4):
            wrong = await login(browser, EMAIL, "Wrong-Password-1")
            assert wrong.status_code == 401 and "Неверный логин или пароль" in wrong.text
        fifth = await login(browser, EMAIL, "Wrong-Password-1")
        assert fifth.status_code == 401 and "Учётная запись заблокирована" in fifth.text
        assert 'href="/recover"' in fifth.text
        right = await login(browser, EMAIL, PASSWORD)  # the right password while locked
        assert "Учётная запись заблокирована" in right.text
    await world.wait_messages(PHONE, EMAIL, 2)  # a lockout notice by SMS and by e-mail
    assert _events(world, "account_locked") == 1


async def test_fifty_parallel_wrong_passwords_count_exactly_five(world: World) -> None:
    world.make_account()

    async def attempt() -> int:
        async with world.client() as browser:
            return (await login(browser, EMAIL, "Wrong-Password-1")).status_code

    statuses = await asyncio.gather(*[attempt() for _ in range(50)])
    assert set(statuses) == {401}  # never a 500
    assert _events(world, "login_failed", "wrong_credentials") == 5
    assert _events(world, "account_locked") == 1


async def test_unknown_login_and_wrong_password_are_indistinguishable(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        unknown = await login(browser, "nobody@example.test", PASSWORD)
        wrong = await login(browser, EMAIL, "Wrong-Password-1")
    assert unknown.status_code == wrong.status_code == 401
    assert (
        unknown.text.count("Неверный логин или пароль") == wrong.text.count("Неверный логин или пароль") == 1
    )


async def test_per_ip_rate_limit_answers_429_not_500(world: World) -> None:
    world.idp_app.state.login_throttle.__init__("3/minute")
    async with world.client() as browser:
        statuses = [(await login(browser, "x@example.test", "y")).status_code for _ in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]


def _without_per_request_values(page: str, handle: str) -> str:
    """The page minus what differs on every request anyway: the CSRF token and the handle."""
    return re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1…"', page.replace(handle, "…"))


async def test_recovery_same_answer_for_unknown_login(world: World) -> None:
    """An unknown login and a known one get the same redirect and the same page, byte for byte once
    the per-request token and handle are blanked: the recovery form tells nobody who has an account."""
    world.make_account()
    answers = []
    for who in ("nobody@example.test", EMAIL):
        async with world.client() as browser:  # a browser each: same cookies, same page state
            form = await browser.get("/recover")
            sent = await browser.post("/recover", data={"login": who, "csrf_token": csrf(form.text)})
            assert sent.status_code == 303 and sent.headers["location"].startswith("/recover/code?p=")
            page = await browser.get(sent.headers["location"])
            handle = handle_of(sent.headers["location"])
            answers.append((page.status_code, _without_per_request_values(page.text, handle)))
    unknown, known = answers
    assert unknown == known
    assert unknown[1].count("Если такая учётная запись есть") == 1


async def test_recovery_sets_a_new_password_ends_other_sessions_and_unlocks(world: World) -> None:
    world.make_account(phone_verified=False)  # the code goes to the confirmed e-mail
    async with world.client() as other_device:
        first = await login(other_device, EMAIL, PASSWORD)
        await submit_code(other_device, first.headers["location"], await world.email_code(EMAIL))
        assert (await other_device.get("/account")).status_code == 200
        async with world.client() as browser:
            for _ in range(5):
                await login(browser, EMAIL, "Wrong-Password-1")  # locked now
            form = await browser.get("/recover")
            sent = await browser.post("/recover", data={"login": EMAIL, "csrf_token": csrf(form.text)})
            location = sent.headers["location"]
            code = await world.email_code(EMAIL, after=1)  # the first one was the login code
            page = await browser.get(location)
            weak = await browser.post(
                "/recover/code",
                data={
                    "p": handle_of(location),
                    "code": code,
                    "new_password": "qwerty12345",
                    "repeat_password": "qwerty12345",
                    "csrf_token": csrf(page.text),
                },
            )
            assert weak.status_code == 400
            done = await browser.post(
                "/recover/code",
                data={
                    "p": handle_of(location),
                    "code": code,
                    "new_password": "Brand-New-Pass-42",
                    "repeat_password": "Brand-New-Pass-42",
                    "csrf_token": csrf(page.text),
                },
            )
            assert done.status_code == 200 and "Пароль изменён" in done.text
            # the lock is lifted and the new password works (a code follows: new device)
            relogin = await login(browser, EMAIL, "Brand-New-Pass-42")
            assert relogin.headers["location"].startswith("/login/code")
        # the other device's session ended with the password change
        gone = await other_device.get("/account")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert isinstance(other_device, httpx.AsyncClient)
    with world.idp_app.state.session_factory() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(SecurityEvent)
                .where(SecurityEvent.event_type == "password_changed")
            )
            == 1
        )
