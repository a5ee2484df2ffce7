"""The per-IP login limit when its Redis is down: it fails open, like the notifier's limits (see
``idp/login/throttle.py`` for why), and the per-account lockout still stops the guessing."""

from __future__ import annotations

import logging

import pytest

from idp.login.throttle import LoginThrottle
from tests.idp.accounts.conftest import PASSWORD, World, login
from tests.live import free_port

EMAIL = "maria@example.test"


async def test_redis_down_fails_open_past_the_limit_and_the_lockout_still_locks(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """2 attempts a minute, Redis on a closed port, 7 wrong passwords from one address: none is
    refused by the limit (no 429, no 500), the fifth locks the account, and even the right
    password is then refused."""
    world.make_account()
    throttle = LoginThrottle("2/minute", f"redis://127.0.0.1:{free_port()}/0")
    world.idp_app.state.login_throttle = throttle
    with caplog.at_level(logging.WARNING, logger="idp.login.throttle"):
        async with world.client() as browser:
            statuses = [(await login(browser, EMAIL, "Wrong-Password-1")).status_code for _ in range(6)]
            last = await login(browser, EMAIL, PASSWORD)
    assert statuses == [401] * 6 and last.status_code == 401
    assert "Учётная запись заблокирована" in last.text
    assert throttle.storage_errors >= 7
    warnings = [r for r in caplog.records if r.name == "idp.login.throttle"]
    assert warnings and all(
        r.getMessage() == "rate-limit storage unavailable; limit not applied" for r in warnings
    )


async def test_the_limit_applies_while_its_storage_answers(world: World) -> None:
    """The control: the same limit with working (memory) storage refuses the third attempt."""
    world.idp_app.state.login_throttle = LoginThrottle("2/minute")
    async with world.client() as browser:
        statuses = [(await login(browser, EMAIL, "Wrong-Password-1")).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
