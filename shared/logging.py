r"""JSON logging with a request id that crosses service boundaries.

The request id comes from the incoming ``X-Request-ID`` header (when it looks like an id) or is
made up; it is put on every log record written while the request runs and returned in the
response header. Outgoing calls add it through :func:`outgoing_headers`.

Log lines carry text that came from outside (a request path is percent-decoded: ``/%0Afake`` is
a newline). One record is one line in both formats, so that nobody can forge a record by putting a
line break in a URL (OWASP "Log Injection", CWE-117): the JSON format escapes through ``json`` and
then the line separators JSON leaves alone; the plain format escapes control and line-separator
characters as ``\xNN`` / ``\uNNNN`` and quotes field values that hold spaces, quotes or ``=``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import random
import re
import sys
import unicodedata
from typing import Any, TextIO

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


#: Unicode categories that break or hide a line: controls (C0, DEL, C1: \n \r \x1b \x85),
#: line and paragraph separators (U+2028, U+2029) and format characters (bidi overrides such as
#: U+202E that make a terminal show text in another order), and lone surrogates a stream cannot encode.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cf", "Cs"})


def _escape_char(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if unicodedata.category(char) not in _UNSAFE_CATEGORIES:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_log_text(text: str) -> str:
    """``text`` on one line, every control or line-breaking character written as an escape."""
    if text.isprintable() and "\\" not in text:
        return text  # the common case, without a per-character pass
    return "".join(_escape_char(char) for char in text)


def _plain_value(value: Any) -> str:
    text = escape_log_text(str(value))
    if not text or any(char in text for char in ' "='):
        # Quoted, so that a value cannot end early and forge another ``key=value`` field.
        return '"' + text.replace('"', '\\"') + '"'
    return text


#: Characters ``json.dumps(ensure_ascii=False)`` leaves raw that line-splitting readers (Python's
#: ``str.splitlines``, some log shippers) treat as line breaks; escaped, the JSON is the same value.
_JSON_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


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
        return json.dumps(payload, ensure_ascii=False, default=str).translate(_JSON_LINE_BREAKS)


class PlainFormatter(logging.Formatter):
    """One readable line per record, with the ``extra=`` fields appended as key=value."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {service} %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        extras = [
            f"{key}={_plain_value(value)}"
            for key, value in record.__dict__.items()
            if key not in _RESERVED and key != "request_id" and not key.startswith("_")
        ]
        lines = [" ".join([escape_log_text(self.formatMessage(record)), *extras])]
        # A traceback is many lines by nature: indented, none of them can pass for a record
        # (records start at the first column with a timestamp), not even an exception text with a
        # line break in it. Formatted here rather than through ``record.exc_text``, which another
        # handler may have filled in its own way.
        if record.exc_info:
            lines += _indented(self.formatException(record.exc_info))
        if record.stack_info:
            lines += _indented(self.formatStack(record.stack_info))
        return "\n".join(lines)


def _indented(text: str) -> list[str]:
    return [f"    {escape_log_text(line)}" for line in text.splitlines()]


def configure_logging(
    service: str, *, level: str = "INFO", json_output: bool = True, stream: TextIO | None = None
) -> None:
    """Install one handler on the root logger writing to ``stream`` (stderr by default; idempotent:
    replaces ours on reconfigure)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_shared_logging", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
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
