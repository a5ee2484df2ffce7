"""The dev-mode registry sandbox (issue 10): any well-formed SNILS and passport of a new person pass
the standard-level check; the documented test passport numbers (docs/accounts.md) provoke each
other outcome; an unavailable registry leaves the check pending for the person to retry. Outside
dev mode the built-in registry still knows only the demo passports."""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest

from idp.accounts.models import Account
from idp.accounts.registry import (
    DEMO_PASSPORTS,
    BuiltinRegistry,
    HttpRegistry,
    IdentityClaim,
    PassportRecord,
    SandboxRegistry,
)
from idp.login.i18n import text
from idp.main import identity_registry
from idp.settings import IdpSettings
from tests.idp.accounts.conftest import World, csrf, registration_form

#: a person the demo registry has never heard of; SNILS 123-456-789 64 has a valid checksum
NEWCOMER = {
    "last_name": "Орлова",
    "first_name": "Ольга",
    "middle_name": "Петровна",
    "birth_date": "1992-03-14",
    "snils": "123-456-789 64",
    "inn": "",
    "phone": "+7 916 123-45-67",
    "email": "orlova@example.test",
    "passport_series": "4620",
    "passport_number": "987654",
    "passport_issue_date": "2012-04-01",
    "passport_issuer": "ОУФМС России по г. Москве",
    "passport_division_code": "770-001",
    "password": "Zebra-Lantern-77",
}
PHONE = "+79161234567"


async def register_and_confirm(world: World, http: httpx.AsyncClient, **changes: str) -> str:
    """Register through the page, confirm the phone with the SMS code; the cabinet page after."""
    form = await http.get("/register")
    fields = registration_form(**{**NEWCOMER, **changes})
    done = await http.post("/register", data={**fields, "csrf_token": csrf(form.text)})
    assert done.status_code == 303, done.text
    code = await world.sms_code(PHONE)
    page = await http.get("/account/contacts/phone")
    confirmed = await http.post(
        "/account/contacts/phone/confirm", data={"code": code, "csrf_token": csrf(page.text)}
    )
    assert confirmed.status_code == 303, confirmed.text
    cabinet = await http.get("/account")
    assert cabinet.status_code == 200
    return cabinet.text


async def test_a_new_person_with_well_formed_documents_becomes_standard(world: World) -> None:
    async with world.client() as http:
        cabinet = await register_and_confirm(world, http)
    assert text("level_standard", "ru") in cabinet
    assert text("level_simplified", "ru") not in cabinet


@pytest.mark.parametrize(
    ("number", "reason"),
    [("000001", "not_found"), ("000002", "names_differ"), ("000003", "birth_date_differs")],
)
async def test_each_test_passport_number_fails_with_its_reason(
    world: World, number: str, reason: str
) -> None:
    async with world.client() as http:
        cabinet = await register_and_confirm(world, http, passport_number=number)
    assert text("level_simplified", "ru") in cabinet
    assert text(f"reason_{reason}", "ru") in cabinet
    with world.idp_app.state.session_factory() as session:
        account = session.query(Account).filter_by(phone=PHONE).one()
        assert (account.registry_status, account.registry_reason) == ("failed", reason)


async def test_an_unavailable_registry_leaves_the_check_pending_and_the_person_retries(world: World) -> None:
    state = world.idp_app.state
    async with world.client() as http:
        cabinet = await register_and_confirm(world, http, passport_number="000004")
        assert text("level_simplified", "ru") in cabinet
        assert text("reason_unavailable", "ru") in cabinet
        token = csrf((await http.get("/account/contacts/phone")).text)
        # still unavailable: still pending, never failed
        again = await http.post("/account/registry-check", data={"csrf_token": token})
        assert again.status_code == 303 and again.headers["location"] == "/account"
        assert text("reason_unavailable", "ru") in (await http.get("/account")).text
        # a forged retry (no CSRF token) runs nothing
        forged = await http.post("/account/registry-check", data={})
        assert forged.status_code == 400
        # the registry is back and knows the passport: the retry makes the account standard
        back = BuiltinRegistry(
            (PassportRecord("4620", "000004", "Орлова", "Ольга", "Петровна", dt.date(1992, 3, 14)),)
        )
        saved = state.accounts_context
        state.accounts_context = dataclasses.replace(saved, registry=back)
        try:
            retried = await http.post("/account/registry-check", data={"csrf_token": token})
        finally:
            state.accounts_context = saved
        assert retried.status_code == 303
        cabinet = (await http.get("/account")).text
    assert text("level_standard", "ru") in cabinet
    assert text("reason_unavailable", "ru") not in cabinet


async def test_a_failed_check_is_not_retried_without_new_data(world: World) -> None:
    state = world.idp_app.state
    async with world.client() as http:
        await register_and_confirm(world, http, passport_number="000001")
        token = csrf((await http.get("/account/contacts/phone")).text)
        # even a registry that would now say yes is not asked: the data must be corrected
        yes = BuiltinRegistry(
            (PassportRecord("4620", "000001", "Орлова", "Ольга", "Петровна", dt.date(1992, 3, 14)),)
        )
        saved = state.accounts_context
        state.accounts_context = dataclasses.replace(saved, registry=yes)
        try:
            await http.post("/account/registry-check", data={"csrf_token": token})
        finally:
            state.accounts_context = saved
        cabinet = (await http.get("/account")).text
    assert text("level_simplified", "ru") in cabinet and text("reason_not_found", "ru") in cabinet


def claim(**changes: str | None) -> IdentityClaim:
    values = {
        "last_name": "Орлова",
        "first_name": "Ольга",
        "middle_name": "Петровна",
        "birth_date": dt.date(1992, 3, 14),
        "snils": "12345678964",
        "passport_series": "4620",
        "passport_number": "987654",
    } | changes
    return IdentityClaim(**values)  # type: ignore[arg-type]


def test_the_sandbox_still_checks_the_snils_checksum_and_completeness() -> None:
    sandbox = SandboxRegistry()
    assert sandbox.check(claim(snils="12345678965")).reason == "bad_checksum"
    assert sandbox.check(claim(passport_number=None)).reason == "incomplete"


def test_the_sandbox_checks_a_demo_passport_against_its_record() -> None:
    demo = claim(
        last_name="Сидоров",
        first_name="Пётр",
        middle_name="Алексеевич",
        passport_series="4512",
        passport_number="111222",
    )
    assert SandboxRegistry().check(demo).reason == "birth_date_differs"  # Сидоров was born in 1978


STRONG = "k" * 20 + "9f2c1a7e3b5d4c6f8a0b"
PRODUCTION = {
    "dev_mode": False,
    "issuer": "https://idp.example.test",
    "key_encryption_key": STRONG,
    "client_secret_pepper": STRONG + "0",
    "personal_data_key": STRONG + "1",
    "cookie_key": STRONG + "2",
    "code_hash_key": STRONG + "3",
}


def test_outside_dev_mode_without_a_registry_nobody_is_confirmed() -> None:
    registry = identity_registry(IdpSettings(**PRODUCTION))  # type: ignore[arg-type]
    assert not isinstance(registry, SandboxRegistry)
    assert registry.check(claim()).reason == "unavailable"
    assert registry.check(claim(passport_number="000002")).reason == "unavailable"  # no test values
    demo = DEMO_PASSPORTS[0]
    held = claim(
        last_name=demo.last_name,
        first_name=demo.first_name,
        middle_name=demo.middle_name,
        birth_date=demo.birth_date,
        passport_series=demo.series,
        passport_number=demo.number,
    )
    assert not registry.check(held).passed  # the demo passports are not trusted in production


def test_a_configured_registry_url_wins_in_every_mode() -> None:
    for dev in (True, False):
        settings = IdpSettings(
            **{**PRODUCTION, "dev_mode": dev, "registry_verifier_url": "https://r.test/check"}
        )  # type: ignore[arg-type]
        assert isinstance(identity_registry(settings), HttpRegistry)
