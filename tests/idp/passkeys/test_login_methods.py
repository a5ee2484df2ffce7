"""The «Безопасность» tab's list of ways in (issue 15 item 4): every method with when it was last
used, removal offered except for the last way in; a passkey removed from the list is gone."""

from __future__ import annotations

import re

from idp.cabinet.methods import LoginMethod, removable
from tests.idp.conftest import CITIZEN, _csrf
from tests.idp.passkeys.conftest import World, enrolled, options_for, password_and_passkey, submit


def rows(html: str) -> list[str]:
    block = re.search(r'<h2 id="methods">.*?</table>', html, re.S)
    assert block, html
    return [
        " ".join(re.sub(r"<[^>]+>", " ", r).split())
        for r in re.findall(r"<tr>(.*?)</tr>", block.group(0), re.S)
    ]


async def test_the_list_shows_the_password_and_each_passkey_with_its_last_use(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    async with world.browser() as http:  # a passwordless login: the passkey is used once
        csrf, options, challenge = await options_for(http)
        assert (await submit(http, csrf, challenge, authenticator.get(options))).status_code == 303
    await password_and_passkey(world.http, CITIZEN.email or "", authenticator)
    page = (await world.http.get("/account/security")).text
    password, passkey = rows(page)[1:]
    assert password.startswith("Пароль") and "—" not in password  # the password login just now
    assert passkey.startswith("Ключ доступа «Телефон»") and "—" not in passkey and "Удалить" in passkey
    assert 'action="/account/passkeys/' in page


async def test_removing_a_passkey_from_the_list_removes_it(world: World) -> None:
    authenticator = await enrolled(world, CITIZEN.email or "")
    await password_and_passkey(world.http, CITIZEN.email or "", authenticator)
    page = (await world.http.get("/account/security")).text
    action = re.search(r'action="(/account/passkeys/\d+/remove)"', page)
    assert action
    done = await world.http.post(action.group(1), data={"csrf_token": _csrf(page)})
    assert done.status_code == 303
    after = rows((await world.http.get("/account/security")).text)[1:]
    assert [r.split()[0] for r in after] == ["Пароль"]


def test_the_last_way_in_is_never_offered_for_removal() -> None:
    only = LoginMethod("bank", "bank:1", "method_password", True, None, remove_action="/x")
    factor = LoginMethod("totp", "totp", "method_totp", False, None, remove_action="/y")
    assert not removable([only, factor], only)
    assert removable([only, factor], factor)
    second = LoginMethod("passkey", "passkey:2", "method_passkey", True, None, remove_action="/z")
    assert removable([only, second], only) and removable([only, second], second)
    password = LoginMethod("password", "password", "method_password", True, None)
    assert not removable([password, second], password)
