"""Issue 15 item 4: the login page remembers the person's last choice on the device — the way in
(and, after a password, the second factor) a completed login used is kept in a cookie derived from
the session's amr, and offered first next time; a tampered value is ignored."""

from __future__ import annotations

import pytest

from idp.login import last_method
from idp.second_factor.assurance import METHODS, assurance_after
from tests.idp.conftest import CITIZEN
from tests.idp.passkeys.conftest import (
    World,
    enrolled,
    options_for,
    password_and_passkey,
    password_login,
    submit,
)

COOKIE = last_method.LAST_METHOD_COOKIE


@pytest.mark.parametrize("method", METHODS)
def test_every_login_method_is_remembered_as_its_way_in(method: str) -> None:
    amr, _ = assurance_after(method)
    remembered = last_method.remembered(amr)
    expected = {
        "password": "password",
        "sms": "password+code",
        "email": "password+code",
        "totp": "password+code",
        "recovery_code": "password",
        "app": "password+app",
        "signature_ues": "signature",
        "signature_qes": "signature",
        "bank": "bank",
        "bank_mfa": "bank",
        "passkey_hwk": "password+passkey",
        "passkey_swk": "password+passkey",
        "passwordless_hwk": "passkey",
        "passwordless_swk": "passkey",
    }
    assert remembered == expected[method]
    assert last_method.last_way(remembered) in last_method.WAYS


async def test_a_passwordless_login_is_offered_first_next_time_and_a_password_login_resets_it(
    world: World,
) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:
        page = (await http.get("/login")).text
        assert "last-way" not in page  # a device that never logged in: the password form first
        csrf, options, challenge = await options_for(http)
        done = await submit(http, csrf, challenge, authenticator.get(options))
        assert done.status_code == 303
        assert http.cookies.get(COOKIE) == "passkey"
        page = (await http.get("/login")).text
        first = page.index('class="last-way"')
        assert page.index('href="/login/passkey"', first) < page.index('name="password"')
        # after a password login (its second factor: the passkey) the password form is first again
        http.cookies.delete("idp_session")
        await password_and_passkey(http, CITIZEN.email or "", authenticator)
        assert http.cookies.get(COOKIE) == "password+passkey"
        assert "last-way" not in (await http.get("/login")).text


async def test_a_tampered_cookie_is_ignored(world: World) -> None:
    async with world.browser() as http:
        for value in ("admin", "bank+x", "<script>", "signature" * 40):
            http.cookies.set(COOKIE, value)
            page = await http.get("/login")
            assert page.status_code == 200
            if value.startswith("signature"):
                continue
            assert "last-way" not in page.text


async def test_a_plain_password_login_is_remembered(world: World) -> None:
    async with world.browser() as http:
        await password_login(http, CITIZEN.email or "")  # no confirmed contact: no code asked
        assert http.cookies.get(COOKIE) == "password"
