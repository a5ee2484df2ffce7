"""The whole dance over real HTTP (issue 15 item 1): the idp and the notifier as real servers on
loopback ports, the notifier in dev mode delivering into its dev outbox. The push is read where a
developer reads it (``/dev/outbox``); its link opens the simulated «Госуслуги» app page, whose
buttons are pressed as a browser would; the login page is completed with «Проверить». A denial's
notice to the owner arrives in the outbox too."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from idp.accounts.models import Account
from idp.accounts.service import create_account
from tests.conftest import idp_settings
from tests.idp.app_approval.conftest import csrf, query_value
from tests.idp.conftest import CITIZEN, PASSWORD
from tests.live import free_port, serve_in_thread

LOGIN = str(CITIZEN.email)


@dataclass
class Live:
    idp_url: str
    notifier_url: str
    idp_app: Any

    def browser(self, base: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base or self.idp_url, timeout=60)

    async def outbox(self, channel: str, *, containing: str, timeout: float = 30) -> dict[str, Any]:
        """The newest dev-outbox entry on ``channel`` whose body contains ``containing``. A bounded
        poll for a real delivery (the notifier's dispatcher), not a timed assertion."""
        deadline = time.monotonic() + timeout
        async with self.browser(self.notifier_url) as client:
            while time.monotonic() < deadline:
                entries = (await client.get("/dev/outbox/latest", params={"limit": 50})).json()
                for entry in entries:
                    if entry["channel"] == channel and containing in (entry["body"] or ""):
                        return dict(entry)
                await asyncio.sleep(0.1)
        raise AssertionError(f"nothing on {channel} containing {containing!r}")


@pytest.fixture
async def live(make_db: Callable[..., str]) -> AsyncIterator[Live]:
    from idp.main import create_app as create_idp
    from notifier.main import create_app as create_notifier
    from notifier.settings import NotifierSettings
    from tests.notifier.conftest import FAST

    idp_port, notifier_port = free_port(), free_port()
    idp_url, notifier_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{notifier_port}"
    idp_app = create_idp(
        idp_settings(
            make_db("idp"), issuer=idp_url, notifier_url=notifier_url, login_rate_limit="1000/minute"
        )
    )
    notifier_app = create_notifier(
        NotifierSettings(
            database_url=make_db("notifier"),
            dev_mode=True,
            dev_outbox=True,
            idp_issuer=idp_url,
            idp_jwks_url=f"{idp_url}/.well-known/jwks.json",
            recipient_rate_limit="1000/hour",
            **FAST,
        )
    )
    with idp_app.state.write_session_factory() as session:
        create_account(session, idp_app.state.field_cipher, CITIZEN)
        session.commit()
    with serve_in_thread(idp_app, idp_port), serve_in_thread(notifier_app, notifier_port):
        yield Live(idp_url, notifier_url, idp_app)


def _confirm_phone(live: Live) -> None:
    with live.idp_app.state.write_session_factory() as session:
        account = session.query(Account).one()
        account.phone_verified = True
        session.commit()


async def _connect_app(live: Live) -> None:
    async with live.browser() as cabinet:
        form = await cabinet.get("/login")
        signed = await cabinet.post(
            "/login", data={"login": LOGIN, "password": PASSWORD, "csrf_token": csrf(form.text)}
        )
        assert signed.status_code == 303
        page = await cabinet.get("/account/security/app")
        added = await cabinet.post(
            "/account/security/app",
            data={"name": "Мой телефон", "current_password": PASSWORD, "csrf_token": csrf(page.text)},
        )
        assert added.status_code == 200 and "/dev/app?k=" in added.text
    _confirm_phone(live)


async def _login_until_the_number(browser: httpx.AsyncClient) -> tuple[str, str]:
    form = await browser.get("/login")
    sent = await browser.post(
        "/login", data={"login": LOGIN, "password": PASSWORD, "csrf_token": csrf(form.text)}
    )
    code_page = await browser.get(sent.headers["location"])
    started = await browser.post(
        "/login/app",
        data={"p": query_value(sent.headers["location"], "p"), "csrf_token": csrf(code_page.text)},
    )
    page = await browser.get(started.headers["location"])
    number = re.search(r'class="secret"><code>([0-9]{2})</code>', page.text)
    assert number, page.text[:2000]
    assert 'src="/login/app/poll.js"' in page.text  # the progressive enhancement is offered
    return query_value(started.headers["location"], "a"), number.group(1)


async def _open_the_push(live: Live) -> str:
    push = await live.outbox("push", containing="/dev/app?k=")
    link = re.search(r"(http://\S+/dev/app\?k=\S+)", push["body"])
    assert link, push["body"]
    assert push["subject"] == "Подтвердите вход"
    return html.unescape(link.group(1))


async def test_a_push_opens_the_app_and_the_number_shown_signs_in(live: Live) -> None:
    await _connect_app(live)
    async with live.browser() as browser, live.browser() as phone:
        handle, number = await _login_until_the_number(browser)
        push = (await live.outbox("push", containing="/dev/app?k="))["body"]
        assert number not in re.sub(r"http://\S+", "", push)  # the number is only on the login page
        app_page = await phone.get(await _open_the_push(live))
        buttons = re.findall(r'name="number" value="([0-9]{2})"', app_page.text)
        assert len(buttons) == 3 and number in buttons
        action = re.search(r'action="(/dev/app/approvals/[^"]+)"', app_page.text)
        assert action
        tapped = await phone.post(
            html.unescape(action.group(1)),
            data={"k": _key(app_page.text), "decision": "approve", "number": number},
        )
        assert tapped.status_code == 303

        assert (await browser.get("/login/app/status", params={"a": handle})).json() == {"status": "approved"}
        page = await browser.get("/login")
        done = await browser.post("/login/app/check", data={"a": handle, "csrf_token": csrf(page.text)})

        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert (await browser.get("/account")).status_code == 200


async def test_a_denial_in_the_app_warns_the_owner(live: Live) -> None:
    await _connect_app(live)
    async with live.browser() as browser, live.browser() as phone:
        handle, _ = await _login_until_the_number(browser)
        app_page = await phone.get(await _open_the_push(live))
        action = re.search(r'action="(/dev/app/approvals/[^"]+)"', app_page.text)
        assert action
        await phone.post(html.unescape(action.group(1)), data={"k": _key(app_page.text), "decision": "deny"})
        page = await browser.get("/login")
        done = await browser.post("/login/app/check", data={"a": handle, "csrf_token": csrf(page.text)})

        assert done.status_code == 403
        notice = await live.outbox("sms", containing="отклонена в приложении")
        assert notice["address"] == CITIZEN.phone


def _key(app_page: str) -> str:
    """The device credential the app page's forms carry (a hidden field)."""
    match = re.search(r'name="k" value="([^"]+)"', app_page)
    assert match, app_page[:2000]
    return html.unescape(match.group(1))
