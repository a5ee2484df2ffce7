"""Bundles assembled from the stored bytes (no re-serialisation of the resources, EGISZ.md §3.2)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from egisz_api.records.dates import instant_text
from egisz_api.records.schemas import StoredResource


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def link(base: str, path: str, pairs: Sequence[tuple[str, str]]) -> str:
    query = urlencode(list(pairs))
    return f"{base}/{path}" + (f"?{query}" if query else "")


def _entry(base: str, resource: StoredResource, mode: str) -> bytes:
    full_url = _json(f"{base}/{resource.resource_type}/{resource.resource_id}")
    return (
        b'{"fullUrl":'
        + full_url
        + b',"resource":'
        + resource.content
        + b',"search":{"mode":"'
        + mode.encode()
        + b'"}}'
    )


def searchset(
    base: str,
    *,
    self_url: str,
    next_url: str | None,
    matches: Sequence[StoredResource],
    included: Sequence[StoredResource] = (),
    total: int | None,
) -> bytes:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    head = b'{"resourceType":"Bundle","type":"searchset"'
    if total is not None:
        head += b',"total":' + str(total).encode()
    head += b',"link":' + _json(links)
    entries = [_entry(base, m, "match") for m in matches] + [_entry(base, i, "include") for i in included]
    if entries:
        head += b',"entry":[' + b",".join(entries) + b"]"
    return head + b"}"


def history(base: str, *, self_url: str, next_url: str | None, versions: Sequence[StoredResource]) -> bytes:
    """An instance history (R4 §3.1.0.11): newest first, each with the request that wrote it."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    entries = []
    for v in versions:
        path = f"{v.resource_type}/{v.resource_id}"
        created = v.method == "create"
        meta = {
            "request": {"method": "POST" if created else "PUT", "url": v.resource_type if created else path},
            "response": {
                "status": "201 Created" if created else "200 OK",
                "etag": f'W/"{v.version_id}"',
                "lastModified": instant_text(v.last_updated),
            },
        }
        tail = _json(meta)[1:]  # '"request":...}' joined after the resource
        entries.append(
            b'{"fullUrl":'
            + _json(f"{base}/{path}/_history/{v.version_id}")
            + b',"resource":'
            + v.content
            + b","
            + tail
        )
    body = b'{"resourceType":"Bundle","type":"history","link":' + _json(links)
    if entries:
        body += b',"entry":[' + b",".join(entries) + b"]"
    return body + b"}"


def response(kind: str, entries: Sequence[tuple[dict[str, object], bytes | None, bytes | None]]) -> bytes:
    """A ``transaction-response`` or ``batch-response`` (R4 §3.1.0.11): per entry, in the request's
    order, its ``response`` (status, location, etag, lastModified; a failed batch entry's
    OperationOutcome as ``response.outcome``) and the resource it answered with."""
    parts = []
    for meta, resource, outcome in entries:
        reply = _json(meta)
        if outcome is not None:
            reply = reply[:-1] + b',"outcome":' + outcome + b"}"
        entry = b'{"response":' + reply
        if resource is not None:
            entry += b',"resource":' + resource
        parts.append(entry + b"}")
    body = b'{"resourceType":"Bundle","type":"' + kind.encode() + b'"'
    if parts:
        body += b',"entry":[' + b",".join(parts) + b"]"
    return body + b"}"


def subscriptions(base: str, found: Sequence[tuple[str, bytes]]) -> bytes:
    """A searchset of Subscriptions (their stored JSON)."""
    links = _json([{"relation": "self", "url": f"{base}/Subscription"}])
    entries = [
        b'{"fullUrl":'
        + _json(f"{base}/Subscription/{rid}")
        + b',"resource":'
        + content
        + b',"search":{"mode":"match"}}'
        for rid, content in found
    ]
    body = (
        b'{"resourceType":"Bundle","type":"searchset","total":'
        + str(len(found)).encode()
        + b',"link":'
        + links
    )
    if entries:
        body += b',"entry":[' + b",".join(entries) + b"]"
    return body + b"}"
