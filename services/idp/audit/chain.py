"""The hash chain of the security log: what is hashed, and how a sequence of events is checked.

Each event's ``hash`` is ``sha256(prev_hash + canonical_json(content))`` where the content is every
field except ``id``, ``prev_hash`` and ``hash``, serialised with sorted keys, no whitespace and
``occurred_at`` as an ISO 8601 string with microseconds in UTC. ``prev_hash`` is the previous
event's ``hash`` (:data:`GENESIS_HASH` for the very first event), so changing a row breaks its own
hash and removing one breaks its successor's link.

Pure functions only: the service reads rows and the head, this module judges them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: ``prev_hash`` of the first event ever written.
GENESIS_HASH = "0" * 64
#: The event a purge writes; its ``details["anchor"]`` is the prev_hash of the first retained event.
PURGE_EVENT = "log_purged"
#: The fields covered by an event's hash.
CONTENT_FIELDS = (
    "occurred_at",
    "account_id",
    "actor",
    "event_type",
    "result",
    "ip",
    "user_agent",
    "details",
)


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_content(event: Mapping[str, Any]) -> str:
    content = {name: event[name] for name in CONTENT_FIELDS}
    content["occurred_at"] = canonical_time(event["occurred_at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification. ``first_broken_id`` names the first event that fails a check."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    #: the head as read before the walk: operators may record it elsewhere (external anchoring)
    head_event_id: int | None = None
    head_hash: str | None = None


def check_chain(
    rows: Iterable[Mapping[Any, Any]], *, head_event_id: int | None, head_hash: str | None, has_head: bool
) -> ChainReport:
    """Walk ``rows`` in id order and report the first event that breaks the chain.

    Checks, in order: each row's hash matches its content; each row's prev_hash is the previous
    row's hash (the first retained row's prev_hash is the anchor: the genesis or an anchor some
    ``log_purged`` event recorded, so deleting the oldest rows outside a purge is caught too); the
    head names the last row and its hash (so deleting the newest rows is caught).
    """
    checked = 0
    first: Mapping[Any, Any] | None = None
    previous: Mapping[Any, Any] | None = None
    anchors: set[str] = {GENESIS_HASH}

    def broken(event_id: int | None, reason: str) -> ChainReport:
        return ChainReport(False, checked, event_id, reason, head_event_id, head_hash)

    for row in rows:
        if event_hash(row["prev_hash"], row) != row["hash"]:
            return broken(
                row["id"], f"event {row['id']}: hash does not match its content (the row was edited)"
            )
        if previous is not None and row["prev_hash"] != previous["hash"]:
            return broken(
                row["id"],
                f"event {row['id']}: prev_hash is not the hash of event {previous['id']} "
                f"(events between {previous['id']} and {row['id']} were deleted, or event "
                f"{previous['id']} was rewritten)",
            )
        if row["event_type"] == PURGE_EVENT and isinstance(row["details"], dict):
            anchor = row["details"].get("anchor")
            if isinstance(anchor, str):
                anchors.add(anchor)
        first = first or row
        previous = row
        checked += 1

    if first is not None and first["prev_hash"] not in anchors:
        return broken(
            first["id"],
            f"event {first['id']}: its prev_hash is neither the genesis nor an anchor recorded by a "
            f"{PURGE_EVENT} event (older events were deleted outside a purge)",
        )
    if not has_head:
        if previous is None:
            return ChainReport(True, 0)
        return broken(None, f"the log head is missing but {checked} events exist")
    if previous is None:
        if head_event_id is None:
            return ChainReport(True, 0, head_event_id=None, head_hash=head_hash)
        return broken(head_event_id, f"the head names event {head_event_id} but no events exist")
    if previous["id"] != head_event_id or previous["hash"] != head_hash:
        return broken(
            head_event_id,
            f"the head names event {head_event_id} but the last event is {previous['id']} "
            "(the newest events were deleted or the last one was rewritten)",
        )
    return ChainReport(True, checked, head_event_id=head_event_id, head_hash=head_hash)
