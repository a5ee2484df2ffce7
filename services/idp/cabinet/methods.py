"""The «Безопасность» tab's list of every way the account can sign in (issue 15 item 4), with when
each was last used and how to remove it — a small registry each login method adds itself to.

A method is a :class:`LoginMethod`. A *way in* signs the person in by itself (the password, a bound
signature certificate, a passkey of an account that chose passwordless login, a bank link…); a
second factor (the authenticator app, a passkey otherwise, an app device for push approval) only
completes a password login. The list never offers to remove the last way in
(:func:`removable`); a method's own removal route must ask :func:`leaves_a_way_in` too when it can
be the last one.

To add a method: write ``def my_methods(ctx, session, account, uses) -> list[LoginMethod]`` in the
feature (reading its own tables through its service) and append it to :data:`SOURCES`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.app_approval import devices as app_devices
from idp.audit import service as audit
from idp.brokering import links as bank_links
from idp.login.flow import LoginContext
from idp.passkeys import service as passkeys
from idp.pki import bound
from idp.second_factor import totp

#: how many of the latest logins the "last used" of the password and certificates is read from
RECENT_LOGINS = 200


@dataclass(frozen=True)
class LoginMethod:
    """One way in or second factor. ``label``: a text key, formatted with ``params``;
    ``remove_action``: the POST endpoint that removes it (None: not removable from the list);
    ``manage_url``: the page where it is managed."""

    kind: str
    key: str
    label: str
    way_in: bool
    last_used_at: dt.datetime | None
    params: dict[str, str] = field(default_factory=dict)
    remove_action: str | None = None
    manage_url: str | None = None


@dataclass(frozen=True)
class RecentUses:
    """When each method was last used, read once from the security log's latest logins."""

    password: dt.datetime | None
    certificates: dict[str, dt.datetime]


def recent_uses(session: Session, account_id: int) -> RecentUses:
    password: dt.datetime | None = None
    certificates: dict[str, dt.datetime] = {}
    for event in audit.events_for_account(session, account_id, limit=RECENT_LOGINS):
        if event.event_type != "login_succeeded":
            continue
        details = event.details or {}
        if password is None and "pwd" in (details.get("amr") or []):
            password = event.occurred_at
        thumbprint = details.get("thumbprint")
        if details.get("method") == "signature" and isinstance(thumbprint, str):
            certificates.setdefault(thumbprint, event.occurred_at)
    return RecentUses(password, certificates)


def password_methods(
    ctx: LoginContext, session: Session, account: Account, uses: RecentUses
) -> list[LoginMethod]:
    if not account.password_hash:
        return []
    return [
        LoginMethod(
            "password", "password", "method_password", True, uses.password, manage_url="/account/security"
        )
    ]


def totp_methods(
    ctx: LoginContext, session: Session, account: Account, uses: RecentUses
) -> list[LoginMethod]:
    if not totp.totp_enabled(session, account.id):
        return []
    return [
        LoginMethod(
            "totp",
            "totp",
            "method_totp",
            False,
            totp.last_used_at(session, account.id),
            remove_action="/account/security/totp/disable",
            manage_url="/account/security#totp",
        )
    ]


def certificate_methods(
    ctx: LoginContext, session: Session, account: Account, uses: RecentUses
) -> list[LoginMethod]:
    return [
        LoginMethod(
            "certificate",
            f"certificate:{c.id}",
            "method_certificate",
            True,
            uses.certificates.get(c.thumbprint),
            params={"name": c.common_name or c.subject},
            manage_url=f"/account/signatures/{c.id}/unbind",
        )
        for c in bound.list_certificates(session, account.id, now=ctx.clock())
        if c.status in ("active", "expiring")
    ]


def passkey_methods(
    ctx: LoginContext, session: Session, account: Account, uses: RecentUses
) -> list[LoginMethod]:
    alone = passkeys.passwordless_on(session, account.id)
    return [
        LoginMethod(
            "passkey",
            f"passkey:{k.id}",
            "method_passkey",
            alone,
            k.last_used_at,
            params={"name": k.name},
            remove_action=f"/account/passkeys/{k.id}/remove",
            manage_url="/account/passkeys",
        )
        for k in passkeys.my_passkeys(session, account.id)
    ]


def app_device_methods(
    ctx: LoginContext, session: Session, account: Account, uses: RecentUses
) -> list[LoginMethod]:
    """Confirmation in the «Госуслуги» app (a second factor after the password)."""
    return [
        LoginMethod(
            "app",
            f"app:{d.id}",
            "method_app",
            False,
            d.last_used_at,
            params={"name": d.name},
            remove_action=f"/account/security/app/{d.id}/remove",
            manage_url="/account/security/app",
        )
        for d in app_devices.my_devices(session, account.id)
    ]


def bank_methods(
    ctx: LoginContext, session: Session, account: Account, uses: RecentUses
) -> list[LoginMethod]:
    """«Войти через банк»: a link signs the person in by itself."""
    return [
        LoginMethod(
            "bank",
            f"bank:{k.id}",
            "method_bank",
            True,
            k.last_used_at,
            params={"name": k.bank},
            remove_action=f"/account/bank-links/{k.id}/remove",
        )
        for k in bank_links.my_links(session, account.id)
    ]


MethodSource = Callable[[LoginContext, Session, Account, RecentUses], list[LoginMethod]]
#: in the order the seeds list the ways in (seed 001 §2.1.2, §2.2.2): password (+ code), signature,
#: confirmation in the app, biometrics (passkeys), bank
SOURCES: list[MethodSource] = [
    password_methods,
    totp_methods,
    certificate_methods,
    app_device_methods,
    passkey_methods,
    bank_methods,
]


def login_methods(ctx: LoginContext, session: Session, account: Account) -> list[LoginMethod]:
    uses = recent_uses(session, account.id)
    return [method for source in SOURCES for method in source(ctx, session, account, uses)]


def removable(methods: Sequence[LoginMethod], method: LoginMethod) -> bool:
    """Offered for removal: it has a removal endpoint and is not the last way in."""
    if method.remove_action is None:
        return False
    return not method.way_in or sum(1 for m in methods if m.way_in) > 1


def leaves_a_way_in(ctx: LoginContext, session: Session, account: Account, key: str) -> bool:
    """Whether removing the method ``key`` leaves at least one way in (for removal routes)."""
    return any(m.way_in for m in login_methods(ctx, session, account) if m.key != key)
