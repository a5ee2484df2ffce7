"""Login with a passkey (issue 15 item 2), one service per form:

- ``second_factor``: after the password, the pending login's own passkey instead of a code
  («Войти с ключом доступа / биометрией»); amr ``pwd`` + ``hwk``/``swk`` + ``user`` + ``mfa``;
- ``passwordless``: from the login page, a discoverable credential of an account that chose it;
  amr ``hwk``/``swk`` + ``user``.

Both: the per-IP limit (the code form's for a second factor, the password form's for a passwordless
login), ``service.check_assertion`` (every refusal logged), then the session through the same
``flow.complete_login`` as every other login (acr ``urn:idp:acr:mfa``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.login import flow
from idp.login.flow import Client, LoginContext
from idp.login.throttle import LoginThrottle
from idp.passkeys import service
from idp.second_factor import pending as pending_requests
from idp.second_factor.models import PendingLogin
from idp.sessions.models import UserSession


@dataclass(frozen=True)
class Throttled:
    retry_after: int


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    interaction: str | None
    next_path: str | None


Outcome = Throttled | service.Refusal | SignedIn


def _complete(
    ctx: LoginContext,
    session: Session,
    asserted: service.Asserted,
    *,
    who: Client,
    current: UserSession | None,
    new_device: bool,
    on_commit: Any,
) -> str:
    account = accounts_service.get_account(session, asserted.account_id)
    assert account is not None
    return flow.complete_login(
        ctx,
        session,
        account,
        method=asserted.method,
        current=current,
        who=who,
        new_device=new_device,
        on_commit=on_commit,
        details={"method": "passkey", "passkey_id": asserted.passkey_id},
    )


def second_factor(
    ctx: LoginContext,
    session: Session,
    throttle: LoginThrottle,
    pending: PendingLogin,
    *,
    challenge: str,
    csrf_cookie: str | None,
    response: str,
    who: Client,
    current: UserSession | None,
    on_commit: Any,
) -> Outcome:
    if not throttle.allow(who.ip, "code"):
        return Throttled(throttle.retry_after(who.ip, "code"))
    checked = service.check_assertion(
        ctx,
        session,
        challenge_handle=challenge,
        csrf_cookie=csrf_cookie,
        response=response,
        pending_handle=pending.handle,
        who=who,
    )
    if isinstance(checked, service.Refusal):
        return checked
    cookie = _complete(
        ctx, session, checked, who=who, current=current, new_device=pending.new_device, on_commit=on_commit
    )
    signed_in = SignedIn(cookie, pending.interaction_handle, pending.next_path)
    pending_requests.finish(session, pending)
    return signed_in


def passwordless(
    ctx: LoginContext,
    session: Session,
    throttle: LoginThrottle,
    *,
    challenge: str,
    csrf_cookie: str | None,
    response: str,
    who: Client,
    interaction: str | None,
    next_path: str | None,
    device_cookie: str | None,
    current: UserSession | None,
    on_commit: Any,
) -> Outcome:
    if not throttle.allow(who.ip, "login"):
        return Throttled(throttle.retry_after(who.ip, "login"))
    checked = service.check_assertion(
        ctx,
        session,
        challenge_handle=challenge,
        csrf_cookie=csrf_cookie,
        response=response,
        pending_handle=None,
        who=who,
    )
    if isinstance(checked, service.Refusal):
        return checked
    account = accounts_service.get_account(session, checked.account_id)
    assert account is not None
    new_device = not flow.is_trusted(ctx, session, account, device_cookie)
    cookie = _complete(
        ctx, session, checked, who=who, current=current, new_device=new_device, on_commit=on_commit
    )
    return SignedIn(cookie, interaction, next_path or None)
