"""The cabinet's tables.

``cabinet_sessions``: one row per cabinet login. The browser's cookie holds a random token; the row
is keyed by its SHA-256 (``id_hash``), so a copy of the table opens no session. The person's name
and SNILS are sealed (AES-256-GCM) under a key derived from the token itself
(:mod:`egisz_api.cabinet.sealing`): without the cookie the row reveals only ids.

``cabinet_logins``: a login started at ``/cabinet/login`` and not yet come back: the ``state`` sent
to the idp (hashed) and the browser binding (hashed) the callback must present (CSRF, RFC 6749
§10.12); single use.

``cabinet_logout_tokens``: the ``jti`` of each back-channel logout token accepted, kept until the
token expires, so a replayed token is refused (OIDC Back-Channel Logout 1.0 §2.6).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime


class CabinetSession(Base):
    __tablename__ = "cabinet_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the ESIA subject (``urn:esia:sbj_id`` / ``sub``): an id, not personal data
    oid: Mapped[str] = mapped_column(String(64))
    #: the idp's SSO session (``urn:esia:sid``), what a back-channel logout names
    idp_sid: Mapped[str | None] = mapped_column(String(128), nullable=True)
    patient_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    level: Mapped[str] = mapped_column(String(16))
    #: a medical worker's organisations as the idp's ``/rs/prns/{oid}/roles`` listed them at login:
    #: JSON ``[{"oid", "ogrn", "name", "role", "position"}]`` (directory data, not the person's)
    memberships: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the organisation the worker acts for (one of ``memberships``); None until chosen
    org_oid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: what the idp's last login of this session proved (the id_token's ``acr``): a signature step
    #: (docs/worker-forms.md) raises it to ``urn:idp:acr:sig``/``qes``; None: a password login
    acr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: when that login happened (the id_token's ``auth_time``)
    acr_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: SHA-256 thumbprint of the signing certificate (``cnf`` ``x5t#S256``) when the idp sent one
    thumbprint: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: ``{"name", "snils"}`` as JSON, sealed under the token's key
    person_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: ``logout`` | ``backchannel`` | ``idle`` | ``lifetime``
    end_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (
        Index("ix_cabinet_sessions_oid", "oid"),
        Index("ix_cabinet_sessions_idp_sid", "idp_sid"),
        Index("ix_cabinet_sessions_expires_at", "expires_at"),
    )


class CabinetLogin(Base):
    __tablename__ = "cabinet_logins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    binding_hash: Mapped[str] = mapped_column(String(64))
    return_to: Mapped[str] = mapped_column(String(512))
    #: a signature step-up of this cabinet session (its ``id_hash``): the callback raises that
    #: session's ``acr`` instead of opening a new one; None for an ordinary login
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class CabinetLogoutToken(Base):
    __tablename__ = "cabinet_logout_tokens"

    jti: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
