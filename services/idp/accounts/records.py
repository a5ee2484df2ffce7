"""Person records: the ОМС policy, addresses, children, vehicles, birth place and citizenship that
the ESIA REST API returns (ESIA.md §7.2) and an account's columns lack.

Each record is JSON sealed with the accounts' :class:`FieldCipher` (R-SEC-2); the associated data
binds it to its account and kind, so a sealed payload moved to another row does not open. Kinds in
:data:`idp.accounts.record_kinds.SINGLE` are one per person: adding one replaces the old one.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import repository
from idp.accounts.errors import PersonRecordInvalidError, PersonRecordNotFoundError
from idp.accounts.models import PersonRecord
from idp.accounts.protection import FieldCipher, UndecryptableValueError
from idp.accounts.record_kinds import KINDS, SINGLE, RecordFieldsError, validate_record
from shared.db import utcnow


@dataclass(frozen=True)
class RecordView:
    id: int
    kind: str
    data: dict[str, Any]
    #: 40 hex, changes whenever the record does
    etag: str
    updated_at: dt.datetime


def _aad(account_id: int, kind: str) -> str:
    return f"person_record:{account_id}:{kind}"


def _view(row: PersonRecord, cipher: FieldCipher) -> RecordView:
    data = json.loads(cipher.open(row.payload_encrypted, _aad(row.account_id, row.kind)))
    return RecordView(row.id, row.kind, data, row.etag, row.updated_at)


def add_record(
    session: Session, cipher: FieldCipher, account_id: int, kind: str, payload: object
) -> RecordView:
    """Validate and seal a record; a single-kind record replaces the account's previous one."""
    try:
        data = validate_record(kind, payload)
    except RecordFieldsError as exc:
        raise PersonRecordInvalidError(
            f"The {kind} record is not valid." if kind in KINDS else "Unknown record kind.",
            extra={"errors": exc.errors},
        ) from None
    sealed = cipher.seal(json.dumps(data, ensure_ascii=False, sort_keys=True), _aad(account_id, kind))
    now = utcnow()
    existing = repository.records_of(session, account_id, kind) if kind in SINGLE else []
    if existing:
        row = existing[0]
        row.payload_encrypted, row.etag, row.updated_at = sealed, secrets.token_hex(20), now
        session.flush()
    else:
        row = repository.add_record(
            session,
            PersonRecord(
                account_id=account_id,
                kind=kind,
                payload_encrypted=sealed,
                etag=secrets.token_hex(20),
                created_at=now,
                updated_at=now,
            ),
        )
    return RecordView(row.id, kind, data, row.etag, row.updated_at)


def list_records(
    session: Session, cipher: FieldCipher, account_id: int, kind: str | None = None
) -> list[RecordView]:
    """The account's records (of one kind), oldest first, opened."""
    return [_view(row, cipher) for row in repository.records_of(session, account_id, kind)]


def has_record(session: Session, account_id: int, kind: str) -> bool:
    return bool(repository.records_of(session, account_id, kind))


def remove_record(session: Session, account_id: int, record_id: int) -> str:
    """Delete one of the account's records; returns its kind."""
    row = next((r for r in repository.records_of(session, account_id) if r.id == record_id), None)
    if row is None:
        raise PersonRecordNotFoundError(f"No record {record_id} for this account.")
    kind = row.kind
    repository.remove_record(session, row)
    return kind


@dataclass
class RecordsReencryption:
    rows: int = 0
    reencrypted: int = 0
    last_id: int = 0
    #: ids of records no configured key opens (reported, left as they are)
    failed: list[int] = field(default_factory=list)


def reencrypt_records(
    session: Session, cipher: FieldCipher, *, start_after_id: int, max_rows: int
) -> RecordsReencryption:
    """Re-seal under the current key the records sealed under an older one (after the
    personal-data key changed; ``python -m idp reencrypt-personal-data`` runs it after the
    accounts' columns). The caller commits each batch."""
    report = RecordsReencryption()
    for row in repository.records_after(session, start_after_id, max_rows):
        report.rows += 1
        report.last_id = row.id
        if not cipher.needs_reencryption(row.payload_encrypted):
            continue
        aad = _aad(row.account_id, row.kind)
        try:
            plaintext = cipher.open(row.payload_encrypted, aad)
        except UndecryptableValueError:
            report.failed.append(row.id)
            continue
        row.payload_encrypted = cipher.seal(plaintext, aad)  # same content: the eTag stays
        report.reencrypted += 1
    session.flush()
    return report
