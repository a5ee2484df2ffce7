"""Confirmation of a login in the app (issue 15 item 1): push approval with number matching.

The devices that answer are in ``devices``. The login side, in order:
1. ``start`` (the code page's «Подтвердить в приложении»): an approval bound to the pending
   login and to this browser (a random cookie, stored hashed), a two-digit number for the login
   page, three numbers for the app (one right), the place (IP) and browser; expires with the code
   lifetime (``code_ttl_seconds``); a push to each of the account's devices after commit.
2. ``answer`` (the app): the device's own account only; unexpired; still pending (one answer);
   approving needs the number shown on the login page, a wrong one is a denial. A denial warns
   the owner (``login_denied`` notice). Every refusal is in the security log.
3. ``complete`` (the login page's «Проверить» or its poll): only the browser that asked; approved
   → used once (a conditional UPDATE: two racing requests, one login) → the session with
   ``amr`` pwd, swk, mfa; denied or expired → the login ends, a new one must start.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.app_approval import devices, repository
from idp.app_approval.devices import log
from idp.app_approval.errors import (
    ApprovalAnsweredError,
    ApprovalExpiredError,
    ApprovalForeignError,
    ApprovalNotFoundError,
)
from idp.app_approval.models import AppApproval, AppDevice
from idp.login import flow
from idp.login.flow import Client, LoginContext
from idp.login.signin import SignedIn
from idp.notifications import delivery
from idp.second_factor import pending as pending_requests
from idp.second_factor.models import PendingLogin
from idp.sessions.devices import device_label
from shared.errors import AppError

#: approvals waiting at once per account (push fatigue)
MAX_WAITING = 3
#: answered or expired approvals are kept this long (the login page can still say what happened)
KEEP_ANSWERED = dt.timedelta(days=1)


def state_of(approval: AppApproval, now: dt.datetime) -> str:
    """pending | approved | denied | used | expired (pending past its lifetime)."""
    if approval.status == "pending" and approval.expires_at <= now:
        return "expired"
    return approval.status


def choices_of(approval: AppApproval) -> list[int]:
    return [int(n) for n in approval.choices.split(",")]


@dataclass(frozen=True)
class Started:
    approval: AppApproval
    #: the value of the browser's approval cookie (only its hash is stored)
    browser_cookie: str


def _numbers() -> tuple[int, list[int]]:
    """The number for the login page and three distinct two-digit numbers for the app."""
    right = 10 + secrets.randbelow(90)
    choices = {right}
    while len(choices) < 3:
        choices.add(10 + secrets.randbelow(90))
    shuffled = list(choices)
    secrets.SystemRandom().shuffle(shuffled)
    return right, shuffled


def start(
    ctx: LoginContext, session: Session, account: Account, pending: PendingLogin, *, who: Client, locale: str
) -> Started | None:
    """None: the account has ``MAX_WAITING`` approvals waiting already (no more pushes: a person
    who knows the password must not flood the phone until someone taps «yes»)."""
    now = ctx.clock()
    repository.purge_approvals_before(session, now - KEEP_ANSWERED)
    if len(repository.waiting_approvals(session, account.id, now)) >= MAX_WAITING:
        log(session, "app_approval_refused", "failure", account_id=account.id, who=who,
             details={"reason": "too_many_waiting"})  # fmt: skip
        return None
    right, choices = _numbers()
    cookie = secrets.token_urlsafe(32)
    approval = repository.add_approval(
        session,
        AppApproval(
            handle=secrets.token_urlsafe(24),
            account_id=account.id,
            pending_handle=pending.handle,
            browser_hash=devices.secret_hash(cookie),
            number=right,
            choices=",".join(str(n) for n in choices),
            ip=(who.ip or "")[:64] or None,
            browser=device_label(who.user_agent, locale)[:128],
            status="pending",
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.settings.code_ttl_seconds),
        ),
    )
    # the pending login keeps its code method: «Ввести код вместо этого» still proves that code
    # (and says so in amr), never the app
    phones = repository.devices_of(session, account.id)
    log(session, "app_approval_requested", "success", account_id=account.id, who=who,
         details={"approval_id": approval.id, "devices": len(phones)})  # fmt: skip
    for device in phones:
        delivery.push_after_commit(
            ctx.notices,
            session,
            push_token=device.push_token,
            place=approval.ip or ("unknown" if locale == "en" else "неизвестно"),
            browser=approval.browser or "—",
            expires_at=approval.expires_at,
            idempotency_key=f"app-approval:{approval.handle}:{device.id}",
            locale="en" if locale == "en" else "ru",
            at=now,
            link=devices.app_page_link(ctx, device),
        )
    return Started(approval, cookie)


def _of_browser(session: Session, handle: str | None, browser_cookie: str | None) -> AppApproval | None:
    approval = repository.approval_by_handle(session, handle) if handle and len(handle) <= 64 else None
    if approval is None or not browser_cookie or len(browser_cookie) > devices.SECRET_MAX:
        return None
    return (
        approval if hmac.compare_digest(devices.secret_hash(browser_cookie), approval.browser_hash) else None
    )


def browser_view(
    ctx: LoginContext, session: Session, handle: str | None, browser_cookie: str | None
) -> tuple[AppApproval, str] | None:
    """The approval and its state for the browser that asked; None for any other browser."""
    approval = _of_browser(session, handle, browser_cookie)
    return (approval, state_of(approval, ctx.clock())) if approval is not None else None


@dataclass(frozen=True)
class Waiting:
    """Not answered yet: the login page shows its number again."""

    approval: AppApproval


@dataclass(frozen=True)
class Ended:
    """The login ended without a session: ``why`` is denied | expired | foreign | gone (unknown,
    already used, or its pending login expired). ``interaction``: to start a new login for it."""

    why: str
    interaction: str | None = None


CompleteOutcome = SignedIn | Waiting | Ended


def complete(
    ctx: LoginContext,
    session: Session,
    *,
    handle: str | None,
    browser_cookie: str | None,
    who: Client,
    current: Any,
    on_commit: Any,
) -> CompleteOutcome:
    now = ctx.clock()
    approval = repository.approval_by_handle(session, handle) if handle and len(handle) <= 64 else None
    if approval is None:
        return Ended("gone")
    if approval.status == "used":  # told or completed already: a replay, whichever browser sends it
        log(session, "app_approval_refused", "failure", account_id=approval.account_id, who=who,
             details={"reason": "already_used", "approval_id": approval.id})  # fmt: skip
        return Ended("gone")
    if _of_browser(session, handle, browser_cookie) is None:
        # another browser holding the login page's address: it never completes this login
        log(session, "app_approval_refused", "failure", account_id=approval.account_id, who=who,
             details={"reason": "foreign_session", "approval_id": approval.id})  # fmt: skip
        return Ended("foreign")
    state = state_of(approval, now)
    if state == "pending":
        return Waiting(approval)
    pending = pending_requests.find(session, approval.pending_handle, "login", now)
    interaction = pending.interaction_handle if pending is not None else None
    if state in ("denied", "expired"):
        reason = "app_denied" if state == "denied" else "app_expired"
        log(session, "login_failed", "failure", account_id=approval.account_id, who=who,
             details={"reason": reason, "approval_id": approval.id})  # fmt: skip
        approval.status = "used"  # the outcome is told once; the login is over
        if pending is not None:
            pending_requests.finish(session, pending)
        return Ended(state, interaction)
    if state != "approved" or pending is None or not repository.use_approval(session, approval.id):
        return Ended("gone")  # used already (a replay or the loser of a race), or the login expired
    account = accounts_service.get_account(session, approval.account_id)
    if account is None:
        return Ended("gone")
    cookie = flow.complete_login(
        ctx,
        session,
        account,
        method="app",
        current=current,
        who=who,
        new_device=pending.new_device,
        on_commit=on_commit,
        details={"approval_id": approval.id, "app_device_id": approval.device_id},
    )
    pending_requests.finish(session, pending)
    return SignedIn(cookie, pending.interaction_handle, pending.next_path)


# -- the app side -------------------------------------------------------------------------------
def waiting_for(ctx: LoginContext, session: Session, device: AppDevice) -> Sequence[AppApproval]:
    """The approvals the device's account has waiting now, newest first."""
    return repository.waiting_approvals(session, device.account_id, ctx.clock())


@dataclass(frozen=True)
class Answered:
    status: str  # approved | denied
    reason: str | None = None  # denied: "denied" or "wrong_number"


def answer(
    ctx: LoginContext,
    session: Session,
    device: AppDevice,
    handle: str,
    *,
    approve: bool,
    number: int | None,
    who: Client,
) -> Answered | AppError:
    """The app's answer; a refusal is returned (not raised) so that its log entry is committed."""
    now = ctx.clock()
    approval = repository.approval_by_handle(session, handle) if len(handle) <= 64 else None

    def refused(reason: str, error: AppError) -> AppError:
        details: dict[str, Any] = {"reason": reason, "app_device_id": device.id}
        if approval is not None:
            details["approval_id"] = approval.id
        log(session, "app_approval_refused", "failure", account_id=device.account_id, who=who,
             details=details)  # fmt: skip
        return error

    if approval is None:
        return refused("unknown_approval", ApprovalNotFoundError())
    if approval.account_id != device.account_id:
        return refused("foreign_account", ApprovalForeignError())
    state = state_of(approval, now)
    if state == "expired":
        return refused("expired", ApprovalExpiredError())
    if state != "pending":
        return refused("already_answered", ApprovalAnsweredError())
    right = approve and number == approval.number
    status = "approved" if right else "denied"
    if not repository.answer_approval(session, approval.id, status=status, device_id=device.id, now=now):
        return refused("already_answered", ApprovalAnsweredError())  # another answer came first
    repository.touch_device(session, device.id, now)
    if right:
        log(session, "app_approval_approved", "success", account_id=device.account_id, who=who,
             details={"approval_id": approval.id, "app_device_id": device.id})  # fmt: skip
        return Answered("approved")
    reason = "wrong_number" if approve else "denied"
    log(session, "app_approval_denied", "failure", account_id=device.account_id, who=who,
         details={"approval_id": approval.id, "app_device_id": device.id, "reason": reason})  # fmt: skip
    account = accounts_service.get_account(session, device.account_id)
    if account is not None:
        delivery.alert_after_commit(
            ctx.notices,
            session,
            account,
            kind="login_denied",
            ip=approval.ip,
            device=approval.browser,
            at=now,
            idempotency_key=f"login-denied:{approval.handle}",
        )
    return Answered("denied", reason)
