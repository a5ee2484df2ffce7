"""Confirmation of a login in the app (issue 15 item 1): number matching, single use, bound to the
browser that asked, the device's own account only, the code lifetime; every refusal logged.

Each test connects an app to the account first (the cabinet, over HTTP), then confirms the phone
so that the next login asks for a second factor."""

from __future__ import annotations

import datetime as dt
import logging
import re

import httpx
import pyotp
import pytest

from idp.second_factor import totp
from idp.second_factor.assurance import ACR_MFA
from tests.idp.app_approval.conftest import CODE_TTL, OTHER, Stand, csrf, query_value
from tests.idp.conftest import CITIZEN

LOGIN = str(CITIZEN.email)


async def _connected(stand: Stand) -> str:
    credential = await stand.add_device(LOGIN)
    stand.update_account(stand.citizen_id, phone_verified=True)
    return credential


async def test_approving_with_the_number_shown_signs_in_with_mfa_and_swk(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)

    [request] = await stand.app_requests(credential)
    assert request["id"] == approval.handle
    assert len(set(request["choices"])) == 3 and approval.number in request["choices"]
    assert all(10 <= n <= 99 for n in request["choices"])
    assert request["browser"] and request["place"]
    tapped = await stand.tap(credential, approval.handle, "approve", approval.number)
    assert tapped.status_code == 303 and tapped.headers["location"].endswith("done=approved")

    status = await approval.browser.get("/login/app/status", params={"a": approval.handle})
    assert status.json() == {"status": "approved"}
    done = await stand.check(approval)

    assert done.status_code == 303 and done.headers["location"] == "/account"
    assert "idp_session" in done.cookies
    [login] = stand.events("login_succeeded")[-1:]
    assert login.account_id == stand.citizen_id
    assert login.details["amr"] == ["pwd", "swk", "mfa"] and login.details["acr"] == ACR_MFA
    [approved] = stand.events("app_approval_approved")
    assert approved.account_id == stand.citizen_id
    assert (await approval.browser.get("/account")).status_code == 200


async def test_the_login_page_keeps_waiting_until_the_app_answers(stand: Stand) -> None:
    await _connected(stand)
    approval = await stand.start_login(LOGIN)

    status = await approval.browser.get("/login/app/status", params={"a": approval.handle})
    assert status.json() == {"status": "pending"}
    waiting = await stand.check(approval)

    assert waiting.status_code == 200
    assert "Вход ещё не подтверждён в приложении." in waiting.text
    assert "idp_session" not in waiting.cookies
    assert stand.events("login_succeeded")[-1].details["amr"] == ["pwd"]  # the cabinet login only


async def test_denying_ends_the_login_warns_and_logs(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)

    tapped = await stand.tap(credential, approval.handle, "deny")
    assert tapped.headers["location"].endswith("done=denied")
    done = await stand.check(approval)

    assert done.status_code == 403 and "Вход отклонён в приложении" in done.text
    assert "idp_session" not in done.cookies
    [denied] = stand.events("app_approval_denied")
    assert (denied.account_id, denied.details["reason"]) == (stand.citizen_id, "denied")
    failed = stand.events("login_failed")[-1]
    assert (failed.account_id, failed.details["reason"]) == (stand.citizen_id, "app_denied")
    # the login is over: neither its code page nor a second check goes on
    assert (await approval.browser.get(f"/login/code?p={approval.pending}")).status_code == 400
    assert (await stand.check(approval)).status_code == 400


async def test_a_wrong_number_counts_as_a_denial(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)
    [request] = await stand.app_requests(credential)
    wrong = next(n for n in request["choices"] if n != approval.number)

    tapped = await stand.tap(credential, approval.handle, "approve", wrong)
    assert tapped.headers["location"].endswith("done=wrong_number")
    done = await stand.check(approval)

    assert done.status_code == 403
    [denied] = stand.events("app_approval_denied")
    assert denied.details["reason"] == "wrong_number"
    # and the right number cannot be tried after it: one answer per approval
    again = await stand.api_answer(
        credential, approval.handle, {"decision": "approve", "number": approval.number}
    )
    assert again.status_code == 409 and again.json()["code"] == "approval_already_answered"


async def test_the_approval_expires_with_the_code_lifetime(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)

    stand.clock.now += dt.timedelta(seconds=CODE_TTL - 1)
    assert len(await stand.app_requests(credential)) == 1
    stand.clock.now += dt.timedelta(seconds=1)
    assert await stand.app_requests(credential) == []
    late = await stand.api_answer(
        credential, approval.handle, {"decision": "approve", "number": approval.number}
    )
    assert late.status_code == 410 and late.json()["code"] == "approval_expired"
    status = await approval.browser.get("/login/app/status", params={"a": approval.handle})
    assert status.json() == {"status": "expired"}
    done = await stand.check(approval)

    assert done.status_code == 410 and "Время на подтверждение в приложении истекло" in done.text
    refused = stand.events("app_approval_refused")[-1]
    assert refused.details["reason"] == "expired"
    assert stand.events("login_failed")[-1].details["reason"] == "app_expired"
    assert stand.events("app_approval_approved") == []


async def test_an_approval_completes_one_login_only(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)
    body = {"decision": "approve", "number": approval.number}
    assert (await stand.api_answer(credential, approval.handle, body)).json() == {
        "status": "approved",
        "reason": None,
    }

    replayed = await stand.api_answer(credential, approval.handle, body)
    assert replayed.status_code == 409 and replayed.json()["code"] == "approval_already_answered"
    assert (await stand.check(approval)).status_code == 303
    again = await stand.check(approval)

    assert again.status_code == 400 and "уже использовано" in again.text
    assert len(stand.events("login_succeeded")) == 2  # the cabinet's, and this one once
    reasons = [e.details["reason"] for e in stand.events("app_approval_refused")]
    assert reasons == ["already_answered", "already_used"]


async def test_only_the_browser_that_started_the_login_can_complete_it(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)
    await stand.tap(credential, approval.handle, "approve", approval.number)
    other_browser = stand.browser()  # holds the login page's address, not its cookie

    status = await other_browser.get("/login/app/status", params={"a": approval.handle})
    assert status.status_code == 404 and status.json()["code"] == "approval_not_found"
    assert (await other_browser.get(f"/login/app?a={approval.handle}")).status_code == 400
    stolen = await stand.check(approval, browser=other_browser)

    assert stolen.status_code == 403 and "начат в другом браузере" in stolen.text
    assert "idp_session" not in stolen.cookies
    refused = stand.events("app_approval_refused")[-1]
    assert (refused.account_id, refused.details["reason"]) == (stand.citizen_id, "foreign_session")
    # the browser that asked still completes it
    assert (await stand.check(approval)).status_code == 303


async def test_two_logins_racing_each_complete_only_with_their_own_approval(stand: Stand) -> None:
    credential = await _connected(stand)
    first = await stand.start_login(LOGIN)
    second = await stand.start_login(LOGIN)
    await stand.tap(credential, first.handle, "approve", first.number)

    # the second browser cannot ride on the first approval, and its own still waits
    assert (await stand.check(first, browser=second.browser)).status_code == 403
    assert (await stand.check(second)).status_code == 200
    assert (await stand.check(first)).status_code == 303


async def test_another_accounts_device_cannot_answer(stand: Stand) -> None:
    await _connected(stand)
    intruder = await stand.add_device(str(OTHER.email), "Чужой телефон")
    approval = await stand.start_login(LOGIN)

    assert await stand.app_requests(intruder) == []
    answered = await stand.api_answer(
        intruder, approval.handle, {"decision": "approve", "number": approval.number}
    )
    tapped = await stand.tap(intruder, approval.handle, "approve", approval.number)

    assert answered.status_code == 403 and answered.json()["code"] == "approval_foreign_account"
    assert tapped.status_code == 403 and "другой учётной записи" in tapped.text
    refused = stand.events("app_approval_refused")
    assert [(e.account_id, e.details["reason"]) for e in refused] == [(stand.other_id, "foreign_account")] * 2
    assert (await approval.browser.get("/login/app/status", params={"a": approval.handle})).json() == {
        "status": "pending"
    }


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-device", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 150]
)
async def test_the_app_api_refuses_an_unknown_credential(stand: Stand, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = await stand.browser().post(
        "/api/app/approvals/whatever", json={"decision": "deny"}, headers=headers
    )

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_device_credential"
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert stand.events("app_approval_refused")[-1].details["reason"] == "unknown_device"


@pytest.mark.parametrize(
    "body",
    [{"decision": "maybe"}, {"decision": "approve", "number": "сорок"}, {"decision": "deny", "x": 1}, []],
)
async def test_the_app_api_refuses_a_malformed_answer(stand: Stand, body: object) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)

    answer = await stand.browser().post(
        f"/api/app/approvals/{approval.handle}", json=body, headers={"Authorization": f"Bearer {credential}"}
    )

    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert stand.events("app_approval_denied", "app_approval_approved") == []


async def test_an_unknown_approval_is_refused_and_logged(stand: Stand) -> None:
    credential = await _connected(stand)

    answer = await stand.api_answer(credential, "no-such-approval", {"decision": "deny"})

    assert answer.status_code == 404 and answer.json()["code"] == "approval_not_found"
    assert stand.events("app_approval_refused")[-1].details["reason"] == "unknown_approval"


async def test_a_removed_device_answers_nothing_and_others_cannot_remove_it(stand: Stand) -> None:
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)
    owner = stand.browser()
    stand.update_account(stand.citizen_id, phone_verified=False)  # the cabinet login without a code
    assert (await stand.password_login(owner, LOGIN)).status_code == 303
    intruder = stand.browser()
    assert (await stand.password_login(intruder, str(OTHER.email))).status_code == 303
    page = await owner.get("/account/security/app")
    [device_id] = [int(x) for x in re.findall(r"/account/security/app/([0-9]+)/remove", page.text)]

    foreign = await intruder.post(
        f"/account/security/app/{device_id}/remove",
        data={"csrf_token": _csrf_of(await intruder.get("/account"))},
    )
    assert foreign.status_code == 404
    removed = await owner.post(
        f"/account/security/app/{device_id}/remove", data={"csrf_token": _csrf_of(page)}
    )
    assert removed.status_code == 303

    assert (await stand.browser().get("/dev/app", params={"k": credential})).status_code == 404
    late = await stand.api_answer(
        credential, approval.handle, {"decision": "approve", "number": approval.number}
    )
    assert late.status_code == 401
    assert [e.details["device_id"] for e in stand.events("app_device_removed")] == [device_id]


async def test_connecting_an_app_asks_for_the_current_password(stand: Stand) -> None:
    browser = stand.browser()
    assert (await stand.password_login(browser, LOGIN)).status_code == 303
    page = await browser.get("/account/security/app")

    wrong = await browser.post(
        "/account/security/app",
        data={"name": "Телефон", "current_password": "Not-It-123", "csrf_token": _csrf_of(page)},
    )
    empty = await browser.post(
        "/account/security/app", data={"name": " ", "current_password": "", "csrf_token": _csrf_of(page)}
    )

    assert wrong.status_code == 400 and "Текущий пароль указан неверно." in wrong.text
    assert empty.status_code == 400 and "Введите название устройства" in empty.text
    assert stand.events("app_device_registered") == []
    assert stand.events("app_device_refused")[-1].details == {"reason": "wrong_password"}


async def test_the_pages_speak_english_too(stand: Stand) -> None:
    await _connected(stand)
    approval = await stand.start_login(LOGIN)

    page = await approval.browser.get(f"/login/app?a={approval.handle}&lang=en")

    assert "Open it and choose this number" in page.text and "Check" in page.text


def _csrf_of(response: httpx.Response) -> str:
    return csrf(response.text)


async def test_a_fourth_waiting_approval_sends_no_push(stand: Stand) -> None:
    credential = await _connected(stand)
    for _ in range(3):
        await stand.start_login(LOGIN)
    browser = stand.browser()
    sent = await stand.password_login(browser, LOGIN)
    code_page = await browser.get(sent.headers["location"])

    refused = await browser.post(
        "/login/app",
        data={"p": query_value(sent.headers["location"], "p"), "csrf_token": csrf(code_page.text)},
    )

    assert refused.status_code == 429 and "уже отправлено несколько запросов" in refused.text
    assert len(await stand.app_requests(credential)) == 3
    assert stand.events("app_approval_refused")[-1].details == {"reason": "too_many_waiting"}
    assert len(stand.events("app_approval_requested")) == 3


async def test_the_device_credential_and_the_browser_cookie_never_reach_the_logs(
    stand: Stand, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    credential = await _connected(stand)
    approval = await stand.start_login(LOGIN)
    cookie = approval.browser.cookies["idp_app_approval"]
    await stand.app_requests(credential)
    await stand.tap(credential, approval.handle, "approve", approval.number)
    assert (await stand.check(approval)).status_code == 303

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "/dev/app" in logged  # the pages were logged, without their secrets
    assert credential not in logged and cookie not in logged


async def test_a_login_finished_by_its_code_proves_the_code_and_kills_the_approval(stand: Stand) -> None:
    credential = await _connected(stand)
    cipher = stand.app.state.field_cipher
    with stand.app.state.write_session_factory() as session:
        secret = totp.begin_totp_enrollment(
            session, stand.citizen_id, cipher, "IdP", LOGIN, stand.clock.now
        ).secret
        totp.confirm_totp_enrollment(
            session, stand.citizen_id, pyotp.TOTP(secret).at(stand.clock.now), cipher, stand.clock.now
        )
        session.commit()
    stand.clock.now += dt.timedelta(seconds=30)  # the enrolment's time step is spent
    approval = await stand.start_login(LOGIN)

    code_page = await approval.browser.get(f"/login/code?p={approval.pending}")
    by_code = await approval.browser.post(
        "/login/code",
        data={
            "p": approval.pending,
            "code": pyotp.TOTP(secret).at(stand.clock.now),
            "csrf_token": csrf(code_page.text),
        },
    )
    assert by_code.status_code == 303
    assert stand.events("login_succeeded")[-1].details["amr"] == ["pwd", "otp", "mfa"]
    await stand.tap(credential, approval.handle, "approve", approval.number)

    late = await stand.check(approval)
    assert late.status_code == 400 and "уже использовано" in late.text
    assert len(stand.events("login_succeeded")) == 2
