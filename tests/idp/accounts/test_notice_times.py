"""Security notices show the person's local time with its zone, in the zone of the idp's
``timezone`` setting — never UTC, never a Moscow time labelled for everyone (issue 10)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.idp.accounts.conftest import PASSWORD, World, csrf, login, submit_code

EMAIL, PHONE = "maria@example.test", "+79167778899"


@contextmanager
def idp_timezone(state: Any, timezone: str) -> Iterator[None]:
    """The idp as if started with ``IDP_TIMEZONE=timezone`` (the notice context is built once
    from settings.timezone in create_app)."""
    saved = (state.login_context, state.accounts_context)
    notices = dataclasses.replace(state.login_context.notices, timezone=timezone)
    state.login_context = dataclasses.replace(state.login_context, notices=notices)
    state.accounts_context = dataclasses.replace(state.accounts_context, notices=notices)
    try:
        yield
    finally:
        state.login_context, state.accounts_context = saved


async def notice_text(world: World, address: str, phrase: str, timeout: float = 15) -> str:
    """The plain text of the e-mail carrying ``phrase`` (a bounded poll for the real delivery;
    other notices, such as the new-login one, may arrive before or after it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in world.mails_to(address):
            if phrase in (text := mail.part("plain")):
                return str(text)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no e-mail saying {phrase!r}")


async def test_the_password_changed_notice_says_the_local_time_of_the_idps_zone(world: World) -> None:
    world.make_account()
    async with world.client() as browser:
        first = await login(browser, EMAIL, PASSWORD)
        await submit_code(browser, first.headers["location"], await world.sms_code(PHONE))
        page = await browser.get("/account/security")
        with idp_timezone(world.idp_app.state, "Asia/Yekaterinburg"):
            changed = await browser.post(
                "/account/password",
                data={
                    "csrf_token": csrf(page.text),
                    "current_password": PASSWORD,
                    "new_password": "Quiet-Harbour-41",
                    "repeat_password": "Quiet-Harbour-41",
                },
            )
            assert changed.status_code == 303, changed.text
            text = await notice_text(world, EMAIL, "Пароль вашей учётной записи изменён")
    assert re.search(r"изменён \d\d\.\d\d\.\d{4} \d\d:\d\d UTC\+05:00\.", text), text
    assert "МСК" not in text and "MSK" not in text
