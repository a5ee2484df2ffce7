"""Second-factor state. No secret is stored in the clear: codes as HMAC-SHA256 under a key from
settings, TOTP secrets sealed with FieldCipher, recovery codes as argon2 hashes, trusted-device
cookies as SHA-256 (they are 256-bit random values, so a fast hash is enough)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow

CODE_PURPOSES = ("login", "phone_confirmation", "email_confirmation", "recovery", "key_data_change")
CODE_CHANNELS = ("sms", "email")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OneTimeCode(Base):
    """A 6-digit code sent by SMS or e-mail. The newest row per (account, purpose) is the live one."""

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_account_purpose_created", "account_id", "purpose", "created_at"),
        CheckConstraint(_one_of("purpose", CODE_PURPOSES), name="purpose"),
        CheckConstraint(_one_of("channel", CODE_CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    #: HMAC-SHA256(code_key, "<account_id>:<purpose>:<code>"), hex
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: wrong submissions counted so far (only ever raised by a conditional UPDATE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: set when a newer code for the same purpose replaced this one
    invalidated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TotpCredential(Base):
    """An authenticator app (RFC 6238). Pending until ``confirmed_at``; one per account."""

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    #: FieldCipher.seal(base32 secret, "totp_secret")
    secret_encrypted: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the 30-second step of the last accepted code: that step and older ones are refused (RFC 6238 §5.2)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class RecoveryCode(Base):
    """One of the ten single-use codes shown once when TOTP is enabled."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: argon2id (idp.accounts.passwords.hash_password)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TrustedDevice(Base):
    """A browser the person chose to trust: it skips the new-device second factor until it expires."""

    __tablename__ = "trusted_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the cookie value, hex
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PendingLogin(Base):
    """A request waiting for its one-time code: a login whose password was right, a recovery, a
    registration's phone confirmation, a key-data change (its proposal sealed)."""

    __tablename__ = "pending_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    #: login | recovery | registration | key_data
    purpose: Mapped[str] = mapped_column(String(16), default="login")
    #: None for a recovery request naming no account (the flow looks the same either way)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interaction_handle: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: sms | email | totp
    method: Mapped[str | None] = mapped_column(String(8), nullable=True)
    new_device: Mapped[bool] = mapped_column(Boolean, default=False)
    #: proposed key data waiting for its confirmation code, sealed (personal data)
    payload_encrypted: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: indexed: every parked request first purges the expired ones, under the write lock
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
