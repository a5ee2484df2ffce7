"""Registration (R-ACC-1..4): the JSON API and the page, confirmation by SMS code and e-mail link,
levels, and bad input refused field by field."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.idp.accounts.conftest import REGISTRATION, World, csrf, registration_form


async def test_api_registration_confirmation_and_levels(world: World) -> None:
    async with world.client() as http:
        response = await http.post("/api/v1/accounts", json=REGISTRATION)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["level"] == "registered" and body["registry_status"] == "passed"
        assert body["phone_code_sent"] is True and body["email_link_sent"] is True
        code = await world.sms_code("+79165554433")
        wrong = await http.post(
            "/api/v1/accounts/phone-confirmation",
            json={"confirmation_token": body["confirmation_token"], "code": "000000"},
        )
        assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_code"
        confirmed = await http.post(
            "/api/v1/accounts/phone-confirmation",
            json={"confirmation_token": body["confirmation_token"], "code": code},
        )
        assert confirmed.status_code == 200, confirmed.text
        # a confirmed contact and a passed registry check: standard at once
        assert confirmed.json()["level"] == "standard"
        mail = await world.mail("sidorov@example.test")
        link = re.search(r"https?://\S+/confirm-email\?token=[\w.\-]+", mail.part("plain"))
        assert link, mail.part("plain")
        page = await http.get(link.group(0).replace(world.idp_url, ""))
        assert page.status_code == 200 and "подтверждён" in page.text
        again = await http.get(link.group(0).replace(world.idp_url, "") + "x")
        assert again.status_code == 400


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("snils", "112-233-445 96", "snils_checksum"),
        ("birth_date", "30.09.1978", "date_format"),
        ("birth_date", "2999-01-01", "birth_date_future"),
        ("phone", "+7 495 123-45-67", "phone_not_mobile"),
        ("email", "no-domain@", "email_invalid"),
        ("passport_series", "45АБ", "passport_series_format"),
        ("last_name", "Cидоров", "name_mixed_scripts"),
        ("password", "qwerty12345", "password_common"),
        ("inn", "500100732258", "inn_checksum"),
    ],
)
async def test_api_refuses_each_bad_field_with_its_own_code(
    world: World, field: str, value: str, code: str
) -> None:
    async with world.client() as http:
        response = await http.post("/api/v1/accounts", json={**REGISTRATION, field: value})
    assert response.status_code == 422, response.text
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert field in errors, errors
    assert errors[field]["code"].startswith(code.split("_")[0]), errors[field]
    assert errors[field]["message"]  # a Russian sentence a person can act on


async def test_date_messages_are_the_ones_the_seeds_quote(world: World) -> None:
    async with world.client() as http:
        bad = await http.post("/api/v1/accounts", json={**REGISTRATION, "birth_date": "1978/09/30"})
        future = await http.post("/api/v1/accounts", json={**REGISTRATION, "birth_date": "2999-01-01"})
    assert {e["field"]: e["message"] for e in bad.json()["errors"]}["birth_date"] == "Неверный формат даты"
    future_message = {e["field"]: e["message"] for e in future.json()["errors"]}["birth_date"]
    assert future_message == "Дата рождения не может быть в будущем"


async def test_contacts_and_documents_are_unique_without_saying_whose(world: World) -> None:
    world.make_account(
        email="sidorov@example.test",
        phone="+79165554433",
        snils=None,
        passport_series=None,
        passport_number=None,
    )
    async with world.client() as http:
        response = await http.post("/api/v1/accounts", json=REGISTRATION)
    assert response.status_code == 409
    body = response.json()
    assert {e["field"] for e in body["errors"]} == {"email", "phone"}
    assert "Кузнецова" not in response.text and "maria" not in response.text


async def test_registry_verdict_is_explained(world: World) -> None:
    async with world.client() as http:
        response = await http.post("/api/v1/accounts", json={**REGISTRATION, "first_name": "Павел"})
    assert response.json()["registry_status"] == "failed"
    assert response.json()["registry_reason"] == "names_differ"


async def test_page_registration_escapes_markup_and_lands_in_the_cabinet(world: World) -> None:
    async with world.client() as http:
        form = await http.get("/register")
        assert 'autocomplete="new-password"' in form.text and 'autocomplete="bday-day"' in form.text
        token = csrf(form.text)
        bad = await http.post(
            "/register",
            data={
                **registration_form(),
                "last_name": "<script>alert(1)</script>",
                "snils": "1' OR '1'='1",
                "csrf_token": token,
            },
        )
        assert bad.status_code == 422
        assert "<script>alert(1)</script>" not in bad.text and "&lt;script&gt;" in bad.text
        assert 'aria-invalid="true"' in bad.text
        ok = await http.post("/register", data={**registration_form(), "csrf_token": token})
        assert ok.status_code == 303 and ok.headers["location"] == "/register/phone"
        cabinet = await http.get("/account")
        assert cabinet.status_code == 200
        assert "Сидоров" in cabinet.text and "Зарегистрирована" in cabinet.text
        code = await world.sms_code("+79165554433")
        page = await http.get("/account/contacts/phone")
        confirmed = await http.post(
            "/account/contacts/phone/confirm", data={"code": code, "csrf_token": csrf(page.text)}
        )
        assert confirmed.status_code == 303
        assert "Стандартная" in (await http.get("/account")).text
        assert isinstance(http, httpx.AsyncClient)
