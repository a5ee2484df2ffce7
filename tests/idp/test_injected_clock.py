"""The login flows read the time from the clock given to create_app (issue 9, item 4): a test moves
time instead of sleeping, and a pending request expires exactly when the clock passes its lifetime."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import httpx

from idp.main import create_app
from tests.conftest import idp_settings, running

TTL = 600


class MovableClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


async def _recovery_request(browser: httpx.AsyncClient) -> str:
    form = await browser.get("/recover")
    sent = await browser.post(
        "/recover", data={"login": "nobody@example.test", "csrf_token": _csrf(form.text)}
    )
    assert sent.status_code == 303
    return str(sent.headers["location"])


async def test_recovery_request_expires_when_the_injected_clock_passes_its_lifetime(
    make_db: Callable[..., str],
) -> None:
    clock = MovableClock()
    app = create_app(idp_settings(make_db("idp"), interaction_ttl=TTL), clock=clock)
    async with running(app) as browser:
        code_page = await _recovery_request(browser)

        clock.now += dt.timedelta(seconds=TTL - 1)
        assert (await browser.get(code_page)).status_code == 200

        clock.now += dt.timedelta(seconds=1)
        expired = await browser.get(code_page)
        assert expired.status_code == 400


async def test_a_request_parked_by_a_clock_a_day_behind_is_alive_by_that_clock(
    make_db: Callable[..., str],
) -> None:
    """The other direction: the wall clock is not what decides (the request was parked by a clock
    running a day behind, so it is long expired by the time the real clock would look)."""
    clock = MovableClock()
    clock.now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    app = create_app(idp_settings(make_db("idp"), interaction_ttl=TTL), clock=clock)
    async with running(app) as browser:
        code_page = await _recovery_request(browser)
        assert (await browser.get(code_page)).status_code == 200  # alive by the injected clock
