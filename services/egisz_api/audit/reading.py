"""«Кто смотрел мою карту»: the AuditEvent search for a caller, itself audited (EGISZ.md §5 row 30).

Who may search (checks in this order, each refusal a 403 and an AuditEvent with outcome 4):

1. ``check_scope``: a SMART scope that allows searching AuditEvent: ``patient/``, ``user/`` or
   ``system/`` with ``AuditEvent`` or ``*`` and the ``s`` letter (v2) or ``read``/``*`` (v1);
2. ``check_patient``: with only ``patient/`` scopes, the token's ``patient`` (SMART launch
   context) is the one patient whose events are searched; another patient is refused;
3. ``check_role``: ``user/`` and ``system/`` scopes need the ``auditor`` or ``admin`` role.

AuditEvents are never written through the API: this module only reads.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.audit import query as q
from egisz_api.audit import service
from egisz_api.audit.balp import AccessRecord, Outcome
from egisz_api.audit.errors import AuditAccessDeniedError, AuditEventNotFoundError, InvalidSearchError
from egisz_api.audit.sink import AuditSink
from shared.errors import AppError

logger = logging.getLogger(__name__)

#: the longest an AuditEvent search waits for the write-behind queue (seconds)
FLUSH_TIMEOUT = 5.0
PARAMETERS = frozenset({*q.SEARCH_PARAMETERS, "_sort", "_count", "_cursor"})
REVIEW_ROLES = frozenset({"auditor", "admin"})
_SCOPE = re.compile(r"^(patient|user|system)/(AuditEvent|\*)\.(?:(c?r?u?d?s?)|(read|\*))(?:\?.*)?$")


@dataclass(frozen=True, slots=True)
class Caller:
    """What the bearer token says about who is asking."""

    subject: str | None
    who: str | None
    name: str | None
    roles: tuple[str, ...]
    client_id: str | None
    patient: str | None
    scopes: tuple[str, ...]
    token_id: str | None
    source_ip: str | None
    request_id: str | None

    @classmethod
    def from_claims(
        cls, claims: Mapping[str, Any], *, source_ip: str | None, request_id: str | None
    ) -> Caller:
        roles = claims.get("roles") or ()
        if isinstance(roles, str):
            roles = roles.split()
        client_id = claims.get("client_id")
        subject = claims.get("sub")
        return cls(
            # a client_credentials token's subject is the client itself: no person to name
            subject=None if subject is None or subject == client_id else str(subject),
            who=_str(claims.get("fhirUser")),
            name=_str(claims.get("name")),
            roles=tuple(str(r) for r in roles),
            client_id=_str(client_id),
            patient=_str(claims.get("patient")),
            scopes=tuple(str(claims.get("scope", "")).split()),
            token_id=_str(claims.get("jti")),
            source_ip=source_ip,
            request_id=request_id,
        )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _search_levels(scopes: Sequence[str], letter: str = "s") -> set[str]:
    """The scope levels (patient, user, system) that allow searching (``s``) or reading (``r``)
    AuditEvent."""
    levels = set()
    for scope in scopes:
        match = _SCOPE.match(scope)
        if match and ((match[3] is not None and letter in match[3]) or match[4] is not None):
            levels.add(match[1])
    return levels


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """The parsed query string; ``raw`` is kept for the AuditEvent's query entity."""

    raw: str
    patient: str | None
    since: dt.datetime | None
    until: dt.datetime | None
    agent: str | None
    actions: tuple[str, ...]
    newest_first: bool
    count: int
    cursor: str | None
    outcomes: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()
    entity: str | None = None
    satisfiable: bool = True
    #: the parameters used, in the order given (``Prefer: handling=lenient`` leaves out the rest)
    kept: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, raw: str, params: Sequence[tuple[str, str]], *, lenient: bool = False) -> SearchRequest:
        values: dict[str, list[str]] = {}
        kept = []
        for name, value in params:
            if name not in PARAMETERS:
                if lenient:
                    continue
                raise InvalidSearchError(f"The search parameter {name!r} is not supported.")
            values.setdefault(name, []).append(value)
            kept.append((name, value))
        for name in ("patient", "agent", "entity", "_sort", "_count", "_cursor"):
            if len(values.get(name, ())) > 1:
                raise InvalidSearchError(f"{name} may be given only once.")

        def one(name: str) -> str | None:
            return values.get(name, [None])[0]

        patient = one("patient")
        entity = one("entity")
        since, until = q.date_bounds(values.get("date", []))
        return cls(
            raw=raw,
            patient=q.patient_id(patient) if patient is not None else None,
            since=since,
            until=until,
            agent=one("agent"),
            actions=q.parse_actions(values.get("action", [])),
            newest_first=q.parse_sort(one("_sort")),
            count=q.parse_count(one("_count")),
            cursor=one("_cursor"),
            outcomes=q.parse_outcomes(values.get("outcome", [])),
            subtypes=q.parse_subtypes(values.get("subtype", [])),
            entity=q.entity_reference(entity) if entity is not None else None,
            satisfiable=q.type_matches(values.get("type", [])),
            kept=tuple(kept),
        )


def check_scope(caller: Caller) -> set[str]:
    levels = _search_levels(caller.scopes)
    if not levels:
        raise AuditAccessDeniedError(
            "The token has no scope to search AuditEvent (e.g. patient/AuditEvent.rs)."
        )
    return levels


def check_patient(caller: Caller, levels: set[str], wanted: str | None) -> str | None:
    """The patient whose events are searched (None = any, for reviewers)."""
    if levels != {"patient"}:
        return wanted
    if caller.patient is None:
        raise AuditAccessDeniedError("A patient/ scope needs a token with a patient context.")
    if wanted is not None and wanted != caller.patient:
        raise AuditAccessDeniedError("A patient may read only the AuditEvents of their own record.")
    return caller.patient


def check_role(caller: Caller, levels: set[str]) -> None:
    if levels != {"patient"} and not REVIEW_ROLES & set(caller.roles):
        raise AuditAccessDeniedError("Reading other people's AuditEvents needs the auditor or admin role.")


async def search_as(
    caller: Caller,
    raw_query: str,
    params: Sequence[tuple[str, str]],
    *,
    sink: AuditSink,
    read: Callable[[Callable[[Session], service.AuditPage]], Any],
    clock: Callable[[], dt.datetime],
    lenient: bool = False,
    hide_others: bool = False,
) -> service.AuditPage:
    """Run the checks, search, and record the attempt as an AuditEvent whatever the outcome (the
    event is durable before this returns or raises). ``read(work)`` runs ``work`` with a database
    session in a worker thread. ``lenient``: skip unknown parameters (``Prefer: handling=lenient``);
    ``hide_others``: a patient naming another patient gets an empty page (the FHIR compartment
    rule) instead of a 403."""
    patient: str | None = caller.patient
    try:
        # the scope is checked first: a token without it learns nothing from parameter errors; the
        # patient named is still parsed when it can be, so the refusal lands in that patient's log
        parse_error: InvalidSearchError | None = None
        try:
            search = SearchRequest.parse(raw_query, params, lenient=lenient)
            patient = search.patient or caller.patient
        except InvalidSearchError as exc:
            parse_error = exc
        levels = check_scope(caller)
        if parse_error is not None:
            raise parse_error
        satisfiable, wanted = search.satisfiable, search.patient
        if hide_others and levels == {"patient"} and wanted not in (None, caller.patient):
            satisfiable, wanted = False, caller.patient
        patient = check_patient(caller, levels, wanted)
        check_role(caller, levels)
        # write-behind: events acknowledged a moment ago may still be on their way to the database
        if not await sink.flush_async(FLUSH_TIMEOUT):
            logger.warning("audit search runs before the write-behind queue reached the database")
        page: service.AuditPage = await read(
            lambda session: service.search(
                session,
                patient=patient,
                date_from=search.since,
                date_to=search.until,
                agent=search.agent,
                actions=search.actions,
                outcomes=search.outcomes,
                subtypes=search.subtypes,
                entity=search.entity,
                satisfiable=satisfiable,
                newest_first=search.newest_first,
                count=search.count,
                cursor=search.cursor,
            )
        )
    except AppError as exc:
        await sink.record_async(
            _record(caller, raw_query, patient, clock(), Outcome.MINOR_FAILURE, exc.detail)
        )
        raise
    except Exception:
        await sink.record_async(
            _record(caller, raw_query, patient, clock(), Outcome.SERIOUS_FAILURE, "The search failed.")
        )
        raise
    await sink.record_async(_record(caller, raw_query, patient, clock(), Outcome.SUCCESS, None))
    return page


async def read_as(
    caller: Caller,
    event_id: str,
    *,
    sink: AuditSink,
    read: Callable[[Callable[[Session], tuple[str | None, str] | None]], Any],
    clock: Callable[[], dt.datetime],
) -> str:
    """One AuditEvent (its stored JSON) by id, with the same checks as the search; an event of
    another patient is *not found* for a patient (§5 (D)). Recorded like the search: one
    AuditEvent for this read, whose entity is the event read (reading that one is one more event,
    never a chain: recording an event reads nothing)."""
    patient: str | None = caller.patient
    try:
        levels = _search_levels(caller.scopes, "r")
        if not levels:
            raise AuditAccessDeniedError(
                "The token has no scope to read AuditEvent (e.g. patient/AuditEvent.rs)."
            )
        check_patient(caller, levels, None)
        check_role(caller, levels)
        if not await sink.flush_async(FLUSH_TIMEOUT):
            logger.warning("audit read runs before the write-behind queue reached the database")
        found: tuple[str | None, str] | None = await read(lambda session: service.event(session, event_id))
        if found is not None:
            patient = found[0]
        if found is None or (levels == {"patient"} and found[0] != caller.patient):
            raise AuditEventNotFoundError(f"AuditEvent/{event_id} is not known.")
    except AppError as exc:
        await sink.record_async(
            _record(caller, None, patient, clock(), Outcome.MINOR_FAILURE, exc.detail, event_id=event_id)
        )
        raise
    except Exception:
        failed = _record(
            caller, None, patient, clock(), Outcome.SERIOUS_FAILURE, "The read failed.", event_id=event_id
        )
        await sink.record_async(failed)
        raise
    await sink.record_async(_record(caller, None, patient, clock(), Outcome.SUCCESS, None, event_id=event_id))
    return found[1]


def _record(
    caller: Caller,
    raw_query: str | None,
    patient: str | None,
    now: dt.datetime,
    outcome: Outcome,
    detail: str | None,
    *,
    event_id: str | None = None,
) -> AccessRecord:
    purpose = ("PATRQT",) if caller.patient is not None and caller.patient == patient else ()
    if not purpose and REVIEW_ROLES & set(caller.roles):
        purpose = ("HSYSADMIN",)
    return AccessRecord(
        interaction="search-type" if event_id is None else "read",
        recorded=now,
        outcome=outcome,
        subject=caller.subject,
        subject_name=caller.name,
        who=caller.who,
        roles=caller.roles,
        client_id=caller.client_id,
        source_ip=caller.source_ip,
        resource_type="AuditEvent",
        resource_id=event_id,
        patient_id=patient,
        query=raw_query,
        purpose_of_use=purpose,
        token_id=caller.token_id,
        request_id=caller.request_id,
        detail=detail,
    )


def bundle(page: service.AuditPage, *, self_url: str, next_url: str | None, base: str | None = None) -> bytes:
    """A searchset Bundle around the stored AuditEvents, by concatenation (no re-serialisation);
    ``base``: the FHIR base of the ``fullUrl``s (else ``urn:uuid:``)."""
    prefix = f"{base}/AuditEvent/" if base else "urn:uuid:"
    links = [{"relation": "self", "url": self_url}]
    if next_url is not None:
        links.append({"relation": "next", "url": next_url})
    head = json.dumps({"resourceType": "Bundle", "type": "searchset", "link": links}, separators=(",", ":"))
    entries = ",".join(
        f'{{"fullUrl":"{prefix}{event_id}","resource":{body},"search":{{"mode":"match"}}}}'
        for event_id, body in zip(page.ids, page.entries, strict=True)
    )
    return f'{head[:-1]},"entry":[{entries}]}}'.encode()
