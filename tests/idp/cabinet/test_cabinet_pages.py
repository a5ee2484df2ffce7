"""The cabinet's pages as a person reads them (issue 10): dates and SNILS as people write them,
local times with their zone, a way forward from every status message, no page for an unknown
contact kind, a reason beside every greyed-out choice, an app's permissions as a list."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import select

from idp.accounts.models import Account
from idp.audit.models import SecurityEvent
from idp.consents import service as consents
from idp.second_factor import devices
from idp.sessions.models import UserSession
from shared.web.formatting import format_datetime
from tests.idp.conftest import CITIZEN, PASSWORD, Provider, _csrf

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
LOCAL_MOMENT = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d MSK")


async def signed_in(provider: Provider) -> httpx.AsyncClient:
    """The citizen signed in (contacts unconfirmed: no second factor is asked)."""
    http = provider.http
    page = await http.get("/login")
    done = await http.post(
        "/login", data={"login": CITIZEN.email, "password": PASSWORD, "csrf_token": _csrf(page.text)}
    )
    assert done.status_code == 303, done.text
    return http


@contextmanager
def citizen(provider: Provider) -> Iterator[tuple[Any, Account]]:
    with provider.app.state.session_factory() as session:
        account = session.scalars(select(Account).where(Account.sub == provider.account_sub)).one()
        yield session, account
        session.commit()


def links_in_banners(html: str) -> dict[str, str]:
    """Each banner's text → the link it offers."""
    out = {}
    for banner in re.findall(r'<div class="banner banner--\w+".*?</div>', html, re.S):
        link = re.search(r'<a class="banner__link" href="([^"]+)"', banner)
        text = re.sub(r"<[^>]+>", " ", banner)
        out[" ".join(text.split())] = link.group(1) if link else ""
    return out


async def test_my_data_shows_the_birth_date_and_snils_as_people_write_them(provider: Provider) -> None:
    http = await signed_in(provider)
    page = (await http.get("/account")).text
    assert "02.01.1990" in page and "1990-01-02" not in page
    assert "112-233-445 95" in page


async def test_cabinet_times_are_local_with_their_zone_never_utc(provider: Provider) -> None:
    http = await signed_in(provider)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with citizen(provider) as (session, account):
        devices.trust_device(session, account.id, "Mozilla/5.0 (X11; Linux x86_64)", now, days=30)
    security = (await http.get("/account/security")).text
    assert f"Доверие до: {format_datetime(now + dt.timedelta(days=30), 'Europe/Moscow')}" in security
    assert re.search(r"Последняя активность: " + LOCAL_MOMENT.pattern, security)
    assert "UTC" not in security
    events = (await http.get("/account/events")).text
    with citizen(provider) as (session, account):
        login = session.scalars(
            select(SecurityEvent).where(
                SecurityEvent.account_id == account.id, SecurityEvent.event_type == "login_succeeded"
            )
        ).first()
    assert login is not None
    assert format_datetime(login.occurred_at, "Europe/Moscow") in events
    assert "UTC" not in events


async def test_every_status_message_links_to_the_page_that_resolves_it(provider: Provider) -> None:
    """«Исправьте данные и отправьте их ещё раз» linked nowhere; the key-data and e-mail pages
    could only be reached by typing their address."""
    http = await signed_in(provider)
    with citizen(provider) as (_, account):
        account.phone_verified = True  # simplified; the e-mail is still unconfirmed
        account.level = "simplified"
        account.registry_status = "failed"
        account.registry_reason = "names_differ"
    page = (await http.get("/account")).text
    banners = links_in_banners(page)
    fix = next(k for k in banners if "Исправьте данные и отправьте их ещё раз" in k)
    assert "ФИО не совпадает с данными паспорта" in fix and banners[fix] == "/account/key-data"
    mail = next(k for k in banners if CITIZEN.email in k and "не подтверждена" in k)
    assert banners[mail] == "/account/contacts/email"
    # «Мои данные» has change links to the key data and to each contact
    assert 'href="/account/key-data"' in page.split('class="summary"', 1)[1]
    assert 'href="/account/contacts/phone"' in page and 'href="/account/contacts/email"' in page
    # and each link leads to a page that works
    for path in ("/account/key-data", "/account/contacts/email", "/account/contacts/phone"):
        assert (await http.get(path)).status_code == 200, path


async def test_a_registered_account_is_sent_to_confirm_a_contact(provider: Provider) -> None:
    http = await signed_in(provider)
    banners = links_in_banners((await http.get("/account")).text)
    confirm = next(k for k in banners if "Подтвердите телефон или почту" in k)
    assert banners[confirm] == "/account/contacts/phone"


async def test_a_pending_new_phone_links_to_where_its_code_goes(provider: Provider) -> None:
    http = await signed_in(provider)
    with citizen(provider) as (_, account):
        account.pending_phone = "+79160009988"
    banners = links_in_banners((await http.get("/account")).text)
    pending = next(k for k in banners if "+79160009988" in k)
    assert banners[pending] == "/account/contacts/phone"
    contact = (await http.get("/account/contacts/phone")).text
    assert contact.index('name="code"') < contact.index('name="value"')  # the code comes first


async def test_an_unknown_contact_kind_is_not_found(provider: Provider) -> None:
    http = await signed_in(provider)
    page = await http.get("/account/contacts/zzz", headers=BROWSER)
    assert page.status_code == 404 and "Страница не найдена" in page.text
    token = _csrf((await http.get("/account/security")).text)
    for action in ("send", "confirm"):
        posted = await http.post(f"/account/contacts/zzz/{action}", data={"csrf_token": token, "value": "x"})
        assert posted.status_code == 404, action


async def test_a_greyed_out_second_factor_says_why_and_how_to_enable_it(provider: Provider) -> None:
    http = await signed_in(provider)
    page = (await http.get("/account/security")).text
    radio = re.search(r'<input[^>]*id="method-totp"[^>]*>', page)
    assert radio and "disabled" in radio.group(0)
    assert 'aria-describedby="method-totp-hint"' in radio.group(0)
    hint = re.search(r'<p[^>]*id="method-totp-hint">(.*?)</p>', page, re.S)
    assert hint and "приложение-аутентификатор" in hint.group(1)
    assert 'href="#totp"' in hint.group(1)
    enable = page[page.index('id="totp"') :]
    assert 'action="/account/security/totp/start"' in enable.split("<h2", 1)[0]
    # the SMS choice likewise points to confirming the phone
    sms = re.search(r'<p[^>]*id="method-sms-hint">(.*?)</p>', page, re.S)
    assert sms and 'href="/account/contacts/phone"' in sms.group(1)


async def test_apps_list_each_permission_with_the_grant_date_and_a_revoke_button(provider: Provider) -> None:
    http = await signed_in(provider)
    with citizen(provider) as (session, account):
        consent = consents.grant(session, account.id, "rp-web", {"openid", "profile", "email", "snils"})
        granted = consent.granted_at
    page = (await http.get("/account/apps")).text
    card = page[page.index("Поликлиника онлайн") :]
    items = re.findall(r"<li>([^<]+)</li>", card.split("</ul>", 1)[0])
    assert items == ["Ваш идентификатор", "ФИО, дата рождения, пол", "Адрес электронной почты", "СНИЛС"]
    local_day = format_datetime(granted, "Europe/Moscow").split()[0]
    assert f"Разрешено: {local_day}" in card
    assert 'action="/account/apps/rp-web/revoke"' in card


async def test_a_session_without_a_user_agent_is_an_unknown_device(provider: Provider) -> None:
    http = await signed_in(provider)
    with citizen(provider) as (session, account):
        for row in session.scalars(select(UserSession).where(UserSession.account_id == account.id)):
            row.user_agent = None
    page = (await http.get("/account/security")).text
    assert "Неизвестное устройство" in page
    english = (await http.get("/account/security?lang=en")).text
    assert "Unknown device" in english


async def test_the_sessions_list_names_the_browser_and_system_not_the_raw_user_agent(
    provider: Provider,
) -> None:
    """Issue 10 item 4 through the page: a session started by Chrome 156 on Windows is listed as
    «Chrome 156, Windows»; the raw string is only the element's title."""
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36"
    )
    http = provider.http
    page = await http.get("/login", headers={"User-Agent": chrome})
    done = await http.post(
        "/login",
        data={"login": CITIZEN.email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        headers={"User-Agent": chrome},
    )
    assert done.status_code == 303
    security = (await http.get("/account/security")).text
    card = re.search(r'<p class="card__title"><span title="([^"]*)">([^<]*)</span>', security)
    assert card and card.group(2) == "Chrome 156, Windows" and card.group(1) == chrome
    assert security.count("AppleWebKit") == 1  # only in the title


async def test_the_standard_and_waiting_statuses_link_where_they_are_resolved(provider: Provider) -> None:
    """Every status has its way forward: the registry did not answer → the «Проверить ещё раз»
    button on the page (nothing repeats the check by itself, so nothing says it will); standard
    level → the signature login, where a КЭП naming the SNILS confirms the identity."""
    http = await signed_in(provider)
    with citizen(provider) as (_, account):
        account.phone_verified = True
        account.registry_status, account.registry_reason = "pending", "unavailable"
    page = (await http.get("/account")).text
    waiting = next(k for k in links_in_banners(page) if "Реестр не ответил" in k)
    assert links_in_banners(page)[waiting] == "#registry-check" and "будет повторена" not in page
    assert re.search(r'<form id="registry-check" method="post" action="/account/registry-check">', page)
    with citizen(provider) as (_, account):
        account.registry_status, account.registry_reason = "passed", None
        account.level = "standard"
    page = (await http.get("/account")).text
    banners = links_in_banners(page)
    confirm = next(k for k in banners if "Подтвердите личность" in k)
    assert "квалифицированной электронной подписью" in confirm
    assert banners[confirm] == "/login/signature?next=/account"
    assert (await http.get(banners[confirm])).status_code == 200
    for text, link in banners.items():  # and no status is left without one
        assert link, text
