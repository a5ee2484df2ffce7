"""The dev outbox: where a demo user reads their code. Dev mode only."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.notifier.conftest import otp

STRONG_KEY = "k" * 20 + "9f2c1a7e3b5d4c6f8a0b"


def test_settings_refuse_the_dev_outbox_outside_dev_mode() -> None:
    from notifier.settings import NotifierSettings

    with pytest.raises(ValidationError, match="NOTIFIER_DEV_OUTBOX"):
        NotifierSettings(dev_mode=False, data_key=STRONG_KEY, dev_outbox=True)


def test_production_refuses_the_placeholder_data_key() -> None:
    from notifier.settings import NotifierSettings

    with pytest.raises(ValidationError, match="NOTIFIER_DATA_KEY"):
        NotifierSettings(dev_mode=False)
    assert not NotifierSettings(dev_mode=False, data_key=STRONG_KEY).dev_outbox_enabled
    assert NotifierSettings(dev_mode=True).dev_outbox_enabled


async def test_the_page_does_not_exist_outside_dev_mode(start_notifier: Any) -> None:
    async with start_notifier(dev_mode=False, dev_outbox=None, data_key=STRONG_KEY) as n:
        page = await n.client.get("/dev/outbox")
        latest = await n.client.get("/dev/outbox/latest")
        # and with no gateway configured there is no channel at all
        refused = await n.send(otp())
    assert page.status_code == 404 and latest.status_code == 404
    assert refused.status_code == 422 and refused.json()["code"] == "channel_unavailable"


async def test_in_dev_mode_without_gateways_every_channel_lands_in_the_outbox(start_notifier: Any) -> None:
    async with start_notifier(dev_outbox=None) as n:
        mail = (await n.send(otp())).json()["id"]
        sms = (await n.send(otp(email_addr=None, phone="+79161234567", channels=["sms"]))).json()["id"]
        for message_id in (mail, sms):
            await n.wait_status(message_id, "delivered")
        page = await n.client.get("/dev/outbox")
        latest = (await n.client.get("/dev/outbox/latest", params={"address": "+79161234567"})).json()
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Код подтверждения" in page.text and "483920" in page.text
    assert [e["message_id"] for e in latest] == [sms]
    assert latest[0]["body"] == "Код: 483920. Действует 10 мин. Никому не сообщайте его."


async def test_the_page_escapes_what_it_shows(start_notifier: Any) -> None:
    body = otp(template="consent_changed", params={"action": "given", "party": "<script>alert(1)</script>"})
    async with start_notifier(dev_outbox=True) as n:
        await n.wait_status((await n.send(body)).json()["id"], "delivered")
        page = (await n.client.get("/dev/outbox")).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


async def test_dev_outbox_address_00_is_an_empty_list(start_notifier: Any) -> None:
    """Found by schemathesis on PostgreSQL, which refuses NUL in a query parameter: was a 500."""
    async with start_notifier(dev_outbox=True, dispatcher_enabled=False) as n:
        response = await n.client.get("/dev/outbox/latest?address=%00")
    assert response.status_code == 200 and response.json() == []
