"""How code pages talk about codes: why no code was sent (the problem keys of
``flow.send_code_for``) and the second-factor page itself (shared by the login and cabinet flows)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.app_approval import devices as app_devices
from idp.login import flow, last_method
from idp.login.forms import PageKit
from idp.passkeys import service as passkeys
from idp.second_factor import codes as code_rules
from idp.second_factor import errors as codes
from idp.second_factor.models import OneTimeCode, PendingLogin
from shared.db import utcnow
from shared.web import formatting


def mask_phone(phone: str) -> str:
    """«+7 ••• •••-••-66»: enough to recognise one's own number, not enough to learn it."""
    return f"{phone[:2]} ••• •••-••-{phone[-2:]}"


def mask(account: Account, channel: str) -> str:
    if channel == "sms" and account.phone:
        return mask_phone(account.phone)
    if account.email:
        local, _, domain = account.email.partition("@")
        return f"{local[:1]}•••@{domain}"
    return "—"


def problem_text(kit: PageKit, problem: str | None, wait: int | None = None) -> str | None:
    """Why no code was sent and what the person can do. ``wait``: seconds until a new code can be
    sent, when the page knows it (else the figure in ``cooldown:N``, or "later")."""
    if not problem:
        return None
    kind, _, seconds = problem.partition(":")
    if wait is None and seconds.isdigit():
        wait = int(seconds)
    if kind == "cooldown":
        cooldown = str(kit.settings.code_resend_cooldown_seconds)
        return _then(kit, kit.t("code_not_sent_cooldown", cooldown=cooldown), wait, "code_retry_later")
    if kind == "hourly":
        return _then(kit, kit.t("code_not_sent_hourly"), wait, "code_retry_later")
    if kind == "recipient":
        return f"{kit.t('code_not_sent_recipient')} {kit.t('code_retry_later')}"
    if kind == "notifier":
        return _then(kit, kit.t("code_not_sent_notifier"), wait, "code_retry_now")
    return None


def _then(kit: PageKit, what: str, wait: int | None, otherwise: str) -> str:
    if not wait:
        return f"{what} {kit.t(otherwise)}"
    if wait >= 120:
        return f"{what} {kit.t('code_retry_in_minutes', minutes=str(math.ceil(wait / 60)))}"
    return f"{what} {kit.t('code_retry_in', seconds=str(wait))}"


def error_text(kit: PageKit, exc: Exception) -> str:
    if isinstance(exc, codes.SecondFactorError):
        return exc.user_message(kit.locale)
    return kit.t("code_invalid_plain")


def code_prompt(kit: PageKit, account: Account, live: OneTimeCode | None, *, earlier: bool) -> str:
    """What the person can type now: the code that was sent (named by where it went and until
    when it works), or nothing to type yet. ``earlier``: the last request sent no new code."""
    if live is None:
        return kit.t("code_none")
    until = local_time(kit, live.expires_at)
    key = f"code_earlier_{live.channel}" if earlier else f"code_live_{live.channel}"
    return kit.t(key, to=mask(account, live.channel), until=until)


def local_time(kit: PageKit, moment: dt.datetime) -> str:
    """«15:04 MSK»: a time of day as the person reads it (the ``timezone`` setting), never UTC."""
    return formatting.format_time(moment, kit.settings.timezone)


def phone_confirmation_prompt(kit: PageKit, session: Session, account: Account) -> str:
    """Right after registration: the SMS code that works now, named by the masked number it went
    to (read from the database: never «we sent» when nothing was sent), or ask for a new one."""
    live = code_rules.live_code(
        session,
        account_id=account.id,
        purpose="phone_confirmation",
        now=utcnow(),
        max_attempts=kit.settings.code_max_attempts,
    )
    if live is None:
        return kit.t("phone_code_none")
    target = account.pending_phone or account.phone or ""
    to = mask_phone(target) if target else "—"
    return kit.t("phone_code_sent", to=to, until=local_time(kit, live.expires_at))


def code_state(
    kit: PageKit, session: Session, account: Account, pending: PendingLogin, problem: str | None
) -> tuple[str, int, bool]:
    """What a code page may truthfully say (issue 9): the prompt for the code that works now, read
    from the database (never «we sent» when nothing was sent), the seconds until another code can
    be asked for, and whether a code works now. ``problem``: what the last request for a code met
    (a key from ``flow.send_code_for``)."""
    settings = kit.settings
    purpose = flow.CODE_PURPOSE.get(pending.purpose, pending.purpose)
    now = utcnow()
    live, wait = code_rules.code_outlook(
        session,
        account_id=account.id,
        purpose=purpose,
        now=now,
        max_attempts=settings.code_max_attempts,
        cooldown=settings.code_resend_cooldown_seconds,
        max_per_hour=settings.code_max_sends_per_hour,
    )
    earlier = (problem or "").partition(":")[0] in ("cooldown", "hourly")
    return code_prompt(kit, account, live, earlier=earlier), wait, live is not None


def code_page(
    kit: PageKit,
    session: Session,
    account: Account,
    pending: PendingLogin,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    problem: str | None = None,
    sent: str | None = None,
) -> Any:
    """The code page. ``problem`` (a key from ``flow.send_code_for``) or ``sent`` (a channel) say what the
    last request for a code did; the page reads the code itself from the database, so it never
    claims a code was sent when none was (issue 9)."""
    method = pending.method or "sms"
    if method == "totp":
        prompt, wait = kit.t("code_totp"), 0
    else:
        prompt, wait, live = code_state(kit, session, account, pending, problem)
        if notice is None and sent in ("sms", "email") and not problem and live:
            notice = kit.t("code_resent")
    # why no code was sent is about the page, not about what was typed: a banner, not a field error
    trouble = problem_text(kit, problem, wait)
    options = flow.second_factor_options(session, account)
    labels = {"sms": "resend_sms", "email": "resend_email", "totp": "use_totp"}
    channels = [{"value": o, "label": kit.t(labels[o])} for o in options]
    return kit.page(
        "login_code.html",
        status,
        title=kit.t("title_code"),
        prompt=prompt,
        error=error,
        problem=trouble,
        notice=notice,
        action="/login/code",
        handle=pending.handle,
        offer_trust=True,
        resend_action="/login/code/resend",
        channels=channels,
        # when nothing went wrong, when the resend buttons will send again
        cooldown=kit.t("cooldown", seconds=str(wait)) if wait and not problem else None,
        # the app option is offered only once the app is set up: say so instead of a silent gap
        no_app_reason=kit.t("totp_not_set_up") if "totp" not in options else None,
        # confirmation in the «Госуслуги» app (issue 15 item 1), once a device is connected
        app_action="/login/app" if app_devices.has_device(session, account.id) else None,
        last_second=last_method.last_second_factor(kit.request.cookies.get(last_method.LAST_METHOD_COOKIE)),
        # issue 15: a registered passkey is another second factor (its own page, idp.passkeys)
        passkey_url=f"/login/passkey?{urlencode({'p': pending.handle})}"
        if pending.purpose == "login" and passkeys.has_passkeys(session, account.id)
        else None,
    )
