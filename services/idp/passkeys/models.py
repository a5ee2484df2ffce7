"""Passkeys (WebAuthn Level 3, issue 15 item 2): the credentials a person registered, the
challenges the idp handed out, and each account's WebAuthn user handle and passwordless choice.

Nothing here is a secret: a credential's public key and counter, and challenges that were sent to
the browser. A challenge is bound to the browser (a hash of its CSRF cookie) and to what it is for,
and is spent once (``used_at``, set by a conditional UPDATE)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime

#: what a challenge may be answered for
CHALLENGE_PURPOSES = ("register", "second_factor", "passwordless")


class Passkey(Base):
    """A registered WebAuthn credential (WebAuthn §6.1 "credential record")."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: the credential ID, base64url without padding (at most 1023 bytes, WebAuthn §4)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    #: COSE_Key (RFC 9052) as the authenticator gave it
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: the signature counter last seen (0: the authenticator keeps none)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the BE flag: a multi-device (synced) credential, reported as ``swk``
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the BS flag: currently backed up (it may change at each login)
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    aaguid: Mapped[str] = mapped_column(String(36))
    attestation_format: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PasskeyAccount(Base):
    """Per account: the WebAuthn user handle (random, never the account id: WebAuthn §14.6.1) and
    whether the person chose to sign in with a passkey alone."""

    __tablename__ = "passkey_accounts"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    user_handle: Mapped[str] = mapped_column(String(64), unique=True)
    passwordless: Mapped[bool] = mapped_column(Boolean, default=False)


class PasskeyChallenge(Base):
    """A challenge sent with creation or request options; answered once, by the same browser."""

    __tablename__ = "passkey_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    #: base64url of the random challenge bytes
    challenge: Mapped[str] = mapped_column(String(128))
    #: SHA-256 of the browser's CSRF cookie, hex: another browser cannot answer it
    browser_hash: Mapped[str] = mapped_column(String(64))
    #: registration: the account; second factor: the pending login's account; passwordless: none
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: second factor: the pending login it belongs to
    pending_handle: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
