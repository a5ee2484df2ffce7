"""How code pages talk about codes: sending with the failures turned into page messages, and the
second-factor page itself (shared by the login and recovery flows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.login import flow
from idp.login.flow import LoginContext
from idp.login.forms import PageKit
from idp.notifications.errors import NotifierUnavailableError
from idp.second_factor import errors as codes
from idp.second_factor.models import PendingLogin

#: what a wrong, spent or late code raises
CODE_ERRORS = (
    codes.InvalidCodeError,
    codes.CodeExpiredError,
    codes.CodeAttemptsExceededError,
    codes.NoCodeError,
    codes.InvalidTotpCodeError,
)


#: pending request purpose → one-time code purpose
CODE_PURPOSE = {"login": "login", "recovery": "recovery", "key_data": "key_data_change"}


def mask(account: Account, channel: str) -> str:
    if channel == "sms" and account.phone:
        return f"{account.phone[:2]} ••• •••-••-{account.phone[-2:]}"
    if account.email:
        local, _, domain = account.email.partition("@")
        return f"{local[:1]}•••@{domain}"
    return "—"


def send_for(
    kit: PageKit,
    ctx: LoginContext,
    session: Session,
    account: Account,
    pending: PendingLogin,
    channel: str,
    who: flow.Client,
) -> str | None:
    """Send a login code; returns a problem key for the page instead of raising."""
    purpose = CODE_PURPOSE.get(pending.purpose, pending.purpose)
    try:
        flow.send_code(ctx, session, account, purpose=purpose, channel=channel, locale=kit.locale, who=who)
    except codes.CodeCooldownError as exc:
        return f"cooldown:{exc.retry_after}"
    except codes.TooManyCodesError:
        return "hourly"
    except NotifierUnavailableError:
        return "notifier"
    return None


def problem_text(kit: PageKit, problem: str | None) -> str | None:
    if not problem:
        return None
    if problem.startswith("cooldown:"):
        return kit.t("cooldown", seconds=problem.split(":", 1)[1])
    if problem == "hourly":
        return kit.t("code_hourly")
    if problem == "notifier":
        return NotifierUnavailableError().user_message(kit.locale)
    return None


def sent_text(kit: PageKit, account: Account, channel: str | None) -> str | None:
    if channel in ("sms", "email"):
        return kit.t(f"code_sent_{channel}", to=mask(account, channel))
    return None


def error_text(kit: PageKit, exc: Exception) -> str:
    if isinstance(exc, codes.SecondFactorError):
        return exc.user_message(kit.locale)
    return kit.t("code_invalid_plain")


def code_page(
    kit: PageKit,
    session: Session,
    account: Account,
    pending: PendingLogin,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Any:
    method = pending.method or "sms"
    prompt = (
        kit.t("code_totp") if method == "totp" else kit.t(f"code_sent_{method}", to=mask(account, method))
    )
    options = flow.second_factor_options(session, account)
    labels = {"sms": "resend_sms", "email": "resend_email", "totp": "use_totp"}
    channels = [{"value": o, "label": kit.t(labels[o])} for o in options]
    return kit.page(
        "login_code.html",
        status,
        title=kit.t("title_code"),
        prompt=prompt,
        error=error,
        notice=notice,
        action="/login/code",
        handle=pending.handle,
        offer_trust=True,
        resend_action="/login/code/resend",
        channels=channels,
        cooldown=None,
    )
