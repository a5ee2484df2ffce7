"""App devices and the login approvals they answer. No secret is stored in the clear: the device
credential and the approving browser's cookie are random 256-bit values kept as SHA-256 (a fast
hash is enough for them); the dev-mode app page link is sealed with FieldCipher."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime

APPROVAL_STATES = ("pending", "approved", "denied", "used")


class AppDevice(Base):
    """A phone with the app, registered by its owner in the cabinet."""

    __tablename__ = "app_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: what the person called it («Мой телефон»)
    name: Mapped[str] = mapped_column(String(64))
    #: the address the notifier's push relay knows the app by (random, not a secret)
    push_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the device credential, hex (the app proves itself with the credential)
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: dev mode only: the credential sealed (FieldCipher, field "app_device_credential"), so the push
    #: in the dev outbox can link to the simulated app page; None in production
    dev_credential_sealed: Mapped[str | None] = mapped_column(String(400), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AppApproval(Base):
    """One login waiting for the app: pending → approved or denied (by a device of the account,
    before ``expires_at``) → used (by the browser that asked, once)."""

    __tablename__ = "app_approvals"
    __table_args__ = (CheckConstraint("status IN ('pending', 'approved', 'denied', 'used')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the random id the login page and the app name the approval by
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: the pending login (second_factor.PendingLogin.handle) this approval completes
    pending_handle: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the approval cookie of the browser that asked: only it can complete the login
    browser_hash: Mapped[str] = mapped_column(String(64))
    #: the two-digit number shown on the login page (number matching)
    number: Mapped[int] = mapped_column(Integer)
    #: the three numbers the app offers, comma-separated, the right one among them
    choices: Mapped[str] = mapped_column(String(16))
    #: where and from what the login came, as the app shows it
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    browser: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the device that answered (no foreign key: removing a device keeps the history readable)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
