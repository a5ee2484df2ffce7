"""One record is one line: text from a request cannot forge a log record (CWE-117).

The request path reaches the access log percent-decoded, so ``/%0Afake%20line`` is a path with a
newline in it. Both formats are read back from what the handler really wrote.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine

from shared.http import install_plumbing
from shared.logging import configure_logging, escape_log_text

#: how every plain record begins: "2026-12-01 19:00:00,123 INFO test ..."
PLAIN_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ test ")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    install_plumbing(
        app, service="test", engine_getter=lambda: engine, script_location=tmp_path, max_body_bytes=2048
    )

    @app.get("/boom/{what}")
    def boom(what: str) -> None:
        raise RuntimeError(f"cannot {what}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c
    engine.dispose()


def _access_records(lines: list[str]) -> list[str]:
    return [line for line in lines if " shared.access " in line or '"shared.access"' in line]


@pytest.mark.usefixtures("restore_logging")
async def test_plain_log_newline_in_path_0Afake_20line(client: httpx.AsyncClient) -> None:
    stream = io.StringIO()
    configure_logging("test", json_output=False, stream=stream)
    response = await client.get("/%0Afake%20line")
    assert response.status_code == 404
    lines = stream.getvalue().splitlines()
    assert lines and all(PLAIN_RECORD.match(line) for line in lines), lines
    assert not any(line.startswith("fake") for line in lines)
    [record] = _access_records(lines)
    assert 'path="/\\x0afake line"' in record and "status=404" in record


@pytest.mark.usefixtures("restore_logging")
async def test_plain_log_field_cannot_be_forged_by_a_space_in_path(client: httpx.AsyncClient) -> None:
    stream = io.StringIO()
    configure_logging("test", json_output=False, stream=stream)
    await client.get("/x%20status=200")
    [record] = _access_records(stream.getvalue().splitlines())
    assert 'path="/x status=200"' in record and " status=404" in record


@pytest.mark.usefixtures("restore_logging")
async def test_plain_log_traceback_lines_are_indented(client: httpx.AsyncClient) -> None:
    """A 500's traceback spans lines, but an exception text with a newline cannot start a record."""
    stream = io.StringIO()
    configure_logging("test", json_output=False, stream=stream)
    response = await client.get("/boom/x%0A2026-12-01 00:00:00,000 INFO test forged")
    assert response.status_code == 500
    lines = stream.getvalue().splitlines()
    records = [line for line in lines if not line.startswith("    ")]
    assert all(PLAIN_RECORD.match(line) for line in records), records
    assert not any(
        "forged" in line for line in records if "unhandled error" not in line and "path=" not in line
    )
    assert any(line.startswith("    Traceback") for line in lines)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("path", ["/%0Afake%20line", "/%E2%80%A8fake", "/%C2%85fake", "/%0D%1B[31mred"])
async def test_json_log_is_one_line_per_record(client: httpx.AsyncClient, path: str) -> None:
    stream = io.StringIO()
    configure_logging("test", json_output=True, stream=stream)
    await client.get(path)
    lines = stream.getvalue().splitlines()  # splitlines also splits at U+2028 and U+0085
    records = [json.loads(line) for line in lines]
    [access] = [r for r in records if r["logger"] == "shared.access"]
    assert access["path"] == httpx.URL("http://t" + path).path  # the same value, escaped on the wire


def test_escape_log_text_keeps_ordinary_text() -> None:
    assert escape_log_text("/v1/messages/абв ok") == "/v1/messages/абв ok"
    assert escape_log_text("a\\nb") == "a\\\\nb"  # a literal backslash cannot pass for an escape
    assert escape_log_text("a\u202eb\x7f") == "a\\u202eb\\x7f"
