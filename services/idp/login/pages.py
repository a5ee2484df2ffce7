"""Rendering the server-side pages (Jinja2, autoescaped) with the headers every page needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from idp.login.i18n import text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))

#: RFC 9700 §4.16 (clickjacking), §4.2/4.3 (no caching or leaking of codes via Referer)
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self' http: https:",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def render(template: str, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    def t(key: str, **params: str) -> str:
        return text(key, locale, **params)

    html = _env.get_template(template).render(t=t, locale=locale, static_url="/static", **context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def redirect(location: str, status: int = 302) -> RedirectResponse:
    """302 after a GET, 303 after a POST (RFC 9700 §4.12: never 307 with credentials)."""
    return RedirectResponse(
        location, status_code=status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
