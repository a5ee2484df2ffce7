"""pytest-xdist scheduling for this suite (``make test`` runs ``pytest -n auto --dist loadgroup``).

Every test goes to whichever worker is free, except that the tests of a module that uses a
module-scoped fixture (three service processes, a browser, a TLS SMTP server) stay together on one
worker, so that fixture is built once and not once per worker or per interleaving.

Why not xdist's own ``xdist_group`` mark: on pytest 9.2 ``--dist loadgroup`` silently ignores it
(pytest-xdist issue #1386: it appends the group to ``item._nodeid``, which pytest 9.2's structured
node ids no longer read). So the workers find those modules at collection time and write them to
a folder the controller named (an environment variable the workers inherit); the controller's
scheduler, which only sees node ids and runs after every worker has collected, reads them there.
Without ``-n`` none of this runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

ENV = "TESTS_XDIST_GROUPS_DIR"
SHARED_SCOPES = {"module", "class", "package"}


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def configure(config: pytest.Config) -> None:
    if not _is_worker(config) and config.getoption("dist", "no") == "loadgroup":
        os.environ[ENV] = tempfile.mkdtemp(prefix="xdist-groups-")


def unconfigure(config: pytest.Config) -> None:
    if not _is_worker(config) and (folder := os.environ.pop(ENV, None)):
        shutil.rmtree(folder, ignore_errors=True)


def record_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On each worker: the files whose tests share a fixture wider than one test."""
    folder = os.environ.get(ENV)
    if not folder or not _is_worker(config):
        return
    together: set[str] = set()
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        for name in info.names_closure:
            defs = info.name2fixturedefs.get(name)
            if defs and defs[-1].scope in SHARED_SCOPES:
                together.add(item.nodeid.split("::", 1)[0])
                break
    target = Path(folder) / f"{uuid.uuid4().hex}.txt"
    target.write_text("\n".join(sorted(together)))


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist", "no") != "loadgroup" or not os.environ.get(ENV):
        return None
    from xdist.scheduler import LoadScopeScheduling

    folder = Path(os.environ[ENV])

    class KeepSharedFixturesTogether(LoadScopeScheduling):
        """LoadScope where the scope is the file for the recorded files, else the test itself."""

        _together: set[str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._together is None:  # read once: every worker has collected by now
                self._together = {
                    line for f in folder.glob("*.txt") for line in f.read_text().splitlines() if line
                }
            path = nodeid.split("::", 1)[0]
            return path if path in self._together else nodeid

    return KeepSharedFixturesTogether(config, log)
