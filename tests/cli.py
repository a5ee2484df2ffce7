"""A service's operator command line (``python -m <service> …``) run inside the test process.

The same ``main(argv)`` the module entry point calls, with the same environment variables and
the output captured, returned as the ``CompletedProcess`` a subprocess would give. Starting a new
interpreter costs seconds of imports per call (the app, SQLAlchemy, FastAPI) and the CLI tests
make dozens of calls; ``python -m`` itself is exercised by the tests that start the services as
processes (tests/integration, tests/deploy).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = {"idp": "IDP_", "egisz_api": "EGISZ_", "notifier": "NOTIFIER_"}


def service_env(service: str, settings: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(PREFIX.values()))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "services")])
    for key, value in settings.items():
        env[PREFIX[service] + key.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def invoke(service: str, settings: Mapping[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m <service> <args>`` with ``settings`` as its environment; never raises for a
    non-zero exit (argparse's and the commands' ``SystemExit`` become the return code)."""
    entry = importlib.import_module(f"{service}.__main__")
    out, err = io.StringIO(), io.StringIO()
    environment = _environment(service_env(service, dict(settings)))
    with environment, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: Any = entry.main(list(args))
        except SystemExit as exc:
            code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message") prints it and exits 1
        err.write(f"{code}\n")
        code = 1
    return subprocess.CompletedProcess([service, *args], code, out.getvalue(), err.getvalue())


def invoke_json(service: str, settings: Mapping[str, Any], *args: str) -> Any:
    """The command's JSON output; a non-zero exit fails with its stderr."""
    result = invoke(service, settings, *args)
    assert result.returncode == 0, f"{service} {' '.join(args)} exited {result.returncode}: {result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else None
