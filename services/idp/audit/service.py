"""The security log (R-SEC-1): record, read, verify, purge and export security events.

The log is append-only by contract: nothing in the idp updates or deletes an event except
:func:`purge_older_than`, which only removes the oldest events, never younger than six months.
The database itself does not forbid an edit (on SQLite it cannot; on PostgreSQL whoever owns the
table can always drop a trigger), so the log is *tamper-evident* instead: every event carries the
hash of the previous one (see :mod:`idp.audit.chain`), and :func:`verify_chain` names the first
event that was edited, the gap where events were deleted, oldest events removed outside a purge,
and newest events removed behind the head. Someone who can rewrite the whole table can also
recompute the chain; recording the head hash that ``verify`` prints somewhere else (a ticket, a
different system) defeats that too.

Appends are serialised by the one-row ``security_log_head`` table: each append locks it, chains
the new event to ``last_hash`` and moves the head. Call :func:`record_event` in the request's
session, which commits it together with the change it describes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from typing import Any

from sqlalchemy.orm import Session

from idp.audit import repository
from idp.audit.chain import GENESIS_HASH, PURGE_EVENT, ChainReport, canonical_time, check_chain, event_hash
from idp.audit.errors import RetentionBelowFloorError
from idp.audit.models import SecurityEvent
from shared.db import utcnow

#: R-SEC-1: the security log is kept at least six months.
MIN_RETENTION_DAYS = 183
USER_AGENT_MAX = 300
IP_MAX = 64
RESULTS = frozenset({"success", "failure"})
#: The event types the idp writes (documented in docs/security-log.md). Others are allowed when they
#: are snake_case: a new feature should not need to edit this module to log.
EVENT_TYPES = frozenset(
    {
        "login_succeeded",
        "login_failed",
        "account_locked",
        "code_sent",
        "code_failed",
        "password_changed",
        "level_changed",
        "grant_given",
        "grant_revoked",
        "session_ended",
        "contact_confirmed",
        "registered",
        "admin_action",
        "recovery_requested",
        "second_factor_changed",
        PURGE_EVENT,
    }
)
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
#: A details key containing one of these reads like a secret or personal data (R-SEC-4, R-SEC-2).
_SECRET_SUBSTRINGS = ("password", "passwd", "secret", "token", "snils", "passport", "credential")
#: ...or having one of these as a whole word (``otp_code``, ``inn``; not ``inner`` or ``pinned``).
_SECRET_WORDS = frozenset({"code", "codes", "inn", "otp", "pin", "cvv"})
_WORD = re.compile(r"[a-z0-9]+")


def _check_details(details: Any, path: str = "details") -> None:
    if isinstance(details, Mapping):
        for key, value in details.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: keys must be strings")
            lowered = key.lower()
            words = set(_WORD.findall(re.sub(r"([a-z])([A-Z])", r"\1_\2", key).lower()))
            if any(s in lowered for s in _SECRET_SUBSTRINGS) or words & _SECRET_WORDS:
                raise ValueError(
                    f"{path}.{key}: looks like a secret, a code or personal data; "
                    "the security log holds ids and reasons only"
                )
            _check_details(value, f"{path}.{key}")
    elif isinstance(details, list | tuple):
        for index, value in enumerate(details):
            _check_details(value, f"{path}[{index}]")


def record_event(
    session: Session,
    *,
    event_type: str,
    result: str,
    actor: str,
    account_id: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    details: Mapping[str, Any] | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> SecurityEvent:
    """Append one event to the chain. Bad arguments are programming errors (``ValueError``)."""
    if not _EVENT_TYPE.match(event_type):
        raise ValueError(f"event_type must be snake_case, got {event_type!r}")
    if result not in RESULTS:
        raise ValueError(f"result must be one of {sorted(RESULTS)}, got {result!r}")
    if not actor or len(actor) > 160:
        raise ValueError("actor must be 1-160 characters")
    _check_details(details or {})
    # Store exactly what is hashed: a JSON round trip turns tuples into lists and refuses values
    # that JSON cannot hold.
    clean_details: dict[str, Any] = json.loads(json.dumps(dict(details or {}), ensure_ascii=False))

    head = repository.lock_head(session, GENESIS_HASH)
    # The time is read under the lock, so it grows with the id across replicas (to their clock skew).
    occurred_at = clock().astimezone(dt.UTC)
    event = SecurityEvent(
        occurred_at=occurred_at,
        account_id=account_id,
        actor=actor,
        event_type=event_type,
        result=result,
        ip=ip[:IP_MAX] if ip else None,
        user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
        details=clean_details,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(head.last_hash, _content(event))
    repository.add(session, event)
    head.last_hash = event.hash
    head.last_event_id = event.id
    session.flush()
    return event


@dataclasses.dataclass(frozen=True)
class AdminCaller:
    """Who performs an admin API action: the admin client named by its token, and from where."""

    client_id: str
    ip: str | None = None
    user_agent: str | None = None

    @property
    def actor(self) -> str:
        return f"admin:{self.client_id}"


def record_admin_action(
    session: Session,
    caller: AdminCaller,
    action: str,
    *,
    result: str = "success",
    account_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> SecurityEvent:
    """One admin action (R-SEC-1): ``admin_action`` by ``admin:<client_id>``, the action and the
    admin client's id in ``details``. Written by the service that acts, in its transaction."""
    return record_event(
        session,
        event_type="admin_action",
        result=result,
        actor=caller.actor,
        account_id=account_id,
        ip=caller.ip,
        user_agent=caller.user_agent,
        details={"action": action, "admin_client_id": caller.client_id, **(details or {})},
    )


def _content(event: SecurityEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at,
        "account_id": event.account_id,
        "actor": event.actor,
        "event_type": event.event_type,
        "result": event.result,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details,
    }


def events_for_account(
    session: Session, account_id: int, limit: int = 50, before_id: int | None = None
) -> Sequence[SecurityEvent]:
    """One person's events, newest first («Журнал событий»); page on with ``before_id``."""
    return repository.for_account(session, account_id, max(1, min(limit, 500)), before_id)


def verify_chain(session: Session) -> ChainReport:
    """Check the whole chain. The head is read first and bounds the walk, so events appended while
    the walk runs are neither checked nor mistaken for tampering."""
    head = repository.read_head(session)
    up_to = head.last_event_id if head is not None else None
    with closing(repository.stream_rows(session, up_to_id=up_to)) as rows:
        return check_chain(
            rows,
            head_event_id=up_to,
            head_hash=head.last_hash if head is not None else None,
            has_head=head is not None,
        )


@dataclasses.dataclass(frozen=True)
class PurgeResult:
    deleted: int
    cutoff: dt.datetime
    #: prev_hash of the first event kept: where verification now starts
    anchor: str
    purge_event_id: int


def purge_older_than(
    session: Session,
    days: int,
    floor_days: int = MIN_RETENTION_DAYS,
    *,
    clock: Callable[[], dt.datetime] = utcnow,
) -> PurgeResult:
    """Delete the events older than ``days`` and record a ``log_purged`` event with the new anchor.

    Refused below ``floor_days``, and never below six months whatever the floor (R-SEC-1). Only a
    prefix of the chain goes: every event before the first one younger than the cutoff, so the
    rest still verifies from the anchor.
    """
    floor = max(floor_days, MIN_RETENTION_DAYS)
    if days < floor:
        raise RetentionBelowFloorError(
            f"the security log is kept at least {floor} days (R-SEC-1); refusing to purge at {days} days"
        )
    head = repository.lock_head(session, GENESIS_HASH)
    cutoff = clock() - dt.timedelta(days=days)
    first_kept = repository.first_event_at_or_after(session, cutoff)
    deleted = repository.delete_before(session, first_kept.id if first_kept else None)
    anchor = first_kept.prev_hash if first_kept else head.last_hash
    event = record_event(
        session,
        event_type=PURGE_EVENT,
        result="success",
        actor="system",
        details={
            "deleted": deleted,
            "days": days,
            "cutoff": canonical_time(cutoff),
            "anchor": anchor,
            "first_kept_id": first_kept.id if first_kept else None,
        },
        clock=clock,
    )
    return PurgeResult(deleted=deleted, cutoff=cutoff, anchor=anchor, purge_event_id=event.id)


def event_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """An event as a JSON-ready dict: its content plus id, prev_hash and hash (re-verifiable)."""
    record = {name: row[name] for name in ("id", "account_id", "actor", "event_type", "result")}
    record.update(
        occurred_at=canonical_time(row["occurred_at"]),
        ip=row["ip"],
        user_agent=row["user_agent"],
        details=row["details"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )
    return record


def export_jsonl(session: Session, since: dt.datetime | None = None) -> Iterator[str]:
    """One JSON object per event (ending in a newline), oldest first, from ``since`` on."""
    with closing(repository.stream_rows(session, since=since)) as rows:
        for row in rows:
            yield json.dumps(event_record(row), ensure_ascii=False, sort_keys=True) + "\n"
