"""The personal cabinet: sessions, apps, TOTP, key data, events — and the admin identity check."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
from sqlalchemy import select

from idp.accounts.models import Account
from idp.clients.service import ClientSpec, register_client
from idp.second_factor.models import TotpCredential
from tests.idp.accounts.conftest import PASSWORD, World, csrf, form_values, handle_of, login, submit_code

EMAIL, PHONE = "maria@example.test", "+79167778899"


async def _signed_in(world: World, browser: object, phone: str = PHONE, email: str = EMAIL) -> None:
    before = len(world.sms_texts(phone))
    first = await login(browser, email, PASSWORD)  # type: ignore[arg-type]
    code = await world.sms_code(phone, after=before)
    done = await submit_code(browser, first.headers["location"], code)  # type: ignore[arg-type]
    assert done.status_code == 303, done.text


async def test_cabinet_needs_a_session(world: World) -> None:
    async with world.client() as browser:
        response = await browser.get("/account/security")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account/security"


async def test_sessions_list_shows_and_ends_a_real_second_session(world: World) -> None:
    world.make_account()
    async with world.client() as laptop, world.client() as phone:
        await _signed_in(world, laptop)
        await _signed_in(world, phone)
        page = await laptop.get("/account/security")
        ids = re.findall(r'action="/account/sessions/(\d+)/end"', page.text)
        assert len(ids) == 1  # the other session (this one has no "end" button)
        ended = await laptop.post(f"/account/sessions/{ids[0]}/end", data={"csrf_token": csrf(page.text)})
        assert ended.status_code == 303
        assert (await phone.get("/account")).status_code == 303  # the phone is logged out
        assert (await laptop.get("/account")).status_code == 200
        # the service writes the security log, not the route
        assert "Завершение сеанса" in (await laptop.get("/account/events")).text


async def test_ending_someone_elses_session_is_refused(world: World) -> None:
    world.make_account()
    world.make_account(
        email="other@example.test",
        phone="+79160001122",
        snils=None,
        passport_series=None,
        passport_number=None,
        last_name="Сидоров",
        first_name="Пётр",
    )
    async with world.client() as mine, world.client() as theirs:
        await _signed_in(world, mine)
        await _signed_in(world, theirs, "+79160001122", "other@example.test")
        from idp.sessions.models import UserSession

        with world.idp_app.state.session_factory() as session:
            victim = session.scalars(
                select(UserSession)
                .join(Account, Account.id == UserSession.account_id)
                .where(Account.email == "other@example.test")
            ).one()
        page = await mine.get("/account/security")
        attack = await mine.post(f"/account/sessions/{victim.id}/end", data={"csrf_token": csrf(page.text)})
        assert attack.status_code == 404
        assert (await theirs.get("/account")).status_code == 200


async def test_revoking_an_app_ends_its_tokens(world: World) -> None:
    world.make_account()
    with world.idp_app.state.session_factory() as session:
        _, secret = register_client(
            session,
            world.idp_app.state.secret_hasher,
            ClientSpec(
                client_id="rp-x",
                name="Запись к врачу",
                grant_types=["authorization_code"],
                scopes=["openid", "profile"],
                redirect_uris=["https://rp.test/cb"],
            ),
        )
        session.commit()
    async with world.client() as browser:
        await _signed_in(world, browser)
        auth = await browser.get(
            "/authorize",
            params={
                "response_type": "code",
                "client_id": "rp-x",
                "redirect_uri": "https://rp.test/cb",
                "scope": "openid profile",
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
        token = (
            await browser.post(
                "/token",
                data={
                    "grant_type": "authorization_code",
                    "code": handle_of(final.headers["location"], "code"),
                    "redirect_uri": "https://rp.test/cb",
                },
                auth=("rp-x", secret or ""),
            )
        ).json()["access_token"]
        apps = await browser.get("/account/apps")
        assert "Запись к врачу" in apps.text and "ФИО, дата рождения, пол" in apps.text
        revoked = await browser.post("/account/apps/rp-x/revoke", data={"csrf_token": csrf(apps.text)})
        assert revoked.status_code == 303
        info = await browser.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
        assert info.status_code == 401
        assert "Запись к врачу" not in (await browser.get("/account/apps")).text
        events = await browser.get("/account/events")
        assert "Отзыв доступа приложения" in events.text and "Вход" in events.text
        assert "Доступ приложению" in events.text  # consents.service.grant logs the consent given


async def test_totp_enrolment_login_and_single_use_recovery_codes(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/account/security")
        started = await browser.post("/account/security/totp/start", data={"csrf_token": csrf(page.text)})
        assert "<svg" in started.text
        secret = re.search(r"<code>([A-Z2-7]{32})</code>", started.text)
        assert secret
        totp = pyotp.TOTP(secret.group(1))
        confirmed = await browser.post(
            "/account/security/totp/confirm", data={"csrf_token": csrf(started.text), "code": totp.now()}
        )
        recovery = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", confirmed.text)
        assert len(recovery) == 10
        page = await browser.get("/account/security")
        await browser.post("/account/security/mfa", data={"csrf_token": csrf(page.text), "method": "totp"})
        await browser.post("/logout")
        first = await login(browser, EMAIL, PASSWORD)
        assert "приложения-аутентификатора" in (await browser.get(first.headers["location"])).text
        with world.idp_app.state.session_factory() as session:
            row = session.scalars(select(TotpCredential)).one()
            assert secret.group(1) not in row.secret_encrypted  # sealed at rest
        # the code of the step enrolment used is spent: a replay is refused
        used = totp.at(dt.datetime.now(dt.UTC))
        replay = await submit_code(browser, first.headers["location"], used)
        assert replay.status_code == 400
        ok = await submit_code(browser, first.headers["location"], recovery[0])
        assert ok.status_code == 303
        await browser.post("/logout")
        again = await login(browser, EMAIL, PASSWORD)
        reused = await submit_code(browser, again.headers["location"], recovery[0])
        assert reused.status_code == 400


async def test_key_data_change_with_a_code_can_drop_the_level(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        await _signed_in(world, browser)
        assert "Стандартная" in (await browser.get("/account")).text
        form = await browser.get("/account/key-data")
        assert "4513" in form.text  # current passport series, decrypted for its owner only
        values = form_values(form.text)
        values["first_name"] = "Марина"  # no longer matches the registry's passport record
        values.update(
            passport_issue_date="2015-07-01",
            passport_issuer="ОВД Хамовники",
            passport_division_code="770-001",
        )
        before = len(world.sms_texts(PHONE))
        sent = await browser.post("/account/key-data", data={**values, "csrf_token": csrf(form.text)})
        assert sent.status_code == 303
        code = await world.sms_code(PHONE, after=before)
        page = await browser.get(sent.headers["location"])
        done = await browser.post(
            "/account/key-data/confirm",
            data={"p": handle_of(sent.headers["location"]), "code": code, "csrf_token": csrf(page.text)},
        )
        assert done.status_code == 303
        data = await browser.get("/account")
        assert "Упрощённая" in data.text and "ФИО не совпадает с данными паспорта" in data.text
    await world.mail(EMAIL)  # the level change was announced


async def test_admin_confirms_identity(world: World) -> None:
    world.make_account()
    with world.idp_app.state.session_factory() as session:
        _, secret = register_client(
            session,
            world.idp_app.state.secret_hasher,
            ClientSpec(client_id="ops", name="ops", scopes=["admin"]),
        )
        session.commit()
        oid = session.scalars(select(Account.oid)).one()
    async with world.client() as http:
        token = (
            await http.post(
                "/token",
                data={"grant_type": "client_credentials", "scope": "admin"},
                auth=("ops", secret or ""),
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        response = await http.post(
            f"/admin/accounts/{oid}/confirm-identity", json={"operator": "Иванова И.И."}, headers=headers
        )
        assert response.status_code == 200 and response.json()["level"] == "confirmed"
        assert (
            await http.post("/admin/accounts/1/confirm-identity", json={"operator": "x"}, headers=headers)
        ).status_code == 404
        assert (await http.post(f"/admin/accounts/{oid}/unlock")).status_code == 401


async def test_cabinet_ids_beyond_64_bits_are_refused_not_a_500(world: World) -> None:
    """Issue 9: cabinet path ids are checked like the admin API's (shared.path_ids.RowId), before any
    SQL: 2**63 cannot be bound as a BIGINT, so it never reaches the database."""
    world.make_account()
    async with world.client() as browser:
        await _signed_in(world, browser)
        page = await browser.get("/account/security")
        token = csrf(page.text)
        for path in (
            "/account/sessions/9223372036854775808/end",
            "/account/devices/9223372036854775808/revoke",
        ):
            answer = await browser.post(path, data={"csrf_token": token})
            assert answer.status_code == 422, (path, answer.status_code)
        assert (await browser.get("/account")).status_code == 200  # still signed in
