"""One-time challenges for login by signature.

A challenge is a short ASCII text (the idp's host, the time, 32 random bytes in base64url) that the
person signs with their electronic signature. It is

- **random**: 256 bits from :mod:`secrets`, so no signature made earlier can match it;
- **short-lived**: usable for ``IDP_PKI_LOGIN_CHALLENGE_TTL`` seconds (default 300) by the injected
  clock;
- **bound to the browser**: the row keeps the SHA-256 of the browser's CSRF cookie (the HttpOnly
  cookie every form of the idp is bound to); a signature submitted from another browser is refused;
- **single use**: :func:`spend` marks it used with one conditional UPDATE before the signature is
  even looked at, so a replayed (or raced) submission finds it spent.

The text is ASCII on purpose: a person may save it to a file with any editor before signing it with
their own tool, and ASCII has one encoding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from idp.pki import repository
from idp.pki.models import LoginChallenge

#: rows this much past their expiry are deleted when a new challenge is issued
_KEEP_SPENT = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Spent:
    """The challenge was valid and is now used: verify the signature over ``text``."""

    text: str


@dataclass(frozen=True)
class Refused:
    """``expired``: past its lifetime; ``used``: unknown, spent already, or another browser's."""

    reason: Literal["expired", "used"]


def browser_key(csrf_cookie: str) -> str:
    return hashlib.sha256(csrf_cookie.encode("utf-8", "surrogateescape")).hexdigest()


def issue(session: Session, *, issuer: str, csrf_cookie: str, now: dt.datetime, ttl: int) -> LoginChallenge:
    """A new challenge for the browser holding ``csrf_cookie``."""
    repository.purge_challenges(session, now - _KEEP_SPENT)
    host = urlsplit(issuer).hostname or "idp"
    text = f"{host} sign-in {now.strftime('%Y-%m-%dT%H:%M:%SZ')} {secrets.token_urlsafe(32)}"
    row = LoginChallenge(
        handle=secrets.token_urlsafe(24),
        text=text,
        browser_key=browser_key(csrf_cookie),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl),
    )
    repository.add(session, row)
    return row


def spend(session: Session, handle: str, *, csrf_cookie: str | None, now: dt.datetime) -> Spent | Refused:
    """Use the challenge ``handle`` once, from the browser it was issued to."""
    if not handle or len(handle) > 64 or not csrf_cookie:
        return Refused("used")
    row = repository.challenge(session, handle)
    if row is None or not secrets.compare_digest(row.browser_key, browser_key(csrf_cookie)):
        return Refused("used")
    if not repository.spend_challenge(session, handle, now):
        return Refused("used")
    if row.expires_at <= now:
        return Refused("expired")
    return Spent(row.text)


def readable(session: Session, handle: str, *, csrf_cookie: str | None) -> LoginChallenge | None:
    """The challenge ``handle`` for download by the browser it was issued to (not spent here)."""
    if not handle or len(handle) > 64 or not csrf_cookie:
        return None
    row = repository.challenge(session, handle)
    if row is None or row.used_at is not None:
        return None
    if not secrets.compare_digest(row.browser_key, browser_key(csrf_cookie)):
        return None
    return row
