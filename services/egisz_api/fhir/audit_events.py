"""AuditEvent over FHIR (EGISZ.md §5 row 30): ``GET /fhir/AuditEvent`` (search) and
``GET /fhir/AuditEvent/{id}`` (read), served from the durable trail of ``egisz_api.audit``
(the stored JSON, not re-serialised). Read-only: no interaction writes an AuditEvent.

The checks are the audit feature's (``audit/reading.py``: scope, the patient's own record,
the auditor/admin role for ``user/`` and ``system/``) with the FHIR compartment rules: a patient's
search naming another patient is empty, a read of another patient's event is 404. The caller's
Patient is the token's ``patient`` claim, else the one Patient with the token's SNILS (the same
rule as every other type, ``access.identify``). Every read and search is itself one AuditEvent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from egisz_api.access import service as access
from egisz_api.audit import reading
from egisz_api.audit.sink import AuditSink
from egisz_api.fhir import bundles

#: ``read(work)`` runs ``work(session)`` in a worker thread inside a read-only transaction
Reader = Callable[[Callable[[Session], Any]], Any]
RESOURCE_TYPE = "AuditEvent"
#: what this server does with AuditEvent (the CapabilityStatement lists exactly these)
INTERACTIONS = ("read", "search-type")


@dataclasses.dataclass(frozen=True)
class Request:
    claims: Mapping[str, Any]
    base: str
    sink: AuditSink
    read: Reader
    clock: Callable[[], Any]
    source_ip: str | None
    request_id: str | None


async def _caller(request: Request) -> reading.Caller:
    caller = reading.Caller.from_claims(
        request.claims, source_ip=request.source_ip, request_id=request.request_id
    )
    if caller.patient is None:
        identified = await request.read(lambda session: access.identify(session, request.claims))
        if identified.is_patient and identified.patient_id is not None:
            caller = dataclasses.replace(caller, patient=identified.patient_id)
    return caller


async def search(
    request: Request, raw_query: str, pairs: Sequence[tuple[str, str]], *, lenient: bool
) -> bytes:
    """A searchset Bundle of the caller's AuditEvents; ``next`` carries a keyset cursor, so paging
    is stable while new events arrive."""
    caller = await _caller(request)
    page = await reading.search_as(
        caller,
        raw_query,
        pairs,
        sink=request.sink,
        read=request.read,
        clock=request.clock,
        lenient=lenient,
        hide_others=True,
    )
    kept = [(k, v) for k, v in reading.SearchRequest.parse(raw_query, pairs, lenient=lenient).kept]
    self_url = bundles.link(request.base, RESOURCE_TYPE, kept)
    next_url = None
    if page.next_cursor is not None:
        following = [(k, v) for k, v in kept if k != "_cursor"] + [("_cursor", page.next_cursor)]
        next_url = bundles.link(request.base, RESOURCE_TYPE, following)
    return reading.bundle(page, self_url=self_url, next_url=next_url, base=request.base)


async def read(request: Request, event_id: str) -> bytes:
    caller = await _caller(request)
    body = await reading.read_as(caller, event_id, sink=request.sink, read=request.read, clock=request.clock)
    return body.encode()
