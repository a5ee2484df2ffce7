"""Password hashing: argon2id with OWASP parameters (19 MiB, t=2, p=1)."""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the login names no account, so both paths cost one argon2 verification.
_DUMMY_HASH = _HASHER.hash("dummy password that never matches anything")


#: At most one argon2 computation per core this process may run on. Each is ~20 ms of CPU over
#: 19 MiB: more at once than cores only share the cores (every one of N parallel logins finishes
#: after N hashes' time, and the caches thrash: +10 % CPU per hash measured at 8 on one core);
#: queued, they finish first come, first served. Callers hold no database lock while they wait.
_CORES = threading.BoundedSemaphore(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def hash_password(password: str) -> str:
    with _CORES:
        return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    try:
        with _CORES:
            return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
