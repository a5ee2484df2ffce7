"""Bank-ID brokering (issue 15 item 3): the links between accounts and bank subjects, and the bank
logins in flight (state, nonce, PKCE verifier; after the callback, the bank's claims sealed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class BankLink(Base):
    """This account is the person the bank knows as ``subject`` (one link per bank and account)."""

    __tablename__ = "bank_links"
    __table_args__ = (
        UniqueConstraint("bank", "subject"),
        UniqueConstraint("account_id", "bank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: the bank's id in IDP_BANK_PROVIDERS
    bank: Mapped[str] = mapped_column(String(32))
    #: the bank's ``sub`` for the person (OIDC Core §2: unique per issuer)
    subject: Mapped[str] = mapped_column(String(255))
    #: how the link was made: snils | phone | registration
    linked_by: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BankLogin(Base):
    """One trip to a bank and back. ``state`` is the handle (single use: ``stage`` moves on at the
    callback); ``browser`` binds it to the browser that left (a keyed hash of its CSRF cookie)."""

    __tablename__ = "bank_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    bank: Mapped[str] = mapped_column(String(32))
    browser: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    interaction_handle: Mapped[str | None] = mapped_column(String(64), nullable=True)
    next_path: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: started (at the bank) | phone (waits for the account's password) | register (waits for the
    #: form) | done | refused
    stage: Mapped[str] = mapped_column(String(16), default="started")
    #: after the callback: the BankIdentity as JSON, sealed with the personal-data key
    identity_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the account whose confirmed phone the bank's phone matched (stage ``phone``)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class BankProviderRecord(Base):
    """A bank added through the admin API (``/admin/banks``); the ones in IDP_BANK_PROVIDERS are not
    stored. ``config`` is the BankProvider as JSON without its secret; the secret is sealed with
    the personal-data key."""

    __tablename__ = "bank_providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(32), unique=True)
    config: Mapped[str] = mapped_column(Text)
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
