"""The sessions list and the new-login notice name the device («Chrome 126, Windows»), keeping
the raw User-Agent beside the label for the page's title attribute."""

from __future__ import annotations

from idp.accounts.models import Account
from idp.cabinet.service import my_sessions
from tests.idp.accounts.conftest import PASSWORD, World, login, submit_code
from tests.idp.sessions.test_devices import CHROME_WINDOWS, SAFARI_IPHONE

EMAIL, PHONE = "maria@example.test", "+79167778899"


async def test_sessions_and_the_new_login_notice_name_the_device(world: World) -> None:
    world.make_account()
    async with world.client() as laptop, world.client() as phone:
        for browser, agent in ((laptop, CHROME_WINDOWS), (phone, SAFARI_IPHONE)):
            browser.headers["User-Agent"] = agent
            before = len(world.sms_texts(PHONE))
            first = await login(browser, EMAIL, PASSWORD)
            code = await world.sms_code(PHONE, after=before)
            done = await submit_code(browser, first.headers["location"], code)
            assert done.status_code == 303, done.text
        await world.mail(EMAIL, after=1)  # both new-login notices have arrived
        notices = "\n".join(m.part("plain") for m in world.mails_to(EMAIL))
        assert "Устройство: Chrome 126, Windows." in notices and "Устройство: Safari 17, iPhone." in notices
        assert CHROME_WINDOWS not in notices
        assert (await laptop.get("/account/security")).status_code == 200
    with world.idp_app.state.session_factory() as session:
        account = session.query(Account).filter_by(email=EMAIL).one()
        views = my_sessions(session, account.id, None, "en")
    assert {(v.device, v.user_agent) for v in views} == {
        ("Chrome 126, Windows", CHROME_WINDOWS),
        ("Safari 17, iPhone", SAFARI_IPHONE),
    }
