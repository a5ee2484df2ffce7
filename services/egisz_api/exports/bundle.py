"""The machine-readable export: a FHIR ``Bundle`` of type ``collection`` written as a stream of
byte chunks from the stored resources (each resource's stored bytes, never re-serialised)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from egisz_api.records.schemas import StoredResource


def chunks(
    base: str, bundle_id: str, timestamp: str, pages: Iterable[list[StoredResource]]
) -> Iterator[bytes]:
    """The Bundle's JSON in pieces: the head, then one piece per page of entries, then the tail."""
    head = {"resourceType": "Bundle", "id": bundle_id, "type": "collection", "timestamp": timestamp}
    yield json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()[:-1] + b',"entry":['
    first = True
    for page in pages:
        parts = []
        for resource in page:
            url = json.dumps(f"{base}/{resource.resource_type}/{resource.resource_id}").encode()
            parts.append(b'{"fullUrl":' + url + b',"resource":' + resource.content + b"}")
        if parts:
            yield (b"" if first else b",") + b",".join(parts)
            first = False
    yield b"]}"
