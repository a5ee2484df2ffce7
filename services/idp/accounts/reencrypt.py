"""Re-encryption of personal data after the personal-data key changed (R-SEC-2).

Every column of the accounts table whose name ends in ``_encrypted`` holds ``FieldCipher.seal(value,
field)`` with ``field`` the column name without the suffix (``snils_encrypted`` → ``"snils"``), so a
new encrypted column is covered without touching this module. Each value is opened (under the current
or a previous key) and, when it is under an older key, sealed again under the current one.

Lookups: ``<field>_lookup`` beside ``<field>_encrypted`` is the HMAC of the decrypted value, and a
:data:`~idp.accounts.protection.COMBINED_LOOKUPS` entry (``passport_lookup``) the HMAC of several
fields joined. The lookup key derives from the *current* secret, so each lookup is recomputed from
the decrypted values with the current cipher. A stored lookup is only replaced when it matches the
value under one of the configured secrets: one computed some other way is reported, never
overwritten with something the application would not compute.

Failures are collected, not raised: a value no configured key opens, or a recomputed lookup that
collides with another account's, is reported with the account id and the column, and the rest goes
on. Each row is written inside its own savepoint, so a row that fails at the database leaves the
others' work in the transaction; the caller commits (the CLI per batch).

The three SQL statements live here rather than in ``accounts/repository.py`` because they work on
any table with ``*_encrypted`` columns (tests pass their own), not on the ``Account`` model.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from sqlalchemy import RowMapping, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.accounts import repository
from idp.accounts.models import Account
from idp.accounts.protection import (
    COMBINED_LOOKUPS,
    FieldCipher,
    UndecryptableValueError,
    combined_lookup_value,
)

ENCRYPTED_SUFFIX = "_encrypted"
LOOKUP_SUFFIX = "_lookup"
BATCH_SIZE = 500


@dataclasses.dataclass
class ColumnCounts:
    values: int = 0
    reencrypted: int = 0


@dataclasses.dataclass(frozen=True)
class RowFailure:
    account_id: int
    column: str
    reason: str


@dataclasses.dataclass
class ReencryptionReport:
    key_id: str
    rows: int = 0
    last_id: int = 0
    columns: dict[str, ColumnCounts] = dataclasses.field(default_factory=dict)
    #: lookup column → rows whose lookup was recomputed under the current key
    lookups: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: list[RowFailure] = dataclasses.field(default_factory=list)

    @property
    def reencrypted(self) -> int:
        return sum(c.reencrypted for c in self.columns.values())

    @property
    def lookups_updated(self) -> int:
        return sum(self.lookups.values())

    def merge(self, other: ReencryptionReport) -> None:
        self.rows += other.rows
        self.last_id = max(self.last_id, other.last_id)
        for name, counts in other.columns.items():
            mine = self.columns.setdefault(name, ColumnCounts())
            mine.values += counts.values
            mine.reencrypted += counts.reencrypted
        for name, count in other.lookups.items():
            self.lookups[name] = self.lookups.get(name, 0) + count
        self.failures.extend(other.failures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "rows": self.rows,
            "reencrypted": self.reencrypted,
            "lookups_updated": self.lookups_updated,
            "failed": len(self.failures),
            "columns": {name: dataclasses.asdict(c) for name, c in self.columns.items()},
            "lookups": dict(self.lookups),
            "failures": [dataclasses.asdict(f) for f in self.failures],
        }


def encrypted_fields(table: Table) -> list[str]:
    """Field names of the table's ``*_encrypted`` columns (``snils_encrypted`` → ``snils``)."""
    return [c.name[: -len(ENCRYPTED_SUFFIX)] for c in table.columns if c.name.endswith(ENCRYPTED_SUFFIX)]


def lookup_sources(table: Table) -> dict[str, tuple[str, ...]]:
    """``<name>_lookup`` column → the encrypted fields its HMAC covers."""
    fields = set(encrypted_fields(table))
    plan: dict[str, tuple[str, ...]] = {}
    for column in table.columns:
        if not column.name.endswith(LOOKUP_SUFFIX):
            continue
        name = column.name[: -len(LOOKUP_SUFFIX)]
        if name in fields:
            plan[name] = (name,)
        elif name in COMBINED_LOOKUPS and set(COMBINED_LOOKUPS[name]) <= fields:
            plan[name] = COMBINED_LOOKUPS[name]
    return plan


def reencrypt_personal_data(
    session: Session,
    cipher: FieldCipher,
    *,
    table: Table | None = None,
    start_after_id: int = 0,
    max_rows: int | None = None,
) -> ReencryptionReport:
    """Re-seal every encrypted value under the current key and recompute the lookups.

    Walks rows by id after ``start_after_id``; ``max_rows`` bounds one call so that a caller can
    commit between batches (``report.last_id`` is where to go on from). Never commits.
    """
    table = table if table is not None else cast(Table, Account.__table__)
    report = ReencryptionReport(key_id=cipher.key_id)
    fields = encrypted_fields(table)
    if not fields:
        return report
    lookups = lookup_sources(table)
    for field in fields:
        report.columns[field + ENCRYPTED_SUFFIX] = ColumnCounts()
    for name in lookups:
        report.lookups[name + LOOKUP_SUFFIX] = 0
    sealed = [f + ENCRYPTED_SUFFIX for f in fields]
    wanted = [*sealed, *(name + LOOKUP_SUFFIX for name in lookups)]
    after = start_after_id
    while max_rows is None or report.rows < max_rows:
        limit = BATCH_SIZE if max_rows is None else min(BATCH_SIZE, max_rows - report.rows)
        rows = repository.sealed_rows_after(session, table, wanted, sealed, after, limit)
        for row in rows:
            _reencrypt_row(session, cipher, table, fields, lookups, row, report)
        if rows:
            after = report.last_id = int(rows[-1]["id"])
            report.rows += len(rows)
        if len(rows) < limit:
            break
    return report


def _reencrypt_row(
    session: Session,
    cipher: FieldCipher,
    table: Table,
    fields: list[str],
    lookups: dict[str, tuple[str, ...]],
    row: RowMapping,
    report: ReencryptionReport,
) -> None:
    row_id = int(row["id"])
    plain: dict[str, str] = {}
    changes: dict[str, str] = {}
    reencrypted: list[str] = []  # counted once the row is written
    for field in fields:
        column = field + ENCRYPTED_SUFFIX
        sealed = row[column]
        if sealed is None:
            continue
        report.columns[column].values += 1
        try:
            plain[field] = cipher.open(sealed, field)
        except UndecryptableValueError as exc:
            report.failures.append(RowFailure(row_id, column, str(exc)))
            continue
        if cipher.needs_reencryption(sealed):
            changes[column] = cipher.seal(plain[field], field)
            reencrypted.append(column)
    for name, sources in lookups.items():
        if any(source not in plain for source in sources):
            continue  # a source is empty or failed (already reported)
        value = plain[name] if sources == (name,) else combined_lookup_value(name, plain)
        column = name + LOOKUP_SUFFIX
        stored = row[column]
        candidates = cipher.lookup_hashes(value, name)
        if stored is None or stored == candidates[cipher.key_id]:
            continue
        if stored not in candidates.values():
            reason = "stored lookup is not the HMAC of its value under any configured key; left as is"
            report.failures.append(RowFailure(row_id, column, reason))
            continue
        changes[column] = candidates[cipher.key_id]
    if not changes:
        return
    try:
        with session.begin_nested():
            repository.update_row(session, table, row_id, changes)
    except IntegrityError:
        # Another account already holds this lookup: the same SNILS/INN/passport was stored again
        # under the new key while this row still had the old one.
        reason = "recomputed lookup collides with another account's; row left unchanged"
        report.failures.append(RowFailure(row_id, ", ".join(sorted(changes)), reason))
        return
    for column in reencrypted:
        report.columns[column].reencrypted += 1
    for column in changes:
        if column in report.lookups:
            report.lookups[column] += 1
