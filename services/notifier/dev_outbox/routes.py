"""``/dev/outbox``: the page where a demo user reads the code they were "sent" (dev mode only).

The router is mounted only when the dev outbox is enabled, which the settings allow only in dev
mode; elsewhere the path does not exist (404).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from notifier.dependencies import SessionDep
from notifier.dev_outbox import service
from shared.openapi import problem_responses

router = APIRouter(prefix="/dev/outbox", tags=["dev outbox"])
# Autoescape everything: the page shows what callers sent (names, links) inside HTML.
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
)


#: the dev outbox has no token (dev mode only); its one failure is a query that does not fit
_BAD_QUERY = problem_responses({422: "A query parameter does not fit the schema (`validation_failed`)"})


@router.get(
    "",
    response_class=HTMLResponse,
    summary="Messages delivered to the dev outbox (dev mode)",
    responses=_BAD_QUERY,
)
def outbox_page(
    request: Request, session: SessionDep, address: str | None = Query(default=None, max_length=512)
) -> HTMLResponse:
    entries = service.recent_entries(session, address=address)
    return templates.TemplateResponse(
        request,
        "outbox.html.j2",
        {"entries": entries, "address": address or ""},
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/latest",
    summary="The newest dev-outbox entries as JSON (for demo scripts and e2e tests)",
    responses=_BAD_QUERY,
)
def outbox_latest(
    session: SessionDep,
    address: str | None = Query(default=None, max_length=512),
    limit: int = Query(default=10, ge=1, le=100),
) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "message_id": e.message_id,
            "channel": e.channel,
            "address": e.address,
            "subject": e.subject,
            "body": e.body,
            "created_at": e.created_at.isoformat(),
        }
        for e in service.recent_entries(session, address=address, limit=limit)
    ]
