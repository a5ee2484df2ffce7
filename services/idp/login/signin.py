"""The login pages' services, one per form (CONVENTIONS "One service call per route"): each takes
what its route parsed and returns one outcome that the route renders. The rules are in ``flow``;
the order they run in is here, readable in one place.

The password form (``submit_password``, R-LOG-1/2/6):
1. the per-IP limit, before a database read or a hash is spent on the attempt;
2. both fields given;
3. the password (``flow.check_password``: a locked account is refused before the hash, and the
   hash runs outside any transaction; every failure is in the security log);
4. a second factor, unless none can be proven yet or the browser is a trusted device; a relying
   party asking for ``urn:idp:acr:mfa`` gets it even on a trusted device (step up); a passkey
   counts when no code can reach the person (issue 15), and its page is the next step;
5. without one: the session. With one: a pending login, and the code sent (an app code is not).

The code form (``submit_code``): the per-IP limit, the code, the session, the device trusted when
asked, the pending login finished. The resend form (``resend_code``): a new code by another way.

The signature form (``submit_signature``, issue 11): the per-IP limit, then ``signature.sign_in``
(the challenge spent, the CMS verified, the certificate trusted, the account found, the session).

The recovery forms (R-LOG-7, rules in ``recovery``): ``submit_recovery`` asks for a code (the same
outcome whether or not the login names an account), ``submit_recovery_code`` sets the new password.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import service as accounts_service
from idp.accounts.models import Account
from idp.accounts.validation import FieldError
from idp.login import flow, interactions, recovery, signature
from idp.login.flow import Client, LoginContext
from idp.login.models import Interaction
from idp.login.throttle import LoginThrottle
from idp.oauth2 import acr
from idp.passkeys import service as passkeys
from idp.pki.trust import CrlFetcher
from idp.second_factor import pending as pending_requests
from idp.second_factor.models import PendingLogin
from idp.sessions.models import UserSession


@dataclass(frozen=True)
class Throttled:
    """Too many attempts from this address; try again in ``retry_after`` seconds."""

    retry_after: int


@dataclass(frozen=True)
class MissingFields:
    """The login or the password was left empty."""


@dataclass(frozen=True)
class Locked:
    """The account is locked (now, or by this very attempt) until ``until``."""

    until: dt.datetime | None


@dataclass(frozen=True)
class WrongCredentials:
    """No such login or a wrong password: the page never says which (R-LOG-6)."""


@dataclass(frozen=True)
class SignedIn:
    """A session began (``cookie``); where the person goes on to, and the trusted-device cookie
    when they asked to trust this browser."""

    cookie: str
    interaction: str | None
    next_path: str | None
    device_cookie: str | None = None


@dataclass(frozen=True)
class NeedsSecondFactor:
    """A pending login waits for a code; ``problem``: why none was sent (``flow.send_code_for``);
    ``method``: ``passkey`` when a passkey is the account's only second factor (issue 15)."""

    pending: str
    problem: str | None
    method: str | None = None


@dataclass(frozen=True)
class WrongCode:
    """The code was wrong, spent or late (``error`` is one of ``flow.CODE_ERRORS``)."""

    account: Account
    error: Exception


@dataclass(frozen=True)
class CodeResent:
    """A new code was asked for by ``channel``; ``problem``: why none was sent."""

    channel: str
    problem: str | None


@dataclass(frozen=True)
class UnknownChannel:
    """The person has no confirmed way to receive a code by the channel asked for."""

    account: Account


@dataclass(frozen=True)
class RecoveryRequested:
    """A recovery request waits in ``pending`` (for a real account, a code was sent)."""

    pending: str


@dataclass(frozen=True)
class PasswordsDiffer:
    """The new password and its repetition differ."""


@dataclass(frozen=True)
class PasswordRefused:
    """The new password breaks a rule (``problem`` says which)."""

    problem: FieldError


@dataclass(frozen=True)
class RecoveryCodeWrong:
    """A wrong, spent or late code, or no account behind the request: the same words for both."""


@dataclass(frozen=True)
class PasswordRecovered:
    """The new password is set, every session ended; the request is finished."""


PasswordOutcome = Throttled | MissingFields | Locked | WrongCredentials | SignedIn | NeedsSecondFactor
CodeOutcome = Throttled | WrongCode | SignedIn
ResendOutcome = CodeResent | UnknownChannel
RecoveryOutcome = Throttled | MissingFields | RecoveryRequested
RecoveryCodeOutcome = Throttled | PasswordsDiffer | PasswordRefused | RecoveryCodeWrong | PasswordRecovered
SignatureOutcome = Throttled | signature.Refusal | SignedIn


def _over_limit(throttle: LoginThrottle, who: Client, action: str) -> Throttled | None:
    if throttle.allow(who.ip, action):
        return None
    return Throttled(throttle.retry_after(who.ip, action))


def submit_password(
    ctx: LoginContext,
    session: Session,
    throttle: LoginThrottle,
    *,
    login: str,
    password: str,
    who: Client,
    parked: Interaction | None,
    next_path: str | None,
    device_cookie: str | None,
    locale: str,
    current: UserSession | None,
    on_commit: Any,
) -> PasswordOutcome:
    """The password form, steps 1-5 of the module docstring. ``parked``: the authorization request
    the login answers, if any; ``current``: the browser's session, if any."""
    if (limited := _over_limit(throttle, who, "login")) is not None:
        return limited
    if not login.strip() or not password:
        return MissingFields()
    check = flow.check_password(ctx, session, ctx.field_cipher, login, password, who)
    if check.outcome == "locked":
        return Locked(check.locked_until)
    if check.outcome == "wrong" or check.account is None:
        return WrongCredentials()
    account = check.account
    interaction = parked.handle if parked else None
    options = flow.second_factor_options(session, account)
    if not options and passkeys.has_passkeys(session, account.id):
        options = ["passkey"]  # no code can reach the person, but their passkey can prove it
    trusted = flow.is_trusted(ctx, session, account, device_cookie)
    step_up = parked is not None and acr.wants_second_factor(interactions.params_of(parked))
    if not flow.needs_second_factor(account, options, trusted and not step_up):
        cookie = flow.complete_login(
            ctx,
            session,
            account,
            method=None,
            current=current,
            who=who,
            new_device=False,
            on_commit=on_commit,
        )
        return SignedIn(cookie, interaction, next_path)
    method = flow.preferred_method(account, options)
    pending = flow.begin_second_factor(
        ctx,
        session,
        account,
        method=method,
        interaction=interaction,
        next_path=next_path or None,
        new_device=not trusted,
    )
    problem = (
        flow.send_code_for(ctx, session, account, pending, method, locale=locale, who=who)
        if method not in ("totp", "passkey")
        else None
    )
    return NeedsSecondFactor(pending.handle, problem, method)


def submit_code(
    ctx: LoginContext,
    session: Session,
    throttle: LoginThrottle,
    pending: PendingLogin,
    *,
    code: str,
    trust: bool,
    who: Client,
    current: UserSession | None,
    on_commit: Any,
) -> CodeOutcome:
    """The code form of a pending login: the code, then the session (and the device trusted when
    ``trust``); the pending login is finished."""
    if (limited := _over_limit(throttle, who, "code")) is not None:
        return limited
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    try:
        method = flow.check_second_factor(
            ctx, session, account, method=pending.method or "sms", code=code.strip(), who=who
        )
    except flow.CODE_ERRORS as exc:
        return WrongCode(account, exc)
    cookie = flow.complete_login(
        ctx,
        session,
        account,
        method=method,
        current=current,
        who=who,
        new_device=pending.new_device,
        on_commit=on_commit,
    )
    device = flow.trust_this_device(ctx, session, account, who) if trust else None
    signed_in = SignedIn(cookie, pending.interaction_handle, pending.next_path, device)
    pending_requests.finish(session, pending)
    return signed_in


def resend_code(
    ctx: LoginContext, session: Session, pending: PendingLogin, *, channel: str, locale: str, who: Client
) -> ResendOutcome:
    """Another code for a pending login, by ``channel`` (an app code is chosen, not sent)."""
    account = accounts_service.get_account(session, pending.account_id or 0)
    assert account is not None
    if channel not in flow.second_factor_options(session, account):
        return UnknownChannel(account)
    pending.method = channel
    problem = (
        flow.send_code_for(ctx, session, account, pending, channel, locale=locale, who=who)
        if channel != "totp"
        else None
    )
    return CodeResent(channel, problem)


def submit_recovery(
    ctx: LoginContext, session: Session, throttle: LoginThrottle, *, login: str, who: Client, locale: str
) -> RecoveryOutcome:
    """The recovery form: the per-IP limit, a login given, then the request (``recovery``)."""
    if (limited := _over_limit(throttle, who, "recover")) is not None:
        return limited
    if not login.strip():
        return MissingFields()
    pending = recovery.request_recovery(ctx, session, ctx.field_cipher, login, who, locale)
    return RecoveryRequested(pending.handle)


def submit_recovery_code(
    ctx: LoginContext,
    session: Session,
    throttle: LoginThrottle,
    pending: PendingLogin,
    *,
    code: str,
    new_password: str,
    repeat_password: str,
    who: Client,
    on_commit: Any,
) -> RecoveryCodeOutcome:
    """The recovery code form: the per-IP limit (shared with the login code form), the two
    passwords alike, then the code and the new password (``recovery.complete_recovery``)."""
    if (limited := _over_limit(throttle, who, "code")) is not None:
        return limited
    if new_password != repeat_password:
        return PasswordsDiffer()
    try:
        recovery.complete_recovery(ctx, session, pending, code.strip(), new_password, who, on_commit)
    except FieldError as exc:
        return PasswordRefused(exc)
    except flow.CODE_ERRORS:
        return RecoveryCodeWrong()
    pending_requests.finish(session, pending)
    return PasswordRecovered()


def submit_signature(
    ctx: LoginContext,
    session: Session,
    throttle: LoginThrottle,
    *,
    challenge_id: str,
    csrf_cookie: str | None,
    signature_data: bytes,
    who: Client,
    parked: Interaction | None,
    next_path: str | None,
    device_cookie: str | None,
    current: UserSession | None,
    fetcher: CrlFetcher | None,
    on_commit: Any,
) -> SignatureOutcome:
    """The signature form: the per-IP limit (shared with the password form), then the login."""
    if (limited := _over_limit(throttle, who, "login")) is not None:
        return limited
    outcome = signature.sign_in(
        ctx,
        session,
        challenge_id=challenge_id,
        csrf_cookie=csrf_cookie,
        signature=signature_data,
        who=who,
        current=current,
        device_cookie=device_cookie,
        fetcher=fetcher,
        on_commit=on_commit,
    )
    if isinstance(outcome, signature.Refusal):
        return outcome
    return SignedIn(outcome.cookie, parked.handle if parked else None, next_path)
