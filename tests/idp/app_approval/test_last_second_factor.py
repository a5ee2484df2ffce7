"""Issue 15 item 4 at the code step: after a login confirmed in the app, the same device's next code
page offers «Подтвердить в приложении» first (a primary button above the code field); a device
that last typed a code sees the code field first and the app as another way."""

from __future__ import annotations

from idp.login.last_method import LAST_METHOD_COOKIE
from tests.idp.app_approval.conftest import Stand
from tests.idp.conftest import CITIZEN

LOGIN = str(CITIZEN.email)


async def test_the_app_is_offered_first_on_the_device_that_used_it_last(stand: Stand) -> None:
    credential = await stand.add_device(LOGIN)
    stand.update_account(stand.citizen_id, phone_verified=True)
    approval = await stand.start_login(LOGIN)
    await stand.tap(credential, approval.handle, "approve", approval.number)
    done = await stand.check(approval)
    assert done.status_code == 303
    browser = approval.browser
    assert browser.cookies.get(LAST_METHOD_COOKIE) == "password+app"

    browser.cookies.delete("idp_session")
    sent = await stand.password_login(browser, LOGIN)
    page = (await browser.get(sent.headers["location"])).text
    app_button = page.index("Подтвердить в приложении")
    assert app_button < page.index('name="code"')
    assert 'class="button button--secondary"' not in page[page.rfind("<form", 0, app_button) : app_button]

    other = stand.browser()  # a device with no habit: the code first, the app below it
    sent = await stand.password_login(other, LOGIN)
    page = (await other.get(sent.headers["location"])).text
    assert page.index('name="code"') < page.index("Подтвердить в приложении")
