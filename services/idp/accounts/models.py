"""Citizen accounts. SNILS is stored encrypted with a lookup HMAC beside it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.database import Base
from shared.db import UTCDateTime, utcnow


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ESIA-style numeric object id (``urn:esia:sbj_id``)
    oid: Mapped[int] = mapped_column(BigInteger, unique=True)
    #: stable OIDC subject
    sub: Mapped[str] = mapped_column(String(64), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    gender: Mapped[str | None] = mapped_column(String(1), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    snils_encrypted: Mapped[str | None] = mapped_column(String(200), nullable=True)
    snils_lookup: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    inn_encrypted: Mapped[str | None] = mapped_column(String(200), nullable=True)
    inn_lookup: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    passport_series_encrypted: Mapped[str | None] = mapped_column(String(200), nullable=True)
    passport_number_encrypted: Mapped[str | None] = mapped_column(String(200), nullable=True)
    passport_issue_date_encrypted: Mapped[str | None] = mapped_column(String(200), nullable=True)
    passport_issuer_encrypted: Mapped[str | None] = mapped_column(String(600), nullable=True)
    passport_division_encrypted: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: HMAC of series+number: one account per passport
    passport_lookup: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    #: registered (no contact confirmed yet) | simplified | standard | confirmed (R-ACC-4)
    level: Mapped[str] = mapped_column(String(16), default="registered")
    #: the registry check of SNILS and passport: pending | passed | failed
    registry_status: Mapped[str] = mapped_column(String(16), default="pending")
    #: why it failed, as a code the cabinet explains (names_differ, bad_checksum, not_found, unavailable)
    registry_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    registry_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    identity_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    identity_confirmed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: second factor on every login: None (only on new devices) | sms | email | totp
    mfa_method: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: a new phone / e-mail waiting for its confirmation; the confirmed one stays until then
    pending_phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pending_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PersonRecord(Base):
    """What the ESIA REST API returns that an account's own columns lack (ESIA.md §7.2): the ОМС
    policy, addresses, children, vehicles, birth place, citizenship. The payload is JSON sealed with
    the accounts' :class:`~idp.accounts.protection.FieldCipher` (R-SEC-2), bound to its kind."""

    __tablename__ = "person_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: medical_policy | address | child | vehicle | birth_place | citizenship (accounts.record_kinds)
    kind: Mapped[str] = mapped_column(String(16))
    payload_encrypted: Mapped[str] = mapped_column(Text)
    #: 40 hex, new at every change (ESIA's ``eTag``); random, so it says nothing about the payload
    etag: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
