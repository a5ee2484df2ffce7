"""JSON logging with a request id that crosses service boundaries.

The request id comes from the incoming ``X-Request-ID`` header (when it looks like an id) or is
made up; it is put on every log record written while the request runs and returned in the
response header. Outgoing calls add it through :func:`outgoing_headers`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import random
import re
import sys
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else passed through ``extra=`` is emitted as a field.
_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def accept_request_id(value: str | None) -> str:
    """The caller's request id if it is a sane token, else a fresh one (never log raw header junk)."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    # A correlation id, not a secret: the Mersenne Twister is plenty and costs no syscall
    # (uuid4 reads os.urandom on every request).
    return f"{random.getrandbits(128):032x}"


def current_request_id() -> str | None:
    return request_id_var.get()


def outgoing_headers() -> dict[str, str]:
    rid = request_id_var.get()
    return {REQUEST_ID_HEADER: rid} if rid else {}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """One readable line per record, with the ``extra=`` fields appended as key=value."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {service} %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _RESERVED and key != "request_id" and not key.startswith("_")
        ]
        return f"{line} {' '.join(extras)}" if extras else line


def configure_logging(service: str, *, level: str = "INFO", json_output: bool = True) -> None:
    """Install one stderr handler on the root logger (idempotent: replaces ours on reconfigure)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_shared_logging", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._shared_logging = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(service) if json_output else PlainFormatter(service))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's access log would print query strings (codes, tokens); we log requests ourselves.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every URL at INFO; query strings can carry codes and tokens.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # readiness probes open a migration context on every call; its INFO lines are noise
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
