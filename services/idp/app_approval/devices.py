"""App devices (issue 15 item 1): connected in the cabinet, each with a random credential shown
once and stored as SHA-256 (dev mode also seals it, so the push can link to the simulated app
page); looked up by that credential when the app answers. Also the security-log helper the
approvals share (``log``)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.accounts.passwords import verify_password
from idp.app_approval import repository
from idp.app_approval.errors import DeviceNotFoundError
from idp.app_approval.models import AppDevice
from idp.audit import service as audit
from idp.login.flow import Client, LoginContext

#: FieldCipher field of the dev-mode sealed credential
CREDENTIAL_FIELD = "app_device_credential"
#: longer values are not ours (token_urlsafe(32) gives 43 characters)
SECRET_MAX = 128
NAME_MAX = 64


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def log(
    session: Session,
    event_type: str,
    result: str,
    *,
    account_id: int | None,
    who: Client,
    details: dict[str, Any],
    actor: str | None = None,
) -> None:
    audit.record_event(
        session,
        event_type=event_type,
        result=result,
        actor=actor or (f"account:{account_id}" if account_id else "anonymous"),
        account_id=account_id,
        ip=who.ip,
        user_agent=who.user_agent,
        details=details,
    )


@dataclass(frozen=True)
class NewDevice:
    """A registered device and its credential: shown once, never stored in the clear."""

    device: AppDevice
    credential: str


def register_device(
    ctx: LoginContext, session: Session, account: Account, *, name: str, password: str, who: Client
) -> NewDevice | None:
    """A new device answers this account's logins from now on: the current password is asked
    again (a session left open must not be enough to add a second factor). None: it was wrong."""
    if not verify_password(password, account.password_hash):
        log(session, "app_device_refused", "failure", account_id=account.id, who=who,
             details={"reason": "wrong_password"})  # fmt: skip
        return None
    credential = secrets.token_urlsafe(32)
    sealed = ctx.field_cipher.seal(credential, CREDENTIAL_FIELD) if ctx.settings.dev_mode else None
    device = repository.add_device(
        session,
        AppDevice(
            account_id=account.id,
            name=name.strip()[:NAME_MAX],
            push_token=f"app-{secrets.token_urlsafe(24)}",
            credential_hash=secret_hash(credential),
            dev_credential_sealed=sealed,
            created_at=ctx.clock(),
        ),
    )
    log(session, "app_device_registered", "success", account_id=account.id, who=who,
         details={"device_id": device.id})  # fmt: skip
    return NewDevice(device, credential)


def my_devices(session: Session, account_id: int) -> Sequence[AppDevice]:
    return repository.devices_of(session, account_id)


def has_device(session: Session, account_id: int) -> bool:
    return repository.has_device(session, account_id)


def remove_device(session: Session, account: Account, device_id: int, who: Client) -> None:
    """Another account's device id behaves as a missing one."""
    device = repository.device_of(session, account.id, device_id)
    if device is None:
        raise DeviceNotFoundError()
    repository.delete_device(session, device)
    log(session, "app_device_removed", "success", account_id=account.id, who=who,
         details={"device_id": device_id})  # fmt: skip


def device_for(session: Session, credential: str | None) -> AppDevice | None:
    """The device a credential belongs to, or None."""
    if not credential or len(credential) > SECRET_MAX:
        return None
    return repository.device_by_credential_hash(session, secret_hash(credential))


def log_unknown_device(session: Session, who: Client) -> None:
    log(session, "app_approval_refused", "failure", account_id=None, who=who,
         details={"reason": "unknown_device"})  # fmt: skip


def app_page_link(ctx: LoginContext, device: AppDevice) -> str | None:
    """Dev mode: the simulated app page of ``device`` (its credential is the URL's secret)."""
    if not ctx.settings.dev_mode or not device.dev_credential_sealed:
        return None
    credential = ctx.field_cipher.open(device.dev_credential_sealed, CREDENTIAL_FIELD)
    # the credential in the query, not the path: the access log records paths
    return f"{ctx.settings.issuer.rstrip('/')}/dev/app?{urlencode({'k': credential})}"
