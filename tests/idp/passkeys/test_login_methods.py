"""The «Безопасность» tab's list of ways in (issue 15 item 4): every method with when it was last
used, removal offered except for the last way in; a passkey removed from the list is gone."""

from __future__ import annotations

import re

from idp.cabinet.methods import LoginMethod, removable
from tests.idp.conftest import CITIZEN, PASSWORD, _csrf
from tests.idp.passkeys.conftest import (
    World,
    enrolled,
    options_for,
    password_and_passkey,
    password_login,
    submit,
)


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


async def _citizen_id(world: World) -> int:
    from sqlalchemy import select

    from idp.accounts.models import Account

    with world.db() as session:
        account_id = session.scalar(select(Account.id).where(Account.email == CITIZEN.email))
    assert account_id is not None
    return int(account_id)


async def _link_bank(world: World, account_id: int, bank: str = "demo-bank") -> None:
    """A bank link as the bank login writes it (that flow: tests/idp/brokering)."""
    from idp.brokering.models import BankLink

    with world.db() as session:
        session.add(BankLink(account_id=account_id, bank=bank, subject="bank-sub-1", linked_by="snils"))
        session.commit()


async def test_the_list_names_app_devices_and_bank_links_in_the_seeds_order(world: World) -> None:
    await password_login(world.http, CITIZEN.email or "")
    account_id = await _citizen_id(world)
    await _link_bank(world, account_id)
    page = (await world.http.get("/account/security/app")).text
    added = await world.http.post(
        "/account/security/app",
        data={"csrf_token": _csrf(page), "name": "Мой телефон", "current_password": PASSWORD},
    )
    assert added.status_code == 200, added.text
    listed = rows((await world.http.get("/account/security")).text)[1:]
    assert len(listed) == 3
    assert listed[0].startswith("Пароль")
    assert listed[1].startswith("Приложение «Госуслуги» «Мой телефон»") and "Удалить" in listed[1]
    assert listed[2].startswith("Вход через банк «demo-bank»") and "Удалить" in listed[2]


async def test_a_bank_link_is_removed_from_the_list_but_never_the_last_way_in(world: World) -> None:
    from sqlalchemy import update

    from idp.accounts.models import Account

    await password_login(world.http, CITIZEN.email or "")
    account_id = await _citizen_id(world)
    await _link_bank(world, account_id)
    page = (await world.http.get("/account/security")).text
    action = re.search(r'action="(/account/bank-links/(\d+)/remove)"', page)
    assert action, page
    # another account's link id is not found (no IDOR), and nothing is removed
    foreign = await world.http.post(
        f"/account/bank-links/{int(action.group(2)) + 1000}/remove", data={"csrf_token": _csrf(page)}
    )
    assert foreign.status_code == 404
    # with no password the bank link is the only way in: the list offers no removal and the
    # server refuses a forged one
    with world.db() as session:
        session.execute(update(Account).where(Account.id == account_id).values(password_hash=""))
        session.commit()
    page = (await world.http.get("/account/security")).text
    assert "/account/bank-links/" not in page
    refused = await world.http.post(action.group(1), data={"csrf_token": _csrf(page)})
    assert refused.status_code == 409
    assert "последний способ входа" in refused.text
    # a second way in (a link to another bank) makes it removable
    await _link_bank(world, account_id, bank="other-bank")
    page = (await world.http.get("/account/security")).text
    done = await world.http.post(action.group(1), data={"csrf_token": _csrf(page)})
    assert done.status_code == 303
    assert [e.details["bank"] for e in world.events("bank_unlinked")] == ["demo-bank"]
    listed = rows((await world.http.get("/account/security")).text)[1:]
    assert len(listed) == 1 and listed[0].startswith("Вход через банк «other-bank»")
