"""R-SEC-4 / R-SEC-2: a whole account scenario, then every log line the idp and the notifier wrote
is searched for the personal data and secrets that went through (SNILS, phone, passport, password,
every code that was sent)."""

from __future__ import annotations

import logging
import re

import pytest

from shared.logging import JsonFormatter
from tests.idp.accounts.conftest import CODE, REGISTRATION, World, csrf, handle_of, login, submit_code

PHONE = "+79165554433"


async def test_no_personal_data_or_code_reaches_the_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with world.client() as browser:
        registered = (await browser.post("/api/v1/accounts", json=REGISTRATION)).json()
        code = await world.sms_code(PHONE)
        await browser.post(
            "/api/v1/accounts/phone-confirmation",
            json={"confirmation_token": registered["confirmation_token"], "code": code},
        )
        await login(browser, REGISTRATION["email"], "a-wrong-password-1")
        first = await login(browser, REGISTRATION["email"], REGISTRATION["password"])
        before = len(world.sms_texts(PHONE))
        await submit_code(browser, first.headers["location"], await world.sms_code(PHONE, after=before - 1))
        form = await browser.get("/recover")
        sent = await browser.post("/recover", data={"login": "112-233-445 95", "csrf_token": csrf(form.text)})
        recovery_code = await world.sms_code(PHONE, after=len(world.sms_texts(PHONE)) - 1)
        page = await browser.get(sent.headers["location"])
        await browser.post(
            "/recover/code",
            data={
                "p": handle_of(sent.headers["location"]),
                "code": recovery_code,
                "new_password": "Another-Strong-Pw-9",
                "repeat_password": "Another-Strong-Pw-9",
                "csrf_token": csrf(page.text),
            },
        )
    sent_codes = {m.group(1) for text in world.sms_texts(PHONE) if (m := CODE.search(text))}
    sent_codes |= {
        m.group(1) for mail in world.mails_to(REGISTRATION["email"]) if (m := CODE.search(mail.part("plain")))
    }
    assert len(sent_codes) >= 3
    formatter = JsonFormatter("test")
    ours = [
        r for r in caplog.records if not r.name.startswith(("mail.log", "aiosmtpd"))
    ]  # the test's own SMTP server
    text = "\n".join(formatter.format(r) for r in ours)
    paths = {getattr(r, "path", None) for r in ours}
    assert {
        "/api/v1/accounts",
        "/login",
        "/login/code",
        "/recover/code",
        "/v1/messages",
    } <= paths  # all logged
    forbidden = {
        "snils": ["112-233-445 95", "11223344595"],
        "phone": [PHONE, "9165554433", "+7 916 555-44-33"],
        "passport": ["111222"],
        "password": [REGISTRATION["password"], "a-wrong-password-1", "Another-Strong-Pw-9"],
        "codes": sorted(sent_codes),
    }
    for what, values in forbidden.items():
        for value in values:
            # bounded by non-alphanumerics: a code inside a hex request id is chance, not a leak
            found = re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text)
            context = text[max(0, found.start() - 120) : found.end() + 40] if found else ""
            assert found is None, f"{what} leaked into the logs: ...{context}..."
