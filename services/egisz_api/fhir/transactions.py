"""Transaction and batch Bundles at ``POST /fhir`` (R4 http.html §3.1.0.11, EGISZ.md §5 row 26).

Every entry is the single interaction it names, through the same service function (``service.create``,
``update``, ``read``, ``search``...): scope, role, compartment, consent and validation are checked
exactly as for one request, and each entry is audited as that interaction is.

- **transaction**: one database transaction. Entries run in the R4 order (DELETE, POST, PUT, GET;
  §3.1.0.11.2 "Transaction Processing Rules"); the first failing entry refuses the whole Bundle
  with its own status and an OperationOutcome whose ``expression`` names it (``Bundle.entry[7]``),
  and nothing is written. ``urn:uuid:`` fullUrls of created entries get their ids before any entry
  runs, and every ``reference`` to them is rewritten to ``Type/id``.
- **batch**: entries are independent: each commits or fails alone, with its own status and outcome.

The signature rule (§5 row 26, "the strictest level among the entries") is
:func:`_require_signature`: a system's signed Provenance entry, verified before any entry runs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from egisz_api.access import service as access
from egisz_api.access.service import Caller
from egisz_api.fhir import bundles, service
from egisz_api.fhir.auditing import AccessRecord, AuditSink
from egisz_api.fhir.bundle_work import BundleWork
from egisz_api.fhir.errors import (
    EntryMethodNotAllowedError,
    InvalidBundleError,
    PayloadTooLargeError,
    SignatureRequiredError,
)
from egisz_api.fhir.outcomes import outcome
from egisz_api.fhir.service import FhirContext
from egisz_api.records.dates import instant_text
from egisz_api.records.schemas import StoredResource
from egisz_api.signatures import service as signatures
from egisz_api.signatures.schemas import SignatureInfo
from shared.db import end_transaction
from shared.errors import AppError

#: R4 §3.1.0.11.2: DELETE, then POST, then PUT/PATCH, then GET/HEAD
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
}


@dataclass
class Entry:
    index: int
    method: str
    #: the request URL relative to the base: ``Observation``, ``Patient/7``, ``Observation?code=x``
    url: str
    full_url: str | None
    resource: dict[str, Any] | None
    if_none_exist: str | None
    if_match: str | None
    #: the id chosen ahead for a created entry others refer to by ``urn:uuid:``
    assigned_id: str | None = None

    @property
    def path(self) -> str:
        return self.url.split("?", 1)[0]

    @property
    def resource_type(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def expression(self) -> str:
        return f"Bundle.entry[{self.index}]"


@dataclass
class Answer:
    status: int
    resource: bytes | None = None
    location: str | None = None
    stored: StoredResource | None = None
    outcome: bytes | None = None

    def response(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": f"{self.status} {_REASONS.get(self.status, '')}".strip()}
        if self.location:
            body["location"] = self.location
        if self.stored is not None:
            body["etag"] = f'W/"{self.stored.version_id}"'
            body["lastModified"] = instant_text(self.stored.last_updated)
        return body


class _HeldAudit:
    """The entries' AccessRecords, held until the transaction's fate is known: released as they
    are when it commits; when it is rolled back, the entries that had been granted are recorded as
    ``rolled_back`` (they were allowed, but nothing of them was written)."""

    def __init__(self, sink: AuditSink) -> None:
        self.sink = sink
        self.records: list[AccessRecord] = []

    def record(self, event: AccessRecord) -> None:
        self.records.append(event)

    def release(self, *, committed: bool) -> None:
        for event in self.records:
            if not committed and event.outcome == "granted":
                event = replace(event, outcome="rolled_back")
            self.sink.record(event)
        self.records.clear()


# --- parsing -------------------------------------------------------------------------------------


def _parse(body: bytes, base: str, max_entries: int, max_resource_bytes: int) -> tuple[str, list[Entry]]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBundleError("The request body is not valid JSON.") from exc
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InvalidBundleError("POST /fhir takes a Bundle of type transaction or batch.")
    kind = data.get("type")
    if kind not in ("transaction", "batch"):
        raise InvalidBundleError(f"Bundle.type must be transaction or batch, not {kind!r}.")
    raw = data.get("entry") or []
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise InvalidBundleError("Bundle.entry must be a list of objects.")
    if len(raw) > max_entries:
        raise PayloadTooLargeError(f"A Bundle may carry at most {max_entries} entries.")
    # the Bundle's own structure by the R4B model; each entry's resource is validated by the
    # interaction it names (the same validation as a single create or update)
    shell = {**data, "entry": [{k: v for k, v in e.items() if k != "resource"} for e in raw]}
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        issues = [(_location(e["loc"]), e["msg"]) for e in exc.errors(include_input=False)]
        raise InvalidBundleError("The Bundle fails R4 validation.", issues=issues) from exc
    entries = [_entry(i, e, base, max_resource_bytes) for i, e in enumerate(raw)]
    return kind, entries


def _location(loc: tuple[Any, ...]) -> str:
    parts = ["Bundle"]
    for part in loc:
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
        elif not str(part).startswith("function-"):
            parts.append(str(part))
    return ".".join(parts)


def _entry(index: int, raw: dict[str, Any], base: str, max_resource_bytes: int) -> Entry:
    where = f"Bundle.entry[{index}]"
    request = raw.get("request")
    if not isinstance(request, dict) or not request.get("method") or not request.get("url"):
        raise InvalidBundleError(f"{where}.request needs a method and a url.", expression=where)
    url = str(request["url"])
    if url.startswith(base + "/"):
        url = url[len(base) + 1 :]
    elif urlsplit(url).scheme:
        raise InvalidBundleError(f"{where}.request.url points at another server.", expression=where)
    resource = raw.get("resource")
    if resource is not None and not isinstance(resource, dict):
        raise InvalidBundleError(f"{where}.resource must be a resource.", expression=where)
    for name in ("method", "url", "ifNoneExist", "ifMatch"):
        if name in request and not isinstance(request[name], str):
            raise InvalidBundleError(f"{where}.request.{name} must be a string.", expression=where)
    full_url = raw.get("fullUrl")
    if full_url is not None and not isinstance(full_url, str):
        raise InvalidBundleError(f"{where}.fullUrl must be a string.", expression=where)
    method = str(request["method"]).upper()
    if method in ("POST", "PUT") and resource is None:
        raise InvalidBundleError(f"{where}: a {method} entry needs a resource.", expression=where)
    if resource is not None and len(_dump(resource)) > max_resource_bytes:
        raise PayloadTooLargeError(
            f"{where}.resource is over {max_resource_bytes} bytes.", extra={"expression": where}
        )
    return Entry(
        index=index,
        method=method,
        url=url.lstrip("/"),
        full_url=full_url,
        resource=resource,
        if_none_exist=request.get("ifNoneExist"),
        if_match=request.get("ifMatch"),
    )


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- references between entries (R4 §3.1.0.11.2) ------------------------------------------------


def _assign_ids(entries: Sequence[Entry]) -> dict[str, str]:
    """``urn:uuid:`` fullUrl → ``Type/id`` for every created or updated entry that has one."""
    resolved: dict[str, str] = {}
    for entry in entries:
        if not entry.full_url or not entry.full_url.startswith(("urn:uuid:", "urn:oid:")):
            continue
        if entry.method == "POST":
            entry.assigned_id = str(uuid.uuid4())
            resolved[entry.full_url] = f"{entry.resource_type}/{entry.assigned_id}"
        elif entry.method == "PUT":
            resolved[entry.full_url] = entry.path
    return resolved


def _rewrite(value: Any, resolved: dict[str, str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str) and item in resolved:
                out[key] = resolved[item]
            else:
                out[key] = _rewrite(item, resolved)
        return out
    if isinstance(value, list):
        return [_rewrite(item, resolved) for item in value]
    return value


def _in_order(entries: Sequence[Entry]) -> list[Entry]:
    """R4's order; among POSTs the conditional ones first, so that a ``urn:uuid:`` naming one that
    matched an existing resource resolves to that resource for the entries after it."""
    return sorted(entries, key=lambda e: (_ORDER.get(e.method, 4), e.if_none_exist is None, e.index))


# --- the signature rule --------------------------------------------------------------------------


def _is_system(caller: Caller) -> bool:
    return bool(caller.scopes) and all(s.context == "system" for s in caller.scopes)


def _medical_writes(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if e.method in ("POST", "PUT") and signatures.needs_signature(e.resource_type)]


def _targets_of(entry: Entry) -> set[str]:
    """The references a signed Provenance entry names as its targets (none for anything else)."""
    resource = entry.resource or {}
    if (
        entry.method != "POST"
        or resource.get("resourceType") != "Provenance"
        or not resource.get("signature")
    ):
        return set()
    return {
        t["reference"]
        for t in resource.get("target") or []
        if isinstance(t, dict) and isinstance(t.get("reference"), str)
    }


def _names(entry: Entry) -> set[str]:
    """How a Provenance may name an entry: its request path, its fullUrl, its assigned id."""
    names = {entry.path, *([entry.full_url] if entry.full_url else [])}
    if entry.assigned_id:
        names.add(f"{entry.resource_type}/{entry.assigned_id}")
    return names


def _require_signature(ctx: FhirContext, caller: Caller, entries: Sequence[Entry]) -> SignatureInfo | None:
    """The strictest auth level among the entries (EGISZ.md §5 row 26, rule (A) last step), checked
    before any entry runs.

    - a person's token: each medical entry meets the signature rule as its single write does
      (``acr`` urn:idp:acr:sig or urn:idp:acr:qes, else 401 naming the entry): nothing to do here;
    - a ``system/`` token: a Provenance entry with a ``signature`` whose ``target`` names every
      medical-data entry (by its ``urn:uuid:`` fullUrl or ``Type/id``), its detached CMS made over
      those entries' resources as sent, in entry order (docs/fhir.md «Signed writes»): verified and
      its certificate validated by :func:`egisz_api.signatures.service.verify_provenance`. What it
      returns is every medical entry's signature: each gets its server-written Provenance.
    Refused: 401 ``insufficient_user_authentication`` (RFC 9470) naming the first uncovered entry,
    or 422 naming why the signature is refused.
    """
    medical = _medical_writes(entries)
    if not medical or not _is_system(caller):
        return None
    provenances = [e for e in _provenances(entries) if (e.resource or {}).get("signature")]
    if not provenances and not ctx.signatures.required:
        return None  # the rule is off (dev fixtures)
    targets = set().union(*(_targets_of(p) for p in provenances))
    for entry in medical:
        if not _names(entry) & targets:
            raise SignatureRequiredError(
                "A system's medical-data write needs a signed Provenance entry in the same Bundle "
                "whose target names it (EGISZ.md §5 row 26).",
                expression=entry.expression,
            )
    # the Provenance that names every medical entry (in a batch, each entry's own)
    covering = [p for p in provenances if all(_names(e) & _targets_of(p) for e in medical)]
    return signatures.verify_provenance(
        ctx.session,
        (covering or provenances)[0].resource,
        [e.resource for e in medical if e.resource is not None],
        signatures=ctx.signatures,
        clock=ctx.clock,
    )


# --- running the entries -------------------------------------------------------------------------


def _split(url: str) -> tuple[list[str], list[tuple[str, str]]]:
    path, _, query = url.partition("?")
    return [p for p in path.split("/") if p], parse_qsl(query, keep_blank_values=True)


def _execute(ctx: FhirContext, entry: Entry, resolved: dict[str, str]) -> Answer:
    parts, pairs = _split(entry.url)
    if entry.method in ("POST", "PUT"):
        resource = _rewrite(entry.resource, resolved)
        if entry.method == "POST" and len(parts) == 1:
            if parts[0] == "Provenance":
                return _provenance_only(resource)
            condition = service.if_none_exist(entry.if_none_exist)
            written = service.create(
                ctx, parts[0], _dump(resource), if_none_exist=condition, assigned_id=entry.assigned_id
            )
            if entry.full_url and entry.full_url.startswith(("urn:uuid:", "urn:oid:")):
                resolved[entry.full_url] = f"{parts[0]}/{written.resource.resource_id}"
            return _written(written)
        if entry.method == "PUT" and len(parts) == 2:
            if_match = service.if_match_version(entry.if_match)
            return _written(service.update(ctx, parts[0], parts[1], _dump(resource), if_match=if_match))
    if entry.method == "GET" and parts:
        if len(parts) == 1:
            return Answer(200, resource=service.search(ctx, parts[0], pairs, lenient=False))
        if len(parts) == 2:
            return _found(service.read(ctx, parts[0], parts[1]))
        if len(parts) == 3 and parts[2] == "_history":
            return Answer(200, resource=service.history(ctx, parts[0], parts[1], pairs, lenient=False))
        if len(parts) == 4 and parts[2] == "_history":
            return _found(service.vread(ctx, parts[0], parts[1], parts[3]))
    if entry.method in ("DELETE", "PATCH", "HEAD", "POST", "PUT", "GET"):
        raise EntryMethodNotAllowedError(
            f"{entry.method} {entry.url} is not served in a Bundle here (clinical records are never "
            "deleted, EGISZ.md §5 (C); entries may POST Type, PUT Type/id, GET a read or search)."
        )
    raise InvalidBundleError(f"Unknown method {entry.method!r}.")


def _provenance_only(resource: dict[str, Any]) -> Answer:
    """A Provenance entry carries a system's signature (:func:`_require_signature`): validated,
    202, not stored as sent; the server records its own Provenance with each signed entry."""
    from fhir.resources.R4B.provenance import Provenance

    try:
        Provenance.model_validate(resource)
    except ValidationError as exc:
        raise InvalidBundleError("The Provenance entry fails R4 validation.") from exc
    return Answer(202)


def _written(written: service.Written) -> Answer:
    stored = written.resource
    location = f"{stored.resource_type}/{stored.resource_id}/_history/{stored.version_id}"
    return Answer(201 if written.created else 200, stored.content, location, stored)


def _found(stored: StoredResource) -> Answer:
    return Answer(200, stored.content, None, stored)


def _annotate(exc: AppError, entry: Entry) -> AppError:
    """The failing entry named in the OperationOutcome (issue ``expression``, R4 §3.1.0.11)."""
    exc.extra.setdefault("expression", entry.expression)
    exc.detail = f"{entry.expression} ({entry.method} {entry.url}): {exc.detail}"
    issues = getattr(exc, "issues", None)
    if isinstance(issues, list):
        exc.issues = [(f"{entry.expression}.resource.{p}", m) for p, m in issues]  # type: ignore[attr-defined]
    return exc


def process(ctx: FhirContext, body: bytes, *, max_entries: int, max_resource_bytes: int) -> bytes:
    """``POST /fhir``: the transaction-response or batch-response Bundle."""
    kind, entries = _parse(body, ctx.base, max_entries, max_resource_bytes)
    answers = _transaction(ctx, entries) if kind == "transaction" else dict(_batch(ctx, entries))
    return bundles.response(
        f"{kind}-response",
        [(answers[e.index].response(), answers[e.index].resource, answers[e.index].outcome) for e in entries],
    )


def _transaction(ctx: FhirContext, entries: list[Entry]) -> dict[int, Answer]:
    held = _HeldAudit(ctx.audit)
    work = BundleWork()
    atomic = replace(ctx, audit=held, atomic=True, work=work)
    resolved = _assign_ids(entries)
    answers: dict[int, Answer] = {}
    try:
        caller = access.identify(ctx.session, ctx.claims)
        try:
            atomic = replace(atomic, signed=_require_signature(ctx, caller, entries))
        except AppError as exc:
            first = _medical_writes(entries)[0]
            service.audit_refusal(atomic, caller, first.method, first.path, exc)
            raise
        for entry in _in_order(entries):
            try:
                answers[entry.index] = _execute(atomic, entry, resolved)
            except AppError as exc:
                raise _annotate(exc, entry) from None
        work.finish(ctx.session, ctx.clock)  # the Bundle's one Provenance per signature
    except AppError:
        # nothing of the Bundle is written; the entries' audit records are kept (committed alone
        # when they go to the request's session) before the error propagates
        ctx.session.rollback()
        held.release(committed=False)
        end_transaction(ctx.session)
        raise
    held.release(committed=True)
    return answers


def _batch(ctx: FhirContext, entries: list[Entry]) -> Iterator[tuple[int, Answer]]:
    resolved: dict[str, str] = {}
    caller = access.identify(ctx.session, ctx.claims)
    for entry in _in_order(entries):
        try:
            # each entry is its own unit, so it meets the signature rule on its own (with the
            # Bundle's Provenance entries)
            signed = _require_signature(ctx, caller, [entry, *_provenances(entries)])
            answer = _execute(replace(ctx, signed=signed), entry, resolved)
            end_transaction(ctx.session)  # a later entry's failure must not undo this one
        except AppError as exc:
            ctx.session.rollback()
            if isinstance(exc, SignatureRequiredError):
                service.audit_refusal(ctx, caller, entry.method, entry.path, exc)
            end_transaction(ctx.session)
            answer = Answer(exc.status_code, outcome=_outcome_of(exc, entry))
        yield entry.index, answer


def _outcome_of(exc: AppError, entry: Entry) -> bytes:
    issues = getattr(exc, "issues", None)
    return outcome(
        exc.status_code,
        exc.code,
        exc.title,
        exc.detail,
        issue_code=getattr(exc, "issue_code", None),
        issues=issues if isinstance(issues, list) else (),
        expression=entry.expression,
    )


def _provenances(entries: Sequence[Entry]) -> list[Entry]:
    return [e for e in entries if (e.resource or {}).get("resourceType") == "Provenance"]
