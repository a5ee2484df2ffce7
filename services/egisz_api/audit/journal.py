"""The audit journal: append-only segment files that make an AuditEvent durable before the request
that caused it is answered (group commit), and that are replayed into the database at startup.

A process writes one live segment at a time, named ``<ns>-<pid>-<random>.jsonl`` and held with an
exclusive ``flock`` for as long as the process keeps it (until every record in it is in the
database). A segment nobody holds was left by a process that died: :meth:`Journal.orphans` finds and
locks those, the caller replays and deletes them. Several worker processes may share the directory.

Each line is ``<crc32 of the JSON, 8 hex digits> <JSON>\\n``. A batch is written with one
``write`` and made durable with one ``fsync`` before any of its records is acknowledged, so a
crash can only tear the last, unacknowledged batch; :func:`read_segment` skips a torn or corrupt
line and counts it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SUFFIX = ".jsonl"


def encode_line(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    return b"%08x " % zlib.crc32(payload) + payload + b"\n"


def decode_line(line: bytes) -> dict[str, Any] | None:
    """The record of one line, or None for a torn or corrupt one."""
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        return None
    payload = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            return None
        record = json.loads(payload)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


@dataclass
class SegmentRead:
    records: list[dict[str, Any]]
    damaged: int


def read_segment(path: Path) -> SegmentRead:
    records: list[dict[str, Any]] = []
    damaged = 0
    with path.open("rb") as handle:
        for line in handle:
            record = decode_line(line)
            if record is None:
                damaged += 1
            else:
                records.append(record)
    return SegmentRead(records, damaged)


class Segment:
    """One journal file this process holds open and locked."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.size = os.fstat(fd).st_size

    @classmethod
    def create(cls, directory: Path) -> Segment:
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return cls(path, fd)

    @classmethod
    def claim(cls, path: Path) -> Segment | None:
        """Lock an existing segment; None when a live process holds it (or it is gone)."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if not path.exists():  # deleted by its owner between listing and locking
            os.close(fd)
            return None
        return cls(path, fd)

    def append(self, lines: Iterable[bytes], *, fsync: bool) -> None:
        data = b"".join(lines)
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        if fsync:
            os.fsync(self.fd)
        self.size += len(data)

    def delete(self) -> None:
        """Remove the file, then let the lock go (in that order, so nobody replays a deleted file)."""
        self.path.unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Journal:
    """The journal directory: new segments for this process, orphaned ones for replay."""

    def __init__(self, directory: Path, *, fsync: bool = True) -> None:
        self.directory = directory
        self.fsync = fsync

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def remove_if_empty(self) -> None:
        """Remove the directory when no segment is left (a clean shutdown leaves nothing behind)."""
        with contextlib.suppress(OSError):  # segments remain (kept for replay), or a worker's
            self.directory.rmdir()

    def new_segment(self) -> Segment:
        for _ in range(3):  # another worker's clean shutdown may remove the empty directory
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                segment = Segment.create(self.directory)
                break
            except FileNotFoundError:
                continue
        else:
            raise FileNotFoundError(f"journal directory {self.directory} keeps disappearing")
        if self.fsync:  # the new file's directory entry must survive a crash too
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return segment

    def orphans(self) -> Iterator[Segment]:
        """Segments no live process holds, oldest first, each locked by this process."""
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            segment = Segment.claim(path)
            if segment is not None:
                yield segment
