"""``GET /esia/diagnoses/{handle}``: one diagnosis as a page, for the client's developers (issue 12
item 8), in development mode only: elsewhere it is 404 like any unknown page, and the operator reads
diagnoses through ``/admin/esia``. The handle (12 hex digits from ``secrets``, in the tail of the
``error_description`` the developer got) is the capability: whoever has it may read the diagnosis,
which holds what the client sent and what its registration says, never a person's data or a secret.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from idp.dependencies import SessionDep, SettingsDep
from idp.esia import admin, diagnostics
from idp.esia.errors import DiagnosisNotFoundError
from idp.esia.models import EsiaDiagnosis
from idp.esia.texts import MESSAGES
from idp.login.pages import person_locale, render
from shared.errors import NotFoundError
from shared.web.formatting import format_datetime

router = APIRouter(tags=["esia"], include_in_schema=False)
_HANDLE = re.compile(r"[0-9a-f]{12}")
#: recorded keys shown as a block of text (the signed strings: spaces and order matter)
_BLOCKS = frozenset({"expected", "found"})


def _value(value: Any) -> tuple[str, bool]:
    if isinstance(value, str):
        return value, "\n" in value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(str(v) for v in value) or "—", len(value) > 1
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2), True
    return str(value), False


def _rows(row: EsiaDiagnosis, locale: str) -> tuple[list[tuple[str, str, bool]], str | None]:
    recorded = {k: v for k, v in row.detail.items() if k not in ("error", "description", "advice")}
    rows = []
    for key, raw in recorded.items():
        label = MESSAGES.get(f"esia_diag_{key}", {}).get(locale, key)
        value, block = _value(raw)
        rows.append((label, value, block or key in _BLOCKS))
    advice = row.detail.get("advice")
    return rows, (_value(advice)[0] if advice else None)


@router.get("/esia/diagnoses/{handle}", response_class=HTMLResponse)
def diagnosis_page(request: Request, handle: str, session: SessionDep, settings: SettingsDep) -> Response:
    if not settings.dev_mode:  # as any unknown address: nothing says the page exists
        raise NotFoundError("Nothing here.")
    if not _HANDLE.fullmatch(handle):
        raise DiagnosisNotFoundError("No such diagnosis.")
    row = admin.diagnosis(session, handle)
    locale = person_locale(request)
    rows, advice = _rows(row, locale)

    def label(key: str) -> str:
        return MESSAGES[key][locale]

    answer = [
        (label("esia_diag_code"), row.code),
        (label("esia_diag_error"), row.detail.get("error")),
        (label("esia_diag_description"), row.detail.get("description")),
        (label("esia_diag_endpoint"), row.endpoint),
        (label("esia_diag_client"), row.client_id),
        (label("esia_diag_when"), format_datetime(row.created_at, settings.timezone)),
        (label("esia_diag_handle"), row.handle),
    ]
    switch = f"{request.url.path}?{urlencode({'lang': 'en' if locale == 'ru' else 'ru'})}"
    return render(
        request,
        "esia_diagnosis.html",
        locale,
        title=label("esia_diag_title"),
        wide=True,
        switch_url=switch,
        answer=answer,
        rows=rows,
        advice=advice,
        kept_days=diagnostics.RETENTION.days,
    )
