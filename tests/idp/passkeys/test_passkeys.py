"""Passkeys (issue 15 item 2, WebAuthn Level 3) over HTTP with the test's software authenticator:
registration in the cabinet, the second factor after a password, the passwordless login, and the
attacks — a replayed assertion (challenge reuse), another account's passkey, a wrong origin, a
wrong RP ID, no user verification, a counter that went backwards (a cloned authenticator), a stale
login registering a passkey. Each refusal has its exact reason in the security log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.passkeys.models import Passkey
from tests.idp.conftest import CITIZEN, _csrf
from tests.idp.passkeys.authenticator import SoftAuthenticator
from tests.idp.passkeys.conftest import (
    ORIGIN,
    OTHER,
    RP_ID,
    World,
    enrolled,
    options_for,
    password_and_passkey,
    password_login,
    pending_login,
    reason_of,
    register,
    submit,
)

# --- registration ------------------------------------------------------------------------------


async def test_registration_stores_the_credential_with_its_flags_and_is_logged(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    authenticator = SoftAuthenticator(RP_ID, ORIGIN, synced=True)
    done = await register(world.http, authenticator, name="Ноутбук")
    assert done.status_code == 303 and done.headers["location"] == "/account/passkeys?done=passkey_added"
    page = (await world.http.get(done.headers["location"])).text
    assert "Ключ доступа добавлен." in page and "Ноутбук" in page and "синхронизируемый" in page
    with world.db() as session:
        (row,) = session.scalars(select(Passkey))
        assert row.backup_eligible and row.backed_up and row.transports == ["internal"]
        assert row.attestation_format == "none" and row.sign_count == 0 and row.name == "Ноутбук"
    (event,) = world.events("passkey_registered")
    assert event.details["passkey_id"] == row.id and event.details["synced"] is True


async def test_the_creation_options_require_a_discoverable_credential_and_user_verification(
    world: World,
) -> None:
    await password_login(world.http, CITIZEN.email or "")
    csrf = _csrf((await world.http.get("/account/passkeys")).text)
    options = (await world.http.post("/account/passkeys/options", data={"csrf_token": csrf})).json()[
        "publicKey"
    ]
    assert options["rp"] == {"id": RP_ID, "name": world.app.state.settings.passkey_rp_name}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["user"]["id"] and str(CITIZEN.email) == options["user"]["name"]


async def test_a_stale_login_cannot_register_a_passkey(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    world.clock.now += dt.timedelta(seconds=world.app.state.settings.passkey_fresh_login_seconds + 60)
    page = await world.http.get("/account/passkeys")
    assert "Войти заново" in page.text
    refused = await world.http.post("/account/passkeys/options", data={"csrf_token": _csrf(page.text)})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "fresh_login_required"


async def test_registration_without_user_verification_is_refused(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    refused = await register(world.http, SoftAuthenticator(RP_ID, ORIGIN), uv=False)
    assert refused.status_code == 400
    assert "Ключ не проверил вас" in refused.text
    assert [reason_of(e) for e in world.events("passkey_refused")] == ["not_verified"]


async def test_registration_from_another_origin_is_refused(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    refused = await register(world.http, SoftAuthenticator(RP_ID, ORIGIN), origin="https://evil.example")
    assert refused.status_code == 400
    assert [reason_of(e) for e in world.events("passkey_refused")] == ["wrong_origin"]


async def test_rename_and_remove_only_ones_own_passkey(world: World) -> None:
    await enrolled(world, OTHER.email or "")
    await password_login(world.http, CITIZEN.email or "")
    assert (await register(world.http, SoftAuthenticator(RP_ID, ORIGIN))).status_code == 303
    with world.db() as session:
        rows = {p.account_id: p.id for p in session.scalars(select(Passkey))}
        citizen = session.scalar(select(Account.id).where(Account.email == CITIZEN.email))
    own = rows.pop(citizen)
    (foreign,) = rows.values()
    csrf = _csrf((await world.http.get("/account/passkeys")).text)
    assert (
        await world.http.post(f"/account/passkeys/{foreign}/remove", data={"csrf_token": csrf})
    ).status_code == 404
    assert (
        await world.http.post(f"/account/passkeys/{foreign}/rename", data={"csrf_token": csrf, "name": "x"})
    ).status_code == 404
    renamed = await world.http.post(
        f"/account/passkeys/{own}/rename", data={"csrf_token": csrf, "name": "Рабочий"}
    )
    assert renamed.status_code == 303
    removed = await world.http.post(f"/account/passkeys/{own}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    with world.db() as session:
        assert {p.id for p in session.scalars(select(Passkey))} == {foreign}
    assert [e.details["passkey_id"] for e in world.events("passkey_removed")] == [own]


# --- login -----------------------------------------------------------------------------------------


async def test_a_passkey_is_the_second_factor_after_the_password(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "", counter=10)
    world.require_second_factor(CITIZEN.email or "")
    async with world.browser() as http:
        pending = await pending_login(http, CITIZEN.email or "")
        code_page = await http.get(f"/login/code?p={pending}")
        assert f'href="/login/passkey?p={pending}"' in code_page.text
        csrf, options, challenge = await options_for(http, pending)
        assert [c["id"] for c in options["allowCredentials"]] != []
        done = await submit(http, csrf, challenge, authenticator.get(options), pending)
        assert done.status_code == 303 and done.headers["location"] == "/account", done.text
    row = world.last_session(CITIZEN.email or "")
    assert row.acr == "urn:idp:acr:mfa" and row.amr == ["pwd", "hwk", "user", "mfa"]
    with world.db() as session:
        (key,) = session.scalars(select(Passkey))
        assert key.sign_count == 11 and key.last_used_at is not None
    assert world.events("login_succeeded")[-1].details["method"] == "passkey"


async def test_a_passkey_is_the_second_factor_when_no_code_can_reach_the_person(world: World) -> None:
    """No confirmed phone or e-mail, a passkey: a new device's password login asks for the passkey."""
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        done = await password_login(http, CITIZEN.email or "")
        assert done.headers["location"].startswith("/login/passkey?p=")
        page = await http.get(done.headers["location"])
        assert 'href="/login?"' in page.text  # back to the password, not to a code never sent
        assert await password_and_passkey(http, CITIZEN.email or "", authenticator) == "/account"
    row = world.last_session(CITIZEN.email or "")
    assert row.acr == "urn:idp:acr:mfa" and row.amr == ["pwd", "hwk", "user", "mfa"]


async def test_passwordless_login_with_a_synced_passkey_is_swk_and_user(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "", synced=True)
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        assert options["allowCredentials"] == [] and options["userVerification"] == "required"
        done = await submit(http, csrf, challenge, authenticator.get(options))
        assert done.status_code == 303, done.text
        assert (await http.get("/account")).status_code == 200
    row = world.last_session(CITIZEN.email or "")
    assert row.acr == "urn:idp:acr:mfa" and row.amr == ["swk", "user"]


async def test_passwordless_is_refused_for_an_account_that_did_not_choose_it(world: World) -> None:
    authenticator = await enrolled(world, OTHER.email or "")  # OTHER keeps the password login
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        refused = await submit(http, csrf, challenge, authenticator.get(options))
    assert refused.status_code == 401 and "вход без пароля выключен" in refused.text
    assert reason_of(world.events("login_failed")[-1]) == "passwordless_off"


async def test_a_replayed_assertion_is_refused_as_a_used_challenge(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        assertion = authenticator.get(options)
        assert (await submit(http, csrf, challenge, assertion)).status_code == 303
        replayed = await submit(http, csrf, challenge, assertion)
    assert replayed.status_code == 401 and "Запрос уже использован" in replayed.text
    assert reason_of(world.events("login_failed")[-1]) == "challenge_used"


async def test_an_assertion_for_another_challenge_is_refused(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        csrf, options, _ = await options_for(http)
        _, _, other_challenge = await options_for(http)
        refused = await submit(http, csrf, other_challenge, authenticator.get(options))
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "wrong_challenge"


async def test_another_browsers_challenge_cannot_be_answered(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as victim, world.browser() as attacker:
        _, options, challenge = await options_for(victim)
        csrf, _, _ = await options_for(attacker)
        refused = await submit(attacker, csrf, challenge, authenticator.get(options))
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "challenge_used"


async def test_another_accounts_passkey_is_refused_as_the_second_factor(world: World) -> None:
    await enrolled(world, CITIZEN.email or "")
    intruder = await enrolled(world, OTHER.email or "")
    world.require_second_factor(CITIZEN.email or "")
    async with world.browser() as http:
        pending = await pending_login(http, CITIZEN.email or "")
        csrf, options, challenge = await options_for(http, pending)
        refused = await submit(http, csrf, challenge, intruder.get(options), pending)
    assert refused.status_code == 401 and "принадлежит другой учётной записи" in refused.text
    assert reason_of(world.events("login_failed")[-1]) == "foreign_credential"
    with world.db() as session:
        citizen = session.scalar(select(Account.id).where(Account.email == CITIZEN.email))
        assert world.events("login_failed")[-1].account_id == citizen


async def test_an_unknown_passkey_is_refused(world: World) -> None:
    await enrolled(world, CITIZEN.email or "")
    stranger = SoftAuthenticator(RP_ID, ORIGIN)
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        refused = await submit(http, csrf, challenge, stranger.get(options))
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "unknown_credential"


@pytest.mark.parametrize(
    ("lie", "reason"),
    [
        ({"origin": "https://evil.example"}, "wrong_origin"),
        ({"origin": "http://testserver:8443"}, "wrong_origin"),
        ({"rp_id": "evil.example"}, "wrong_rp_id"),
        ({"uv": False}, "not_verified"),
        ({"kind": "webauthn.create"}, "wrong_type"),
    ],
)
async def test_a_lying_assertion_is_refused(world: World, lie: dict[str, Any], reason: str) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        refused = await submit(http, csrf, challenge, authenticator.get(options, **lie))
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == reason
    assert world.events("login_succeeded")[-1:] == [] or all(
        e.details.get("method") != "passkey" for e in world.events("login_succeeded")
    )


async def test_a_forged_signature_is_refused(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        genuine = authenticator.get(options)
        from cryptography.hazmat.primitives.asymmetric import ec

        authenticator.key = ec.generate_private_key(ec.SECP256R1())  # same id, another key
        forged = authenticator.get(options)
        assert genuine != forged
        refused = await submit(http, csrf, challenge, forged)
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "bad_signature"


async def test_a_counter_that_went_backwards_is_refused_as_a_clone(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "", counter=5)
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        assert (await submit(http, csrf, challenge, authenticator.get(options))).status_code == 303
    authenticator.counter = 3  # the copy: its counter is behind the original's (6)
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        refused = await submit(http, csrf, challenge, authenticator.get(options))
    assert refused.status_code == 401 and "похож на копию" in refused.text
    (suspected,) = world.events("passkey_clone_suspected")
    assert suspected.details["stored_count"] == 6 and suspected.details["seen_count"] == 4
    assert reason_of(world.events("login_failed")[-1]) == "cloned"
    with world.db() as session:
        assert session.scalar(select(Passkey.sign_count)) == 6


async def test_an_equal_nonzero_counter_is_a_clone_too(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "", counter=7)
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        assert (await submit(http, csrf, challenge, authenticator.get(options))).status_code == 303
        authenticator.counter = 7  # the next assertion says 8 again
        csrf, options, challenge = await options_for(http)
        refused = await submit(http, csrf, challenge, authenticator.get(options))
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "cloned"


async def test_an_expired_challenge_is_refused(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        csrf, options, challenge = await options_for(http)
        world.clock.now += dt.timedelta(seconds=world.app.state.settings.passkey_challenge_ttl + 1)
        refused = await submit(http, csrf, challenge, authenticator.get(options))
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "challenge_expired"


async def test_garbage_instead_of_a_credential_is_a_page_not_a_500(world: World) -> None:
    async with world.browser() as http:
        csrf, _, challenge = await options_for(http)
        for junk in ("", "{", '{"id": 1}', "[]", "x" * 20000):
            refused = await submit(http, csrf, challenge, junk)
            assert refused.status_code in (400, 401), junk[:10]
            csrf, _, challenge = await options_for(http)


async def test_options_without_the_csrf_token_are_a_problem_document(world: World) -> None:
    await world.http.get("/login/passkey")
    refused = await world.http.post("/login/passkey/options", data={"csrf_token": "nope"})
    assert refused.status_code == 400 and refused.json()["code"] == "csrf_failed"
    gone = await world.http.post(
        "/login/passkey/options",
        data={"csrf_token": _csrf((await world.http.get("/login/passkey")).text), "p": "nope"},
    )
    assert gone.status_code == 400 and gone.json()["code"] == "interaction_expired"


async def test_trusted_attestation_refuses_an_authenticator_that_attests_nothing(
    make_db: Any,
) -> None:
    """``passkey_attestation=direct``: the options ask for attestation, and ``none`` is refused."""
    from idp.accounts.service import create_account
    from idp.main import create_app
    from tests.conftest import idp_settings, running

    app = create_app(idp_settings(make_db("idp"), issuer=ORIGIN, passkey_attestation="direct"))
    async with running(app) as http:
        with app.state.session_factory() as session:
            create_account(session, app.state.field_cipher, CITIZEN)
            session.commit()
        await password_login(http, CITIZEN.email or "")
        csrf = _csrf((await http.get("/account/passkeys")).text)
        options = (await http.post("/account/passkeys/options", data={"csrf_token": csrf})).json()
        assert options["publicKey"]["attestation"] == "direct"
        refused = await http.post(
            "/account/passkeys",
            data={
                "csrf_token": csrf,
                "challenge": options["challenge"],
                "credential": SoftAuthenticator(RP_ID, ORIGIN).create(options["publicKey"]),
            },
        )
        assert refused.status_code == 400 and "Этот тип ключа не принимается." in refused.text
        with app.state.session_factory() as session:
            assert session.scalar(select(Passkey.id)) is None


async def test_registration_options_need_a_signed_in_browser(world: World) -> None:
    page = await world.http.get("/login/passkey")
    refused = await world.http.post("/account/passkeys/options", data={"csrf_token": _csrf(page.text)})
    assert refused.status_code == 401 and refused.json()["code"] == "login_required"


async def test_the_same_authenticator_cannot_be_registered_twice(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    authenticator = SoftAuthenticator(RP_ID, ORIGIN)
    assert (await register(world.http, authenticator)).status_code == 303
    again = await register(world.http, authenticator)
    assert again.status_code == 400 and "Этот ключ уже добавлен." in again.text
    assert [reason_of(e) for e in world.events("passkey_refused")] == ["already_registered"]


async def test_a_registration_challenge_of_another_account_is_refused(world: World) -> None:
    """One browser: Anna asks for options, then Ivan signs in there and answers Anna's challenge."""
    await password_login(world.http, CITIZEN.email or "")
    csrf = _csrf((await world.http.get("/account/passkeys")).text)
    annas = (await world.http.post("/account/passkeys/options", data={"csrf_token": csrf})).json()
    await password_login(world.http, OTHER.email or "")
    csrf = _csrf((await world.http.get("/account/passkeys")).text)
    refused = await world.http.post(
        "/account/passkeys",
        data={
            "csrf_token": csrf,
            "challenge": annas["challenge"],
            "credential": SoftAuthenticator(RP_ID, ORIGIN).create(annas["publicKey"]),
        },
    )
    assert refused.status_code == 400
    assert [reason_of(e) for e in world.events("passkey_refused")] == ["challenge_used"]
    with world.db() as session:
        assert session.scalar(select(Passkey.id)) is None


async def test_a_registration_without_the_csrf_token_stores_nothing(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    csrf = _csrf((await world.http.get("/account/passkeys")).text)
    body = (await world.http.post("/account/passkeys/options", data={"csrf_token": csrf})).json()
    refused = await world.http.post(
        "/account/passkeys",
        data={
            "csrf_token": "forged",
            "challenge": body["challenge"],
            "credential": SoftAuthenticator(RP_ID, ORIGIN).create(body["publicKey"]),
        },
    )
    assert refused.status_code == 400
    with world.db() as session:
        assert session.scalar(select(Passkey.id)) is None


async def test_the_second_factor_challenge_belongs_to_its_pending_login(world: World) -> None:
    """A challenge issued for one pending login cannot finish another pending login of the same
    person (e.g. an attacker's, parked with a stolen password)."""
    authenticator = await enrolled(world, CITIZEN.email or "")
    world.require_second_factor(CITIZEN.email or "")
    async with world.browser() as http:
        first = await pending_login(http, CITIZEN.email or "")
        second = await pending_login(http, CITIZEN.email or "")
        csrf, options, challenge = await options_for(http, first)
        refused = await submit(http, csrf, challenge, authenticator.get(options), second)
    assert refused.status_code == 401
    assert reason_of(world.events("login_failed")[-1]) == "challenge_used"
