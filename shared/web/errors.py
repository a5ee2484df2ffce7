"""Error pages for people: a browser that asks for HTML gets the shared error page in its
language, with an error id for support; an API client keeps RFC 9457 problem JSON.

:mod:`shared.errors` and the body-size limit in :mod:`shared.http` ask ``app.state.error_pages``
(an :class:`ErrorPages`) before answering with JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from starlette.requests import HTTPConnection

from shared.logging import request_id_var
from shared.web import texts
from shared.web.rendering import PageRenderer

_PAGE_STATUSES = frozenset({400, 404, 405, 413, 422, 429, 500})


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def prefers_html(accept: str | None) -> bool:
    """True when ``Accept`` names ``text/html`` at least as highly as any JSON type.

    Browsers navigating send ``text/html,…,*/*;q=0.8``; API clients send JSON types or ``*/*``."""
    if not accept:
        return False
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        ranks[media.strip().lower()] = _quality(params)
    html = max(ranks.get("text/html", 0.0), ranks.get("application/xhtml+xml", 0.0))
    json = max(ranks.get("application/json", 0.0), ranks.get("application/problem+json", 0.0))
    return html > 0 and html >= json


class ErrorPages:
    """Renders ``error.html`` for an HTTP status; ``locale_of`` picks the person's language."""

    def __init__(
        self,
        renderer: PageRenderer,
        locale_of: Callable[[HTTPConnection], str] | None = None,
    ) -> None:
        self.renderer = renderer
        self.locale_of = locale_of or default_locale

    def accepts(self, connection: HTTPConnection) -> bool:
        return prefers_html(connection.headers.get("accept"))

    def render(
        self,
        connection: HTTPConnection,
        status: int,
        code: str,
        *,
        error_id: str | None = None,
        fields: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        locale = self.locale_of(connection)
        # every error page names an id support can find in the log: a crash's own error id, else
        # the request id every access-log line carries (and the X-Request-ID header)
        error_id = error_id or request_id_var.get()
        key = f"http_{status}" if status in _PAGE_STATUSES else "http_error"
        problems = [self._field_problem(item, locale) for item in fields]
        switch_url = (
            switch_language_url(connection, locale) if connection.scope.get("method") == "GET" else None
        )
        return self.renderer.page(
            "error.html",
            locale,
            status,
            headers=headers,
            title=self.renderer.text(f"{key}_title", locale),
            message=self.renderer.text(f"{key}_text", locale),
            problems=problems,
            error_id=error_id,
            error_code=code,
            switch_url=switch_url,
        )

    def _field_problem(self, item: Mapping[str, Any], locale: str) -> str:
        """One sentence per invalid field, in the person's language; never the submitted value."""
        loc = [str(part) for part in item.get("loc", ()) if str(part) not in {"body", "query", "form"}]
        field = ".".join(loc) or "?"
        kind = str(item.get("type", ""))
        ctx = item.get("ctx") or {}
        if kind == "string_too_long" and "max_length" in ctx:
            return self.renderer.text("v_string_too_long", locale, field=field, max=ctx["max_length"])
        if kind == "string_too_short" and "min_length" in ctx:
            return self.renderer.text("v_string_too_short", locale, field=field, min=ctx["min_length"])
        if kind == "missing":
            return self.renderer.text("v_missing", locale, field=field)
        return self.renderer.text("v_other", locale, field=field)


def switch_language_url(connection: HTTPConnection, locale: str) -> str:
    """The same address in the other language (``?lang=``); the other parameters are kept."""
    params = dict(connection.query_params)
    params["lang"] = "en" if locale == "ru" else "ru"
    return f"{connection.url.path}?{urlencode(params)}"


def default_locale(connection: HTTPConnection) -> str:
    return texts.negotiate(
        connection.query_params.get("lang"),
        accept_language=connection.headers.get("accept-language"),
    )
