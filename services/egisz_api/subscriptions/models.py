"""R4 rest-hook Subscriptions of integrator systems and the outbox of their notifications.

The outbox row names the resource (type, id, version), never its content: a notification is an
empty body or an id-only Bundle, and the receiver reads the resource with its own token."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime


class SubscriptionRow(Base):
    __tablename__ = "fhir_subscriptions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: the OAuth client that subscribed (only it reads or deletes the Subscription)
    client_id: Mapped[str] = mapped_column(String(128), index=True)
    #: what the criteria watch: one type of one patient
    resource_type: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    criteria: Mapped[str] = mapped_column(String(1024))
    #: active | error | off (deleted)
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: the Subscription resource as stored (status and error kept current)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the subscriber's organisation when its token was bound to one (JSON: reference id and
    #: identifiers, ``access.organization_rule``): notifications only while the patient is its
    organization: Mapped[str | None] = mapped_column(Text, nullable=True)


class SubscriptionOutboxRow(Base):
    """One notification to send: written in the transaction of the change it reports."""

    __tablename__ = "fhir_subscription_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_pk: Mapped[int] = mapped_column(ForeignKey("fhir_subscriptions.pk"), index=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[str] = mapped_column(String(64))
    #: pending → sent | dead | skipped (the subscription is off, or the patient withdrew consent)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
