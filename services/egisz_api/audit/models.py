"""The audit tables.

``access_events``: the first, minimal log of authenticated API calls (``/api/v1/whoami``).

``audit_events``: every access to a patient's data, granted or denied, as the BALP AuditEvent that
``GET /fhir/AuditEvent`` serves (the stored JSON), plus the columns its searches need. Append-only:
no code path updates or deletes a row, and triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) in the database itself (docs/audit.md).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, BigInteger, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from egisz_api.database import Base
from shared.db import UTCDateTime, utcnow


class AccessEvent(Base):
    __tablename__ = "access_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    subject: Mapped[str] = mapped_column(String(128), index=True)
    client_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(16))
    source_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class AuditEventRow(Base):
    """One AuditEvent. ``seq`` orders rows for keyset paging (with ``recorded``); ``event_id`` is the
    AuditEvent's logical id, unique so that replaying a journal segment twice stores it once."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    recorded: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    patient: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agent: Mapped[str | None] = mapped_column(String(256), nullable=True)
    action: Mapped[str] = mapped_column(String(1))
    #: the FHIR interaction (AuditEvent.subtype); NULL on rows stored before migration 0003a
    subtype: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str] = mapped_column(String(2))
    client_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    resource: Mapped[str | None] = mapped_column(String(256), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    resource_json: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        # the patient's "who looked at my record" search, newest first, paged by (recorded, seq)
        Index("ix_audit_events_patient_recorded", "patient", "recorded", "seq"),
        Index("ix_audit_events_agent_recorded", "agent", "recorded", "seq"),
        Index("ix_audit_events_recorded", "recorded", "seq"),
    )


#: The database refuses UPDATE and DELETE (and TRUNCATE) on audit_events. The migration creates the
#: same triggers; these make ``metadata.create_all`` databases equally append-only.
APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)
APPEND_ONLY_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege'; "
    "END $$",
    "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)

for _statement in APPEND_ONLY_SQLITE:
    event.listen(AuditEventRow.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEventRow.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
