"""Path parameters that name rows: refused as 422 problems when no row could have them.

Found by fuzzing the admin API: ``/admin/accounts/9223372036854775808`` (2**63, one past the
largest SQL BIGINT) was a 500 on both databases (SQLite's driver raises OverflowError binding it,
PostgreSQL answers "bigint out of range"), and a NUL byte in a string id is a 500 on PostgreSQL,
which cannot hold one in text. Every route that takes a row id in its path uses these types, so the
check is made once, by the request validation, before any SQL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

#: The largest signed 64-bit integer: the top of SQL BIGINT (and of SQLite's INTEGER).
MAX_BIGINT = 2**63 - 1

#: Printable text only: no C0 control characters (NUL among them) and no DEL.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

#: A numeric row id (a positive BIGINT).
RowId = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="A positive 64-bit id.")]


def text_id(max_length: int, description: str) -> object:
    """A string id of at most ``max_length`` printable characters (the column's length)."""
    return Path(min_length=1, max_length=max_length, pattern=PRINTABLE, description=description)
