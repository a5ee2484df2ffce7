"""Trusted devices: a browser the person chose to trust after a second factor («Доверять этому
устройству»). It carries a random cookie value; only its SHA-256 is stored.

A trusted device proves nothing by itself: it only stops the *new-device* trigger of R-LOG-2 for
``days`` (30) from when it was trusted (no sliding renewal). An account that requires a second factor
on every login, or a relying party asking for ``urn:idp:acr:mfa``, still gets the code; a login
that skipped the code is a password login (``amr=["pwd"]``). The person lists and revokes devices;
every lookup is scoped to the account, so another account's device id behaves as a missing one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from idp.second_factor import repository
from idp.second_factor.errors import TrustedDeviceNotFoundError
from idp.second_factor.models import TrustedDevice

logger = logging.getLogger("idp.second_factor")

USER_AGENT_MAX = 300
#: longer cookie values are not ours (token_urlsafe(32) gives 43 characters)
COOKIE_MAX = 128


def device_token_hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def trust_device(
    session: Session, account_id: int, user_agent: str | None, now: dt.datetime, days: int = 30
) -> str:
    """Remember this browser for ``days``; returns the cookie value (shown to nobody, stored hashed)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    value = secrets.token_urlsafe(32)
    row = TrustedDevice(
        account_id=account_id,
        token_hash=device_token_hash(value),
        user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    repository.add(session, row)
    logger.info("device trusted", extra={"account_id": account_id, "device_id": row.id})
    return value


def is_trusted_device(session: Session, account_id: int, cookie_value: str | None, now: dt.datetime) -> bool:
    """The cookie names a live device of *this* account; records its use."""
    if not cookie_value or len(cookie_value) > COOKIE_MAX:
        return False
    row = repository.device_by_hash(session, device_token_hash(cookie_value))
    if row is None or row.account_id != account_id or row.revoked_at is not None or row.expires_at <= now:
        return False
    row.last_used_at = now
    return True


def list_trusted_devices(session: Session, account_id: int, now: dt.datetime) -> Sequence[TrustedDevice]:
    """The account's live devices, newest first (expired and revoked ones are not shown)."""
    return repository.active_devices(session, account_id, now)


def revoke_trusted_device(session: Session, account_id: int, device_id: int, now: dt.datetime) -> None:
    """Revoke one of the account's own devices; anything else (another account's, revoked, unknown)
    raises TrustedDeviceNotFoundError alike."""
    if not repository.revoke_devices(session, account_id, now, device_id=device_id):
        raise TrustedDeviceNotFoundError()
    logger.info("trusted device revoked", extra={"account_id": account_id, "device_id": device_id})


def revoke_all_trusted_devices(session: Session, account_id: int, now: dt.datetime) -> int:
    """Forget every device of the account (password reset, suspected compromise)."""
    return repository.revoke_devices(session, account_id, now)
